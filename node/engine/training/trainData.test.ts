/**
 * Training data sources: an ImageFolder tree (classes sorted as torchvision sorts them, seeded
 * per-class split, images fitted and normalised), random data, and each malformed source's code
 * and sentence (missing, a file, a FIFO, empty, one class, non-images, a corrupt IDX file).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codePointCompare, loadTrainData, type TrainDataOptions } from './trainData';
import { DEBIAN_FASHION_MNIST_DIR, FASHION_MNIST_FILES } from './fashionMnist';

let root: string;
const options: TrainDataOptions = {
  shape: [1, 3, 8, 8],
  classes: 2,
  home: '/nonexistent-home',
  seed: 0,
  batch: 2,
  preset: 'googlenet-torchvision',
};

function png(width: number, height: number, value: number): Buffer {
  const p = new PNG({ width, height });
  p.data.fill(value);
  for (let i = 3; i < p.data.length; i += 4) p.data[i] = 255;
  return PNG.sync.write(p);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'train-data-'));
  // "b" sorts after "B" and "a" by code point, as Python's sorted() does.
  for (const [cls, value] of [
    ['cat', 0],
    ['Dog', 255],
  ] as const) {
    await mkdir(path.join(root, 'folder', cls), { recursive: true });
    for (let i = 0; i < 5; i++)
      await writeFile(path.join(root, 'folder', cls, `${i}.png`), png(16, 12, value));
    await writeFile(path.join(root, 'folder', cls, 'notes.txt'), 'not an image');
  }
  await mkdir(path.join(root, 'empty'));
  await mkdir(path.join(root, 'one', 'only'), { recursive: true });
  await writeFile(path.join(root, 'one', 'only', 'a.png'), png(4, 4, 9));
  for (const cls of ['x', 'y']) {
    await mkdir(path.join(root, 'texts', cls), { recursive: true });
    await writeFile(path.join(root, 'texts', cls, 'readme.md'), '#');
  }
  await mkdir(path.join(root, 'broken', 'x'), { recursive: true });
  await mkdir(path.join(root, 'broken', 'y'), { recursive: true });
  await writeFile(path.join(root, 'broken', 'x', 'a.png'), Buffer.from('not really a png'));
  await writeFile(path.join(root, 'broken', 'y', 'b.png'), png(4, 4, 1));
  execFileSync('mkfifo', [path.join(root, 'fifo')]);
  await mkdir(path.join(root, 'idx'));
  await writeFile(
    path.join(root, 'idx', 'train-images-idx3-ubyte.gz'),
    gzipSync(Buffer.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3])),
  );
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('an image folder', () => {
  it('sorts classes by code point, splits each class by a seeded fraction and fits the images', async () => {
    const got = await loadTrainData(
      { kind: 'folder', path: path.join(root, 'folder'), validationFraction: 0.4 },
      options,
    );
    if (!got.ok) throw new Error(got.error.message);
    const d = got.value;
    expect(d.classNames).toEqual(['Dog', 'cat']);
    expect([d.trainCount, d.validationCount]).toEqual([6, 4]);
    expect(d.notes.join(' ')).toMatch(/resized to 8×8/);
    const b = d.trainBatch([0, 1, 2, 3, 4, 5]);
    expect(b.input.length).toBe(6 * 3 * 64);
    // Dog is white, cat black; googlenet-torchvision normalises with ImageNet's mean and std.
    for (let i = 0; i < 6; i++) {
      const v = b.input[i * 192];
      expect(v).toBeCloseTo(b.target[i] === 0 ? (1 - 0.485) / 0.229 : -0.485 / 0.229, 4);
    }
    expect(new Set(b.target)).toEqual(new Set([0, 1]));
    const thumb = PNG.sync.read(Buffer.from(d.validationPng(0)));
    expect([thumb.width, thumb.height]).toEqual([8, 8]);
    // The same seed gives the same split.
    const again = await loadTrainData(
      { kind: 'folder', path: path.join(root, 'folder'), validationFraction: 0.4 },
      options,
    );
    expect(again.ok && Array.from(again.value.validationBatch([0, 1, 2, 3]).target)).toEqual(
      Array.from(d.validationBatch([0, 1, 2, 3]).target),
    );
  });

  it('refuses malformed folders with a code and a sentence naming them', async () => {
    const code = async (p: string, classes = 2) => {
      const r = await loadTrainData({ kind: 'folder', path: p }, { ...options, classes });
      return r.ok ? 'ok' : `${r.error.code}: ${r.error.message}`;
    };
    expect(await code(path.join(root, 'missing'))).toMatch(/^data\.missing: .*does not exist/);
    expect(await code(path.join(root, 'fifo'))).toMatch(/^data\.notFolder: .*a FIFO/);
    expect(await code('/dev/null')).toMatch(/^data\.notFolder: .*a device/);
    expect(await code(path.join(root, 'empty'))).toMatch(/^data\.empty: .*no subfolders/);
    expect(await code(path.join(root, 'one'), 1)).toMatch(/^data\.oneClass: .*only/);
    expect(await code(path.join(root, 'texts'))).toMatch(
      /^data\.noImages: .*no PNG or JPEG .*x\/readme\.md, y\/readme\.md/,
    );
    expect(await code(path.join(root, 'broken'))).toMatch(/^data\.decode: .*a\.png/);
    expect(await code(path.join(root, 'folder'), 10)).toMatch(/^data\.classes: .*has 2 classes/);
    const stopped = await loadTrainData(
      { kind: 'folder', path: path.join(root, 'folder') },
      { ...options, cancelled: () => true },
    );
    expect(!stopped.ok && stopped.error.code).toBe('train.cancelled');
  });
});

describe('other sources', () => {
  it('random data: labels i mod K, the set independent of steps when a limit is given', async () => {
    const a = await loadTrainData({ kind: 'random' }, { ...options, limit: 8, steps: 1 });
    const b = await loadTrainData({ kind: 'random' }, { ...options, limit: 8, steps: 100 });
    if (!a.ok || !b.ok) throw new Error('random failed');
    expect(a.value.trainCount).toBe(8);
    expect(Array.from(a.value.trainBatch([3, 4]).target)).toEqual([1, 0]);
    expect(a.value.trainBatch([5]).input).toEqual(b.value.trainBatch([5]).input);
  });

  it('a corrupt Fashion-MNIST IDX file is named', async () => {
    const r = await loadTrainData(
      { kind: 'fashion-mnist', dir: path.join(root, 'idx') },
      { ...options, classes: 10 },
    );
    expect(!r.ok && r.error.code).toBe('data.corrupt');
    expect(!r.ok && r.error.message).toMatch(/train-images-idx3-ubyte\.gz .*truncated/);
  });

  it.skipIf(!existsSync(join(DEBIAN_FASHION_MNIST_DIR, FASHION_MNIST_FILES.trainImages)))(
    "Fashion-MNIST from Debian's folder: limit, notes, and the design's class count checked (skipped without dataset-fashion-mnist)",
    async () => {
      const o = { ...options, shape: [1, 1, 32, 32], classes: 10, limit: 100 };
      const r = await loadTrainData({ kind: 'fashion-mnist' }, o);
      if (!r.ok) throw new Error(r.error.message);
      expect([r.value.trainCount, r.value.validationCount]).toEqual([100, 10_000]);
      expect(r.value.classNames[9]).toBe('Ankle boot');
      expect(r.value.notes.join(' ')).toMatch(
        /100 of 60,000 training images.*resized bilinearly to 32×32/,
      );
      expect(r.value.trainBatch([0, 1]).input.length).toBe(2 * 32 * 32);
      const wrong = await loadTrainData({ kind: 'fashion-mnist' }, { ...o, classes: 5 });
      expect(!wrong.ok && wrong.error.code).toBe('data.classes');
    },
  );

  it('orders names as Python does (by code point)', () => {
    expect(['b', 'B', 'a', '𝒜', 'ﬀ'].sort(codePointCompare)).toEqual(['B', 'a', 'b', 'ﬀ', '𝒜']);
  });
});
