/**
 * The engine as the desktop main process, the browser host and the command line use it: forward
 * passes in worker threads so the caller's event loop stays free. Runs are queued one at a time;
 * eval-mode batches are split across the workers (each runs TF.js on its own core). A crash or
 * out-of-memory in a worker becomes an error result and the next run starts a fresh worker.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ResourceLimits, Worker } from 'node:worker_threads';
import {
  errResult,
  okResult,
  type BackendInfo,
  type BackendName,
  type Result,
  type RunProgress,
} from '../../core/run/types';
import { backendFromEnv } from './backendNames';
import { estimateRunBytes, memoryRefusal } from './memory';
import { finalizeRun } from './results';
import { activeModules, analyzeDesign, requestDesign, runnableRequest } from './runDesign';
import { defaultAssetsDir, resolveWorkerEntry, startWorker, type WorkerEntry } from './workerEntry';
import {
  STOP_CANCELLED,
  STOP_TIMEOUT,
  type BatchSlice,
  type EngineRunRequest,
  type EngineRunResult,
  type FromWorker,
  type PartialRun,
  type ToWorker,
  type WorkerInit,
} from './protocol';

export interface EngineClientOptions {
  /** Force a backend (default: INCEPTION_ENGINE_BACKEND, else tensorflow → wasm → cpu). */
  readonly backend?: BackendName;
  /** Worker threads that share an eval-mode batch (default: 2 on a machine with 2 or more cores). */
  readonly workers?: number;
  /** Time limit of a run without its own timeoutMs (default 10 minutes). */
  readonly defaultTimeoutMs?: number;
  /** How long a stopped run may take to notice before its workers are terminated (default 2 s). */
  readonly stopGraceMs?: number;
  /** Memory runs may use in all (default: from the machine's free and total memory, and at most one WebAssembly heap per worker). */
  readonly memoryBudgetBytes?: number;
  /** Folder with samples/ and imagenet-classes.json (default: the checkout's assets/). */
  readonly assetsDir?: string;
  /** Where the worker code is (default: resolveWorkerEntry()). */
  readonly workerEntry?: WorkerEntry;
  /** V8 heap limits of each worker. */
  readonly resourceLimits?: ResourceLimits;
  /** Accept injected faults (tests of crash recovery only). */
  readonly allowFaults?: boolean;
}

type ProgressCallback = (p: RunProgress) => void;

interface Waiter {
  resolve(result: Result<PartialRun>): void;
  onProgress?: (done: number, total: number, module: string) => void;
}

/** One worker thread and what is waiting on it. */
class WorkerSlot {
  readonly worker: Worker;
  readonly ready: Promise<Result<BackendInfo>>;
  readonly waiting = new Map<string, Waiter>();
  readonly infos = new Map<number, (r: Result<BackendInfo>) => void>();
  /** Errors the worker sent that belong to no request (e.g. an unknown message type). */
  readonly strayErrors: { code: string; message: string }[] = [];
  alive = true;
  /** Set when the worker is being ended: no new work goes to it. */
  retired = false;
  /** Why the worker ended, when it did not end on its own. */
  private crash: { code: string; message: string } | null = null;

  constructor(
    entry: WorkerEntry,
    init: WorkerInit,
    resourceLimits: ResourceLimits | undefined,
    onDeath: (slot: WorkerSlot) => void,
  ) {
    this.worker = startWorker(entry, { workerData: init, resourceLimits });
    let readyResolve!: (r: Result<BackendInfo>) => void;
    this.ready = new Promise((resolve) => (readyResolve = resolve));
    this.worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') readyResolve(m.backend);
      else if (m.type === 'progress')
        this.waiting.get(m.runId)?.onProgress?.(m.done, m.total, m.module);
      else if (m.type === 'result') {
        const w = this.waiting.get(m.runId);
        this.waiting.delete(m.runId);
        w?.resolve(m.result);
      } else if (m.type === 'info') {
        this.infos.get(m.requestId)?.(m.backend);
        this.infos.delete(m.requestId);
      } else if (m.type === 'error') {
        // The worker's last words before it ends on an uncaught error.
        if (m.error.code === 'engine.crashed') this.crash = m.error;
        else this.strayErrors.push(m.error);
      }
    });
    this.worker.on('error', (e: Error & { code?: string }) => {
      this.crash =
        e.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? {
              code: 'run.outOfMemory',
              message:
                'The engine ran out of memory and was restarted; use a smaller batch or input.',
            }
          : {
              code: 'engine.crashed',
              message: `The engine stopped unexpectedly (${e.message}) and was restarted; the next run starts fresh.`,
            };
    });
    this.worker.on('exit', (exitCode) => {
      this.alive = false;
      const why = this.crash ?? {
        code: 'engine.crashed',
        message: `The engine stopped unexpectedly (exit code ${exitCode}) and was restarted; the next run starts fresh.`,
      };
      readyResolve(errResult(why.code, why.message));
      for (const w of this.waiting.values()) w.resolve(errResult(why.code, why.message));
      this.waiting.clear();
      for (const r of this.infos.values()) r(errResult(why.code, why.message));
      this.infos.clear();
      onDeath(this);
    });
  }

  post(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  /** Ends the worker; whatever waits on it gets `why`. */
  async terminate(why: { code: string; message: string }): Promise<void> {
    this.retired = true;
    if (!this.alive) return;
    this.crash ??= why;
    await this.worker.terminate();
  }
}

