/** Downloads into the weights cache from a server on 127.0.0.1: success, and every refusal leaves nothing cached. */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PRETRAINED_CHECKPOINTS } from '../../core/weights/pretrained';
import type { DownloadProgress } from './download';
import { downloadToCache } from './download';
import { ensureCacheDir, fetchWeights, listWeights, resolveFetchTarget } from './weightsCache';
import {
  madeBytes,
  startTestServer,
  watchConnections,
  type TestServer,
} from './__fixtures__/testServer';

let server: TestServer;
let dir: string;
let watch: ReturnType<typeof watchConnections>;

beforeAll(async () => {
  watch = watchConnections();
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  const hosts = watch.stop();
  // Nothing reached the internet: every connection went to this machine, none to the table's hosts.
  expect(hosts.length).toBeGreaterThan(0);
  for (const h of hosts) expect(['127.0.0.1', 'localhost']).toContain(h);
  for (const c of PRETRAINED_CHECKPOINTS)
    expect(server.requests).not.toContain(new URL(c.url).pathname);
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weights-cache-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const files = () => readdir(dir);

describe('weights fetch URL', () => {
  it('downloads with progress and caches it under its name', async () => {
    const { body, sha256 } = madeBytes(300_000);
    const name = `googlenet-${sha256.slice(0, 8)}.pth`;
    server.route(`/${name}`, { kind: 'file', body });
    const progress: DownloadProgress[] = [];
    const r = await fetchWeights(`${server.origin}/${name}`, {
      dir,
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 0,
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.path).toBe(join(dir, name));
    expect(r.value.sha256).toBe(sha256);
    expect(r.value.alreadyCached).toBe(false);
    expect(await files()).toEqual([name]);
    expect((await readFile(r.value.path)).equals(body)).toBe(true);
    expect(progress.length).toBeGreaterThan(1);
    const last = progress[progress.length - 1];
    expect(last).toMatchObject({
      receivedBytes: body.length,
      totalBytes: body.length,
      secondsLeft: 0,
    });
    expect(last.bytesPerSecond).toBeGreaterThan(0);
    // Again: the cached file is used without a request.
    const before = server.requests.length;
    const again = await fetchWeights(`${server.origin}/${name}`, { dir });
    expect(again.ok && again.value.alreadyCached).toBe(true);
    expect(server.requests.length).toBe(before);
  });

  it('refuses the same bytes under a wrong hash prefix and leaves nothing', async () => {
    const { body, sha256 } = madeBytes(50_000);
    const wrong = (sha256[0] === '0' ? '1' : '0') + sha256.slice(1, 8);
    const name = `googlenet-${wrong}.pth`;
    server.route(`/${name}`, { kind: 'file', body });
    const r = await fetchWeights(`${server.origin}/${name}`, { dir });
    expect(r.ok ? null : r.error.code).toBe('weights.hash');
    if (!r.ok) expect(r.error.message).toContain(sha256);
    expect(await files()).toEqual([]);
  });

  it('leaves nothing when the server stops mid-file', async () => {
    const { body, sha256 } = madeBytes(400_000);
    const name = `googlenet-${sha256.slice(0, 8)}.pth`;
    server.route(`/cut/${name}`, { kind: 'cut', body, sendBytes: 100_000 });
    const r = await fetchWeights(`${server.origin}/cut/${name}`, { dir });
    expect(r.ok ? null : r.error.code).toBe('weights.interrupted');
    expect(await files()).toEqual([]);
  });

  it('refuses a Content-Length over the bound before reading the body', async () => {
    const { body, sha256 } = madeBytes(10_000);
    const name = `big-${sha256.slice(0, 8)}.pth`;
    server.route(`/${name}`, { kind: 'file', body, contentLength: 10_000 });
    const r = await downloadToCache({
      url: `${server.origin}/${name}`,
      dir,
      fileName: name,
      maxBytes: 5_000,
      hashRule: true,
    });
    expect(r.ok ? null : r.error.code).toBe('weights.tooLarge');
    expect(await files()).toEqual([]);
  });

  it('stops a body without Content-Length that grows past the bound', async () => {
    const { body, sha256 } = madeBytes(10_000);
    const name = `chunked-${sha256.slice(0, 8)}.pth`;
    server.route(`/${name}`, { kind: 'file', body, contentLength: null });
    const r = await downloadToCache({
      url: `${server.origin}/${name}`,
      dir,
      fileName: name,
      maxBytes: 5_000,
      hashRule: true,
    });
    expect(r.ok ? null : r.error.code).toBe('weights.tooLarge');
    expect(await files()).toEqual([]);
  });

  it('refuses a body of another size than the expected one', async () => {
    const { body, sha256 } = madeBytes(1_000);
    const name = `sized-${sha256.slice(0, 8)}.pth`;
    server.route(`/${name}`, { kind: 'file', body });
    const r = await downloadToCache({
      url: `${server.origin}/${name}`,
      dir,
      fileName: name,
      expectedBytes: 999,
      maxBytes: 5_000,
      hashRule: true,
    });
    expect(r.ok ? null : r.error.code).toBe('weights.size');
    expect(await files()).toEqual([]);
  });

  it('follows a redirect chain, and gives up on too long a one', async () => {
    const { body, sha256 } = madeBytes(2_000);
    const name = `redirected-${sha256.slice(0, 8)}.pth`;
    server.route(`/files/${name}`, { kind: 'file', body });
    server.route(`/r1/${name}`, { kind: 'redirect', location: `/r2/${name}`, status: 301 });
    server.route(`/r2/${name}`, {
      kind: 'redirect',
      location: `${server.origin}/files/${name}`,
      status: 307,
    });
    const ok = await fetchWeights(`${server.origin}/r1/${name}`, { dir });
    expect(ok.ok).toBe(true);
    expect(await files()).toEqual([name]);
    await rm(join(dir, name));

    server.route(`/loop/${name}`, { kind: 'redirect', location: `/loop/${name}` });
    const loop = await fetchWeights(`${server.origin}/loop/${name}`, { dir });
    expect(loop.ok ? null : loop.error.code).toBe('weights.redirects');
    expect(await files()).toEqual([]);

    server.route(`/ftp/${name}`, { kind: 'redirect', location: `file:///etc/passwd` });
    const ftp = await fetchWeights(`${server.origin}/ftp/${name}`, { dir });
    expect(ftp.ok ? null : ftp.error.code).toBe('weights.redirects');
  });

  it('reports a 404 with the status', async () => {
    const r = await fetchWeights(`${server.origin}/missing-abcdef12.pth`, { dir });
    expect(r.ok ? null : r.error).toMatchObject({ code: 'weights.http' });
    if (!r.ok) expect(r.error.message).toContain('404');
    expect(await files()).toEqual([]);
  });

  it('says the computer seems offline when the host refuses the connection', async () => {
    const closed = await startTestServer();
    const port = closed.port;
    await closed.close();
    const r = await fetchWeights(`http://127.0.0.1:${port}/googlenet-1378be20.pth`, { dir });
    expect(r.ok ? null : r.error.code).toBe('weights.offline');
    if (!r.ok)
      expect(r.error.message).toBe(
        `Could not reach 127.0.0.1:${port} (ECONNREFUSED): this computer seems offline, or the host is blocked. Download googlenet-1378be20.pth elsewhere and open it with --weights FILE.`,
      );
    expect(await files()).toEqual([]);
  });

  it('stops a stalled server after the timeout, and a cancelled download, leaving nothing', async () => {
    server.route('/stall-abcdef12.pth', { kind: 'stall', contentLength: 1000 });
    const slow = await fetchWeights(`${server.origin}/stall-abcdef12.pth`, { dir, timeoutMs: 200 });
    expect(slow.ok ? null : slow.error.code).toMatch(/^weights\.(timeout|interrupted)$/);
    expect(await files()).toEqual([]);

    const controller = new AbortController();
    const pending = fetchWeights(`${server.origin}/stall-abcdef12.pth`, {
      dir,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 100);
    const cancelled = await pending;
    expect(cancelled.ok ? null : cancelled.error.code).toBe('weights.cancelled');
    expect(await files()).toEqual([]);
  });

  it('refuses URLs whose name leaves the cache or carries no hash', () => {
    for (const bad of [
      `${server.origin}/a/..%2f..%2fevil-abcdef12.pth`,
      `${server.origin}/a/%2e%2e/evil-abcdef12.pth`,
      `${server.origin}/a/../evil-abcdef12.pth`,
      `${server.origin}/x%5cevil-abcdef12.pth`,
      `${server.origin}/`,
      `${server.origin}/.hidden-abcdef12.pth`,
    ])
      expect(
        resolveFetchTarget(bad).ok
          ? null
          : (resolveFetchTarget(bad) as { error: { code: string } }).error.code,
      ).toBe('weights.url');
    expect(resolveFetchTarget('ftp://127.0.0.1/x-abcdef12.pth')).toMatchObject({
      ok: false,
      error: { code: 'weights.url' },
    });
    expect(resolveFetchTarget(`${server.origin}/model.safetensors`)).toMatchObject({
      ok: false,
      error: { code: 'weights.noHash' },
    });
    expect(resolveFetchTarget(`${server.origin}/foo-.pth`)).toMatchObject({
      ok: false,
      error: { code: 'weights.noHash' },
    });
    expect(resolveFetchTarget('resnet50')).toMatchObject({
      ok: false,
      error: { code: 'weights.unknown' },
    });
    const known = resolveFetchTarget('inception-v3');
    expect(known.ok && known.value.fileName).toBe('inception_v3_google-0cc3c7bd.pth');
  });
});

describe('the weights cache', () => {
  it('refuses a home that is a file, clearly', async () => {
    const home = join(dir, 'home-file');
    await writeFile(home, 'not a folder');
    const r = await ensureCacheDir(join(home, 'weights'));
    expect(r.ok ? null : r.error.code).toBe('weights.home');
    if (!r.ok) expect(r.error.message).toContain('INCEPTION_EXPLORER_HOME');
    const f = await fetchWeights('inception-v3', { dir: join(home, 'weights') });
    expect(f.ok ? null : f.error.code).toBe('weights.home');
  });

  it('lists every known checkpoint, cached only when its size fits', async () => {
    await writeFile(join(dir, 'googlenet-1378be20.pth'), Buffer.alloc(1000));
    await writeFile(join(dir, 'inception_v3_google-0cc3c7bd.pth'), Buffer.alloc(1000)); // wrong size
    const list = await listWeights(dir);
    expect(list.map((e) => e.checkpoint.id)).toEqual(PRETRAINED_CHECKPOINTS.map((c) => c.id));
    expect(list.find((e) => e.checkpoint.id === 'torchvision-googlenet')?.path).toBe(
      join(dir, 'googlenet-1378be20.pth'),
    );
    expect(list.find((e) => e.checkpoint.id === 'torchvision-inception_v3')?.path).toBeNull();
  });
});
