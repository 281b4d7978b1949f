import { describe, expect, it } from 'vitest';
import { presetDesign } from '../../core/presets';
import type { CheckpointInfo, TrainEvent } from '../../core/train/types';
import { createAppStore } from './store';
import { isDirty } from './derived';
import { DEFAULT_TRAIN_FORM, checkTrainNumber, trainRequestOf } from './trainForm';

const design = presetDesign('googlenet-torchvision')!;

function freshStore() {
  const store = createAppStore();
  store.getState().loadDesign(design, null);
  return store;
}

const started = (trainId: string, startStep = 0): TrainEvent => ({
  type: 'started',
  trainId,
  engine: 'TF.js wasm',
  engineNotes: ['tensorflow: tfjs-node is not installed.'],
  dataNotes: ['Fashion-MNIST from /usr/share/datasets/fashion-mnist/.'],
  classNames: ['T-shirt/top', 'Trouser'],
  trainCount: 64,
  validationCount: 16,
  stepsPerEpoch: 4,
  totalSteps: 8,
  startStep,
});
const step = (trainId: string, n: number, loss: number): TrainEvent => ({
  type: 'step',
  trainId,
  step: n,
  epoch: n <= 4 ? 1 : 2,
  loss,
  losses: { main: loss * 0.8, aux1: loss * 0.1, aux2: loss * 0.1 },
  lr: 0.01,
  imagesPerSecond: 120,
  secondsLeft: 8 - n,
});
const validation = {
  epoch: 1,
  step: 4,
  loss: 0.9,
  top1: 0.625,
  perClass: [0.5, 0.75],
  confusion: [
    [4, 4],
    [2, 6],
  ],
};
const checkpoint: CheckpointInfo = {
  id: 'run-a/epoch-1',
  dir: '/home/checkpoints/run-a/epoch-1',
  weightsPath: '/home/checkpoints/run-a/epoch-1/weights.safetensors',
  designName: design.name,
  epoch: 1,
  step: 4,
  top1: 0.625,
  savedAt: '2026-12-07T04:00:00Z',
  reason: 'epoch',
  history: {
    steps: [1, 2, 3, 4].map((n) => ({ step: n, loss: 2 - n / 4, losses: {} })),
    epochs: [validation],
  },
};

describe('train form', () => {
  it('turns the form into a request with the design and the checkpoint to resume', () => {
    const r = trainRequestOf({ ...DEFAULT_TRAIN_FORM, limit: '2000', batch: '16' }, design, 'c1');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.request).toMatchObject({
      design,
      data: { kind: 'fashion-mnist' },
      epochs: 1,
      limit: 2000,
      batch: 16,
      optimizer: 'sgd',
      lr: 0.01,
      momentum: 0.9,
      auxWeight: 0.3,
      dropout: true,
      seed: 0,
      resume: 'c1',
    });
    const all = trainRequestOf(DEFAULT_TRAIN_FORM, design);
    expect(all.ok && 'limit' in all.request).toBe(false);
  });

  it('refuses -5, 10^9, fractions and words with a sentence per field, before anything starts', () => {
    const r = trainRequestOf(
      {
        ...DEFAULT_TRAIN_FORM,
        epochs: '-5',
        batch: '1e9',
        lr: '0',
        momentum: '1',
        seed: '1.5',
        auxWeight: 'abc',
      },
      design,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => [i.field, i.code])).toEqual([
      ['epochs', 'train.outOfRange'],
      ['batch', 'train.outOfRange'],
      ['lr', 'train.outOfRange'],
      ['momentum', 'train.outOfRange'],
      ['auxWeight', 'train.notNumber'],
      ['seed', 'train.notWhole'],
    ]);
    expect(r.issues[0].message).toBe('Epochs must be a whole number from 1 to 1,000; got "-5".');
    expect(r.issues[1].message).toBe('Batch must be a whole number from 1 to 1,024; got "1e9".');
    expect(r.issues[2].message).toBe(
      'Learning rate must be a number above 0 and at most 10; got "0".',
    );
    expect(checkTrainNumber('limit', '').ok).toBe(false);
  });

  it('asks for a folder when the data source is a folder without one', () => {
    const r = trainRequestOf({ ...DEFAULT_TRAIN_FORM, data: 'folder' }, design);
    expect(!r.ok && r.issues.map((i) => i.code)).toEqual(['train.noFolder']);
    const ok = trainRequestOf(
      { ...DEFAULT_TRAIN_FORM, data: 'folder', folder: { path: '/img', name: 'img' } },
      design,
    );
    expect(ok.ok && ok.request.data).toEqual({ kind: 'folder', path: '/img' });
  });

  it('never marks the design unsaved', () => {
    const store = freshStore();
    const before = store.getState().design;
    store.getState().setTrainForm({ epochs: '3', optimizer: 'adam' });
    expect(store.getState().design).toBe(before);
    expect(isDirty(store.getState().design, store.getState().savedText, false)).toBe(false);
    expect(store.temporal.getState().pastStates).toHaveLength(0);
  });
});

