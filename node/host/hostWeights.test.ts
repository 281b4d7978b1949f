/** The host's weights requests (weightsList, weightsFetch, cancelWeightsFetch) end to end, through the router, against a 127.0.0.1 mirror. */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WeightsProgress } from '../../core/host/contract';
import { presetDesign } from '../../core/presets';
import {
  madeBytes,
  startTestServer,
  watchConnections,
  type TestServer,
} from '../weights/__fixtures__/testServer';
import { AutosaveStore } from './autosaveStore';
import { HostEngine } from './hostEngine';
import { createHostRouter, type HostDispatch } from './hostRouter';
import { createHostService } from './hostService';
import { RecentFiles } from './recentFiles';

let server: TestServer;
let watch: ReturnType<typeof watchConnections>;
let dir: string;
let engine: HostEngine;
let dispatch: HostDispatch<null>;
let progress: WeightsProgress[];
const cache = () => join(dir, 'weights');

beforeAll(async () => {
  watch = watchConnections();
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  for (const h of watch.stop()) expect(h).toBe('127.0.0.1');
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'host-weights-'));
  progress = [];
  engine = new HostEngine();
  const service = createHostService({
    kind: 'test',
    appVersion: '0.1.0',
    versions: {},
    dialogs: {
      chooseDesignToOpen: async () => null,
      chooseDesignSavePath: async () => null,
      chooseExportPath: async () => null,
      chooseWeightsToOpen: async () => null,
      chooseDataFolder: async () => null,
    },
    engine,
    autosave: await AutosaveStore.open(join(dir, 'state')),
    recent: new RecentFiles(join(dir, 'state', 'recent.json')),
    samplesDir: dir,
    emitProgress: () => {},
    weightsDir: cache(),
    weightsMirror: `${server.origin}/mirror`,
    emitWeightsProgress: (_ctx, p) => progress.push(p),
  });
  dispatch = createHostRouter(service);
});
afterEach(async () => {
  await engine.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('host weights requests', () => {
  it('lists, fetches with progress events, and lets a run of this session read the file', async () => {
    const before = await dispatch(null, 'weightsList', []);
    expect(before.ok).toBe(true);
    const entries = (before as { value: { checkpoint: { id: string }; path: string | null }[] })
      .value;
    expect(entries.map((e) => e.path)).toEqual(entries.map(() => null));

    const { body } = madeBytes(100_000);
    const name = 'timm-inception_v4.tf_in1k.safetensors';
    server.route(`/mirror/${name}`, { kind: 'file', body });
    const design = presetDesign('googlenet')!;
    const run = (weightsPath: string) =>
      dispatch(null, 'run', [
        'r1',
        { design, mode: 'eval', seed: 0, input: { kind: 'random' }, weightsPath },
      ]);
    // Not yet fetched in this session: the renderer may not name it.
    expect(await run(join(cache(), name))).toMatchObject({ error: { code: 'file.notAllowed' } });

    const fetched = await dispatch(null, 'weightsFetch', ['timm-inception_v4.tf_in1k']);
    expect(fetched).toEqual({ ok: true, value: { path: join(cache(), name) } });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({
      id: 'timm-inception_v4.tf_in1k',
      receivedBytes: body.length,
      totalBytes: body.length,
    });
    const after = await dispatch(null, 'weightsList', []);
    expect(
      (after as { value: { checkpoint: { id: string }; path: string | null }[] }).value.find(
        (e) => e.checkpoint.id === 'timm-inception_v4.tf_in1k',
      )?.path,
    ).toBe(join(cache(), name));
    // Granted: the run gets past the file check (these random bytes then fail as weights).
    const ran = await run(join(cache(), name));
    expect(ran.ok ? null : ran.error.code).not.toBe('file.notAllowed');
  });

  it('refuses bytes that fail the hash rule, unknown ids and URLs, and cancels', async () => {
    server.route('/mirror/googlenet-1378be20.pth', { kind: 'file', body: madeBytes(1000).body });
    expect(await dispatch(null, 'weightsFetch', ['torchvision-googlenet'])).toMatchObject({
      ok: false,
      error: { code: 'weights.hash' },
    });
    expect(await dispatch(null, 'weightsFetch', ['googlenet-torchvision'])).toMatchObject({
      error: { code: 'weights.unknown' },
    });
    expect(
      await dispatch(null, 'weightsFetch', [`${server.origin}/evil-abcdef12.pth`]),
    ).toMatchObject({ error: { code: 'ipc.invalid' } });

    server.route('/mirror/timm-inception_resnet_v2.tf_in1k.safetensors', {
      kind: 'stall',
      contentLength: 5000,
    });
    const pending = dispatch(null, 'weightsFetch', ['timm-inception_resnet_v2.tf_in1k']);
    await new Promise((r) => setTimeout(r, 150));
    expect(
      await dispatch(null, 'cancelWeightsFetch', ['timm-inception_resnet_v2.tf_in1k']),
    ).toEqual({ ok: true, value: undefined });
    expect(await pending).toMatchObject({ error: { code: 'weights.cancelled' } });
    expect(await readdir(cache())).toEqual([]);
  });
});
