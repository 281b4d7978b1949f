/** `weights list`, `weights fetch` and `run --pretrained` against a cache in a temporary home and a 127.0.0.1 server. */
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../main';
import type { CliIo } from '../command';
import {
  madeBytes,
  startTestServer,
  watchConnections,
  type TestServer,
} from '../../node/weights/__fixtures__/testServer';

function capture(isTty = false): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    isTty,
    out(s: string) {
      io.stdout += s;
    },
    err(s: string) {
      io.stderr += s;
    },
  };
  return io;
}

let server: TestServer;
let watch: ReturnType<typeof watchConnections>;
let root = '';
let home = '';
const cache = () => path.join(home, 'weights');

beforeAll(async () => {
  watch = watchConnections();
  server = await startTestServer();
  root = await mkdtemp(path.join(os.tmpdir(), 'cli-weights-'));
});
afterAll(async () => {
  await server.close();
  for (const h of watch.stop()) expect(h).toBe('127.0.0.1');
  vi.unstubAllEnvs();
  await rm(root, { recursive: true, force: true });
});
beforeEach(async () => {
  home = await mkdtemp(path.join(root, 'home-'));
  vi.stubEnv('INCEPTION_EXPLORER_HOME', home);
});

describe('inception-explorer weights fetch URL', () => {
  it('downloads with a progress line on a terminal and caches it', async () => {
    const { body, sha256 } = madeBytes(200_000);
    const name = `googlenet-${sha256.slice(0, 8)}.pth`;
    server.route(`/${name}`, { kind: 'file', body });
    const io = capture(true);
    expect(await main(['weights', 'fetch', `${server.origin}/${name}`], io)).toBe(0);
    expect(io.stdout).toContain(`Downloaded 195.3 KiB to ${path.join(cache(), name)}`);
    expect(io.stderr).toMatch(/\r195\.3 KiB of 195\.3 KiB · .*\/s · 0 s left/);
    expect(await readdir(cache())).toEqual([name]);

    const again = capture();
    expect(await main(['weights', 'fetch', `${server.origin}/${name}`, '--json'], again)).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ alreadyCached: true });
  });

  it('prints plain progress lines off a terminal', async () => {
    const { body, sha256 } = madeBytes(1000);
    const name = `plain-${sha256.slice(0, 8)}.pth`;
    server.route(`/${name}`, { kind: 'file', body });
    const io = capture(false);
    expect(await main(['weights', 'fetch', `${server.origin}/${name}`], io)).toBe(0);
    expect(io.stderr).not.toContain('\r');
    expect(io.stderr).toContain('1000 B of 1000 B');
  });

  it('refuses a wrong hash prefix and a cut download, exit 1, nothing cached', async () => {
    const { body, sha256 } = madeBytes(20_000);
    const wrong = `googlenet-${sha256[0] === 'f' ? '0' : 'f'}${sha256.slice(1, 8)}.pth`;
    server.route(`/${wrong}`, { kind: 'file', body });
    const io = capture();
    expect(await main(['weights', 'fetch', `${server.origin}/${wrong}`], io)).toBe(1);
    expect(io.stderr).toContain("torch.hub's rule");
    const right = `googlenet-${sha256.slice(0, 8)}.pth`;
    server.route(`/cut/${right}`, { kind: 'cut', body, sendBytes: 5000 });
    const cut = capture();
    expect(await main(['weights', 'fetch', `${server.origin}/cut/${right}`], cut)).toBe(1);
    expect(cut.stderr).toContain('stopped after 5000 of 20000 bytes');
    expect(await readdir(cache())).toEqual([]);
  });

  it('answers bad usage with exit 2', async () => {
    for (const args of [
      ['weights'],
      ['weights', 'get'],
      ['weights', 'fetch'],
      ['weights', 'list', 'x'],
    ]) {
      const io = capture();
      expect(await main(args, io)).toBe(2);
    }
    const unknown = capture();
    expect(await main(['weights', 'fetch', 'resnet50'], unknown)).toBe(1);
    expect(unknown.stderr).toContain('not a known preset');
  });

  it('says so when INCEPTION_EXPLORER_HOME is a file', async () => {
    const file = path.join(root, 'a-file');
    await writeFile(file, 'x');
    vi.stubEnv('INCEPTION_EXPLORER_HOME', file);
    const io = capture();
    expect(await main(['weights', 'fetch', 'inception-v3'], io)).toBe(1);
    expect(io.stderr).toContain('INCEPTION_EXPLORER_HOME');
  });
});

