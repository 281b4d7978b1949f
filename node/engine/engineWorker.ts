/**
 * The engine's worker thread: starts its backends (ONNX Runtime and a TF.js backend), then runs forward passes one at a time,
 * reporting progress per module. Messages are a union tagged by `type` (protocol.ts); an unknown
 * type is answered with an error. Built for the app as `engineWorker.js`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { errResult, okResult, type BackendInfo, type Result } from '../../core/run/types';
import { selectBackend } from './backend';
import { EngineSession } from './session';
import {
  STOP_NONE,
  STOP_TIMEOUT,
  type FromWorker,
  type ToWorker,
  type WorkerInit,
} from './protocol';

const port = parentPort;
if (!port)
  throw new Error('engineWorker.ts runs as a worker thread; start it through EngineClient.');
const init = workerData as WorkerInit;

const post = (message: FromWorker, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer);

let session: EngineSession | null = null;
const ready: Promise<Result<BackendInfo>> = selectBackend(init.backend).then(
  (s) => {
    if (!s.ok) return errResult<BackendInfo>('engine.backend', s.reason);
    session = new EngineSession(
      { info: s.info, tf: s.tf, tfProblem: s.tfProblem, forced: init.backend },
      init.assetsDir,
    );
    return okResult(s.info);
  },
  (e: Error) =>
    errResult<BackendInfo>('engine.backend', `The engine could not start a backend: ${e.message}`),
);
void ready.then((backend) => post({ type: 'ready', backend }));

// One run at a time, in the order they arrive.
let queue: Promise<void> = Promise.resolve();

async function run(message: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  const backend = await ready;
  if (!backend.ok || !session) {
    post({
      type: 'result',
      runId: message.runId,
      result: backend.ok ? errResult('engine.backend', 'The engine has no backend.') : backend,
    });
    return;
  }
  const stop = new Int32Array(message.stop);
  try {
    const result = await session.run(
      message.request,
      message.slice,
      {
        shouldStop() {
          const s = Atomics.load(stop, 0);
          return s === STOP_NONE ? null : s === STOP_TIMEOUT ? 'timeout' : 'cancelled';
        },
        onProgress: message.progress
          ? (done, total, module) =>
              post({ type: 'progress', runId: message.runId, done, total, module })
          : undefined,
      },
      message.carry,
    );
    const transfer = result.ok
      ? [...Object.values(result.value.outputs), ...Object.values(result.value.carry ?? {})].map(
          (o) => o.data.buffer as ArrayBuffer,
        )
      : [];
    post({ type: 'result', runId: message.runId, result }, transfer);
  } catch (e) {
    // An exception here is a bug or a failed allocation inside TF.js: report it, then let the
    // client start a fresh worker, since the backend's state can no longer be trusted.
    const err = e as Error;
    // A WebAssembly heap that cannot grow past 4 GiB shows up as a failed allocation or, when TF.js
    // writes through the null pointer it got back, as an access out of bounds.
    const oom =
      /out of memory|Cannot enlarge memory|Aborted\(OOM\)|allocation failed|memory access out of bounds/i.test(
        err.message,
      );
    post({
      type: 'result',
      runId: message.runId,
      result: oom
        ? errResult(
            'run.outOfMemory',
            `The engine ran out of memory during the run (${err.message}); use a smaller batch or input. The engine was restarted.`,
          )
        : errResult(
            'engine.failed',
            `The engine failed during the run: ${err.message}. This is a bug; please report it with the design.`,
          ),
    });
    setImmediate(() => process.exit(1));
  }
}

function fault(kind: 'exit' | 'throw' | 'oom' | 'onnxruntime'): void {
  if (kind === 'exit') process.exit(3);
  if (kind === 'onnxruntime') {
    // ONNX Runtime refuses the next model it is given (to test the fallback to TF.js).
    session?.failNextOnnxRuntime();
    return;
  }
  if (kind === 'throw') throw new Error('A fault was injected into the engine worker.');
  // Grow the JavaScript heap until V8 gives up: a real out-of-memory inside the worker.
  const hoard: number[][] = [];
  for (;;) hoard.push(new Array<number>(1 << 20).fill(1.5));
}

// An exception nothing caught leaves the backend in an unknown state: say so and end the worker,
// so the client answers with an error and starts a fresh one. (Emscripten installs its own
// handler that would otherwise keep the worker alive.)
const fatal = (e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  post({
    type: 'error',
    error: {
      code: 'engine.crashed',
      message: `The engine stopped on an unexpected error (${message}) and was restarted; the next run starts fresh.`,
    },
  });
  process.exit(1);
};
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

type Handlers = {
  readonly [T in ToWorker['type']]: (message: Extract<ToWorker, { type: T }>) => void;
};

const handlers: Handlers = {
  run(message) {
    queue = queue.then(() => run(message));
  },
  info(message) {
    void ready.then((backend) => post({ type: 'info', requestId: message.requestId, backend }));
  },
  fault(message) {
    if (init.allowFaults) fault(message.fault);
    else
      post({
        type: 'error',
        error: {
          code: 'ipc.forbidden',
          message: 'This engine worker does not accept injected faults.',
        },
      });
  },
};

port.on('message', (message: { type?: unknown } | null) => {
  const type = message?.type;
  if (typeof type === 'string' && Object.prototype.hasOwnProperty.call(handlers, type)) {
    (handlers[type as ToWorker['type']] as (m: unknown) => void)(message);
    return;
  }
  post({
    type: 'error',
    error: {
      code: 'ipc.unknownType',
      message: `The engine worker does not understand messages of type ${JSON.stringify(type ?? null)}.`,
    },
  });
});
