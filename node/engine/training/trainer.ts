/**
 * The training loop behind one interface (`Trainer`), on TF.js with gradients: seeded shuffled
 * mini-batches, loss = CE(main) + auxWeight·Σ CE(aux heads), SGD (momentum, dampening 0, weight
 * decay) and Adam with PyTorch's update rules, a learning-rate schedule, a NaN/Inf check naming the
 * step and module, and validation (loss, top-1) after each epoch. A faster engine can implement
 * `Trainer` too.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Analysis } from '../../../core/analysis/analyze';
import type { Design } from '../../../core/model/types';
import { errResult, okResult, type Result } from '../../../core/run/types';
import { stateDictSpec } from '../../../core/weights/stateDict';
import { emptyRecord } from '../../../core/model/records';
import { compileModel, forward, type CompiledModel } from '../model';
import type { StateDict } from '../weights';
import { registerTrainingKernels } from './gradients';
import { ParamStore, trainBuilders } from './trainableLayers';

export type OptimizerKind = 'sgd' | 'adam';
export type ScheduleKind = 'constant' | 'step' | 'cosine';

export interface TrainerOptions {
  readonly optimizer: OptimizerKind;
  /** Base learning rate. */
  readonly lr: number;
  /** SGD momentum (PyTorch's, dampening 0; 0 turns it off). */
  readonly momentum: number;
  /** L2 weight decay added to the gradient, as torch.optim.SGD/Adam do. */
  readonly weightDecay: number;
  /** Adam's β1, β2 and ε (PyTorch's defaults 0.9, 0.999, 1e-8). */
  readonly betas?: readonly [number, number];
  readonly eps?: number;
  /** Weight of each aux head's cross-entropy (0.3, the GoogLeNet paper's value). */
  readonly auxWeight: number;
  /** Apply the design's dropout (false for parity runs). */
  readonly dropout: boolean;
  readonly seed: number;
  /**
   * constant; step: ×gamma every `stepEpochs` epochs (StepLR stepped per epoch); cosine:
   * CosineAnnealingLR stepped per iteration over `totalSteps` (to 0).
   */
  readonly schedule: ScheduleKind;
  readonly stepEpochs?: number;
  readonly gamma?: number;
  readonly totalSteps?: number;
}

/** One mini-batch: NCHW float32 images and class indices. */
export interface Batch {
  readonly input: Float32Array;
  readonly target: Int32Array;
  readonly n: number;
}

export interface StepReport {
  /** 1-based step number. */
  readonly step: number;
  readonly loss: number;
  /** Cross-entropy of each output head (`main`, `aux1`, …). */
  readonly losses: Readonly<Record<string, number>>;
  readonly lr: number;
}

export interface Evaluation {
  readonly loss: number;
  /** Fraction of images whose top class is the target, 0–1. */
  readonly top1: number;
  readonly count: number;
  /** Top-1 class of each image, in the order the batches gave them (length `count`). */
  readonly predictions: Int32Array;
}

/**
 * Optimizer state in PyTorch's terms, keyed by state_dict key: SGD's `momentum_buffer`, Adam's
 * `exp_avg` and `exp_avg_sq` (each the parameter's shape, row-major), and the step count.
 */
export interface OptimizerState {
  readonly step: number;
  /**
   * Images the trainer has stepped on (the position of its seeded dropout stream), so a resumed
   * run draws the same dropout masks; absent: step × nothing known, 0.
   */
  readonly imagesSeen?: number;
  readonly slots: ReadonlyMap<string, Readonly<Record<string, Float32Array>>>;
}

/**
 * A model being trained, whatever engine computes it (TF.js here; ONNX Runtime may implement it
 * too). Expected failures (NaN/Inf) are Result values; bugs throw. Calls must not overlap.
 */
