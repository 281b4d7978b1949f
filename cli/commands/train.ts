/**
 * `inception-explorer train`: trains a design on Fashion-MNIST, an image folder (ImageFolder
 * layout) or seeded random data with the same loop the app's training job runs
 * (node/engine/training/trainLoop.ts, inline here), prints a progress bar on a terminal and a line
 * (or a JSON object) per epoch, writes checkpoints with --out, continues one with --resume, and can
 * dump the first step's inputs and the weights before and after so PyTorch can reproduce them.
 */
import path from 'node:path';
import type { CliCommand, CliIo } from '../command';
import { designFromArgs, designOptions, designUsage } from '../designArgs';
import { failureText, issueLines } from '../report';
import { terminalLines, terminalText } from '../../core/export/escape';
import { analyze } from '../../core/analysis/analyze';
import type { TfBackendName } from '../../core/run/types';
import type {
  OptimizerName,
  ScheduleName,
  TrainDataSource,
  TrainEngineChoice,
  TrainEvent,
  TrainRequest,
} from '../../core/train/types';
import { appHome } from '../../node/host/appHome';
import { DEBIAN_FASHION_MNIST_DIR } from '../../node/engine/training/fashionMnist';
import { trainLoop } from '../../node/engine/training/trainLoop';

const usage = `Usage: inception-explorer train [FILE] [design options] --data fashion-mnist|random|FOLDER [options]

Trains the design and reports loss, top-1 and per-class accuracy after each epoch.

${designUsage}
  --data SOURCE             fashion-mnist (Debian's dataset-fashion-mnist, else <home>/datasets/fashion-mnist),
                            random (seeded noise, for parity checks) or an image FOLDER (one subfolder per class)
  --data-dir DIR            where the four Fashion-MNIST IDX files are (default ${DEBIAN_FASHION_MNIST_DIR})
  --download                when Fashion-MNIST is in neither place, download it (about 30 MB, MD5-checked) into the cache
  --validation-fraction F   share of each class of an image folder kept to validate (default 0.2)
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
  --backend NAME            tensorflow, wasm or cpu (default: the first that starts)
  --engine auto|tfjs|onnxruntime  the training engine (default auto: the fastest that can train the design)
  --out DIR                 write a checkpoint after each epoch, at the end and on Ctrl+C into DIR/<run>/
  --resume DIR|ID           continue a checkpoint (its folder, or an id under <home>/checkpoints) exactly;
                            give the same data, batch, seed, optimizer and limit
  --dump DIR                write init.safetensors, batch.safetensors (input, target) and weights.safetensors
  --json                    one JSON object per epoch and a final one`;