describe('a training folded from its events', () => {
  it('folds steps, per-head losses, validation, pause and the end into one training and the session history', () => {
    const store = freshStore();
    const req = trainRequestOf(DEFAULT_TRAIN_FORM, design);
    if (!req.ok) throw new Error('form');
    const s = store.getState();
    s.trainStarted('t1', req.request);
    expect(store.getState().training?.status).toBe('starting');
    s.trainEvent(started('t1'));
    for (let n = 1; n <= 4; n++) s.trainEvent(step('t1', n, 2 - n / 4));
    s.trainEvent(step('other', 9, 99)); // another training's event is not this one's
    s.trainEvent({ type: 'epoch', trainId: 't1', checkpoint, ...validation });
    s.trainEvent({ type: 'paused', trainId: 't1', step: 4 });
    let t = store.getState().training!;
    expect(t.status).toBe('paused');
    expect(t.steps.map((p) => p.step)).toEqual([1, 2, 3, 4]);
    expect(t.steps[3].losses).toEqual({ main: 0.8, aux1: 0.1, aux2: 0.1 });
    expect(t.epochs).toEqual([validation]);
    expect(t.checkpoint).toBe(checkpoint);
    expect(t.last?.imagesPerSecond).toBe(120);
    expect(t.started?.dataNotes[0]).toMatch(/Fashion-MNIST/);
    s.trainEvent({ type: 'resumed', trainId: 't1', step: 4 });
    s.trainCancelling('t1');
    expect(store.getState().training?.status).toBe('cancelling');
    const summary = {
      engine: 'TF.js wasm',
      steps: 4,
      seconds: 1,
      cancelled: true,
      checkpoint,
      history: { steps: t.steps, epochs: t.epochs },
    };
    s.trainEvent({ type: 'finished', trainId: 't1', result: { ok: true, value: summary } });
    s.trainFinished('t1', { ok: true, value: summary }); // the promise's answer after the event: once
    t = store.getState().training!;
    expect(t.status).toBe('cancelled');
    expect(store.getState().trainings).toEqual([t]);
  });

  it('a failed training keeps its error and a resumed one continues its checkpoint’s curves', () => {
    const store = freshStore();
    const req = trainRequestOf(DEFAULT_TRAIN_FORM, design);
    if (!req.ok) throw new Error('form');
    const s = store.getState();
    s.trainStarted('t2', req.request, checkpoint);
    s.trainEvent(started('t2', 4));
    s.trainEvent(step('t2', 5, 0.5));
    expect(store.getState().training!.steps.map((p) => p.step)).toEqual([1, 2, 3, 4, 5]);
    s.trainFinished('t2', {
      ok: false,
      error: { code: 'train.nonFinite', message: 'The loss became NaN at step 6 in inception3a.' },
    });
    const t = store.getState().training!;
    expect(t.status).toBe('failed');
    expect(t.error?.message).toMatch(/NaN at step 6/);
  });

  it('remembers which checkpoint the weights file is', () => {
    const store = freshStore();
    store.getState().usedCheckpoint(checkpoint);
    expect(store.getState().trainedWeights[checkpoint.weightsPath]).toBe(checkpoint);
  });
});
