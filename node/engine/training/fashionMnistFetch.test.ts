/**
 * Locating Fashion-MNIST: a named folder, Debian's, the cache, and downloads from a server on
 * 127.0.0.1 (never the internet), where a wrong MD5, a wrong size, a cut connection or an HTML
 * page leave nothing in the cache.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startTestServer,
  watchConnections,
  type TestServer,
} from '../../weights/__fixtures__/testServer';
import { DEBIAN_FASHION_MNIST_DIR, FASHION_MNIST_FILES, loadFashionMnist } from './fashionMnist';
import {
  FASHION_MNIST_MIRROR,
  FASHION_MNIST_RESOURCES,
  fashionMnistCacheDir,
  locateFashionMnist,
  type FashionMnistProgress,
} from './fashionMnistFetch';

/** A gzip IDX file: magic 0x08 0x0{rank}, big-endian dims, then bytes. */
function idx(dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(0x0800 + dims.length, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return gzipSync(Buffer.concat([head, Buffer.from(data)]));
}

const F = FASHION_MNIST_FILES;
/** A tiny but valid Fashion-MNIST: 3 training and 2 test images (varied pixels: 2 KB gzipped). */
const BODIES: Record<string, Buffer> = {
  [F.trainImages]: idx(
    [3, 28, 28],
    Uint8Array.from({ length: 3 * 784 }, (_, i) => (Math.sin(i) * 1e4) & 255),
  ),
  [F.trainLabels]: idx([3], Uint8Array.of(0, 9, 4)),
  [F.testImages]: idx([2, 28, 28], new Uint8Array(2 * 784)),
  [F.testLabels]: idx([2], Uint8Array.of(1, 2)),
};
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
/** The served files' MD5s and sizes, as torchvision's table gives the real ones. */
const RESOURCES = Object.entries(BODIES).map(([file, body]) => ({
  file,
  md5: md5(body),
  bytes: body.length,
}));

let server: TestServer;
let watch: ReturnType<typeof watchConnections>;
let home: string;
let empty: string;

beforeAll(async () => {
  watch = watchConnections();
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  const hosts = watch.stop();
  expect(hosts.length).toBeGreaterThan(0);
  for (const h of hosts) expect(h).toBe('127.0.0.1');
});
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'fmnist-home-'));
  empty = await mkdtemp(join(tmpdir(), 'fmnist-system-'));
  for (const [file, body] of Object.entries(BODIES))
    server.route(`/fm/${file}`, { kind: 'file', body });
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
  await rm(empty, { recursive: true, force: true });
});

async function writeSet(dir: string, files = Object.keys(BODIES)): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const f of files) await writeFile(join(dir, f), BODIES[f]);
}

/** Locates with Debian's folder replaced by an empty one and downloads from the test server. */
const locate = (extra: Partial<Parameters<typeof locateFashionMnist>[0]> = {}) =>
  locateFashionMnist({
    home,
    systemDir: empty,
    baseUrl: `${server.origin}/fm`,
    resources: RESOURCES,
    ...extra,
  });

