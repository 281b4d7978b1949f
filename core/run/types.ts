/** What a forward pass is asked to do and what it reports: shared by the engine, hosts and renderer. */
import type { Design, Shape } from '../model/types';
import type { Ablation } from '../weights/ablation';

// Result lives in a leaf so that modules this file names (ablation.ts) can return Results
// without an import cycle; it is re-exported here, where every caller already looks for it.
export { errResult, okResult, type ErrorInfo, type Result } from './result';

/** The run modes, in the order the app offers them. */
export const RUN_MODES = ['eval', 'train'] as const;
export type RunMode = (typeof RUN_MODES)[number];

export type RunInput =
  /** Seeded standard-normal values, the same as Python's (core/weights/init.ts). */
  | { readonly kind: 'random' }
  /** A sample photo shipped in assets/samples (by file name). */
  | { readonly kind: 'sample'; readonly name: string }
  /** An image file on disk (PNG or JPEG): resized, center-cropped, ImageNet-normalized. */
  | { readonly kind: 'image'; readonly path: string };

export interface RunRequest {
  readonly design: Design;
  readonly mode: RunMode;
  /** Overrides design.input.batch when given. */
  readonly batch?: number;
  readonly seed: number;
  readonly input: RunInput;
  /** A weights file (safetensors or a PyTorch checkpoint); seeded PyTorch-default initialization when absent. */
  readonly weightsPath?: string;
  /**
   * Fine-tuning: load the tensors of `weightsPath` that fit and leave those that do not (missing,
   * or another shape, e.g. a 1000-class classifier under a 10-class design) at the seeded
   * initialization; the result's warnings name them. Without it a mismatch refuses the run.
   */
  readonly reinitMismatched?: boolean;
  /**
   * What-if ablations applied to the weights for this run only (a branch switched off, a conv's
   * top-k filters kept); see core/weights/ablation.ts. An invalid one fails with `ablation.invalid`.
   */
  readonly ablations?: readonly Ablation[];
  /** Milliseconds before the run is stopped; a default applies when absent. */
  readonly timeoutMs?: number;
  /**
   * Per-module feature-map summaries to compute: every module's (true, the default), none (false),
   * or those of the modules named (ids), e.g. the ones on screen.
   */
  readonly featureMaps?: boolean | readonly string[];
  /**
   * Whether to measure each module's time (default true). On ONNX Runtime the pass is one session,
   * so module times come from its profiler over a few extra passes; without them a run is faster
   * and every module's `ms` is 0 (`timing.method` says `none`).
   */
  readonly moduleTimes?: boolean;
  /** The backend to run on; absent: the fastest that works (onnxruntime for eval, else TF.js). */
  readonly backend?: BackendName;
}

