/**
 * `inception-explorer train`: trains a design on Fashion-MNIST (or seeded random data) on the
 * fastest engine that can train it (ONNX Runtime, else TF.js; `--engine` forces one), prints a line (or a JSON object) per epoch, and can dump the first step's
 * inputs and the weights before and after so PyTorch can reproduce them.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { CliCommand, CliIo } from '../command';
import { designFromArgs, designOptions, designUsage } from '../designArgs';
import { failureText, issueLines } from '../report';
import { terminalLines } from '../../core/export/escape';
import { analyze } from '../../core/analysis/analyze';
import { emptyRecord } from '../../core/model/records';
import { randomInput } from '../../core/weights/init';
import type { TfBackendName } from '../../core/run/types';
import { selectTfBackend } from '../../node/engine/backend';
import { seededStateDict, stateDictToSafetensors } from '../../node/engine/weights';
import { writeSafetensors } from '../../node/engine/safetensors';
import { writeFileAtomic } from '../../node/host/atomicFile';
import {
  DEBIAN_FASHION_MNIST_DIR,
  imageSetBatch,
  loadFashionMnist,
  shuffledIndices,
  type ImageSet,
} from '../../node/engine/training/fashionMnist';
import { createBestTrainer } from '../../node/engine/training/engines';
import type { TrainEngineChoice } from '../../core/train/types';
import {
  type Batch,
  type OptimizerKind,
  type ScheduleKind,
  type TrainerOptions,
} from '../../node/engine/training/trainer';

const usage = `Usage: inception-explorer train [FILE] [design options] --data fashion-mnist|random [options]

Trains the design and reports loss and top-1 accuracy after each epoch. The first line says which
engine trains and why: ONNX Runtime when it can train every layer, else TF.js.

${designUsage}
  --data SOURCE             fashion-mnist (Debian's dataset-fashion-mnist) or random (seeded noise, for parity checks)
  --data-dir DIR            where the four Fashion-MNIST IDX files are (default ${DEBIAN_FASHION_MNIST_DIR})
  --epochs E                passes over the training images (default 1)
  --steps K                 stop after K optimizer steps in all
  --limit N                 train on the first N training images
  --optimizer sgd|adam      (default sgd)
  --lr LR                   learning rate (default 0.01 for sgd, 0.001 for adam)
  --momentum M              SGD momentum (default 0.9)
  --weight-decay WD         L2 weight decay (default 0)
  --aux-weight W            weight of each aux head's loss (default 0.3)
  --schedule constant|step|cosine  learning-rate schedule (default constant)
  --no-dropout              train without the design's dropout
  --seed S                  weights, shuffling and dropout seed (default 0)
  --engine auto|onnxruntime|tfjs  training engine (default auto: ONNX Runtime when it can train every layer)
  --backend NAME            TF.js backend: tensorflow, wasm or cpu (default: the first that starts);
                            naming one trains on TF.js unless --engine says otherwise
  --out DIR                 write the trained weights (weights.safetensors) and metrics.json
  --dump DIR                write init.safetensors, batch.safetensors (input, target) and weights.safetensors
  --json                    one JSON object per epoch and a final one`;

const options = {
  ...designOptions,
  data: { type: 'string' },
  'data-dir': { type: 'string' },
  epochs: { type: 'string' },
  steps: { type: 'string' },
  limit: { type: 'string' },
  optimizer: { type: 'string' },
  lr: { type: 'string' },
  momentum: { type: 'string' },
  'weight-decay': { type: 'string' },
  'aux-weight': { type: 'string' },
  schedule: { type: 'string' },
  'no-dropout': { type: 'boolean' },
  seed: { type: 'string' },
  backend: { type: 'string' },
  engine: { type: 'string' },
  out: { type: 'string' },
  dump: { type: 'string' },
  json: { type: 'boolean' },
} as const;

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

function numberOption(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  check: (n: number) => boolean,
  rule: string,
): Parsed<number> {
  const raw = values[name];
  if (raw === undefined) return { ok: true, value: fallback };
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !check(n))
    return { ok: false, message: `--${name} must be ${rule}; got ${JSON.stringify(raw)}.` };
  return { ok: true, value: n };
}

const whole = (n: number) => Number.isInteger(n) && n >= 1;
const nonNegative = (n: number) => Number.isFinite(n) && n >= 0;

/** A data source: the training images, the validation images, their count and how to batch them. */
interface DataSource {
  readonly description: string;
  readonly trainCount: number;
  readonly batch: (indices: ArrayLike<number>) => Batch;
  readonly validation: ((indices: ArrayLike<number>) => Batch) | null;
  readonly validationCount: number;
}

