import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
    expect(r2.ok ? '' : r2.error.message).toMatch(/2 labels but .* 3 images/);
  });

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