interface QueuedRun {
  cancelled: boolean;
  stop?: (reason: typeof STOP_CANCELLED | typeof STOP_TIMEOUT) => void;
}

/** Splits a batch into up to `parts` contiguous slices, larger ones first. */
export function batchSlices(batch: number, parts: number): BatchSlice[] {
  const k = Math.max(1, Math.min(parts, batch));
  const out: BatchSlice[] = [];
  let start = 0;
  for (let i = 0; i < k; i++) {
    const count = Math.floor(batch / k) + (i < batch % k ? 1 : 0);
    out.push({ start, count });
    start += count;
  }
  return out;
}

/** Most worker threads (engines) one client starts: one per core of this machine, at most 16. */
export function maxEngineWorkers(): number {
  return Math.max(1, Math.min(16, os.availableParallelism()));
}

/**
 * The slices each worker (lane) runs, in order. An odd eval batch on two workers would leave one
 * of them idle for a whole image, so its last image is split by modules instead: the first lane
 * runs that image up to the module where half of the work is done, then its own images; the
 * second lane runs its images, then the rest of that image from what the first lane left.
 */
export function runPlan(
  batch: number,
  workers: number,
  moduleMacs: readonly number[],
): BatchSlice[][] {
  const lanes = Math.max(1, Math.min(workers, batch));
  if (lanes === 2 && batch % 2 === 1 && moduleMacs.length >= 2) {
    const total = moduleMacs.reduce((a, b) => a + b, 0);
    let cut = 1;
    let best = Infinity;
    let done = 0;
    for (let k = 1; k < moduleMacs.length; k++) {
      done += moduleMacs[k - 1];
      if (Math.abs(done - total / 2) < best) {
        best = Math.abs(done - total / 2);
        cut = k;
      }
    }
    const half = (batch - 1) / 2;
    const last = batch - 1;
    return [
      [
        { start: last, count: 1, modules: { from: 0, to: cut }, lane: 0 },
        { start: 0, count: half, lane: 0 },
      ],
      [
        { start: half, count: half, lane: 1 },
        { start: last, count: 1, modules: { from: cut, to: moduleMacs.length }, lane: 1 },
      ],
    ];
  }
  return batchSlices(batch, workers).map((s, lane) => [{ ...s, lane }]);
}

export class EngineClient {
  private readonly slots: (WorkerSlot | null)[];
  private readonly init: WorkerInit;
  private readonly entry: WorkerEntry;
  private readonly runs = new Map<string, QueuedRun>();
  private tail: Promise<unknown> = Promise.resolve();
  private labels: Promise<readonly string[] | null> | null = null;
  private infoRequests = 0;
  private disposed = false;
  /** A bad INCEPTION_ENGINE_BACKEND value: reported instead of quietly picking another backend. */
  private readonly envProblem: string | undefined;

  constructor(private readonly options: EngineClientOptions = {}) {
    const env = backendFromEnv();
    const workers = options.workers ?? (os.availableParallelism() >= 2 ? 2 : 1);
    // Each worker is a whole engine (a TF.js backend and its weights): never more than the machine has cores.
    this.slots = Array.from(
      { length: Math.min(maxEngineWorkers(), Math.max(1, Math.floor(workers))) },
      () => null,
    );
    this.init = {
      backend: options.backend ?? env.forced,
      assetsDir: options.assetsDir ?? defaultAssetsDir(),
      allowFaults: options.allowFaults === true,
    };
    this.envProblem = options.backend ? undefined : env.problem;
    this.entry = options.workerEntry ?? resolveWorkerEntry();
  }

  /** Number of worker threads an eval batch may be split across. */
  get workerCount(): number {
    return this.slots.length;
  }

  private slot(i: number): WorkerSlot {
    if (this.disposed) throw new Error('The engine client was disposed.');
    const existing = this.slots[i];
    if (existing?.alive && !existing.retired) return existing;
    const slot = new WorkerSlot(this.entry, this.init, this.options.resourceLimits, (dead) => {
      if (this.slots[i] === dead) this.slots[i] = null;
    });
    this.slots[i] = slot;
    return slot;
  }

