/**
 * The one typed contract between the renderer and its host (Electron preload, the browser host,
 * or a test host). Every method returns a Promise of a Result; events are `onDidX(cb) → unsubscribe`.
 * Main, preload, the browser host and the renderer all import this file.
 */
import type { Result, RunProgress, RunRequest, RunResult } from '../run/types';

/** Channel names: one prefix, one per method. */
export const CHANNEL_PREFIX = 'inception-explorer:';

export interface HostInfo {
  readonly kind: 'electron' | 'browser' | 'test';
  readonly appVersion: string;
  readonly versions: Readonly<Record<string, string>>;
  /** The engine backend a run would use now, and why others were skipped. */
  readonly backend: string;
  readonly backendNotes: readonly string[];
  readonly platform: string;
}

export interface DesignFile {
  /** Absolute path, or null for an unsaved design. */
  readonly path: string | null;
  /** The file's JSON text. */
  readonly text: string;
}

/** A weights file the user chose, dropped or uploaded; the host lets runs read `path`. */
export interface WeightsFile {
  readonly path: string;
  /** Its file name, for the Run panel. */
  readonly name: string;
}

/** The file types a weights file may have (PyTorch's torch.save files, and safetensors). */
export const WEIGHTS_EXTENSIONS = ['.pth', '.pt', '.bin', '.safetensors'] as const;

/** Largest weights file the browser host takes as an upload (Inception-ResNet v2 is about 225 MB). */
export const MAX_WEIGHTS_UPLOAD_BYTES = 1024 * 1024 * 1024;

/** What a dropped file offers (a DOM File has all of it); core has no DOM types. */
export interface DroppedFile {
  readonly name: string;
  readonly size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** Whether a file name has one of WEIGHTS_EXTENSIONS (case-insensitive). */
export function isWeightsFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return WEIGHTS_EXTENSIONS.some((e) => lower.endsWith(e));
}

/** What the app says when something else is dropped or chosen. */
export function notWeightsMessage(name: string): string {
  return `${name} is not a weights file: drop or choose a ${WEIGHTS_EXTENSIONS.join(', ').replace(/, ([^,]*)$/, ' or $1')} file (a PyTorch state_dict or safetensors).`;
}

export interface SampleImage {
  readonly name: string;
  readonly label: string;
}

/** Every export format's name, in the order the app and CLI list them; core/export/exportFormats.ts defines each. */
export const EXPORT_FORMAT_NAMES = [
  'pytorch',
  'svg',
  'png',
  'csv',
  'markdown',
  'design',
  'onnx',
] as const;
export type ExportFormat = (typeof EXPORT_FORMAT_NAMES)[number];

export interface HostApi {
  getInfo(): Promise<Result<HostInfo>>;
  /** Shows an open dialog; null when the user cancels. */
  openDesign(): Promise<Result<DesignFile | null>>;
  /** Writes to `path`, or asks for one when it is null; null when the user cancels. */
  saveDesign(file: DesignFile): Promise<Result<{ readonly path: string } | null>>;
  /** Asks for a path and writes there; null when the user cancels. */
  saveDesignAs(file: DesignFile): Promise<Result<{ readonly path: string } | null>>;
  /** Saves exported content (text or base64 PNG) where the user chooses. */
  exportFile(req: {
    readonly format: ExportFormat;
    readonly suggestedName: string;
    readonly content: string;
    readonly base64?: boolean;
  }): Promise<Result<{ readonly path: string } | null>>;
  /** Keeps the open design so it survives a crash; called while the user edits. */
  autosave(file: DesignFile): Promise<Result<void>>;
  /** The design autosaved by a session that did not close cleanly, if any. */
  takeRecovery(): Promise<Result<DesignFile | null>>;
  recentFiles(): Promise<Result<readonly string[]>>;
  openRecent(path: string): Promise<Result<DesignFile>>;
  listSamples(): Promise<Result<readonly SampleImage[]>>;
  /** Shows an open dialog for a weights file (WEIGHTS_EXTENSIONS); runs may read the chosen file; null when cancelled. */
  chooseWeights(): Promise<Result<WeightsFile | null>>;
  /**
   * A file dropped on the window: Electron lets runs read it where it is (its path, through the
   * preload); the browser host uploads its bytes into `<home>/weights/uploads`. Anything but a
   * weights file is refused with `weights.notWeightsFile`.
   */
  dropWeights(file: DroppedFile): Promise<Result<WeightsFile>>;
  /** Electron's half of dropWeights: lets runs read a dropped weights file by its path. */
  grantDroppedWeights(path: string): Promise<Result<WeightsFile>>;
  /**
   * A weights path remembered with a design: usable again when the user chose it before (Recent
   * Files or this session) or it is in the host's folders; else `file.notAllowed`, asking to choose it again.
   */
  reuseWeights(path: string): Promise<Result<WeightsFile>>;
  run(runId: string, request: RunRequest): Promise<Result<RunResult>>;
  cancelRun(runId: string): Promise<Result<void>>;
  onDidRunProgress(callback: (p: RunProgress) => void): () => void;
  /** Menu commands from the host (File → Open, Edit → Undo, ...). */
  onDidMenuCommand(callback: (command: MenuCommand) => void): () => void;
}

export type MenuCommand =
  | 'new'
  | 'open'
  | 'save'
  | 'saveAs'
  | 'export'
  | 'undo'
  | 'redo'
  | 'fitView'
  | 'zoomIn'
  | 'zoomOut'
  | 'toggleTheme'
  | 'run'
  | 'cancelRun'
  | 'compare'
  | 'about';

/** Names of the request/response methods of HostApi (events excluded, and dropWeights, which each host implements on its side from the others). */
export type HostMethod = Exclude<
  keyof HostApi,
  'onDidRunProgress' | 'onDidMenuCommand' | 'dropWeights'
>;

export const HOST_METHODS: readonly HostMethod[] = [
  'getInfo',
  'openDesign',
  'saveDesign',
  'saveDesignAs',
  'exportFile',
  'autosave',
  'takeRecovery',
  'recentFiles',
  'openRecent',
  'listSamples',
  'chooseWeights',
  'grantDroppedWeights',
  'reuseWeights',
  'run',
  'cancelRun',
];

export const channel = (method: string): string => `${CHANNEL_PREFIX}${method}`;