function imageSource(
  train: ImageSet,
  test: ImageSet,
  limit: number,
  shape: readonly number[],
): DataSource {
  const [, c, h, w] = shape;
  return {
    description: `Fashion-MNIST: ${Math.min(limit, train.count)} training images, ${test.count} test images, 28×28 fitted to ${c}×${h}×${w}`,
    trainCount: Math.min(limit, train.count),
    batch: (idx) => imageSetBatch(train, idx, c, h, w),
    validation: (idx) => imageSetBatch(test, idx, c, h, w),
    validationCount: test.count,
  };
}

/** Seeded standard-normal images with labels i mod K: only for reproducing steps in PyTorch. */
function randomSource(
  count: number,
  shape: readonly number[],
  classes: number,
  seed: number,
): DataSource {
  const per = shape[1] * shape[2] * shape[3];
  const all = randomInput([count, shape[1], shape[2], shape[3]], seed);
  return {
    description: `random: ${count} seeded standard-normal images`,
    trainCount: count,
    batch: (idx) => {
      const input = new Float32Array(idx.length * per);
      const target = new Int32Array(idx.length);
      for (let i = 0; i < idx.length; i++) {
        input.set(all.subarray(idx[i] * per, (idx[i] + 1) * per), i * per);
        target[i] = idx[i] % classes;
      }
      return { input, target, n: idx.length };
    },
    validation: null,
    validationCount: 0,
  };
}

const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

