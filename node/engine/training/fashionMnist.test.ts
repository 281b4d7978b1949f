import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FASHION_MNIST_FILES,
  imageSetBatch,
  loadFashionMnist,
  parseIdx,
  shuffledIndices,
  type ImageSet,
} from './fashionMnist';

/** A gzip IDX file: magic 0x08 0x0{rank}, big-endian dims, then bytes. */
function idx(dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(0x0800 + dims.length, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return gzipSync(Buffer.concat([head, Buffer.from(data)]));
}

describe('Fashion-MNIST files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fmnist-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const f = FASHION_MNIST_FILES;
  const writeAll = () => {
    writeFileSync(join(dir, f.trainImages), idx([3, 28, 28], new Uint8Array(3 * 784).fill(255)));
    writeFileSync(join(dir, f.trainLabels), idx([3], Uint8Array.of(0, 9, 4)));
    writeFileSync(join(dir, f.testImages), idx([1, 28, 28], new Uint8Array(784)));
    writeFileSync(join(dir, f.testLabels), idx([1], Uint8Array.of(2)));
  };

  it('reads the four files', async () => {
    writeAll();
    const r = await loadFashionMnist(dir);
    expect(r.ok && [r.value.train.count, r.value.test.count, [...r.value.train.labels]]).toEqual([
      3,
      1,
      [0, 9, 4],
    ]);
  });

  it('names a missing file', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'fmnist-empty-'));
    const r = await loadFashionMnist(empty);
    rmSync(empty, { recursive: true });
    expect(r.ok ? null : r.error.code).toBe('data.missing');
    expect(r.ok ? '' : r.error.message).toContain(f.trainImages);
  });

  it.each([
    ['not gzip', Buffer.from('hello')],
    ['truncated', idx([3, 28, 28], new Uint8Array(100))],
    ['the labels magic', idx([3], Uint8Array.of(1, 2, 3))],
    [
      'a wrong magic',
      gzipSync(Buffer.from([0, 0, 8, 0x0d, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0])),
    ],
    ['a truncated gzip stream', idx([3, 28, 28], new Uint8Array(3 * 784)).subarray(0, 40)],
  ])('says a corrupt file is corrupt (%s)', async (_, bytes) => {
    writeAll();
    writeFileSync(join(dir, f.trainImages), bytes);
    const r = await loadFashionMnist(dir);
    expect(r.ok ? null : r.error.code).toBe('data.corrupt');
    expect(r.ok ? '' : r.error.message).toContain(f.trainImages);
  });

  it('refuses labels beyond 9 and label counts that differ', async () => {
    writeAll();
    writeFileSync(join(dir, f.trainLabels), idx([3], Uint8Array.of(0, 10, 1)));
    const r = await loadFashionMnist(dir);
    expect(r.ok ? '' : r.error.message).toMatch(/label 10/);
    writeFileSync(join(dir, f.trainLabels), idx([2], Uint8Array.of(0, 1)));
    const r2 = await loadFashionMnist(dir);
    expect(r2.ok ? '' : r2.error.message).toMatch(/2 labels but .* 3 images; the two files/);
  });

  /** Writes the four good files, then `bytes` over the training images; the load's error. */
  async function loadWith(bytes: Buffer) {
    writeAll();
    writeFileSync(join(dir, f.trainImages), bytes);
    const r = await loadFashionMnist(dir);
    return r.ok ? null : r.error;
  }

  it('refuses a header declaring 10^9 images before anything else', async () => {
    const e = await loadWith(idx([1e9, 28, 28], new Uint8Array(784)));
    expect(e?.code).toBe('data.corrupt');
    expect(e?.message).toMatch(/declares 1,000,000,000 images/);
    expect(e?.message).toContain(f.trainImages);
    const sides = await loadWith(idx([1, 28, 70_000], new Uint8Array(784)));
    expect(sides?.message).toMatch(/declares 28×70000 images/);
    const none = await loadWith(idx([0, 28, 28], new Uint8Array(0)));
    expect(none?.message).toMatch(/declares 0 images/);
  });

  it('names a file longer than its header says', async () => {
    const e = await loadWith(idx([3, 28, 28], new Uint8Array(3 * 784 + 5)));
    expect(e?.code).toBe('data.corrupt');
    expect(e?.message).toMatch(/longer than its header says/);
  });

  it('stops a gzip bomb at 64 MiB', async () => {
    // A valid header and 65 MiB of zeros: 65 KB gzipped.
    const head = Buffer.alloc(16);
    head.writeUInt32BE(0x0803, 0);
    [60_000, 28, 28].forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
    const bomb = gzipSync(Buffer.concat([head, Buffer.alloc(65 * 1024 * 1024)]));
    expect(bomb.length).toBeLessThan(200_000);
    const e = await loadWith(bomb);
    expect(e?.code).toBe('data.tooLarge');
    expect(e?.message).toMatch(/expands to more than 64 MiB/);
  });

  it.skipIf(process.platform === 'win32')(
    'refuses a named pipe, a device and a folder in a file’s place without blocking',
    async () => {
      writeAll();
      const fifo = join(dir, f.trainImages);
      rmSync(fifo);
      execFileSync('mkfifo', [fifo]);
      const r = await loadFashionMnist(dir);
      expect(r.ok ? null : [r.error.code, r.error.message]).toEqual([
        'data.notFile',
        expect.stringMatching(/named pipe \(FIFO\)/),
      ]);
      rmSync(fifo);
      symlinkSync('/dev/zero', fifo);
      const dev = await loadFashionMnist(dir);
      expect(dev.ok ? null : dev.error.message).toMatch(/character device/);
      rmSync(fifo);
      mkdirSync(fifo);
      const folder = await loadFashionMnist(dir);
      expect(folder.ok ? null : folder.error.code).toBe('data.notFile');
      rmSync(fifo, { recursive: true });
    },
  );

  it('parses a raw IDX', () => {
    const r = parseIdx(idx([2], Uint8Array.of(7, 8)), 1, 'x');
    expect(r.ok && [...r.value.data]).toEqual([7, 8]);
  });
});

