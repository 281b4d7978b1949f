/**
 * A training job: trainLoop (trainLoop.ts) in its own worker thread, so the thread that asks (Electron
 * main, the browser host) never computes. Cancel and pause go through a SharedArrayBuffer the
 * worker reads between steps; events come back as messages. One job, one worker, ended when the
 * training ends.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { checkTrainRequest } from '../../../core/train/request';
import { errResult, type Result, type TfBackendName } from '../../../core/run/types';
import type { TrainEvent, TrainRequest, TrainSummary } from '../../../core/train/types';
import { resolveWorkerEntry, startWorker, type WorkerEntry } from '../workerEntry';
import { CHECKPOINTS_FOLDER } from './checkpoints';
import type { SampleCells } from './trainLoop';

/** Slots of the control buffer (Int32): 1 = cancel asked; 1 = paused. */
export const CONTROL_CANCEL = 0;
export const CONTROL_PAUSE = 1;

/** What the worker starts with. */
export interface TrainWorkerData {
  readonly trainId: string;
  readonly request: TrainRequest;
  readonly home: string;
  readonly checkpointRoot: string | null;
  readonly allowResumePath: boolean;
  readonly backend?: TfBackendName;
  readonly control: SharedArrayBuffer;
}

/** Messages from the worker, tagged by `type`. */
export type TrainFromWorker =
  | { readonly type: 'event'; readonly event: TrainEvent }
  | { readonly type: 'samples'; readonly cells: SampleCells }
  | { readonly type: 'done'; readonly result: Result<TrainSummary> };

/** Cancel and pause of one job, shared with its worker. */
export class TrainControl {
  readonly buffer = new SharedArrayBuffer(8);
  private readonly cells = new Int32Array(this.buffer);

  /** Asks the training to stop before its next step (it writes a 'cancel' checkpoint). */
  cancel(): void {
    Atomics.store(this.cells, CONTROL_CANCEL, 1);
    // Wakes a paused worker so it sees the cancel at once.
    Atomics.store(this.cells, CONTROL_PAUSE, 0);
    Atomics.notify(this.cells, CONTROL_PAUSE);
  }

  /** Pauses (true) or resumes (false) between steps. */
  setPaused(paused: boolean): void {
    Atomics.store(this.cells, CONTROL_PAUSE, paused ? 1 : 0);
    Atomics.notify(this.cells, CONTROL_PAUSE);
  }

  get cancelled(): boolean {
    return Atomics.load(this.cells, CONTROL_CANCEL) === 1;
  }
}

export interface TrainJobOptions {
  /** The app's home: checkpoints under `<home>/checkpoints`, the Fashion-MNIST cache under `<home>/datasets`. */
  readonly home: string;
  onEvent(e: TrainEvent): void;
  /** Cancel and pause (default: one nobody steers). */
  readonly control?: TrainControl;
  /** The last validation's sample images per confusion cell, after each epoch. */
  onSamples?(cells: SampleCells): void;
  /** Checkpoints go here instead of `<home>/checkpoints` (the CLI's --out). */
  readonly checkpointRoot?: string;
  /** `resume` may be a folder path (the CLI); hosts pass ids only. */
  readonly allowResumePath?: boolean;
  readonly backend?: TfBackendName;
  /** The worker script (Electron's build passes its bundled `trainWorker.cjs`). */
  readonly workerEntry?: WorkerEntry;
}

/**
 * Runs one training in a worker thread. Resolves when it ends: its summary (cancelled: ok with
 * `cancelled`), or an error Result (trainLoop's codes, and `train.crashed` when the worker dies).
 * Every event, `finished` last, goes to `options.onEvent`.
 */
export function runTraining(
  trainId: string,
  request: TrainRequest,
  options: TrainJobOptions,
): Promise<Result<TrainSummary>> {
  // Bounds first, so a request like batch −5 is answered without starting a worker.
  const checked = checkTrainRequest(request);
  if (!checked.ok) {
    options.onEvent({ type: 'finished', trainId, result: checked });
    return Promise.resolve(checked);
  }
  const control = options.control ?? new TrainControl();
  const data: TrainWorkerData = {
    trainId,
    request,
    home: options.home,
    checkpointRoot: options.checkpointRoot ?? path.join(options.home, CHECKPOINTS_FOLDER),
    allowResumePath: options.allowResumePath ?? false,
    backend: options.backend,
    control: control.buffer,
  };
  return new Promise((resolve) => {
    let worker: Worker;
    let settled = false;
    const finish = (result: Result<TrainSummary>) => {
      if (settled) return;
      settled = true;
      options.onEvent({ type: 'finished', trainId, result });
      resolve(result);
      void worker.terminate();
    };
    try {
      worker = startWorker(
        options.workerEntry ??
          resolveWorkerEntry(path.dirname(fileURLToPath(import.meta.url)), 'training/trainWorker'),
        { workerData: data },
      );
    } catch (e) {
      resolve(
        errResult('train.crashed', `The training worker could not start: ${(e as Error).message}.`),
      );
      return;
    }
    worker.on('message', (m: TrainFromWorker) => {
      if (m.type === 'event') options.onEvent(m.event);
      else if (m.type === 'samples') options.onSamples?.(m.cells);
      else if (m.type === 'done') finish(m.result);
    });
    worker.on('error', (e) =>
      finish(
        errResult(
          'train.crashed',
          `The training worker stopped on an unexpected error (${e.message}); the checkpoints written so far are kept.`,
        ),
      ),
    );
    worker.on('exit', (code) =>
      finish(
        errResult(
          'train.crashed',
          `The training worker ended (exit code ${code}) before the training did; the checkpoints written so far are kept.`,
        ),
      ),
    );
  });
}