async function run(
  values: Record<string, unknown>,
  positionals: readonly string[],
  io: CliIo,
): Promise<number> {
  const fail = (message: string, code = 2) => {
    io.err(failureText('train', message));
    return code;
  };
  const got = await designFromArgs({ ...values, batch: undefined }, positionals);
  if (!got.ok) {
    io.err(failureText('train', got.message));
    return got.exitCode;
  }
  const data = values.data;
  if (data !== 'fashion-mnist' && data !== 'random')
    return fail(
      `--data must be fashion-mnist or random; got ${JSON.stringify(data ?? '(nothing)')}.`,
    );
  const optimizer = (values.optimizer ?? 'sgd') as OptimizerKind;
  if (optimizer !== 'sgd' && optimizer !== 'adam')
    return fail(`--optimizer must be sgd or adam; got ${JSON.stringify(values.optimizer)}.`);
  const schedule = (values.schedule ?? 'constant') as ScheduleKind;
  if (!['constant', 'step', 'cosine'].includes(schedule))
    return fail(
      `--schedule must be constant, step or cosine; got ${JSON.stringify(values.schedule)}.`,
    );
  const nums = {
    batch: numberOption(values, 'batch', 32, whole, 'a whole number from 1'),
    epochs: numberOption(values, 'epochs', 1, whole, 'a whole number from 1'),
    steps: numberOption(values, 'steps', Infinity, whole, 'a whole number from 1'),
    limit: numberOption(values, 'limit', Infinity, whole, 'a whole number from 1'),
    lr: numberOption(
      values,
      'lr',
      optimizer === 'adam' ? 0.001 : 0.01,
      (n) => !Number.isNaN(Number(n)),
      'a number',
    ),
    momentum: numberOption(values, 'momentum', 0.9, nonNegative, 'a number from 0'),
    weightDecay: numberOption(values, 'weight-decay', 0, nonNegative, 'a number from 0'),
    auxWeight: numberOption(values, 'aux-weight', 0.3, nonNegative, 'a number from 0'),
    seed: numberOption(
      values,
      'seed',
      0,
      (n) => Number.isInteger(n) && n >= 0,
      'a whole number from 0',
    ),
  };
  for (const r of Object.values(nums)) if (!r.ok) return fail(r.message);
  const n = Object.fromEntries(
    Object.entries(nums).map(([k, r]) => [k, (r as { value: number }).value]),
  ) as Record<keyof typeof nums, number>;
  const design = { ...got.design, input: { ...got.design.input, batch: n.batch } };
  const analysis = analyze(design);
  if (!analysis.valid) {
    io.err(issueLines(analysis.issues, design));
    return 1;
  }
  const shape = analysis.input;
  const classes = analysis.outputs.main?.[1] ?? 0;

  let source: DataSource;
  if (data === 'random') {
    source = randomSource(Math.min(n.limit, n.steps * n.batch, 4096), shape, classes, n.seed);
  } else {
    const loaded = await loadFashionMnist(
      typeof values['data-dir'] === 'string' ? values['data-dir'] : DEBIAN_FASHION_MNIST_DIR,
    );
    if (!loaded.ok) return fail(`[${loaded.error.code}] ${loaded.error.message}`, 1);
    if (classes !== 10)
      return fail(
        `Fashion-MNIST has 10 classes but the design's main output has ${classes}; add --classes 10.`,
      );
    source = imageSource(loaded.value.train, loaded.value.test, n.limit, shape);
  }

  const engine = (values.engine ?? 'auto') as TrainEngineChoice;
  if (!['auto', 'onnxruntime', 'tfjs'].includes(engine))
    return fail(
      `--engine must be auto, onnxruntime or tfjs; got ${JSON.stringify(values.engine)}.`,
    );
  // A TF.js backend is started up front only when TF.js is asked for (or its backend named);
  // otherwise the engine choice starts one if it falls back to TF.js.
  const backend =
    engine === 'tfjs' || values.backend !== undefined
      ? await selectTfBackend(values.backend as TfBackendName | undefined)
      : null;
  if (backend && !backend.ok) return fail(backend.reason, 1);
  const stepsPerEpoch = Math.ceil(source.trainCount / n.batch);
  const totalSteps = Math.min(n.steps, stepsPerEpoch * n.epochs);
  const trainerOptions: TrainerOptions = {
    optimizer,
    lr: n.lr,
    momentum: n.momentum,
    weightDecay: n.weightDecay,
    auxWeight: n.auxWeight,
    dropout: !values['no-dropout'],
    seed: n.seed,
    schedule,
    totalSteps,
  };
  const init = seededStateDict(analysis.graph, n.seed);
  const made = await createBestTrainer(
    design,
    analysis,
    init,
    trainerOptions,
    values.backend !== undefined && engine === 'auto' ? 'tfjs' : engine,
  );
  if (!made.ok) return fail(`[${made.error.code}] ${made.error.message}`, 1);
  const trainer = made.value.trainer;
  const dumpDir = typeof values.dump === 'string' ? values.dump : null;
  const json = Boolean(values.json);
  const say = (line: string) => io.out(line);
  if (!json) {
    say(terminalLines`${made.value.notes.join(' ')}\n`);
    say(terminalLines`Training ${got.source} on ${trainer.engine}; ${source.description}.\n`);
  }

  const epochs: object[] = [];
  let step = 0;
  let failure: string | null = null;
  const started = performance.now();
  try {
    if (dumpDir) {
      await mkdir(dumpDir, { recursive: true });
      await writeFileAtomic(
        path.join(dumpDir, 'init.safetensors'),
        stateDictToSafetensors(init, analysis.graph),
      );
    }
    for (let epoch = 0; epoch < n.epochs && step < totalSteps && !failure; epoch++) {
      const order = shuffledIndices(source.trainCount, n.seed + epoch);
      const t0 = performance.now();
      let images = 0;
      let lossSum = 0;
      let lastLosses: Record<string, number> = emptyRecord();
      for (let s = 0; s < stepsPerEpoch && step < totalSteps; s++) {
        const batch = source.batch(
          order.subarray(s * n.batch, Math.min((s + 1) * n.batch, source.trainCount)),
        );
        if (dumpDir && step === 0) {
          await writeFileAtomic(
            path.join(dumpDir, 'batch.safetensors'),
            writeSafetensors(
              new Map([
                [
                  'input',
                  {
                    dtype: 'F32',
                    shape: [batch.n, shape[1], shape[2], shape[3]],
                    data: batch.input,
                  },
                ],
                [
                  'target',
                  {
                    dtype: 'I64',
                    shape: [batch.n],
                    data: BigInt64Array.from(batch.target, (t) => BigInt(t)),
                  },
                ],
              ]),
            ),
          );
        }
        const r = await trainer.step(batch, epoch);
        if (!r.ok) {
          failure = `[${r.error.code}] ${r.error.message}`;
          break;
        }
        step++;
        images += batch.n;
        lossSum += r.value.loss * batch.n;
        lastLosses = r.value.losses;
        if (!json && io.isTty)
          io.err(
            `\repoch ${epoch + 1} step ${step}/${totalSteps} loss ${r.value.loss.toFixed(4)}   `,
          );
      }
      const seconds = (performance.now() - t0) / 1000;
      let validation: { loss: number; top1: number; count: number } | null = null;
      if (source.validation && !failure) {
        const val = source.validation;
        const count = source.validationCount;
        validation = await trainer.evaluate(
          (function* () {
            for (let i = 0; i < count; i += 256) {
              const idx = Array.from({ length: Math.min(256, count - i) }, (_, k) => i + k);
              yield val(idx);
            }
          })(),
        );
      }
      const record = {
        epoch: epoch + 1,
        steps: step,
        trainLoss: images ? round(lossSum / images) : null,
        lastLosses: Object.fromEntries(Object.entries(lastLosses).map(([k, v]) => [k, round(v)])),
        validation: validation && {
          loss: round(validation.loss),
          top1: round(validation.top1),
          count: validation.count,
        },
        imagesPerSecond: round(images / seconds, 1),
        seconds: round(seconds, 1),
      };
      epochs.push(record);
      if (json) say(`${JSON.stringify(record)}\n`);
      else {
        if (io.isTty) io.err('\r' + ' '.repeat(60) + '\r');
        say(
          `epoch ${record.epoch}: train loss ${record.trainLoss}` +
            (validation
              ? `, validation loss ${record.validation!.loss}, top-1 ${(validation.top1 * 100).toFixed(2)} %`
              : '') +
            `, ${record.imagesPerSecond} images/s\n`,
        );
      }
    }
    const weights = trainer.stateDict();
    if (dumpDir)
      await writeFileAtomic(
        path.join(dumpDir, 'weights.safetensors'),
        stateDictToSafetensors(weights, analysis.graph),
      );
    const outDir = typeof values.out === 'string' ? values.out : null;
    const final = {
      final: true,
      ok: failure === null,
      error: failure,
      engine: trainer.engine,
      engineNotes: made.value.notes,
      backendFallbacks: backend?.ok ? backend.info.fallbacks : [],
      steps: step,
      seconds: round((performance.now() - started) / 1000, 1),
      epochs,
    };
    if (outDir) {
      await mkdir(outDir, { recursive: true });
      await writeFileAtomic(
        path.join(outDir, 'weights.safetensors'),
        stateDictToSafetensors(weights, analysis.graph),
      );
      await writeFileAtomic(
        path.join(outDir, 'metrics.json'),
        JSON.stringify(final, null, 2) + '\n',
      );
    }
    if (json) say(`${JSON.stringify(final)}\n`);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code) return fail(`cannot write the training files: ${err.message}.`, 1);
    throw e;
  } finally {
    trainer.dispose();
  }
  if (failure) return fail(failure, 1);
  return 0;
}

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'train a design on Fashion-MNIST and report loss and accuracy',
  usage,
  options,
  run,
};
