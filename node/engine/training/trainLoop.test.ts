/**
 * The shared loop run inline (as the CLI runs it): a design too large for the memory it may use is
 * refused before anything is allocated, and a checkpoint or --dump folder that cannot be written is a
 * `train.write` sentence before any step, not a throw or a hang.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetDesign } from '../../../core/presets';
import { setAux, setClasses } from '../../../core/design/edit';
import type { TrainEvent, TrainRequest } from '../../../core/train/types';
import { trainLoop } from './trainLoop';

let design = setClasses(setAux(presetDesign('googlenet-torchvision')!, false), 10);
design = { ...design, input: { ...design.input, batch: 2, channels: 1, height: 32, width: 32 } };
const request: TrainRequest = {
  design,
  data: { kind: 'random' },
  epochs: 1,
  steps: 1,
  limit: 2,
  batch: 2,
  optimizer: 'sgd',
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 0,
  auxWeight: 0.3,
  schedule: 'constant',
  dropout: false,
  seed: 0,
};

describe('trainLoop inline', () => {
  it('refuses a training that would not fit in memory, before reading data', async () => {
    const events: TrainEvent[] = [];
    const r = await trainLoop(
      't',
      { ...request, batch: 1024 },
      {
        home: '/nonexistent',
        checkpointRoot: null,
        backend: 'wasm',
        memoryBudget: 64 * 1024 ** 2,
        onEvent: (e) => events.push(e),
      },
    );
    expect(!r.ok && r.error.code).toBe('train.memory');
    expect(!r.ok && r.error.message).toMatch(/at batch 1024 would need about .* more than the 64/);
    expect(events.map((e) => e.type)).toEqual(['finished']);
  });

  it.each([
    // A folder inside a device file: no user, root included, can create it.
    [
      { checkpointRoot: '/dev/null/checkpoints' },
      /checkpoint folder \/dev\/null\/checkpoints cannot be used: it or a folder above it is a file/,
    ],
    // Node's recursive mkdir never returned for these (ENOENT from /proc, retried forever).
    [
      { checkpointRoot: null, dumpDir: '/proc/x/y' },
      /--dump folder \/proc\/x\/y cannot be used: it cannot be made there/,
    ],
    [{ checkpointRoot: '/proc/x' }, /checkpoint folder \/proc\/x cannot be used/],
  ])(
    'says so before training when %j cannot be written',
    async (where, message) => {
      const events: TrainEvent[] = [];
      const r = await trainLoop('t', request, {
        home: '/nonexistent',
        backend: 'wasm',
        onEvent: (e) => events.push(e),
        ...where,
      });
      expect(!r.ok && r.error.code).toBe('train.write');
      expect(!r.ok && r.error.message).toMatch(message);
      // Nothing was read or trained: the answer comes before the first image.
      expect(events.map((e) => e.type)).toEqual(['finished']);
    },
    120_000,
  );

  it('a cancel during validation keeps the steps in a cancel checkpoint, without the validation', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'train-loop-'));
    let stepped = false;
    const events: TrainEvent[] = [];
    try {
      const r = await trainLoop('t', request, {
        home: root,
        checkpointRoot: root,
        backend: 'wasm',
        onEvent: (e) => events.push(e),
        onStep: () => (stepped = true),
        control: {
          cancelled: () => stepped,
          paused: () => false,
          wait: () => Promise.resolve(),
        },
      });
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value).toMatchObject({ cancelled: true, steps: 1 });
      expect(r.value.checkpoint).toMatchObject({ reason: 'cancel', step: 1, epoch: 1 });
      expect(r.value.history.epochs).toEqual([]);
      expect(events.some((e) => e.type === 'epoch')).toBe(false);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 120_000);
});
