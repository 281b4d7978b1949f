/**
 * Which engine trains a design: ONNX Runtime (one compiled training-step graph, the fast one) when
 * it can train every layer, else TF.js, with the reason in sentences. The CLI's `train`, the
 * training job runner and the Train tab all pick through `createBestTrainer`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Analysis } from '../../../core/analysis/analyze';
import type { Design } from '../../../core/model/types';
import type { TrainEngineChoice } from '../../../core/train/types';
import { errResult, okResult, type Result } from '../../../core/run/types';
import { describeBlocked, untrainableLayers } from '../../../core/export/onnxTrainStep';
import { selectTfBackend } from '../backend';
import type { StateDict } from '../weights';
import { createOrtTrainer } from './ortTrainer';
import { createTrainer, type Trainer, type TrainerOptions } from './trainer';

export interface ChosenTrainer {
  readonly trainer: Trainer;
  /** The engine that computes: `onnxruntime` or `tfjs-<backend>`. */
  readonly engine: string;
  /** Why this engine, and why others were skipped, in sentences. */
  readonly notes: readonly string[];
}

/** A TF.js trainer on the active backend (starting the first that works when none is). */
async function tfjsTrainer(
  design: Design,
  analysis: Analysis,
  init: StateDict,
  options: TrainerOptions,
): Promise<Result<Trainer>> {
  if (!tf.engine().backendName) {
    const started = await selectTfBackend();
    if (!started.ok) return errResult('train.engine', started.reason);
  }
  return createTrainer(design, analysis, init, options);
}

/**
 * The trainer of `choice`: `auto` tries ONNX Runtime first and falls back to TF.js when a layer
 * kind has no ONNX gradient (naming the kinds and layers) or ONNX Runtime cannot start; a forced
 * engine that cannot train the design is an error. Errors: the engine's own (`train.design`,
 * `train.onnx`, `train.engine`).
 */
export async function createBestTrainer(
  design: Design,
  analysis: Analysis,
  init: StateDict,
  options: TrainerOptions,
  choice: TrainEngineChoice = 'auto',
): Promise<Result<ChosenTrainer>> {
  const tfjs = async (notes: string[]): Promise<Result<ChosenTrainer>> => {
    const made = await tfjsTrainer(design, analysis, init, options);
    if (!made.ok) return made;
    return okResult({ trainer: made.value, engine: made.value.engine, notes });
  };
  if (choice === 'tfjs') return tfjs(['Training on TF.js because it was asked for (engine tfjs).']);
  const blocked = untrainableLayers(analysis.graph);
  if (blocked.length) {
    const why = describeBlocked(blocked);
    if (choice === 'onnxruntime')
      return errResult('train.onnx', `ONNX Runtime cannot train this design: ${why}.`);
    return tfjs([`Training on TF.js: ONNX Runtime cannot train ${why}.`]);
  }
  const ort = await createOrtTrainer(design, analysis, init, options);
  if (ort.ok)
    return okResult({
      trainer: ort.value,
      engine: ort.value.engine,
      notes: [
        choice === 'onnxruntime'
          ? 'Training on ONNX Runtime because it was asked for (engine onnxruntime).'
          : 'Training on ONNX Runtime: it can train every layer of this design, as one compiled training-step graph (the fastest engine here).',
      ],
    });
  if (choice === 'onnxruntime' || ort.error.code === 'train.design') return ort;
  return tfjs([`Training on TF.js: ONNX Runtime could not train it (${ort.error.message}).`]);
}
