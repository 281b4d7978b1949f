/**
 * The Train tab's state (issue 23): the form, the training in progress with its events folded
 * into curves, the trainings of this session (for Compare), the checkpoint list and which
 * checkpoint's weights the design runs with. None of it is the design: changing the form never
 * marks the design unsaved, and undo never touches it.
 */
import type { StateCreator } from 'zustand';
import type { Design } from '../../core/model/types';
import { serializeDesign } from '../../core/design/designFile';
import type { ErrorInfo, Result } from '../../core/run/types';
import type {
  CheckpointInfo,
  EpochValidation,
  TrainEvent,
  TrainHistory,
  TrainRequest,
  TrainSummary,
} from '../../core/train/types';
import { DEFAULT_TRAIN_FORM, type TrainForm } from './trainForm';
import type { AppState } from './store';

export type TrainStatus =
  'starting' | 'running' | 'paused' | 'cancelling' | 'cancelled' | 'finished' | 'failed';

export type StartedEvent = Extract<TrainEvent, { type: 'started' }>;
export type StepEvent = Extract<TrainEvent, { type: 'step' }>;
export type StepPoint = TrainHistory['steps'][number];

/**
 * One training of this session. Its `steps` and `epochs` arrays grow in place as events arrive
 * (thousands of steps would make copying them per event quadratic); every event makes a new
 * Training object with a larger `version`, which is what selectors and the charts watch.
 */
export interface Training {
  readonly trainId: string;
  /** The design trained (the design at Start; later edits do not change it). */
  readonly design: Design;
  readonly request: TrainRequest;
  readonly status: TrainStatus;
  readonly started: StartedEvent | null;
  /** Train loss per step (total and per head), oldest first. */
  readonly steps: StepPoint[];
  /** Validation after each epoch, oldest first. */
  readonly epochs: EpochValidation[];
  /** The latest step event: learning rate, images/s, time left. */
  readonly last: StepEvent | null;
  /** The latest checkpoint written. */
  readonly checkpoint: CheckpointInfo | null;
  readonly summary: TrainSummary | null;
  readonly error: ErrorInfo | null;
  readonly version: number;
}

/** The curves of a training, as core/train/types.ts's TrainHistory. */
export const historyOf = (t: Training): TrainHistory => ({ steps: t.steps, epochs: t.epochs });

/** Whether a training is still going (its host job has not ended). */
export const isLive = (t: Training | null): boolean =>
  t !== null &&
  (t.status === 'starting' ||
    t.status === 'running' ||
    t.status === 'paused' ||
    t.status === 'cancelling');

/** The design's text without its weights file (trained weights do not make another design). */
const designKey = (d: Design) => serializeDesign({ ...d, weights: undefined });

/** The latest training of this session of a design equal to `design` (weights aside), or null. */
export function trainingFor(trainings: readonly Training[], design: Design): Training | null {
  const key = designKey(design);
  for (let i = trainings.length - 1; i >= 0; i--)
    if (designKey(trainings[i].design) === key) return trainings[i];
  return null;
}

export interface TrainSlice {
  trainForm: TrainForm;
  /** The training shown in the Train tab: the one running, or the last one. */
  training: Training | null;
  /** Every training of this session that ended with curves, oldest first (Compare picks from them). */
  trainings: readonly Training[];
  /** The host's checkpoints, newest first. */
  checkpoints: readonly CheckpointInfo[];
  /** The checkpoints whose weights the user chose to run with, by weights path (the Run tab names them). */
  trainedWeights: Readonly<Record<string, CheckpointInfo>>;
  setTrainForm(patch: Partial<TrainForm>): void;
  /** A training begins; `from` (a resumed checkpoint) supplies the curves so far. */
  trainStarted(trainId: string, request: TrainRequest, from?: CheckpointInfo): void;
  trainEvent(e: TrainEvent): void;
  /** The host's answer to train(): the same outcome as a 'finished' event (whichever comes first). */
  trainFinished(trainId: string, result: Result<TrainSummary>): void;
  trainCancelling(trainId: string): void;
  setCheckpoints(checkpoints: readonly CheckpointInfo[]): void;
  /** Remembers that the design's weights file is checkpoint `c`'s. */
  usedCheckpoint(c: CheckpointInfo): void;
}