export interface Trainer {
  /** The engine that computes, e.g. `tfjs-wasm`. */
  readonly engine: string;
  /** One optimizer step on a batch at epoch `epoch` (0-based; for the step schedule). */
  step(batch: Batch, epoch?: number): Promise<Result<StepReport>>;
  /** Eval-mode loss, top-1 and predictions over batches (running statistics, no dropout). */
  evaluate(batches: Iterable<Batch>): Promise<Evaluation>;
  /** The current state_dict (parameters, running statistics, counters), PyTorch layout. */
  stateDict(): Map<string, Float32Array>;
  /** The optimizer's state, for a checkpoint that `--resume` continues from exactly. */
  optimizerState(): OptimizerState;
  /** Replaces the optimizer's state (after a resume); its keys and shapes must match. */
  loadOptimizerState(state: OptimizerState): Result<void>;
  dispose(): void;
}

/** Learning rate of step `step` (0-based) in epoch `epoch` under the options' schedule. */
export function learningRate(o: TrainerOptions, step: number, epoch: number): number {
  if (o.schedule === 'step')
    return o.lr * Math.pow(o.gamma ?? 0.1, Math.floor(epoch / Math.max(1, o.stepEpochs ?? 30)));
  if (o.schedule === 'cosine') {
    const total = Math.max(1, o.totalSteps ?? 1);
    return (o.lr * (1 + Math.cos((Math.PI * Math.min(step, total)) / total))) / 2;
  }
  return o.lr;
}

/**
 * log softmax over the last axis as x − max − log Σ exp(x − max), from plain ops (tf.logSoftmax's
 * custom gradient trips TF.js's leak check on wasm).
 */
function logSoftmax(logits: tf.Tensor): tf.Tensor {
  const shifted = tf.sub(logits, tf.max(logits, -1, true));
  return tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), -1, true)));
}

/** Mean softmax cross-entropy of [N, K] logits against one-hot targets. */
function crossEntropy(logits: tf.Tensor, oneHot: tf.Tensor): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logSoftmax(logits)), 1))) as tf.Scalar;
}

function nchw(batch: Batch, shape: readonly number[]): tf.Tensor4D {
  return tf.tensor4d(batch.input, [batch.n, shape[1], shape[2], shape[3]]);
}

/**
 * Builds a TF.js trainer for a valid design from initial weights (a full state_dict).
 * Errors: `train.design` when the design is invalid or has no main output.
 */
