/**
 * The one training loop, shared by the CLI (inline) and the app's hosts (in a worker thread, job.ts):
 * data read and fitted, seeded shuffled mini-batches (epoch e's order is shuffledIndices(count,
 * seed + e)), throttled step events, validation after each epoch (loss, top-1, per-class accuracy,
 * confusion matrix), a checkpoint after each epoch, at the end and on cancel, pause/resume between
 * steps, and `resume` continuing from a checkpoint exactly (same order, same next steps).
 */
import path from 'node:path';
import { analyze } from '../../../core/analysis/analyze';
import { formatBytes } from '../../../core/model/format';
import { errResult, okResult, type Result, type TfBackendName } from '../../../core/run/types';
import { checkTrainRequest } from '../../../core/train/request';
import { untrainableLayers } from '../../../core/export/onnxTrainStep';
import type {
  TrainEngineChoice,
  CheckpointInfo,
  EpochValidation,
  TrainEvent,
  TrainHistory,
  TrainRequest,
  TrainSummary,
} from '../../../core/train/types';
import { selectTfBackend } from '../backend';
import { checkWritableFolder, makeFolders } from '../../host/makeFolders';
import { machineBudget, WASM_HEAP_LIMIT } from '../memory';
import { writeSafetensors } from '../safetensors';
import { seededStateDict, stateDictToSafetensors, type StateDict } from '../weights';
import { writeFileAtomic } from '../../host/atomicFile';
import {
  dataMismatch,
  loadCheckpoint,
  slug,
  writeCheckpoint,
  type DataPosition,
  type LoadedCheckpoint,
} from './checkpoints';
import { createBestTrainer } from './engines';
import { shuffledIndices } from './fashionMnist';
import { loadTrainData, type TrainData } from './trainData';
import type { Batch, StepReport, Trainer } from './trainer';

/** How the caller steers a running loop; checked between steps. */
export interface LoopControl {
  cancelled(): boolean;
  paused(): boolean;
  /** Waits a little while paused (the worker blocks on Atomics.wait; inline callers sleep). */
  wait(): Promise<void>;
  /** Called before each step: an inline caller yields here so its signal handlers run (Ctrl+C). */
  between?(): Promise<void>;
}

/** Confusion-matrix samples: cells[actual][predicted] = up to 16 PNG data: URLs. */
export type SampleCells = readonly (readonly (readonly string[])[])[];

export interface LoopOptions {
  /** The app's home (Fashion-MNIST cache, checkpoint ids). */
  readonly home: string;
  /** Checkpoints go in `<checkpointRoot>/<run>/<name>`; null writes none (the CLI without --out). */
  readonly checkpointRoot: string | null;
  /** `resume` may name a checkpoint folder, not only an id (the CLI's --resume DIR). */
  readonly allowResumePath?: boolean;
  /** Force a TF.js backend (the CLI's --backend). */
  readonly backend?: TfBackendName;
  /** Write init/batch/weights.safetensors here (the CLI's --dump). */
  readonly dumpDir?: string;
  readonly onEvent: (e: TrainEvent) => void;
  /** Every step's report and batch size (step events are throttled; the CLI averages these). */
  readonly onStep?: (report: StepReport, images: number) => void;
  /** The last validation's samples per confusion cell (sent after each epoch). */
  readonly onSamples?: (cells: SampleCells) => void;
  readonly control?: LoopControl;
  /** Memory a training may take (default: the machine's budget now); tests lower it. */
  readonly memoryBudget?: number;
}

const SAMPLES_PER_CELL = 16;
/** Step events are sent at most this often (the last step of an epoch always). */
const STEP_EVENT_MS = 100;

/**
 * Bytes one training step keeps alive, estimated from the analysis at the training batch: every
 * layer output (kept for the backward pass) three times (values, gradients, temporaries), and the
 * weights four times (values, gradients, two optimizer slots).
 */
export function estimateTrainBytes(analysis: ReturnType<typeof analyze>): number {
  return analysis.totals.activationBytes * 3 + analysis.totals.weightBytes * 4;
}

function writeError(e: unknown, where: string): Result<never> {
  const err = e as NodeJS.ErrnoException;
  if (!err?.code) throw e;
  const why =
    err.code === 'ENOSPC'
      ? 'the disk is full'
      : err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS'
        ? 'the folder cannot be written'
        : err.message;
  return errResult('train.write', `The checkpoint could not be written in ${where}: ${why}.`);
}

/**
 * Trains `request.design` on `request.data` and reports through `options.onEvent` (started, step…,
 * epoch…, finished). Resolves with the summary (cancelled: ok with `cancelled`), or an error:
 * `train.request` (bounds), `train.design`, `train.memory`, `train.backend`, `train.resume`,
 * `train.nonFinite` (NaN/Inf, with the step and module), `train.write` (disk full, unwritable)
 * and the data's `data.*` codes. A failure never removes a checkpoint already written.
 */
