/**
 * The training job's worker thread: runs trainLoop so the host's (and the UI's) thread never
 * computes. Steered through a SharedArrayBuffer (cancel, pause) that it reads between steps;
 * reports with messages tagged by `type` (TrainFromWorker). Built for the app as `trainWorker.js`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { errResult } from '../../../core/run/types';
import { CONTROL_CANCEL, CONTROL_PAUSE, type TrainFromWorker, type TrainWorkerData } from './job';
import { trainLoop } from './trainLoop';

const port = parentPort;
if (!port) throw new Error('trainWorker.ts runs as a worker thread; start it through runTraining.');
const init = workerData as TrainWorkerData;
const control = new Int32Array(init.control);
const post = (m: TrainFromWorker) => port.postMessage(m);

const fatal = (e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  post({
    type: 'done',
    result: errResult(
      'train.crashed',
      `The training stopped on an unexpected error (${message}); the checkpoints written so far are kept.`,
    ),
  });
  process.exit(1);
};
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

void trainLoop(init.trainId, init.request, {
  home: init.home,
  checkpointRoot: init.checkpointRoot,
  allowResumePath: init.allowResumePath,
  backend: init.backend,
  onEvent: (event) => {
    // 'finished' is sent by the job once the worker has ended, with the same result.
    if (event.type !== 'finished') post({ type: 'event', event });
  },
  onSamples: (cells) => post({ type: 'samples', cells }),
  control: {
    cancelled: () => Atomics.load(control, CONTROL_CANCEL) === 1,
    paused: () => Atomics.load(control, CONTROL_PAUSE) === 1,
    wait: () => {
      // Blocks this worker (not the host) until pause changes or 100 ms pass.
      Atomics.wait(control, CONTROL_PAUSE, 1, 100);
      return Promise.resolve();
    },
  },
}).then((result) => post({ type: 'done', result }), fatal);