/** `onnxruntime` runs eval passes through ONNX Runtime; the others are TensorFlow.js backends (fastest first). */
export const BACKEND_NAMES = ['onnxruntime', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
/** The TensorFlow.js backends (train mode always runs on one of them). */
export type TfBackendName = Exclude<BackendName, 'onnxruntime'>;

export interface BackendInfo {
  /** The backend actually used. */
  readonly name: BackendName;
  /** Why preferred backends were not used, one line each (empty when the first choice worked). */
  readonly fallbacks: readonly string[];
}

export interface TensorStats {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
}

export interface ClassScore {
  readonly index: number;
  readonly label: string;
  readonly probability: number;
}

export interface OutputResult {
  readonly shape: Shape;
  readonly stats: TensorStats;
  /** Top-5 classes of the first image, when the output is a class score vector. */
  readonly top5?: readonly ClassScore[];
}

/** A small, cheap picture of one module's output for the renderer. */
export interface FeatureMapSummary {
  /** Width and height of each picture (downsampled). */
  readonly width: number;
  readonly height: number;
  /** Channel mean of the first image, row-major, scaled to 0..255. */
  readonly mean: readonly number[];
  /** The values 0 and 255 of `mean` stand for (after downsampling), for a colour scale. */
  readonly range?: ValueRange;
  /** Channels of the map (C). */
  readonly channelCount?: number;
  /**
   * The most active channels of the first image (largest mean |activation|; after a ReLU, the
   * largest mean activation), each row-major 0..255 with its own range.
   */
  readonly channels: readonly {
    readonly index: number;
    readonly values: readonly number[];
    readonly range?: ValueRange;
    /** Mean |activation| over the channel's pixels. */
    readonly activation?: number;
  }[];
}

/** The values a picture's 0 and 255 stand for. */
export interface ValueRange {
  readonly min: number;
  readonly max: number;
}

/** The first image of the batch as the network saw it, for showing beside its feature maps. */
export interface InputPicture {
  readonly width: number;
  readonly height: number;
  /** Row-major RGB triples 0..255 (gray repeated for one channel), min–max scaled from the input tensor. */
  readonly rgb: readonly number[];
}

export interface ModuleRunResult {
  readonly id: string;
  /** Shape measured on the real tensor. */
  readonly shape: Shape;
  /** Shape core computed; a mismatch is a bug and is flagged. */
  readonly expectedShape: Shape | null;
  readonly match: boolean;
  readonly ms: number;
  readonly stats: TensorStats;
  readonly featureMap?: FeatureMapSummary;
}

/** How a run's per-module times were measured, for the Run panel to say beside them. */
export interface RunTiming {
  /**
   * `profiler`: ONNX Runtime's profiler, the median over several passes after a warm-up of each
   * module's kernel time; `layers`: the wall time of the module's layers in this one pass (one
   * sample); `none`: not measured.
   */
  readonly method: 'profiler' | 'layers' | 'none';
  /** One sentence for the user. */
  readonly note: string;
}

export interface RunResult {
  readonly backend: BackendInfo;
  readonly mode: RunMode;
  readonly batch: number;
  readonly seed: number;
  readonly outputs: Readonly<Record<string, OutputResult>>;
  readonly modules: readonly ModuleRunResult[];
  /** The input's first image (when feature maps were asked for). */
  readonly inputPicture?: InputPicture;
  readonly totalMs: number;
  /** How `modules[].ms` were measured (absent from older results). */
  readonly timing?: RunTiming;
  readonly peakBytes: number;
  /** True when the weights are a random initialization, so predictions mean nothing. */
  readonly untrainedWeights: boolean;
  /** What came from the weights file, when the run used one. */
  readonly weights?: WeightsLoadSummary;
  readonly warnings: readonly string[];
}

/**
 * What a run loaded from its weights file: "Loaded 305 of 305 tensors from googlenet.pth". Tensors
 * counted are the design's state_dict entries (parameters and buffers), batch-norm
 * num_batches_tracked counters aside (older and Cadene checkpoints have none; eval ignores them).
 */
export interface WeightsLoadSummary {
  /** The file's name (no folders). */
  readonly source: string;
  /** Tensors of the design whose values came from the file. */
  readonly loaded: number;
  /** Tensors of the design (its state_dict entries, counters aside). */
  readonly total: number;
  /** state_dict keys left at the seeded initialization (missing from the file, or another shape). */
  readonly reinitialized: readonly string[];
  /** Design module ids owning a reinitialized tensor: the graph marks them "fresh weights". */
  readonly freshModules: readonly string[];
  /** Sentences about how the file was read: prefix stripped, renames, tensors not used… */
  readonly notes: readonly string[];
}

/** Progress of a run, sent after each module. */
export interface RunProgress {
  readonly runId: string;
  readonly done: number;
  readonly total: number;
  readonly module: string;
}

/** The warning every untrained run's result carries; the app shows its own note beside the top-5 instead. */
export const UNTRAINED_WEIGHTS_WARNING =
  'The weights are a random initialization, so the top-5 classes mean nothing; load trained weights for real predictions.';
