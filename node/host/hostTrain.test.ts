/**
 * The host's training requests through the router, on the real job (worker thread, TF.js): bounds
 * refused by the schema, folders the user did not choose refused, one training at a time
 * (train.busy), cancel with its checkpoint listed, samples of a confusion cell, and a checkpoint's
 * weights usable by runs (reuseWeights).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetDesign } from '../../core/presets';
import { setAux, setClasses } from '../../core/design/edit';
import type { Result } from '../../core/run/types';
import type {
  CheckpointInfo,
  TrainEvent,
  TrainRequest,
  TrainSummary,
} from '../../core/train/types';
import { AutosaveStore } from './autosaveStore';
import { HostEngine } from './hostEngine';
import { createHostRouter, type HostDispatch } from './hostRouter';
import { createHostService } from './hostService';
import { RecentFiles } from './recentFiles';

let design = setClasses(setAux(presetDesign('googlenet-torchvision')!, false), 10);
design = { ...design, input: { ...design.input, batch: 2, channels: 1, height: 32, width: 32 } };
const request: TrainRequest = {
  design,
  data: { kind: 'random' },
  epochs: 1,
  steps: 40,
  limit: 80,
  batch: 2,
  optimizer: 'adam',
  lr: 0.001,
  momentum: 0,
  weightDecay: 0,
  auxWeight: 0.3,
  schedule: 'constant',
  dropout: false,
  seed: 1,
};

describe('host training', () => {
  let dir: string;
  let dispatch: HostDispatch<null>;
  let engine: HostEngine;
  const events: TrainEvent[] = [];
  let folderAnswer: string | null = null;
  const call = <T>(method: string, ...args: unknown[]) =>
    dispatch(null, method, args) as Promise<Result<T>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'host-train-'));
    engine = new HostEngine();
    const service = createHostService<null>({
      kind: 'test',
      appVersion: '0.1.0',
      versions: {},
      dialogs: {
        chooseDesignToOpen: async () => null,
        chooseDesignSavePath: async () => null,
        chooseExportPath: async () => null,
        chooseWeightsToOpen: async () => null,
        chooseDataFolder: async () => folderAnswer,
      },
      engine,
      autosave: await AutosaveStore.open(join(dir, 'state')),
      recent: new RecentFiles(join(dir, 'state', 'recent.json')),
      samplesDir: join(dir, 'samples'),
      emitProgress: () => {},
      home: dir,
      emitTrainEvent: (_ctx, e) => events.push(e),
    });
    dispatch = createHostRouter(service);
  });
  afterAll(async () => {
    await engine.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses bad requests before training: bounds, unchosen folders, unknown trainings', async () => {
    const bad = await call('train', 't1', { ...request, batch: -5, limit: 1e9 });
    expect(!bad.ok && bad.error.code).toBe('ipc.invalid');
    expect(!bad.ok && bad.error.message).toMatch(/batch/);
    const folder = await call('train', 't1', {
      ...request,
      data: { kind: 'folder', path: '/etc' },
    });
    expect(!folder.ok && folder.error.code).toBe('file.notAllowed');
    const resume = await call('train', 't1', { ...request, resume: '../../etc/passwd' });
    expect(!resume.ok && resume.error.code).toBe('ipc.invalid');
    expect(await call('pauseTrain', 'nobody', true)).toMatchObject({
      ok: false,
      error: { code: 'train.unknown' },
    });
    expect(await call('trainSamples', 'nobody', 0, 0, 4)).toMatchObject({
      ok: false,
      error: { code: 'train.unknown' },
    });
  });

  it('chooses a data folder (granted for training), or nothing when cancelled', async () => {
    expect(await call('chooseDataFolder')).toEqual({ ok: true, value: null });
    const shapes = join(dir, 'shapes');
    await mkdir(join(shapes, 'a'), { recursive: true });
    await writeFile(join(shapes, 'a', 'x.txt'), 'x');
    folderAnswer = shapes;
    expect(await call('chooseDataFolder')).toEqual({
      ok: true,
      value: { path: shapes, name: 'shapes' },
    });
    // Chosen, so the training may read it; it then fails on the data itself.
    const got = await call('train', 'f1', { ...request, data: { kind: 'folder', path: shapes } });
    expect(!got.ok && got.error.code).toBe('data.oneClass');
  }, 30_000);

  it('trains one at a time, cancels with a checkpoint, lists it and lets runs read its weights', async () => {
    events.length = 0;
    let busy: Result<unknown> | null = null;
    const running = call<TrainSummary>('train', 'run-a', request);
    const cancelled = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (events.some((e) => e.type === 'step' || e.type === 'finished')) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    busy = await call('train', 'run-b', request);
    await cancelled;
    expect(await call('pauseTrain', 'run-a', false)).toEqual({ ok: true, value: undefined });
    await call('cancelTrain', 'run-a');
    const done = await running;
    if (!done.ok) throw new Error(done.error.message);
    expect(busy).toMatchObject({ ok: false, error: { code: 'train.busy' } });
    expect(done.value.cancelled).toBe(true);
    expect(done.value.steps).toBeLessThan(40);
    expect(events[0].type).toBe('started');
    expect(events.at(-1)).toMatchObject({ type: 'finished', trainId: 'run-a' });
    const list = await call<CheckpointInfo[]>('trainCheckpoints');
    if (!list.ok) throw new Error(list.error.message);
    expect(list.value[0]).toMatchObject({ reason: 'cancel', step: done.value.steps });
    expect(await call('reuseWeights', list.value[0].weightsPath)).toMatchObject({ ok: true });
    // A second training may start now.
    const after = await call('train', 'run-c', { ...request, steps: 1, limit: 2 });
    expect(after).toMatchObject({ ok: true, value: { steps: 1, cancelled: false } });
    const samples = await call<string[]>('trainSamples', 'run-c', 0, 0, 16);
    if (!samples.ok) throw new Error(samples.error.message);
    // Random data's 32 validation images hold 4 of class 0 (i mod 10).
    const row = await Promise.all(
      Array.from({ length: 10 }, (_, p) => call<string[]>('trainSamples', 'run-c', 0, p, 16)),
    );
    const images = row.flatMap((r) => (r.ok ? r.value : []));
    expect(images).toHaveLength(4);
    expect(images[0]).toMatch(/^data:image\/png;base64,/);
  }, 180_000);
});
