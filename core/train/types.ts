/**
 * The training contract shared by the engine (node/engine/training), the hosts (HostApi's
 * `train…` methods) and the app's Train tab: what a training request says, the events a running
 * training sends, and what it leaves behind (checkpoints). Pure data; no engine code.
 */
import type { Design } from '../model/types';
import type { Result } from '../run/types';

/** Where the images come from. */
export type TrainDataSource =
  /**
   * Fashion-MNIST's four gzip IDX files (60,000 + 10,000 images, 28×28, 10 classes): from `dir`,
   * else Debian's `/usr/share/datasets/fashion-mnist/`, else the app's cache, else (with
   * `download`) downloaded into the cache from torchvision's mirror, checked against its MD5s.
   */
  | { readonly kind: 'fashion-mnist'; readonly dir?: string; readonly download?: boolean }
  /**
   * torchvision's ImageFolder layout (one subfolder per class, PNG/JPEG), split into train and
   * validation by a seeded `validationFraction` (0–0.9) of each class.
   */
  | { readonly kind: 'folder'; readonly path: string; readonly validationFraction?: number }
  /** Seeded standard-normal images with labels i mod K (for parity checks only). */
  | { readonly kind: 'random' };

export type OptimizerName = 'sgd' | 'adam';
export type ScheduleName = 'constant' | 'step' | 'cosine';
/** `auto`: the fastest engine that can train the design (ONNX Runtime when it can, else TF.js). */
export type TrainEngineChoice = 'auto' | 'onnxruntime' | 'tfjs';

/** Everything one training needs; the CLI's flags and the Train tab's fields map onto it. */
export interface TrainRequest {
  /** The design to train (its input shape is the image size; batch is `batch` below). */
  readonly design: Design;
  readonly data: TrainDataSource;
  /** Passes over the training images (1–1000). */
  readonly epochs: number;
  /** Stop after this many optimizer steps in all (optional). */
  readonly steps?: number;
  /** Train on the first N training images only (optional). */
  readonly limit?: number;
  /** Images per step (1–1024). */
  readonly batch: number;
  readonly optimizer: OptimizerName;
  readonly lr: number;
  /** SGD momentum (ignored by Adam). */
  readonly momentum: number;
  readonly weightDecay: number;
  /** Weight of each aux head's cross-entropy (0.3, the GoogLeNet paper's value). */
  readonly auxWeight: number;
  readonly schedule: ScheduleName;
  /** Apply the design's dropout (false for parity). */
  readonly dropout: boolean;
  readonly seed: number;
  readonly engine?: TrainEngineChoice;
  /** Continue from this checkpoint (its id): weights, optimizer state, step, data order. */
  readonly resume?: string;
}

/** One saved checkpoint (after an epoch, or on cancel). */
export interface CheckpointInfo {
  /** Stable id, e.g. `2026-12-07T04-10-00-googlenet/epoch-2`. */
  readonly id: string;
  /** Folder holding `weights.safetensors`, `optimizer.safetensors`, `design.json`, `checkpoint.json`. */
  readonly dir: string;
  /** The trained weights file; the Run tab runs the design with it. */
  readonly weightsPath: string;
  readonly designName: string;
  /** The classes the main output was trained on, by index (absent in older checkpoints). */
  readonly classNames?: readonly string[];
  readonly epoch: number;
  readonly step: number;
  /** Validation top-1 (0–1) at this checkpoint, null without validation. */
  readonly top1: number | null;
  /** ISO time it was written. */
  readonly savedAt: string;
  /** Why it was written. */
  readonly reason: 'epoch' | 'cancel' | 'final';
  /** The curves up to this checkpoint (for Compare). */
  readonly history: TrainHistory;
}

/** Curves of one training: points by step. */
export interface TrainHistory {
  /** Train loss per logged step: [step, total loss, per-head losses]. */
  readonly steps: readonly {
    readonly step: number;
    readonly loss: number;
    readonly losses: Readonly<Record<string, number>>;
    readonly top1?: number;
  }[];
  /** Validation after each epoch. */
  readonly epochs: readonly EpochValidation[];
}

export interface EpochValidation {
  readonly epoch: number;
  readonly step: number;
  readonly loss: number;
  /** 0–1. */
  readonly top1: number;
  /** Accuracy of each class, 0–1 (NaN-free: a class without images is null). */
  readonly perClass: readonly (number | null)[];
  /** confusion[actual][predicted] = image count. */
  readonly confusion: readonly (readonly number[])[];
}

/** Events of a running training, in order: started, step…, epoch, …, finished. */
export type TrainEvent =
  | {
      readonly type: 'started';
      readonly trainId: string;
      /** The engine that computes, and why others were skipped (sentences). */
      readonly engine: string;
      readonly engineNotes: readonly string[];
      /** How the images were read and fitted to the design's input, in sentences. */
      readonly dataNotes: readonly string[];
      readonly classNames: readonly string[];
      readonly trainCount: number;
      readonly validationCount: number;
      readonly stepsPerEpoch: number;
      readonly totalSteps: number;
      /** Step the run starts from (0, or the resumed checkpoint's). */
      readonly startStep: number;
    }
  | {
      readonly type: 'step';
      readonly trainId: string;
      readonly step: number;
      readonly epoch: number;
      readonly loss: number;
      readonly losses: Readonly<Record<string, number>>;
      readonly lr: number;
      readonly imagesPerSecond: number;
      /** Estimated seconds to the end, null before it can be estimated. */
      readonly secondsLeft: number | null;
    }
  | ({
      readonly type: 'epoch';
      readonly trainId: string;
      readonly checkpoint: CheckpointInfo | null;
    } & EpochValidation)
  | { readonly type: 'paused' | 'resumed'; readonly trainId: string; readonly step: number }
  | {
      readonly type: 'finished';
      readonly trainId: string;
      readonly result: Result<TrainSummary>;
    };

export interface TrainSummary {
  readonly engine: string;
  readonly steps: number;
  readonly seconds: number;
  /** True when cancelled (the last checkpoint is kept). */
  readonly cancelled: boolean;
  /** The last checkpoint written (null when none was). */
  readonly checkpoint: CheckpointInfo | null;
  readonly history: TrainHistory;
}
