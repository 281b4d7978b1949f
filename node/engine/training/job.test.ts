/**
 * The training job end to end in its worker thread on a small GoogLeNet (1×32×32, 10 classes, no
 * aux, batch 2, seeded random data): events, checkpoints, cancel, pause, resume that continues
 * exactly (k steps + cancel + resume to N equals N uninterrupted steps, bit for bit), a NaN
 * learning rate stopped with its cause and no checkpoint lost.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { presetDesign } from '../../../core/presets';
import { setAux, setClasses } from '../../../core/design/edit';
import type { TrainEvent, TrainRequest } from '../../../core/train/types';
import { listCheckpoints } from './checkpoints';
import { runTraining, TrainControl } from './job';

let design = setClasses(setAux(presetDesign('googlenet-torchvision')!, false), 10);
design = { ...design, input: { ...design.input, batch: 2, channels: 1, height: 32, width: 32 } };

const request: TrainRequest = {
  design,
  data: { kind: 'random' },
  epochs: 2,
  steps: 3,
  limit: 4,
  batch: 2,
  optimizer: 'sgd',
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 1e-4,
  auxWeight: 0.3,
  schedule: 'constant',
  dropout: true,
  seed: 3,
};

const homes: string[] = [];
async function home(): Promise<string> {
  const h = await mkdtemp(path.join(tmpdir(), 'train-job-'));
  homes.push(h);
  return h;
}
afterAll(async () => {
  for (const h of homes) await rm(h, { recursive: true, force: true });
});

describe('runTraining in a worker', () => {
  it('k steps, cancel, resume to N equals N uninterrupted steps; pause holds the steps', async () => {
    // Epoch 1 is steps 1–2 and epoch 2 step 3, so the resumed run crosses an epoch's reshuffle.
    const a = await home();
    const events: TrainEvent[] = [];
    const whole = await runTraining('u', request, { home: a, onEvent: (e) => events.push(e) });
    if (!whole.ok) throw new Error(whole.error.message);
    expect(whole.value.steps).toBe(3);
    expect(whole.value.cancelled).toBe(false);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('started');
    expect(types.at(-1)).toBe('finished');
    const epochs = events.filter((e) => e.type === 'epoch');
    expect(epochs.map((e) => e.step)).toEqual([2, 3]);
    const first = epochs[0];
    if (first.type !== 'epoch') throw new Error('not an epoch');
    expect(first.confusion.flat().reduce((x, y) => x + y, 0)).toBe(32);
    expect(first.perClass).toHaveLength(10);
    expect(first.checkpoint?.reason).toBe('epoch');
    // The last step of an epoch is always sent.
    expect(events.some((e) => e.type === 'step' && e.step === 2)).toBe(true);
    const listed = await listCheckpoints(a);
    expect(listed.map((c) => c.reason)).toEqual(['final', 'epoch']);
    const uninterrupted = await readFile(listed[0].weightsPath);

    // Same request, cancelled after step 1 while paused for a moment.
    const b = await home();
    const control = new TrainControl();
    const seen: TrainEvent[] = [];
    let pausedAt = -1;
    const cancelled = await runTraining('k', request, {
      home: b,
      control,
      onEvent: (e) => {
        seen.push(e);
        if (e.type === 'step' && e.step === 1 && pausedAt < 0) {
          control.setPaused(true);
          pausedAt = seen.length;
        }
        // Held for a moment, then cancelled while paused.
        if (e.type === 'paused') setTimeout(() => control.cancel(), 300);
      },
    });
    if (!cancelled.ok) throw new Error(cancelled.error.message);
    expect(cancelled.value.cancelled).toBe(true);
    const cp = cancelled.value.checkpoint!;
    expect(cp.reason).toBe('cancel');
    expect(cp.step).toBeGreaterThanOrEqual(1);
    expect(cp.step).toBeLessThanOrEqual(2);
    // While paused no step ran.
    expect(seen.slice(pausedAt).filter((e) => e.type === 'step').length).toBeLessThanOrEqual(1);
    expect(seen.some((e) => e.type === 'paused')).toBe(true);
    expect(await readdir(cp.dir)).toEqual(
      expect.arrayContaining([
        'weights.safetensors',
        'optimizer.safetensors',
        'design.json',
        'checkpoint.json',
      ]),
    );

    const resumed = await runTraining(
      'r',
      { ...request, resume: cp.id },
      { home: b, onEvent: () => {} },
    );
    if (!resumed.ok) throw new Error(resumed.error.message);
    expect(resumed.value.steps).toBe(3);
    const again = await readFile(resumed.value.checkpoint!.weightsPath);
    expect(Buffer.compare(again, uninterrupted)).toBe(0);
    // The cancel checkpoint is still there, beside the new ones.
    const kept = await listCheckpoints(b);
    expect(kept.map((c) => c.reason)).toContain('cancel');

    // A NaN learning rate stops the resumed run at its first step, with its cause; nothing is lost.
    const nan = await runTraining(
      'n',
      { ...request, lr: NaN, resume: cp.id },
      { home: b, onEvent: () => {} },
    );
    expect(!nan.ok && nan.error.code).toBe('train.nonFinite');
    expect(!nan.ok && nan.error.message).toMatch(/learning rate .* is NaN/);
    expect((await listCheckpoints(b)).map((c) => c.id)).toEqual(kept.map((c) => c.id));
  }, 240_000);

  it('refuses counts out of range and an unknown checkpoint with codes', async () => {
    const h = await home();
    const bad = await runTraining(
      'b',
      { ...request, batch: -5, limit: 1e9 },
      { home: h, onEvent: () => {} },
    );
    expect(!bad.ok && bad.error.code).toBe('train.request');
    expect(!bad.ok && bad.error.message).toMatch(
      /batch must be a whole number from 1 to 1,024; got -5/,
    );
    expect(!bad.ok && bad.error.message).toMatch(/limit .* got 1000000000/);
    const none = await runTraining(
      'x',
      { ...request, resume: 'nope/epoch-1' },
      { home: h, onEvent: () => {} },
    );
    expect(!none.ok && none.error.code).toBe('train.resume');
  }, 30_000);
});
