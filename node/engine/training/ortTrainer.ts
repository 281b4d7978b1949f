/**
 * The training loop on ONNX Runtime: each step is one run of the design's training-step graph
 * (core/export/onnxTrainStep.ts: forward, CE losses, backward, SGD/Adam), implementing the same
 * `Trainer` as the TF.js engine. Parameters, optimizer slots and running statistics live in two
 * sets of buffers: a step reads one set and ONNX Runtime writes the new values straight into the
 * other (preallocated outputs), then they swap, so no state is copied through JavaScript between
 * steps (onnxruntime-node has no IO binding; its CPU tensors wrap these buffers without a copy).
 */
import type * as Ort from 'onnxruntime-node';
import type { Analysis } from '../../../core/analysis/analyze';
import type { Design } from '../../../core/model/types';
import { errResult, okResult, type Result } from '../../../core/run/types';
import { stateDictSpec } from '../../../core/weights/stateDict';
import { onnxModel } from '../../../core/export/onnx';
import {
  onnxTrainStep,
  TRAIN_IO,
  type OnnxTrainStep,
  type ParamSlot,
} from '../../../core/export/onnxTrainStep';
import { emptyRecord } from '../../../core/model/records';
import { loadOnnxRuntime, sessionOptions } from '../onnxRuntime';
import type { StateDict } from '../weights';
import {
  learningRate,
  type Batch,
  type Evaluation,
  type OptimizerState,
  type StepReport,
  type Trainer,
  type TrainerOptions,
} from './trainer';

/** Engine name the ONNX Runtime trainer reports. */
export const ORT_TRAIN_ENGINE = 'onnxruntime';

/** A seeded uniform generator on [0, 1) (mulberry32), for dropout masks. */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

interface StepSession {
  readonly session: Ort.InferenceSession;
  readonly step: OnnxTrainStep;
}

/**
 * Builds an ONNX Runtime trainer for a valid design from initial weights (a full state_dict).
 * Errors: `train.design` (invalid design, no main output, a head that is not N×K), `train.onnx`
 * (a layer kind it cannot train, named with the reason), `train.engine` (ONNX Runtime is not
 * available or refuses the graph).
 */