export function createTrainer(
  design: Design,
  analysis: Analysis,
  init: StateDict,
  options: TrainerOptions,
): Result<Trainer> {
  if (!analysis.valid)
    return errResult(
      'train.design',
      'The design is not valid, so it cannot be trained; fix its issues first.',
    );
  if (!analysis.outputs.main)
    return errResult('train.design', 'The design has no main output to train against.');
  registerTrainingKernels();
  const store = new ParamStore(init);
  const model: CompiledModel = compileModel(design, analysis, init, {
    mode: 'train',
    dropout: options.dropout,
    dropoutSeed: options.seed,
    builders: trainBuilders(store),
  });
  const spec = stateDictSpec(analysis.graph);
  const moduleOf = new Map(analysis.graph.map((l) => [l.id, l.module]));
  const keys = [...store.params.keys()];
  const vars = keys.map((k) => store.params.get(k)!);
  const [beta1, beta2] = options.betas ?? [0.9, 0.999];
  const eps = options.eps ?? 1e-8;
  const slots1 = new Map<string, tf.Tensor>();
  const slots2 = new Map<string, tf.Tensor>();
  let steps = 0;
  let imagesSeen = 0;
  const classes = analysis.outputs.main[1];
  const auxNames = Object.keys(model.outputs).filter((k) => k !== 'main');

  const stepSync = (batch: Batch, epoch = 0): Result<StepReport> => {
    const lr = learningRate(options, steps, epoch);
    const losses: Record<string, tf.Scalar> = emptyRecord();
    const { value, grads: byName } = tf.variableGrads(() => {
      const x = nchw(batch, analysis.input);
      const oneHot = tf.oneHot(tf.tensor1d(batch.target, 'int32'), classes);
      const r = forward(model, x, { batchOffset: imagesSeen });
      let loss = crossEntropy(r.outputs.main, oneHot);
      losses.main = tf.keep(loss.clone());
      for (const name of auxNames) {
        const l = crossEntropy(r.outputs[name], oneHot);
        losses[name] = tf.keep(l.clone());
        loss = tf.add(loss, tf.mul(l, options.auxWeight));
      }
      return loss;
    }, vars);
    // variableGrads keys the gradients by variable name; the trainer keys them by state_dict key.
    const grads: Record<string, tf.Tensor> = emptyRecord();
    keys.forEach((k, i) => (grads[k] = byName[vars[i].name]));
    const lossValue = value.dataSync()[0];
    const lossValues = Object.fromEntries(
      Object.entries(losses).map(([k, t]) => [k, t.dataSync()[0]]),
    );
    tf.dispose([value, ...Object.values(losses)]);
    const stepNo = steps + 1;
    const fail = (message: string) => {
      tf.dispose(Object.values(grads));
      for (const n of store.norms) n.clearStats();
      return errResult<StepReport>('train.nonFinite', message);
    };
    if (!Number.isFinite(lossValue)) {
      const head = Object.entries(lossValues).find(([, v]) => !Number.isFinite(v))?.[0] ?? 'main';
      return fail(
        `The loss became ${lossValue} at step ${stepNo} (the ${head} output's cross-entropy); lower the learning rate (now ${lr}) or check the data.`,
      );
    }
    const missing = keys.filter((k) => !grads[k]);
    if (missing.length)
      throw new Error(
        `No gradient reached ${missing.slice(0, 5).join(', ')} (${missing.length} of ${keys.length} parameters).`,
      );
    const norms = tf.tidy(() => tf.stack(keys.map((k) => tf.sum(tf.abs(grads[k])))).dataSync());
    const bad = keys.findIndex((_, i) => !Number.isFinite(norms[i]));
    if (bad >= 0) {
      const key = keys[bad];
      return fail(
        `The gradient of ${key} in module ${moduleOf.get(store.owner.get(key)!) ?? '?'} became ${norms[bad]} at step ${stepNo}; lower the learning rate (now ${lr}).`,
      );
    }
    if (!Number.isFinite(lr))
      return fail(`The learning rate at step ${stepNo} is ${lr}; give a finite number.`);
    steps = stepNo;
    imagesSeen += batch.n;
    tf.tidy(() => {
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        const p = vars[i];
        let g: tf.Tensor = grads[key];
        if (options.weightDecay) g = tf.add(g, tf.mul(p, options.weightDecay));
        if (options.optimizer === 'sgd') {
          if (options.momentum) {
            const prev = slots1.get(key);
            const buf = prev ? tf.add(tf.mul(prev, options.momentum), g) : tf.clone(g);
            prev?.dispose();
            slots1.set(key, tf.keep(buf));
            g = buf;
          }
          p.assign(tf.sub(p, tf.mul(g, lr)));
        } else {
          const m0 = slots1.get(key);
          const v0 = slots2.get(key);
          const m = tf.add(tf.mul(m0 ?? tf.zerosLike(g), beta1), tf.mul(g, 1 - beta1));
          const v = tf.add(tf.mul(v0 ?? tf.zerosLike(g), beta2), tf.mul(tf.square(g), 1 - beta2));
          tf.dispose([m0!, v0!].filter(Boolean));
          slots1.set(key, tf.keep(m));
          slots2.set(key, tf.keep(v));
          const bc1 = 1 - Math.pow(beta1, stepNo);
          const bc2 = 1 - Math.pow(beta2, stepNo);
          const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), eps);
          p.assign(tf.sub(p, tf.mul(tf.div(m, denom), lr / bc1)));
        }
      }
    });
    tf.dispose(Object.values(grads));
    for (const n of store.norms) n.updateRunningStats();
    return okResult({ step: stepNo, loss: lossValue, losses: lossValues, lr });
  };

  const stateDict = (): Map<string, Float32Array> => {
    const out = new Map<string, Float32Array>();
    for (const e of spec) {
      const v = store.params.get(e.key);
      const b = store.buffers.get(e.key);
      out.set(
        e.key,
        v
          ? Float32Array.from(v.dataSync() as Float32Array)
          : b
            ? Float32Array.from(b)
            : Float32Array.from(init.get(e.key)!),
      );
    }
    return out;
  };

  const evaluateSync = (batches: Iterable<Batch>): Evaluation => {
    const ev = compileModel(design, analysis, stateDict(), { mode: 'eval' });
    let loss = 0;
    let correct = 0;
    let count = 0;
    const predicted: number[] = [];
    try {
      for (const b of batches) {
        const [l, top] = tf.tidy(() => {
          const r = forward(ev, nchw(b, analysis.input));
          const logits = r.outputs.main as tf.Tensor2D;
          const oneHot = tf.oneHot(tf.tensor1d(b.target, 'int32'), classes);
          const sum = tf.neg(tf.sum(tf.mul(oneHot, logSoftmax(logits))));
          return [sum.dataSync()[0], tf.argMax(logits, 1).dataSync() as Int32Array] as const;
        });
        loss += l;
        for (let i = 0; i < b.n; i++) {
          predicted.push(top[i]);
          if (top[i] === b.target[i]) correct++;
        }
        count += b.n;
      }
    } finally {
      ev.dispose();
    }
    return {
      loss: count ? loss / count : NaN,
      top1: count ? correct / count : NaN,
      count,
      predictions: Int32Array.from(predicted),
    };
  };

  const optimizerState = (): OptimizerState => {
    const slots = new Map<string, Record<string, Float32Array>>();
    const names = options.optimizer === 'sgd' ? ['momentum_buffer'] : ['exp_avg', 'exp_avg_sq'];
    for (const key of keys) {
      const got = [slots1.get(key), slots2.get(key)];
      const record: Record<string, Float32Array> = emptyRecord();
      names.forEach((name, i) => {
        const t = got[i];
        if (t) record[name] = Float32Array.from(t.dataSync() as Float32Array);
      });
      if (Object.keys(record).length) slots.set(key, record);
    }
    return { step: steps, imagesSeen, slots };
  };

  const loadOptimizerState = (state: OptimizerState): Result<void> => {
    const names = options.optimizer === 'sgd' ? ['momentum_buffer'] : ['exp_avg', 'exp_avg_sq'];
    for (const [key, record] of state.slots) {
      const p = store.params.get(key);
      if (!p)
        return errResult(
          'train.resume',
          `The optimizer state names ${key}, which the design does not train.`,
        );
      for (const name of Object.keys(record))
        if (!names.includes(name) || record[name].length !== p.size)
          return errResult(
            'train.resume',
            `The optimizer state's ${key}.${name} does not fit a ${options.optimizer} step on this design.`,
          );
    }
    tf.dispose([...slots1.values(), ...slots2.values()]);
    slots1.clear();
    slots2.clear();
    for (const [key, record] of state.slots) {
      const p = store.params.get(key)!;
      names.forEach((name, i) => {
        const v = record[name];
        if (v) (i === 0 ? slots1 : slots2).set(key, tf.keep(tf.tensor(v, p.shape)));
      });
    }
    steps = state.step;
    imagesSeen = state.imagesSeen ?? 0;
    return okResult(undefined);
  };

  return okResult({
    engine: `tfjs-${tf.getBackend()}`,
    step: (batch, epoch) => Promise.resolve(stepSync(batch, epoch)),
    evaluate: (batches) => Promise.resolve(evaluateSync(batches)),
    stateDict,
    optimizerState,
    loadOptimizerState,
    dispose() {
      model.dispose();
      store.dispose();
      tf.dispose([...slots1.values(), ...slots2.values()]);
    },
  });
}