  /** The backend the engine runs on and why preferred ones were skipped. Rejects when no backend can start. */
  async info(): Promise<BackendInfo> {
    if (this.envProblem) throw new Error(this.envProblem);
    // Starting every worker here lets a host warm the engine up before the first run.
    for (let i = 1; i < this.slots.length; i++) this.slot(i);
    const slot = this.slot(0);
    const requestId = ++this.infoRequests;
    const result = await new Promise<Result<BackendInfo>>((resolve) => {
      slot.infos.set(requestId, resolve);
      slot.post({ type: 'info', requestId });
    });
    if (!result.ok) throw new Error(result.error.message);
    return result.value;
  }

  /**
   * Runs a forward pass. Progress arrives after each module. Every failure (invalid design, not
   * enough memory, cancelled, timed out, crashed) is a `{ ok: false }` result, never a rejection.
   */
  run(
    runId: string,
    request: EngineRunRequest,
    onProgress: ProgressCallback = () => {},
  ): Promise<Result<EngineRunResult>> {
    if (this.disposed)
      return Promise.resolve(
        errResult('engine.disposed', 'The engine was shut down; no more runs can start.'),
      );
    if (this.envProblem) return Promise.resolve(errResult('engine.backend', this.envProblem));
    if (this.runs.has(runId))
      return Promise.resolve(
        errResult('run.duplicate', `A run with the id ${runId} is already queued or running.`),
      );
    const runnable = runnableRequest(request);
    if (!runnable.ok) return Promise.resolve(runnable);
    const { design, analysis } = runnable.value;
    const batch = design.input.batch;
    const lanes =
      request.mode === 'eval'
        ? runPlan(
            batch,
            this.slots.length,
            activeModules(analysis, 'eval').map((m) => m.macs),
          )
        : [[{ start: 0, count: batch, lane: 0 }]];
    const largest = Math.max(...lanes.flat().map((s) => s.count));
    const perWorker = estimateRunBytes(
      largest === batch
        ? analysis
        : analyzeDesign({ ...design, input: { ...design.input, batch: largest } }),
      request.mode,
    );

    const queued: QueuedRun = { cancelled: false };
    this.runs.set(runId, queued);
    const result = this.tail
      .then(async () => {
        if (queued.cancelled)
          return errResult<EngineRunResult>('run.cancelled', 'The run was cancelled.');
        // ONNX Runtime uses every core for one image, so its eval runs go to one worker, unsplit.
        const first = await this.slot(0).ready;
        const wants = request.backend ?? this.init.backend;
        if (
          first.ok &&
          first.value.name === 'onnxruntime' &&
          request.mode === 'eval' &&
          (wants === undefined || wants === 'onnxruntime') &&
          lanes.length > 1
        ) {
          return this.execute(
            runId,
            request,
            [[{ start: 0, count: batch, lane: 0 }]],
            estimateRunBytes(analysis, request.mode),
            queued,
            onProgress,
          );
        }
        return this.execute(runId, request, lanes, perWorker, queued, onProgress);
      })
      .catch((e: Error) =>
        errResult<EngineRunResult>('engine.failed', `The engine could not run: ${e.message}`),
      );
    this.tail = result;
    return result.finally(() => this.runs.delete(runId));
  }

  /** Stops a queued or running run; its run() resolves with `run.cancelled`. Returns whether the id was known. */
  cancel(runId: string): boolean {
    const q = this.runs.get(runId);
    if (!q) return false;
    q.cancelled = true;
    q.stop?.(STOP_CANCELLED);
    return true;
  }

