/**
 * What crosses between the engine client and its worker threads: requests beyond core's
 * RunRequest, the partial result of one batch slice, and the messages, a union tagged by `type`.
 */
import type { Shape } from '../../core/model/types';
import type {
  BackendInfo,
  BackendName,
  ErrorInfo,
  FeatureMapSummary,
  Result,
  RunInput,
  RunRequest,
  RunResult,
} from '../../core/run/types';
import type { InitScheme } from '../../core/weights/init';
import type { StatsAccumulator } from './summaries';

/** Inputs the engine takes: core's, plus several image files (the command line's repeated --image). */
export type EngineInput = RunInput | { readonly kind: 'images'; readonly paths: readonly string[] };

/** A run request as the engine takes it; every core RunRequest is one. */
export interface EngineRunRequest extends Omit<RunRequest, 'input'> {
  readonly input: EngineInput;
  /** Seed of the random input (default: `seed`). */
  readonly inputSeed?: number;
  /** Initialization of seeded weights (default `pytorch`). */
  readonly scheme?: InitScheme;
  /** Apply dropout in train mode (default true). Parity with PyTorch is checked with it off. */
  readonly dropout?: boolean;
  /** Fold eval-mode batch norm into convolutions (default true). */
  readonly foldBatchNorm?: boolean;
  /** Return the output values (for --dump and tests), not only their statistics. */
  readonly returnOutputs?: boolean;
}

/** Output values in PyTorch's layout, row-major. */
export interface TensorData {
  readonly shape: Shape;
  readonly data: Float32Array;
}

export interface EngineRunResult extends RunResult {
  /** Present when the request asked for returnOutputs. */
  readonly outputData?: Readonly<Record<string, TensorData>>;
}

export interface PartialModule {
  readonly id: string;
  /** Shape measured on this slice's tensor (NCHW). */
  readonly shape: Shape;
  readonly expectedShape: Shape | null;
  readonly ms: number;
  readonly stats: StatsAccumulator;
  readonly featureMap?: FeatureMapSummary;
}

/**
 * What one worker computed for its slice of the batch: a RunResult's header (backend, mode, batch,
 * seed, times, memory, warnings) with raw output tensors and per-slice module statistics.
 */
export interface PartialRun extends Omit<RunResult, 'outputs' | 'modules'> {
  readonly sliceStart: number;
  readonly sliceCount: number;
  /** Index of the first module this part ran (0 unless the slice is the tail of a split pass). */
  readonly moduleStart: number;
  /** The worker (lane) it ran on: parts on one lane ran one after the other. */
  readonly lane: number;
  readonly outputs: Readonly<Record<string, TensorData>>;
  readonly modules: readonly PartialModule[];
  /** When the part stopped before the last module: the tensors later modules read (engine layout, by id). */
  readonly carry?: Readonly<Record<string, TensorData>>;
}

/** A slice of the batch for one worker. */
export interface BatchSlice {
  readonly start: number;
  readonly count: number;
  /**
   * A part of the network only (default: all of it): modules `from` to `to` (exclusive), so one
   * image can be split between two workers, the second starting from the first's `carry`.
   */
  readonly modules?: { readonly from: number; readonly to: number };
  /** The worker it runs on (default 0); reported back in the partial result. */
  readonly lane?: number;
}

export type ToWorker =
  | { readonly type: 'info'; readonly requestId: number }
  | {
      readonly type: 'run';
      readonly runId: string;
      readonly request: EngineRunRequest;
      readonly slice: BatchSlice;
      /** For a slice starting after the first module: what the earlier part left (PartialRun.carry). */
      readonly carry?: Readonly<Record<string, TensorData>>;
      /** Int32Array over it: 0 running, 1 cancelled, 2 timed out (checked between layers). */
      readonly stop: SharedArrayBuffer;
      /** Whether this worker reports progress (one worker per run does). */
      readonly progress: boolean;
    }
  /** Deliberate failures for crash-recovery tests; honoured only when the worker was started with faults allowed. */
  | { readonly type: 'fault'; readonly fault: 'exit' | 'throw' | 'oom' | 'onnxruntime' };

export type FromWorker =
  | { readonly type: 'ready'; readonly backend: Result<BackendInfo> }
  | { readonly type: 'info'; readonly requestId: number; readonly backend: Result<BackendInfo> }
  | {
      readonly type: 'progress';
      readonly runId: string;
      readonly done: number;
      readonly total: number;
      readonly module: string;
    }
  | { readonly type: 'result'; readonly runId: string; readonly result: Result<PartialRun> }
  | { readonly type: 'error'; readonly error: ErrorInfo };

/** Data the worker starts with. */
export interface WorkerInit {
  readonly backend?: BackendName;
  readonly assetsDir: string;
  readonly allowFaults: boolean;
}

export const STOP_NONE = 0;
export const STOP_CANCELLED = 1;
export const STOP_TIMEOUT = 2;