export async function trainLoop(
  trainId: string,
  request: TrainRequest,
  options: LoopOptions,
): Promise<Result<TrainSummary>> {
  const result = await trainLoopInner(trainId, request, options);
  options.onEvent({ type: 'finished', trainId, result });
  return result;
}

async function trainLoopInner(
  trainId: string,
  request: TrainRequest,
  options: LoopOptions,
): Promise<Result<TrainSummary>> {
  const checked = checkTrainRequest(request);
  if (!checked.ok) return checked;
  let resumed: LoadedCheckpoint | null = null;
  if (request.resume) {
    const got = await loadCheckpoint(
      options.home,
      request.resume,
      options.allowResumePath ?? false,
    );
    if (!got.ok) return got;
    resumed = got.value;
    const was = got.value.record.request;
    const differs = (['batch', 'seed', 'optimizer', 'limit'] as const).filter(
      (k) => was[k] !== request[k],
    );
    if (differs.length || was.data.kind !== request.data.kind)
      return errResult(
        'train.resume',
        `The checkpoint ${request.resume} was trained with another ${[...differs, ...(was.data.kind !== request.data.kind ? ['data'] : [])].join(', ')}; resume with the same settings to continue exactly.`,
      );
  }
  const base = resumed?.design ?? request.design;
  const design = { ...base, input: { ...base.input, batch: request.batch } };
  const analysis = analyze(design);
  if (!analysis.valid)
    return errResult(
      'train.design',
      `The design is not valid, so it cannot be trained: ${analysis.issues
        .slice(0, 3)
        .map((i) => i.message)
        .join(' ')}`,
    );
  const classes = analysis.outputs.main?.[1] ?? 0;
  if (!classes) return errResult('train.design', 'The design has no main output to train against.');

  const backend = await selectTfBackend(options.backend);
  if (!backend.ok) return errResult('train.backend', backend.reason);
  const need = estimateTrainBytes(analysis);
  const budget = options.memoryBudget ?? machineBudget();
  // The WebAssembly heap bounds a TF.js wasm training only; ONNX Runtime trains in native memory.
  const engineChoice: TrainEngineChoice =
    request.engine && request.engine !== 'auto'
      ? request.engine
      : options.backend
        ? 'tfjs'
        : 'auto';
  const onWasm =
    backend.info.name === 'wasm' &&
    (engineChoice === 'tfjs' || untrainableLayers(analysis.graph).length > 0);
  const heap = onWasm ? Math.min(budget, WASM_HEAP_LIMIT) : budget;
  if (need > heap)
    return errResult(
      'train.memory',
      `Training this design at batch ${request.batch} would need about ${formatBytes(need)}, more than the ${formatBytes(heap)} it may use${onWasm ? ' (WebAssembly heap)' : ''}; use a smaller batch, a smaller input or fewer filters.`,
    );

  // Where it will write, checked before any image is read or step taken: an unwritable --out
  // found at the first epoch's end would cost that epoch, and the user would lose it.
  for (const [dir, noun] of [
    [options.checkpointRoot, 'The checkpoint folder'],
    [options.dumpDir, 'The --dump folder'],
  ] as const) {
    if (!dir) continue;
    const writable = await checkWritableFolder(dir, noun, 'train.write');
    if (!writable.ok) return writable;
  }

  const loaded = await loadTrainData(request.data, {
    shape: analysis.input,
    classes,
    home: options.home,
    seed: request.seed,
    limit: request.limit,
    steps: request.steps,
    batch: request.batch,
    preset: design.preset,
    cancelled: () => options.control?.cancelled() ?? false,
  });
  if (!loaded.ok && loaded.error.code === 'train.cancelled')
    return okResult({
      engine: '',
      steps: resumed?.record.info.step ?? 0,
      seconds: 0,
      cancelled: true,
      checkpoint: null,
      history: resumed?.record.info.history ?? { steps: [], epochs: [] },
    });
  if (!loaded.ok) return loaded;
  const data = loaded.value;
  if (resumed) {
    const changed = dataMismatch(resumed.record.data, data.description);
    if (changed.length)
      return errResult(
        'train.resume',
        `The checkpoint ${request.resume} was trained on other data: ${changed.join(', ')}; resume with the same images to continue exactly.`,
      );
  }
  const stepsPerEpoch = Math.ceil(data.trainCount / request.batch);
  const totalSteps = Math.min(request.steps ?? Infinity, stepsPerEpoch * request.epochs);

  const init: StateDict = resumed?.weights ?? seededStateDict(analysis.graph, request.seed);
  const made = await createBestTrainer(
    design,
    analysis,
    init,
    {
      optimizer: request.optimizer,
      lr: request.lr,
      momentum: request.momentum,
      weightDecay: request.weightDecay,
      auxWeight: request.auxWeight,
      dropout: request.dropout,
      seed: request.seed,
      schedule: request.schedule,
      totalSteps,
    },
    engineChoice,
  );
  if (!made.ok) return made;
  const { trainer, engine } = made.value;
  try {
    if (resumed) {
      const r = trainer.loadOptimizerState(resumed.optimizer);
      if (!r.ok) return r;
    }
    const position: DataPosition = resumed?.record.position ?? {
      epoch: 0,
      stepInEpoch: 0,
      imagesSeen: 0,
    };
    let step = resumed?.record.info.step ?? 0;
    const historySteps: TrainHistory['steps'][number][] = [
      ...(resumed?.record.info.history.steps ?? []),
    ];
    const historyEpochs: EpochValidation[] = [...(resumed?.record.info.history.epochs ?? [])];
    const history = (): TrainHistory => ({
      steps: [...historySteps],
      epochs: [...historyEpochs],
    });
    const runName = resumed
      ? path.basename(path.dirname(resumed.record.info.dir))
      : `${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}-${slug(design.name)}`;
    let last: CheckpointInfo | null = null;
    let imagesSeen = position.imagesSeen;
    const checkpoint = async (
      reason: CheckpointInfo['reason'],
      name: string,
      at: DataPosition,
      epochsDone: number,
      top1: number | null,
    ): Promise<Result<CheckpointInfo | null>> => {
      if (!options.checkpointRoot) return okResult(null);
      try {
        last = await writeCheckpoint({
          root: options.checkpointRoot,
          run: runName,
          name,
          reason,
          request: { ...request, design },
          graph: analysis.graph,
          weights: trainer.stateDict(),
          optimizer: trainer.optimizerState(),
          data: data.description,
          engine,
          position: at,
          epoch: epochsDone,
          step,
          top1,
          history: history(),
          classNames: data.classNames,
        });
        return okResult(last);
      } catch (e) {
        return writeError(e, path.join(options.checkpointRoot, runName));
      }
    };

    options.onEvent({
      type: 'started',
      trainId,
      engine,
      engineNotes: [...made.value.notes, ...backend.info.fallbacks],
      dataNotes: data.notes,
      classNames: data.classNames,
      trainCount: data.trainCount,
      validationCount: data.validationCount,
      stepsPerEpoch,
      totalSteps,
      startStep: step,
    });
    if (options.dumpDir) {
      await makeFolders(options.dumpDir);
      await writeFileAtomic(
        path.join(options.dumpDir, 'init.safetensors'),
        stateDictToSafetensors(init, analysis.graph),
      );
    }

    const started = performance.now();
    /** Writes the 'cancel' checkpoint at `at` and ends the run as cancelled. */
    const cancelAt = async (
      at: DataPosition,
      epochsDone: number,
    ): Promise<Result<TrainSummary>> => {
      const saved = await checkpoint(
        'cancel',
        `cancel-step-${step}`,
        at,
        epochsDone,
        historyEpochs.at(-1)?.top1 ?? null,
      );
      if (!saved.ok) return saved;
      return okResult({
        engine,
        steps: step,
        seconds: (performance.now() - started) / 1000,
        cancelled: true,
        checkpoint: last,
        history: history(),
      });
    };
    let activeMs = 0;
    let stepsThisRun = 0;
    let imagesThisRun = 0;
    let lastSent = -Infinity;
    const control = options.control;
    for (let epoch = position.epoch; epoch < request.epochs && step < totalSteps; epoch++) {
      const order = shuffledIndices(data.trainCount, request.seed + epoch);
      let s = epoch === position.epoch ? position.stepInEpoch : 0;
      for (; s < stepsPerEpoch && step < totalSteps; s++) {
        await control?.between?.();
        if (control?.paused() && !control.cancelled()) {
          options.onEvent({ type: 'paused', trainId, step });
          while (control.paused() && !control.cancelled()) await control.wait();
          if (!control.cancelled()) options.onEvent({ type: 'resumed', trainId, step });
        }
        if (control?.cancelled()) return cancelAt({ epoch, stepInEpoch: s, imagesSeen }, epoch);
        const t0 = performance.now();
        const batch = data.trainBatch(
          order.subarray(s * request.batch, Math.min((s + 1) * request.batch, data.trainCount)),
        );
        if (options.dumpDir && step === 0) await dumpBatch(options.dumpDir, batch, analysis.input);
        const r = await trainer.step(batch, epoch);
        if (!r.ok) return r;
        options.onStep?.(r.value, batch.n);
        step++;
        imagesSeen += batch.n;
        stepsThisRun++;
        imagesThisRun += batch.n;
        const now = performance.now();
        activeMs += now - t0;
        const endOfEpoch = s === stepsPerEpoch - 1 || step === totalSteps;
        if (endOfEpoch || now - lastSent >= STEP_EVENT_MS) {
          lastSent = now;
          historySteps.push({ step, loss: r.value.loss, losses: r.value.losses });
          options.onEvent({
            type: 'step',
            trainId,
            step,
            epoch: epoch + 1,
            loss: r.value.loss,
            losses: r.value.losses,
            lr: r.value.lr,
            imagesPerSecond: imagesThisRun / (activeMs / 1000),
            secondsLeft: ((totalSteps - step) * activeMs) / stepsThisRun / 1000,
          });
        }
      }
      const complete = s === stepsPerEpoch;
      const validation = await validate(
        trainer,
        data,
        request.batch,
        classes,
        options.onSamples,
        () => control?.cancelled() ?? false,
      );
      // Cancelled while validating: the steps taken are kept, the validation is not.
      if (!validation)
        return cancelAt(
          complete
            ? { epoch: epoch + 1, stepInEpoch: 0, imagesSeen }
            : { epoch, stepInEpoch: s, imagesSeen },
          complete ? epoch + 1 : epoch,
        );
      const record: EpochValidation = { epoch: epoch + 1, step, ...validation };
      historyEpochs.push(record);
      const saved = await checkpoint(
        complete ? 'epoch' : 'final',
        complete ? `epoch-${epoch + 1}` : `final-step-${step}`,
        complete
          ? { epoch: epoch + 1, stepInEpoch: 0, imagesSeen }
          : { epoch, stepInEpoch: s, imagesSeen },
        complete ? epoch + 1 : epoch,
        record.top1,
      );
      if (!saved.ok) return saved;
      options.onEvent({ type: 'epoch', trainId, checkpoint: saved.value, ...record });
    }
    if (options.dumpDir)
      await writeFileAtomic(
        path.join(options.dumpDir, 'weights.safetensors'),
        stateDictToSafetensors(trainer.stateDict(), analysis.graph),
      );
    return okResult({
      engine,
      steps: step,
      seconds: (performance.now() - started) / 1000,
      cancelled: false,
      checkpoint: last,
      history: history(),
    });
  } catch (e) {
    return writeError(e, options.dumpDir ?? options.checkpointRoot ?? options.home);
  } finally {
    trainer.dispose();
  }
}