  private async execute(
    runId: string,
    request: EngineRunRequest,
    lanes: BatchSlice[][],
    perWorker: number,
    queued: QueuedRun,
    onProgress: ProgressCallback,
  ): Promise<Result<EngineRunResult>> {
    const slots = lanes.map((_, i) => this.slot(i));
    let backend: BackendName | null = null;
    for (const s of slots) {
      const ready = await s.ready;
      if (!ready.ok) return ready;
      backend = ready.value.name;
    }
    // Refused before the worker allocates anything for the run.
    const refusal = memoryRefusal(
      perWorker,
      lanes.length,
      backend,
      requestDesign(request).input.batch,
      this.options.memoryBudgetBytes,
    );
    if (refusal) return errResult('run.memory', refusal);
    const stopBuffer = new SharedArrayBuffer(4);
    const stopFlag = new Int32Array(stopBuffer);
    const timeoutMs = request.timeoutMs ?? this.options.defaultTimeoutMs ?? 10 * 60_000;
    const grace = this.options.stopGraceMs ?? 2000;
    let timer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;

    // A stop is asked for through the shared flag (checked between layers); a worker stuck in
    // one huge layer is terminated after the grace period.
    const forced = new Promise<Result<EngineRunResult>>((resolve) => {
      queued.stop = (reason) => {
        if (Atomics.load(stopFlag, 0) !== 0) return;
        Atomics.store(stopFlag, 0, reason);
        graceTimer = setTimeout(() => {
          const why =
            reason === STOP_TIMEOUT
              ? {
                  code: 'run.timeout',
                  message: `The run took longer than its time limit of ${Math.round(timeoutMs / 1000)} s and was stopped; try a smaller batch or input.`,
                }
              : { code: 'run.cancelled', message: 'The run was cancelled.' };
          for (const s of slots) void s.terminate(why);
          resolve(errResult(why.code, why.message));
        }, grace);
      };
      timer = setTimeout(() => queued.stop?.(STOP_TIMEOUT), timeoutMs);
    });
    if (queued.cancelled) queued.stop!(STOP_CANCELLED);

    // Each slice is posted to its lane's worker, which runs them in order; a slice that continues
    // another one's image is posted once that one's carry has arrived.
    const ids = lanes.map((lane) => lane.map((_, j) => (j === 0 ? runId : `${runId}#${j}`)));
    const reporter = lanes.find((lane) => !lane[0].modules)?.[0] ?? lanes[0][0];
    const pending = new Map<BatchSlice, Promise<Result<PartialRun>>>();
    const post = (lane: number, j: number, carry?: PartialRun['carry']) => {
      const slice = lanes[lane][j];
      const slot = slots[lane];
      const progress = slice === reporter;
      return new Promise<Result<PartialRun>>((resolve) => {
        slot.waiting.set(ids[lane][j], {
          resolve,
          onProgress: progress
            ? (done, total, module) => onProgress({ runId, done, total, module })
            : undefined,
        });
        slot.post({
          type: 'run',
          runId: ids[lane][j],
          request,
          slice,
          carry,
          stop: stopBuffer,
          progress,
        });
      });
    };
    const order = lanes
      .flatMap((lane, l) => lane.map((slice, j) => ({ slice, l, j })))
      .sort((a, b) => (a.slice.modules?.from ?? 0) - (b.slice.modules?.from ?? 0));
    for (const { slice, l, j } of order) {
      const from = slice.modules?.from ?? 0;
      const before =
        from === 0
          ? undefined
          : lanes.flat().find((s) => s.start === slice.start && s.modules?.to === from);
      if (from !== 0 && !before)
        throw new Error(`No slice runs image ${slice.start} up to module ${from}.`);
      pending.set(
        slice,
        before
          ? pending.get(before)!.then((r) => (r.ok ? post(l, j, r.value.carry) : r))
          : post(l, j),
      );
    }
    const partials = Promise.all(lanes.flat().map((slice) => pending.get(slice)!)).then(
      async (results): Promise<Result<EngineRunResult>> => {
        const failed = results.find((r) => !r.ok);
        if (failed && !failed.ok) {
          // A worker that failed inside TF.js exits by itself; make sure its partner's state is dropped too.
          if (failed.error.code === 'engine.failed' || failed.error.code === 'run.outOfMemory')
            for (const s of slots) void s.terminate(failed.error);
          return failed;
        }
        const labels = await this.imagenetLabels();
        // Carried tensors were only for the next worker.
        const parts = results.map((r) => ({
          ...(r as { ok: true; value: PartialRun }).value,
          carry: undefined,
        }));
        return okResult(
          finalizeRun(parts, { labels, returnOutputs: request.returnOutputs === true }),
        );
      },
    );
    try {
      return await Promise.race([partials, forced]);
    } finally {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      slots.forEach((s, l) => ids[l].forEach((id) => s.waiting.delete(id)));
    }
  }

  private imagenetLabels(): Promise<readonly string[] | null> {
    this.labels ??= readFile(path.join(this.init.assetsDir, 'imagenet-classes.json'), 'utf8').then(
      (text) => {
        const v: unknown = JSON.parse(text);
        return Array.isArray(v) && v.length === 1000 && v.every((x) => typeof x === 'string')
          ? (v as string[])
          : null;
      },
      () => null,
    );
    return this.labels;
  }

  /** Sends a raw message to the first worker (tests of the worker protocol and of crash recovery). */
  postRaw(message: unknown): { strayErrors: readonly { code: string; message: string }[] } {
    const slot = this.slot(0);
    slot.worker.postMessage(message);
    return { strayErrors: slot.strayErrors };
  }

  /** Stops every worker; queued and running runs end as cancelled. */
  async dispose(): Promise<void> {
    for (const q of this.runs.values()) q.cancelled = true;
    this.disposed = true;
    await Promise.all(
      this.slots.map((s) =>
        s?.terminate({
          code: 'run.cancelled',
          message: 'The run was cancelled because the engine shut down.',
        }),
      ),
    );
  }
}