describe('torchvision’s table', () => {
  it('is torchvision 0.14’s FashionMNIST mirrors and resources', () => {
    expect(FASHION_MNIST_MIRROR).toBe(
      'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    );
    expect(FASHION_MNIST_RESOURCES.map((r) => [r.file, r.md5])).toEqual([
      ['train-images-idx3-ubyte.gz', '8d4fb7e6c68d591d4c3dfef9ec88bf0d'],
      ['train-labels-idx1-ubyte.gz', '25c81989df183df01b3e8a0aad5dffbe'],
      ['t10k-images-idx3-ubyte.gz', 'bef4ecab320f06d8554ea6380940ec79'],
      ['t10k-labels-idx1-ubyte.gz', 'bb300cfdad3c16e7a12a480ee83cd310'],
    ]);
  });
});

describe.skipIf(!existsSync(join(DEBIAN_FASHION_MNIST_DIR, F.trainImages)))(
  'Debian’s dataset-fashion-mnist',
  () => {
    it('differs from torchvision’s files in the gzip header only: no stored name, so another MD5', async () => {
      for (const r of FASHION_MNIST_RESOURCES) {
        const bytes = await readFile(join(DEBIAN_FASHION_MNIST_DIR, r.file));
        // FLG 0: no FNAME; torchvision's files store "<name without .gz>" and a NUL.
        expect([bytes[0], bytes[1], bytes[2], bytes[3]]).toEqual([0x1f, 0x8b, 8, 0]);
        expect(bytes.length + r.file.length - '.gz'.length + 1).toBe(r.bytes);
        expect(md5(bytes)).not.toBe(r.md5);
      }
    });
  },
);

describe('locating Fashion-MNIST', () => {
  it('uses a named folder that holds the four files, and names what a folder lacks', async () => {
    const dir = join(home, 'mine');
    await writeSet(dir);
    expect(await locate({ dir })).toEqual({ ok: true, value: dir });
    await rm(join(dir, F.testLabels));
    const r = await locate({ dir });
    expect(r.ok ? null : r.error.code).toBe('data.missing');
    expect(r.ok ? '' : r.error.message).toMatch(
      /t10k-labels-idx1-ubyte\.gz is missing or not a readable file/,
    );
  });

  it('prefers Debian’s folder, then the cache', async () => {
    await writeSet(empty);
    expect(await locate()).toEqual({ ok: true, value: empty });
    await rm(join(empty, F.trainImages));
    await writeSet(fashionMnistCacheDir(home));
    expect(await locate()).toEqual({ ok: true, value: fashionMnistCacheDir(home) });
    expect(server.requests).toEqual([]);
  });

  it.skipIf(!existsSync(join(DEBIAN_FASHION_MNIST_DIR, F.trainImages)))(
    'finds Debian’s dataset-fashion-mnist without options',
    async () => {
      expect(await locateFashionMnist({ home })).toEqual({
        ok: true,
        value: DEBIAN_FASHION_MNIST_DIR,
      });
    },
  );

  it('says where to get the files when none are there and downloading is off', async () => {
    const r = await locate();
    expect(r.ok ? null : r.error.code).toBe('data.missing');
    expect(r.ok ? '' : r.error.message).toMatch(/apt-get install dataset-fashion-mnist/);
    expect(r.ok ? '' : r.error.message).toContain(fashionMnistCacheDir(home));
  });
});

describe('downloading Fashion-MNIST', () => {
  it('downloads the missing files into the cache with progress, then reads them', async () => {
    const before = server.requests.length;
    await writeSet(fashionMnistCacheDir(home), [F.trainLabels]);
    const progress: FashionMnistProgress[] = [];
    const r = await locate({ download: true, onProgress: (p) => progress.push(p) });
    expect(r).toEqual({ ok: true, value: fashionMnistCacheDir(home) });
    // The file already cached is not asked for again.
    expect(server.requests.slice(before)).toEqual([
      `/fm/${F.trainImages}`,
      `/fm/${F.testImages}`,
      `/fm/${F.testLabels}`,
    ]);
    expect(progress.at(-1)).toMatchObject({ file: F.testLabels, index: 3, of: 3 });
    const loaded = await loadFashionMnist(fashionMnistCacheDir(home));
    expect(loaded.ok && [loaded.value.train.count, loaded.value.test.count]).toEqual([3, 2]);
    // Found in the cache the next time, with no request.
    const n = server.requests.length;
    expect((await locate({ download: true })).ok).toBe(true);
    expect(server.requests.length).toBe(n);
  });

  /** Downloads with the training images served as `route`; the error and what the cache holds. */
  async function refused(route: Parameters<TestServer['route']>[1]) {
    server.route(`/fm/${F.trainImages}`, route);
    const r = await locate({ download: true });
    const files = await readdir(fashionMnistCacheDir(home)).catch(() => []);
    return { error: r.ok ? null : r.error, files };
  }

  it('refuses bytes whose MD5 is not torchvision’s', async () => {
    const other = Buffer.from(BODIES[F.trainImages]);
    other[other.length - 9] ^= 1;
    const { error, files } = await refused({ kind: 'file', body: other });
    expect(error?.code).toBe('data.download.hash');
    expect(error?.message).toMatch(new RegExp(`its MD5 is ${md5(other)}, but it should be`));
    expect(files).toEqual([]);
  });

  it('refuses a truncated file', async () => {
    const body = BODIES[F.trainImages];
    expect(body.length).toBeGreaterThan(1000);
    const { error, files } = await refused({ kind: 'cut', body, sendBytes: 500 });
    expect(error?.code).toBe('data.download.interrupted');
    expect(files).toEqual([]);
  });

  it('refuses a file of another size before reading it', async () => {
    const body = BODIES[F.trainImages];
    const longer = await refused({ kind: 'file', body: Buffer.concat([body, Buffer.alloc(10)]) });
    expect(longer.error?.code).toBe('data.download.tooLarge');
    expect(longer.files).toEqual([]);
    const shorter = await refused({ kind: 'file', body: body.subarray(0, body.length - 10) });
    expect(shorter.error?.code).toBe('data.download.size');
    expect(shorter.error?.message).toMatch(/should be \d+; it was not downloaded/);
    expect(shorter.files).toEqual([]);
  });

  it('refuses an HTML page on its first bytes', async () => {
    const page = Buffer.from('<!DOCTYPE html><html><body>Sign in to continue</body></html>');
    const { error, files } = await refused({ kind: 'file', body: page, contentLength: null });
    expect(error?.code).toBe('data.download.content');
    expect(error?.message).toMatch(/HTML page instead of the gzip file/);
    expect(files).toEqual([]);
  });

  it('names an unreachable host with what to do instead', async () => {
    const r = await locate({ download: true, baseUrl: 'http://127.0.0.1:9/fm' });
    expect(r.ok ? null : r.error.code).toBe('data.download.offline');
    expect(r.ok ? '' : r.error.message).toMatch(/Install Debian's dataset-fashion-mnist instead/);
  });
});