export async function createOrtTrainer(
  design: Design,
  analysis: Analysis,
  init: StateDict,
  options: TrainerOptions,
): Promise<Result<Trainer>> {
  if (!analysis.valid)
    return errResult(
      'train.design',
      'The design is not valid, so it cannot be trained; fix its issues first.',
    );
  const got = await loadOnnxRuntime();
  if (!got.ok) return errResult('train.engine', got.reason);
  const ort = got.ort;
  const stepOptions = (batch: number) => ({
    batch,
    optimizer: options.optimizer,
    momentum: options.momentum,
    weightDecay: options.weightDecay,
    betas: options.betas,
    eps: options.eps,
    auxWeight: options.auxWeight,
    dropout: options.dropout,
  });
  const batch0 = analysis.input[0];
  const first = onnxTrainStep(design, analysis, stepOptions(batch0));
  if (!first.ok) return first;
  const sessions = new Map<number, StepSession>();
  const open = async (n: number): Promise<Result<StepSession>> => {
    const have = sessions.get(n);
    if (have) return okResult(have);
    const built =
      n === batch0 && first.ok ? first : onnxTrainStep(design, analysis, stepOptions(n));
    if (!built.ok) return built;
    try {
      const session = await ort.InferenceSession.create(built.value.bytes, sessionOptions());
      const s = { session, step: built.value };
      sessions.set(n, s);
      return okResult(s);
    } catch (e) {
      return errResult(
        'train.engine',
        `ONNX Runtime could not open the training step of batch ${n}: ${(e as Error).message.split('\n')[0]}`,
      );
    }
  };
  const opened = await open(batch0);
  if (!opened.ok) return opened;
  const template = opened.value.step;

  // Two buffers per carried tensor: `current` is read by a step, `spare` written by it.
  const spec = stateDictSpec(analysis.graph);
  const counterKeys = spec.filter((e) => e.role === 'counter').map((e) => e.key);
  const specShape = (key: string) => spec.find((e) => e.key === key)!.shape;
  let current = new Map<string, Float32Array>();
  let spare = new Map<string, Float32Array>();
  for (const c of template.carried) {
    const size = count(c.shape);
    current.set(c.name, new Float32Array(size));
    spare.set(c.name, new Float32Array(size));
  }
  for (const key of [...template.buffers, ...template.params.map((p) => p.key)]) {
    const slot = template.params.find((p) => p.key === key);
    const size = count(slot?.shape ?? specShape(key));
    const start = init.get(key);
    if (!start || start.length !== size)
      return errResult(
        'train.design',
        `The initial weights' ${key} holds ${start?.length ?? 'no'} values but the design needs ${size}.`,
      );
    if (slot) current.get(TRAIN_IO.params)!.set(start, slot.offset);
    else current.get(key)!.set(start);
  }
  if (current.has(TRAIN_IO.counter))
    current.get(TRAIN_IO.counter)![0] = init.get(counterKeys[0])?.[0] ?? 0;
  const view = (buffers: Map<string, Float32Array>, name: string, p: ParamSlot) =>
    buffers.get(name)!.subarray(p.offset, p.offset + count(p.shape));
  const moduleOf = new Map(analysis.graph.map((l) => [l.id, l.module]));
  const [beta1, beta2] = options.betas ?? [0.9, 0.999];
  const slotNames = options.optimizer === 'sgd' ? ['momentum_buffer'] : ['exp_avg', 'exp_avg_sq'];
  let steps = 0;

  const step = async (batch: Batch, epoch = 0): Promise<Result<StepReport>> => {
    const s = await open(batch.n);
    if (!s.ok) return s;
    const { session, step: graph } = s.value;
    const lr = learningRate(options, steps, epoch);
    const stepNo = steps + 1;
    if (!Number.isFinite(lr))
      return errResult(
        'train.nonFinite',
        `The learning rate at step ${stepNo} is ${lr}; give a finite number.`,
      );
    const [, c, h, w] = analysis.input;
    const feeds: Record<string, Ort.Tensor> = {
      [TRAIN_IO.input]: new ort.Tensor('float32', batch.input, [batch.n, c, h, w]),
      [TRAIN_IO.target]: new ort.Tensor(
        'int64',
        BigInt64Array.from(batch.target, (t) => BigInt(t)),
        [batch.n],
      ),
    };
    const scalar = (v: number) => new ort.Tensor('float32', Float32Array.of(v), []);
    if (options.optimizer === 'sgd') feeds[TRAIN_IO.lr] = scalar(lr);
    else {
      // torch.optim.Adam (1.13): step_size = lr / (1 − β1ᵗ), denom = √v / √(1 − β2ᵗ) + ε, in double precision.
      feeds[TRAIN_IO.stepSize] = scalar(lr / (1 - Math.pow(beta1, stepNo)));
      feeds[TRAIN_IO.bc2Sqrt] = scalar(Math.sqrt(1 - Math.pow(beta2, stepNo)));
    }
    // Masks depend on the seed and the step number only, so a resumed training draws the same ones.
    const random = uniform((options.seed * 7919 + 17 + Math.imul(stepNo, 0x9e3779b1)) >>> 0);
    for (const m of graph.masks) {
      const mask = new Float32Array(count(m.shape));
      const keep = 1 / (1 - m.p);
      for (let i = 0; i < mask.length; i++) mask[i] = random() < m.p ? 0 : keep;
      feeds[m.input] = new ort.Tensor('float32', mask, [...m.shape]);
    }
    const fetches: Record<string, Ort.Tensor | null> = {
      [TRAIN_IO.loss]: null,
      [TRAIN_IO.hits]: null,
      [TRAIN_IO.gradL1]: null,
    };
    for (const h of graph.heads) fetches[h.loss] = null;
    for (const t of graph.carried) {
      const dims = [...t.shape];
      feeds[t.input] = new ort.Tensor('float32', current.get(t.name)!, dims);
      fetches[t.output] = new ort.Tensor('float32', spare.get(t.name)!, dims);
    }
    // Each parameter is also its own input: a view of the flat buffer, so no copy either.
    for (const p of graph.params)
      feeds[p.key] = new ort.Tensor('float32', view(current, TRAIN_IO.params, p), [...p.shape]);
    const out = await session.run(feeds, fetches as Ort.InferenceSession.FetchesType);
    const value = (name: string) => (out[name].data as Float32Array)[0];
    const loss = value(TRAIN_IO.loss);
    const losses: Record<string, number> = emptyRecord();
    for (const h of graph.heads) losses[h.name] = value(h.loss);
    const fail = (message: string) => errResult<StepReport>('train.nonFinite', message);
    if (!Number.isFinite(loss)) {
      const head = Object.entries(losses).find(([, v]) => !Number.isFinite(v))?.[0] ?? 'main';
      return fail(
        `The loss became ${loss} at step ${stepNo} (the ${head} output's cross-entropy); lower the learning rate (now ${lr}) or check the data.`,
      );
    }
    const l1 = (out[TRAIN_IO.gradL1].data as Float32Array)[0];
    if (!Number.isFinite(l1)) {
      // A non-finite gradient makes its parameter's new value non-finite: find the first such one.
      const bad = graph.params.find((p) =>
        view(spare, TRAIN_IO.params, p).some((v) => !Number.isFinite(v)),
      );
      return fail(
        bad
          ? `The gradient of ${bad.key} in module ${moduleOf.get(bad.layer) ?? '?'} became non-finite at step ${stepNo}; lower the learning rate (now ${lr}).`
          : `The gradients became non-finite (their sum of magnitudes is ${l1}) at step ${stepNo}; lower the learning rate (now ${lr}).`,
      );
    }
    // The step's outputs are the new state: swap the buffer sets (the old one is written next time).
    [current, spare] = [spare, current];
    steps = stepNo;
    return okResult({ step: stepNo, loss, losses, lr });
  };

  const stateDict = (): Map<string, Float32Array> => {
    const out = new Map<string, Float32Array>();
    const counter = current.get(TRAIN_IO.counter)?.[0] ?? 0;
    const slots = new Map(template.params.map((p) => [p.key, p]));
    for (const e of spec) {
      const slot = slots.get(e.key);
      if (e.role === 'counter') out.set(e.key, Float32Array.of(counter));
      else if (slot) out.set(e.key, Float32Array.from(view(current, TRAIN_IO.params, slot)));
      else out.set(e.key, Float32Array.from(current.get(e.key) ?? init.get(e.key)!));
    }
    return out;
  };

  const evaluate = async (batches: Iterable<Batch>): Promise<Evaluation> => {
    const exported = onnxModel(design, analysis, stateDict(), { foldBatchNorm: true });
    if (!exported.ok) throw new Error(`The eval export failed: ${exported.issues[0].message}`);
    const session = await ort.InferenceSession.create(exported.value.bytes, sessionOptions());
    const [, c, h, w] = analysis.input;
    let loss = 0;
    let correct = 0;
    let seen = 0;
    const predicted: number[] = [];
    try {
      for (const b of batches) {
        const out = await session.run({
          [TRAIN_IO.input]: new ort.Tensor('float32', b.input, [b.n, c, h, w]),
        });
        const logits = out.main.data as Float32Array;
        const k = logits.length / b.n;
        for (let i = 0; i < b.n; i++) {
          const row = logits.subarray(i * k, (i + 1) * k);
          let top = 0;
          let max = -Infinity;
          for (let j = 0; j < k; j++)
            if (row[j] > max) {
              max = row[j];
              top = j;
            }
          let sum = 0;
          for (let j = 0; j < k; j++) sum += Math.exp(row[j] - max);
          loss -= row[b.target[i]] - max - Math.log(sum);
          predicted.push(top);
          if (top === b.target[i]) correct++;
        }
        seen += b.n;
      }
    } finally {
      await session.release();
    }
    return {
      loss: seen ? loss / seen : NaN,
      top1: seen ? correct / seen : NaN,
      count: seen,
      predictions: Int32Array.from(predicted),
    };
  };

  const optimizerState = (): OptimizerState => {
    const slots = new Map<string, Record<string, Float32Array>>();
    for (const p of template.params) {
      const record: Record<string, Float32Array> = emptyRecord();
      for (const name of slotNames)
        if (current.has(name)) record[name] = Float32Array.from(view(current, name, p));
      if (Object.keys(record).length) slots.set(p.key, record);
    }
    return { step: steps, slots };
  };

  const loadOptimizerState = (state: OptimizerState): Result<void> => {
    const slots = new Map(template.params.map((p) => [p.key, p]));
    for (const [key, record] of state.slots) {
      const slot = slots.get(key);
      if (!slot)
        return errResult(
          'train.resume',
          `The optimizer state names ${key}, which the design does not train.`,
        );
      for (const name of Object.keys(record))
        if (
          !slotNames.includes(name) ||
          !current.has(name) ||
          record[name].length !== count(slot.shape)
        )
          return errResult(
            'train.resume',
            `The optimizer state's ${key}.${name} does not fit a ${options.optimizer} step on this design.`,
          );
    }
    for (const name of slotNames) current.get(name)?.fill(0);
    for (const [key, record] of state.slots)
      for (const name of Object.keys(record))
        view(current, name, slots.get(key)!).set(record[name]);
    steps = state.step;
    return okResult(undefined);
  };

  return okResult({
    engine: ORT_TRAIN_ENGINE,
    step,
    evaluate,
    stateDict,
    optimizerState,
    loadOptimizerState,
    dispose() {
      for (const s of sessions.values()) void s.session.release();
      sessions.clear();
    },
  });
}