function ended(t: Training, result: Result<TrainSummary>): Training {
  if (result.ok) {
    const s = result.value;
    // The host's history is the full record (a missed event, or points logged between events).
    const steps = s.history.steps.length >= t.steps.length ? [...s.history.steps] : t.steps;
    const epochs = s.history.epochs.length >= t.epochs.length ? [...s.history.epochs] : t.epochs;
    return {
      ...t,
      status: s.cancelled ? 'cancelled' : 'finished',
      summary: s,
      steps,
      epochs,
      checkpoint: s.checkpoint ?? t.checkpoint,
      error: null,
      version: t.version + 1,
    };
  }
  return {
    ...t,
    status: result.error.code.endsWith('cancelled') ? 'cancelled' : 'failed',
    error: result.error,
    version: t.version + 1,
  };
}

export const createTrainSlice: StateCreator<AppState, [['temporal', unknown]], [], TrainSlice> = (
  set,
  get,
) => {
  /** Applies `f` to the current training when it is `trainId`'s. */
  const update = (trainId: string, f: (t: Training) => Training | null) => {
    const t = get().training;
    if (!t || t.trainId !== trainId) return;
    const next = f(t);
    if (next) set({ training: next });
  };
  const finish = (trainId: string, result: Result<TrainSummary>) => {
    const t = get().training;
    if (!t || t.trainId !== trainId || !isLive(t)) return;
    const done = ended(t, result);
    set({
      training: done,
      trainings:
        done.steps.length || done.epochs.length ? [...get().trainings, done] : get().trainings,
    });
  };
  return {
    trainForm: DEFAULT_TRAIN_FORM,
    training: null,
    trainings: [],
    checkpoints: [],
    trainedWeights: {},
    setTrainForm: (patch) => set({ trainForm: { ...get().trainForm, ...patch } }),
    trainStarted: (trainId, request, from) =>
      set({
        training: {
          trainId,
          design: request.design,
          request,
          status: 'starting',
          started: null,
          steps: from ? [...from.history.steps] : [],
          epochs: from ? [...from.history.epochs] : [],
          last: null,
          checkpoint: from ?? null,
          summary: null,
          error: null,
          version: 0,
        },
      }),
    trainEvent: (e) => {
      switch (e.type) {
        case 'started':
          return update(e.trainId, (t) => ({
            ...t,
            started: e,
            status: t.status === 'starting' ? 'running' : t.status,
            // A resumed run continues its checkpoint's curves; drop any points past its start.
            steps: t.steps.filter((p) => p.step <= e.startStep),
            epochs: t.epochs.filter((p) => p.step <= e.startStep),
            version: t.version + 1,
          }));
        case 'step':
          return update(e.trainId, (t) => {
            t.steps.push({ step: e.step, loss: e.loss, losses: e.losses });
            return {
              ...t,
              last: e,
              status: t.status === 'starting' ? 'running' : t.status,
              version: t.version + 1,
            };
          });
        case 'epoch':
          return update(e.trainId, (t) => {
            const { type: _type, trainId: _id, checkpoint, ...validation } = e;
            t.epochs.push(validation);
            return { ...t, checkpoint: checkpoint ?? t.checkpoint, version: t.version + 1 };
          });
        case 'paused':
        case 'resumed':
          return update(e.trainId, (t) =>
            isLive(t) && t.status !== 'cancelling'
              ? { ...t, status: e.type === 'paused' ? 'paused' : 'running', version: t.version + 1 }
              : null,
          );
        case 'finished':
          return finish(e.trainId, e.result);
      }
    },
    trainFinished: finish,
    trainCancelling: (trainId) =>
      update(trainId, (t) =>
        isLive(t) ? { ...t, status: 'cancelling', version: t.version + 1 } : null,
      ),
    setCheckpoints: (checkpoints) => set({ checkpoints }),
    usedCheckpoint: (c) => set({ trainedWeights: { ...get().trainedWeights, [c.weightsPath]: c } }),
  };
};
