/**
 * The one typed contract between the renderer and its host (Electron preload, the browser host,
 * or a test host). Every method returns a Promise of a Result; events are `onDidX(cb) → unsubscribe`.
 * Main, preload, the browser host and the renderer all import this file.
 */
import type { Result, RunProgress, RunRequest, RunResult } from '../run/types';
import type { PretrainedCheckpoint } from '../weights/pretrained';

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

/** A known checkpoint (core/weights/pretrained.ts) and where it is cached. */
export interface WeightsEntry {
  readonly checkpoint: PretrainedCheckpoint;
  /** Absolute path of the cached file, or null when it is not cached. */
  readonly path: string | null;
}

/** Progress of one `weightsFetch`, sent a few times a second. */
export interface WeightsProgress {
  /** The checkpoint id being fetched. */
  readonly id: string;
  readonly receivedBytes: number;
  /** null when the size is not known yet. */
  readonly totalBytes: number | null;
  readonly bytesPerSecond: number;
  /** null when the size or the rate is not known. */
  readonly secondsLeft: number | null;
}

export interface HostApi {
  getInfo(): Promise<Result<HostInfo>>;
  /** Shows an open dialog; null when the user cancels. */
  openDesign(): Promise<Result<DesignFile | null>>;
  /** Writes to `path`, or asks for one when it is null; null when the user cancels. */
  saveDesign(file: DesignFile): Promise<Result<{ readonly path: string } | null>>;
  /** Asks for a path and writes there; null when the user cancels. */
  saveDesignAs(file: DesignFile): Promise<Result<{ readonly path: string } | null>>;
  /**
   * Saves exported content where the user chooses: text, the file's bytes (ONNX, PNG: at most
   * MAX_EXPORT_BYTES, core/host/schemas.ts), or with `base64` a string of base64 (small pictures).
   */
  exportFile(req: {
    readonly format: ExportFormat;
    readonly suggestedName: string;
    readonly content: string | Uint8Array;
    /** The string content is base64 of the bytes to write (ignored for bytes). */
    readonly base64?: boolean;
  }): Promise<Result<{ readonly path: string } | null>>;
  /** Keeps the open design so it survives a crash; called while the user edits. */
  autosave(file: DesignFile): Promise<Result<void>>;
  /** The design autosaved by a session that did not close cleanly, if any. */
  takeRecovery(): Promise<Result<DesignFile | null>>;
  recentFiles(): Promise<Result<readonly string[]>>;
  openRecent(path: string): Promise<Result<DesignFile>>;
  listSamples(): Promise<Result<readonly SampleImage[]>>;
  run(runId: string, request: RunRequest): Promise<Result<RunResult>>;
  cancelRun(runId: string): Promise<Result<void>>;
  onDidRunProgress(callback: (p: RunProgress) => void): () => void;
  /** Every known reference checkpoint, with its cached path or null. */
  weightsList(): Promise<Result<readonly WeightsEntry[]>>;
  /**
   * Downloads checkpoint `id` into the weights cache (or finds it there) and lets runs of this
   * session read it; errors `weights.*` (node/weights/download.ts), `weights.cancelled` after
   * `cancelWeightsFetch(id)`.
   */
  weightsFetch(id: string): Promise<Result<{ readonly path: string }>>;
  /** Stops a `weightsFetch` of `id` in progress (nothing when none is). */
  cancelWeightsFetch(id: string): Promise<Result<void>>;
  onDidWeightsProgress(callback: (p: WeightsProgress) => void): () => void;
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

/** Names of the request/response methods of HostApi (events excluded). */
export type HostMethod = Exclude<
  keyof HostApi,
  'onDidRunProgress' | 'onDidMenuCommand' | 'onDidWeightsProgress'
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
  'run',
  'cancelRun',
  'weightsList',
  'weightsFetch',
  'cancelWeightsFetch',
];

export const channel = (method: string): string => `${CHANNEL_PREFIX}${method}`;