const options = {
  ...designOptions,
  data: { type: 'string' },
  'data-dir': { type: 'string' },
  download: { type: 'boolean' },
  'validation-fraction': { type: 'string' },
  engine: { type: 'string' },
  resume: { type: 'string' },
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
  if (typeof data !== 'string' || data === '')
    return fail(
      `--data must be fashion-mnist, random or an image folder; got ${JSON.stringify(data ?? '(nothing)')}.`,
    );
  const optimizer = (values.optimizer ?? 'sgd') as OptimizerName;
  if (optimizer !== 'sgd' && optimizer !== 'adam')
    return fail(`--optimizer must be sgd or adam; got ${JSON.stringify(values.optimizer)}.`);
  const schedule = (values.schedule ?? 'constant') as ScheduleName;
  if (!['constant', 'step', 'cosine'].includes(schedule))
    return fail(
      `--schedule must be constant, step or cosine; got ${JSON.stringify(values.schedule)}.`,
    );
  const engine = (values.engine ?? 'auto') as TrainEngineChoice;
  if (!['auto', 'tfjs', 'onnxruntime'].includes(engine))
    return fail(
      `--engine must be auto, tfjs or onnxruntime; got ${JSON.stringify(values.engine)}.`,
    );
  const nums = {
    batch: numberOption(values, 'batch', 32, whole, 'a whole number from 1'),
    epochs: numberOption(values, 'epochs', 1, whole, 'a whole number from 1'),
    steps: numberOption(values, 'steps', NaN, whole, 'a whole number from 1'),
    limit: numberOption(values, 'limit', NaN, whole, 'a whole number from 1'),
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
    validationFraction: numberOption(
      values,
      'validation-fraction',
      0.2,
      (n) => n >= 0 && n <= 0.9,
      'a number from 0 to 0.9',
    ),
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
  const source: TrainDataSource =
    data === 'random'
      ? { kind: 'random' }
      : data === 'fashion-mnist'
        ? {
            kind: 'fashion-mnist',
            dir: typeof values['data-dir'] === 'string' ? values['data-dir'] : undefined,
            download: Boolean(values.download),
          }
        : { kind: 'folder', path: path.resolve(data), validationFraction: n.validationFraction };
  const request: TrainRequest = {
    design,
    data: source,
    epochs: n.epochs,
    ...(Number.isNaN(n.steps) ? {} : { steps: n.steps }),
    ...(Number.isNaN(n.limit) ? {} : { limit: n.limit }),
    batch: n.batch,
    optimizer,
    lr: n.lr,
    momentum: n.momentum,
    weightDecay: n.weightDecay,
    auxWeight: n.auxWeight,
    schedule,
    dropout: !values['no-dropout'],
    seed: n.seed,
    engine,
    ...(typeof values.resume === 'string' ? { resume: values.resume } : {}),
  };

  const json = Boolean(values.json);
  const say = (line: string) => io.out(line);
  const epochs: object[] = [];
  let totalSteps = 0;
  let engineName = '';
  let engineNotes: readonly string[] = [];
  let classNames: readonly string[] = [];
  // Per epoch: the mean training loss and the throughput, from every step (not the throttled events).
  let lossSum = 0;
  let images = 0;
  let epochStarted = performance.now();
  let lastLosses: Readonly<Record<string, number>> = {};
  let bar = false;
  const onEvent = (e: TrainEvent) => {
    if (e.type === 'started') {
      totalSteps = e.totalSteps;
      engineName = e.engine;
      engineNotes = e.engineNotes;
      classNames = e.classNames;
      epochStarted = performance.now();
      if (!json)
        say(
          terminalLines`Training ${got.source} on ${e.engine}. ${e.engineNotes.join(' ')} ${e.dataNotes.join(' ')}${e.startStep ? ` Resumed at step ${e.startStep}.` : ''}\n`,
        );
    } else if (e.type === 'step') {
      if (!json && io.isTty) {
        const width = 24;
        const done = Math.round((width * e.step) / Math.max(1, totalSteps));
        io.err(
          `\r[${'#'.repeat(done)}${'.'.repeat(width - done)}] epoch ${e.epoch} step ${e.step}/${totalSteps} loss ${e.loss.toFixed(4)} ${Math.round(e.imagesPerSecond)} img/s` +
            (e.secondsLeft !== null ? ` ${Math.ceil(e.secondsLeft)} s left ` : ' '),
        );
        bar = true;
      }
    } else if (e.type === 'epoch') {
      const seconds = (performance.now() - epochStarted) / 1000;
      const record = {
        epoch: e.epoch,
        steps: e.step,
        trainLoss: images ? round(lossSum / images) : null,
        lastLosses: Object.fromEntries(Object.entries(lastLosses).map(([k, v]) => [k, round(v)])),
        validation: {
          loss: round(e.loss),
          top1: round(e.top1),
          count: e.confusion.flat().reduce((a, b) => a + b, 0),
          perClass: Object.fromEntries(
            e.perClass.map((p, k) => [classNames[k] ?? String(k), p === null ? null : round(p)]),
          ),
        },
        imagesPerSecond: round(images / seconds, 1),
        seconds: round(seconds, 1),
        checkpoint: e.checkpoint?.dir ?? null,
      };
      epochs.push(record);
      if (json) say(`${JSON.stringify(record)}\n`);
      else {
        if (bar) io.err('\r' + ' '.repeat(100) + '\r');
        say(
          `epoch ${record.epoch}: train loss ${record.trainLoss}, ${
            record.validation.count
              ? `validation loss ${record.validation.loss}, top-1 ${(e.top1 * 100).toFixed(2)} %`
              : 'no validation images (give a larger folder or --validation-fraction)'
          }, ${record.imagesPerSecond} images/s\n` +
            terminalText(
              `  per class: ${e.perClass.map((p, k) => `${classNames[k] ?? k} ${p === null ? '–' : `${(p * 100).toFixed(1)} %`}`).join(', ')}`,
            ) +
            // After terminalText, which would show a newline inside it as \x0a.
            '\n' +
            (record.checkpoint ? terminalLines`  checkpoint ${record.checkpoint}\n` : ''),
        );
      }
      lossSum = 0;
      images = 0;
      epochStarted = performance.now();
    }
  };

  // Ctrl+C stops before the next step and keeps a 'cancel' checkpoint (with --out).
  let cancelled = false;
  const onSigint = () => (cancelled = true);
  process.on('SIGINT', onSigint);
  const started = performance.now();
  const outDir = typeof values.out === 'string' ? path.resolve(values.out) : null;
  let result;
  try {
    result = await trainLoop('cli', request, {
      home: appHome(),
      checkpointRoot: outDir,
      allowResumePath: true,
      backend: values.backend as TfBackendName | undefined,
      dumpDir: typeof values.dump === 'string' ? values.dump : undefined,
      onEvent,
      onStep: (r, n) => {
        lossSum += r.loss * n;
        images += n;
        lastLosses = r.losses;
      },
      control: {
        cancelled: () => cancelled,
        paused: () => false,
        wait: () => new Promise((r) => setTimeout(r, 100)),
        between: () => new Promise((r) => setImmediate(r)),
      },
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
  const failure = result.ok ? null : `[${result.error.code}] ${result.error.message}`;
  const final = {
    final: true,
    ok: result.ok,
    error: failure,
    engine: engineName,
    engineNotes,
    steps: result.ok ? result.value.steps : ((epochs.at(-1) as { steps?: number })?.steps ?? 0),
    cancelled: result.ok && result.value.cancelled,
    checkpoint: result.ok ? (result.value.checkpoint?.dir ?? null) : null,
    seconds: round((performance.now() - started) / 1000, 1),
    epochs,
  };
  if (json) say(`${JSON.stringify(final)}\n`);
  if (failure) return fail(failure, 1);
  return 0;
}

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'train a design on Fashion-MNIST or an image folder and report loss and accuracy',
  usage,
  options,
  run,
};