describe('batches', () => {
  const set: ImageSet = {
    count: 2,
    height: 2,
    width: 2,
    pixels: Uint8Array.of(0, 255, 255, 0, 255, 255, 255, 255),
    labels: Uint8Array.of(3, 5),
  };
  it('normalizes, replicates channels and keeps targets', () => {
    const b = imageSetBatch(set, [1, 0], 3, 2, 2);
    expect(b.n).toBe(2);
    expect([...b.target]).toEqual([5, 3]);
    const one = (1 - 0.286) / 0.353;
    expect(b.input[0]).toBeCloseTo(one, 5);
    expect(b.input[4 * 2]).toBeCloseTo(one, 5);
    expect(b.input[12]).toBeCloseTo(-0.286 / 0.353, 5);
  });
  it('resizes bilinearly as F.interpolate(align_corners=False)', () => {
    // 2×2 → 4×4: corners keep their values, the inner samples blend 3:1.
    const b = imageSetBatch(set, [0], 1, 4, 4);
    const px = (v: number) => (v / 255 - 0.286) / 0.353;
    expect(b.input[0]).toBeCloseTo(px(0), 4);
    expect(b.input[1]).toBeCloseTo(px(255 * 0.25), 4);
    expect(b.input[5]).toBeCloseTo(px(0.75 * 0.75 * 0 + 2 * 0.75 * 0.25 * 255), 4);
  });
  it('shuffles reproducibly', () => {
    expect([...shuffledIndices(10, 3)]).toEqual([...shuffledIndices(10, 3)]);
    expect([...shuffledIndices(10, 3)].sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    expect([...shuffledIndices(10, 3)]).not.toEqual([...shuffledIndices(10, 4)]);
  });
});