async function dumpBatch(dir: string, batch: Batch, shape: readonly number[]): Promise<void> {
  await writeFileAtomic(
    path.join(dir, 'batch.safetensors'),
    writeSafetensors(
      new Map([
        [
          'input',
          { dtype: 'F32', shape: [batch.n, shape[1], shape[2], shape[3]], data: batch.input },
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

/**
 * Eval-mode loss, top-1, per-class accuracy and confusion matrix over the validation images; null
 * when `cancelled` turns true meanwhile (checked between chunks).
 */
async function validate(
  trainer: Trainer,
  data: TrainData,
  batch: number,
  classes: number,
  onSamples: LoopOptions['onSamples'],
  cancelled: () => boolean,
): Promise<Omit<EpochValidation, 'epoch' | 'step'> | null> {
  const count = data.validationCount;
  const chunk = Math.max(1, Math.min(256, batch * 2));
  const targets = new Int32Array(count);
  const ev = await trainer.evaluate(
    (function* () {
      for (let i = 0; i < count && !cancelled(); i += chunk) {
        const idx = Array.from({ length: Math.min(chunk, count - i) }, (_, k) => i + k);
        const b = data.validationBatch(idx);
        targets.set(b.target, i);
        yield b;
      }
    })(),
  );
  if (cancelled()) return null;
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const cells: string[][][] = Array.from({ length: classes }, () =>
    Array.from({ length: classes }, () => []),
  );
  for (let i = 0; i < count; i++) {
    const a = targets[i];
    const p = ev.predictions[i];
    confusion[a][p]++;
    if (onSamples && cells[a][p].length < SAMPLES_PER_CELL)
      cells[a][p].push(
        `data:image/png;base64,${Buffer.from(data.validationPng(i)).toString('base64')}`,
      );
  }
  onSamples?.(cells);
  const perClass = confusion.map((row, k) => {
    const total = row.reduce((x, y) => x + y, 0);
    return total ? row[k] / total : null;
  });
  return {
    loss: count ? ev.loss : NaN,
    top1: count ? ev.top1 : NaN,
    perClass,
    confusion,
  };
}
