/**
 * The one typed contract between the renderer and its host (Electron preload, the browser host,
 * or a test host). Every method returns a Promise of a Result; events are `onDidX(cb) → unsubscribe`.
 * Main, preload, the browser host and the renderer all import this file.
 */
import type { Result, RunProgress, RunRequest, RunResult } from '../run/types';
import type { PretrainedCheckpoint } from '../weights/pretrained';
import type { CheckpointInfo, TrainEvent, TrainRequest, TrainSummary } from '../train/types';

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

/**
 * Largest weights file the browser host takes as an upload: the largest binary body it holds (320
 * MiB, core/host/browserProtocol.ts), which Inception-ResNet v2's 225 MB checkpoint fits. A larger
 * file is put in the weights folder and chosen there.
 */
export const MAX_WEIGHTS_UPLOAD_BYTES = 320 * 1024 * 1024;

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
  /** Starts a training; resolves when it ends with its summary (cancelled: ok with cancelled=true). Events come through onDidTrainEvent. */
  train(trainId: string, request: TrainRequest): Promise<Result<TrainSummary>>;
  /** Stops a training within one step; it writes a 'cancel' checkpoint. */
  cancelTrain(trainId: string): Promise<Result<void>>;
  /** Pauses (true) or resumes (false) a training between steps. */
  pauseTrain(trainId: string, paused: boolean): Promise<Result<void>>;
  /** Saved checkpoints, newest first (runs may read their weights: reuseWeights accepts their weightsPath). */
  trainCheckpoints(): Promise<Result<readonly CheckpointInfo[]>>;
  /** Up to `count` (≤ 16) validation images of training `trainId`'s last confusion-matrix cell [actual][predicted], as PNG data: URLs. */
  trainSamples(
    trainId: string,
    actual: number,
    predicted: number,
    count: number,
  ): Promise<Result<readonly string[]>>;
  /** Chooses an image folder (ImageFolder layout) to train on; null when cancelled. */
  chooseDataFolder(): Promise<Result<{ readonly path: string; readonly name: string } | null>>;
  onDidTrainEvent(callback: (e: TrainEvent) => void): () => void;
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
  | 'onDidRunProgress'
  | 'onDidMenuCommand'
  | 'onDidWeightsProgress'
  | 'onDidTrainEvent'
  | 'dropWeights'
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
  'weightsList',
  'weightsFetch',
  'cancelWeightsFetch',
  'train',
  'cancelTrain',
  'pauseTrain',
  'trainCheckpoints',
  'trainSamples',
  'chooseDataFolder',
];

export const channel = (method: string): string => `${CHANNEL_PREFIX}${method}`;