describe('inception-explorer weights list', () => {
  it('lists every known checkpoint and which are cached', async () => {
    await mkdir(cache(), { recursive: true });
    await writeFile(path.join(cache(), 'googlenet-1378be20.pth'), Buffer.alloc(10));
    const io = capture();
    expect(await main(['weights', 'list'], io)).toBe(0);
    expect(io.stdout).toContain(`cached: ${path.join(cache(), 'googlenet-1378be20.pth')}`);
    expect(io.stdout).toContain(
      'not cached: inception-explorer weights fetch torchvision-inception_v3',
    );
    const json = capture();
    expect(await main(['weights', 'list', '--json'], json)).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(out.cacheDir).toBe(cache());
    expect(out.checkpoints).toHaveLength(7);
    expect(out.checkpoints[1]).toMatchObject({
      id: 'torchvision-inception_v3',
      sizeBytes: 108_949_747,
      cachedPath: null,
    });
  });
});

describe('inception-explorer run --pretrained', () => {
  const tiny = (preset: string | null) => ({
    format: 'inception-explorer/design',
    version: 1,
    name: 'Tiny',
    preset,
    input: { batch: 1, channels: 3, height: 16, width: 16 },
    classes: 10,
    aux: false,
    modules: [
      {
        id: 'conv1',
        kind: 'convBlock',
        inputs: ['input'],
        params: { out_channels: 4, kernel: 3, stride: 2, padding: 1 },
      },
      { id: 'gap', kind: 'adaptiveAvgPool', inputs: ['conv1'], params: { output_size: 1 } },
      { id: 'fc', kind: 'linear', inputs: ['gap'], params: {} },
    ],
    outputs: { main: 'fc' },
  });

  it('refuses a preset without known weights, and tells the fetch command when not cached', async () => {
    const none = capture();
    expect(await main(['run', '--preset', 'inception-resnet-v1', '--pretrained'], none)).toBe(2);
    expect(none.stderr).toContain(
      'no trained weights are known for the preset inception-resnet-v1',
    );
    const missing = capture();
    expect(await main(['run', '--preset', 'inception-v3', '--pretrained'], missing)).toBe(1);
    expect(missing.stderr).toContain('inception-explorer weights fetch torchvision-inception_v3');
    const both = capture();
    expect(await main(['run', '--pretrained', '--weights', 'x.safetensors'], both)).toBe(2);
  });

  it('loads the cached checkpoint of the design preset', async () => {
    // The tiny design's own weights, dumped by a seeded run, stand in for timm's file.
    const file = path.join(home, 'tiny.json');
    await writeFile(file, JSON.stringify(tiny('inception-v4')));
    const dump = path.join(home, 'dump');
    expect(
      await main(
        ['run', file, '--seed', '3', '--backend', 'wasm', '--dump', dump, '--json'],
        capture(),
      ),
    ).toBe(0);
    await mkdir(cache(), { recursive: true });
    await copyFile(
      path.join(dump, 'weights.safetensors'),
      path.join(cache(), 'timm-inception_v4.tf_in1k.safetensors'),
    );
    const io = capture();
    expect(await main(['run', file, '--pretrained', '--backend', 'wasm', '--json'], io)).toBe(0);
    const out = JSON.parse(io.stdout);
    expect(out.untrainedWeights).toBe(false);
  });
});
