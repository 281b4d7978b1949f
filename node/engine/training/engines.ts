/**
 * Picks the engine that trains a design. Until the ONNX Runtime trainer lands, every choice gives
 * the TF.js trainer on the backend already selected (`selectTfBackend`), and says why.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Analysis } from '../../../core/analysis/analyze';
import type { Design } from '../../../core/model/types';
import { okResult, type Result } from '../../../core/run/types';
import type { TrainEngineChoice } from '../../../core/train/types';
import type { StateDict } from '../weights';
import { createTrainer, type Trainer, type TrainerOptions } from './trainer';

/** The trainer made, the engine's name (`tfjs-wasm`, …) and why the others were not used. */
export interface BestTrainer {
  readonly trainer: Trainer;
  readonly engine: string;
  readonly notes: readonly string[];
}

/**
 * The fastest trainer that can train `design` from weights `init` (a full state_dict) under
 * `choice`. Errors: `train.design` (createTrainer's).
 */
export function createBestTrainer(
  design: Design,
  analysis: Analysis,
  init: StateDict,
  options: TrainerOptions,
  choice: TrainEngineChoice = 'auto',
): Result<BestTrainer> {
  const made = createTrainer(design, analysis, init, options);
  if (!made.ok) return made;
  const notes =
    choice === 'onnxruntime'
      ? ['ONNX Runtime training is not available in this build; TF.js trains instead.']
      : [];
  return okResult({
    trainer: made.value,
    engine: made.value.engine,
    notes: [...notes, `TF.js trains on its ${tf.getBackend()} backend.`],
  });
}
