/**
 * Fashion-MNIST from its four gzip IDX files (Debian's dataset-fashion-mnist installs them in
 * /usr/share/datasets/fashion-mnist/), checked so a missing, truncated or foreign file gets a
 * sentence naming it; and batches fitted to a design's input.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { errResult, okResult, type Result } from '../../../core/run/types';
import type { Batch } from './trainer';

/** Where Debian's dataset-fashion-mnist puts the files. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const;

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** Mean and standard deviation of the training images' pixels (0–1), used to normalize. */
export const FASHION_MNIST_MEAN = 0.286;
export const FASHION_MNIST_STD = 0.353;

/** Grayscale images (uint8, row-major) with class labels. */
export interface ImageSet {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array;
}

/** The largest file the loader reads (the training images are 26 MB gzipped). */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Parses one gzip IDX file: magic 0x0803 (uint8, 3 dims) for images or 0x0801 (1 dim) for labels.
 * Errors: `data.corrupt` naming the file and what is wrong.
 */
export function parseIdx(
  gz: Uint8Array,
  rank: 1 | 3,
  source: string,
): Result<{ dims: number[]; data: Uint8Array }> {
  let raw: Buffer;
  try {
    raw = gunzipSync(gz, { maxOutputLength: 256 * 1024 * 1024 });
  } catch (e) {
    return errResult(
      'data.corrupt',
      `${source} is not a readable gzip file (${(e as Error).message}); reinstall dataset-fashion-mnist or replace the file.`,
    );
  }
  const headerBytes = 4 + 4 * rank;
  if (raw.length < headerBytes)
    return errResult(
      'data.corrupt',
      `${source} is too short to be an IDX file (${raw.length} bytes).`,
    );
  const magic = raw.readUInt32BE(0);
  if (magic !== 0x0800 + rank)
    return errResult(
      'data.corrupt',
      `${source} is not an IDX file of ${rank === 3 ? 'images' : 'labels'} (magic 0x${magic.toString(16).padStart(8, '0')}, expected 0x${(0x0800 + rank).toString(16).padStart(8, '0')}).`,
    );
  const dims = Array.from({ length: rank }, (_, i) => raw.readUInt32BE(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  if (raw.length !== headerBytes + size)
    return errResult(
      'data.corrupt',
      `${source} should hold ${size} bytes of data for dimensions ${dims.join('×')} but holds ${raw.length - headerBytes}; the file is truncated or damaged.`,
    );
  return okResult({ dims, data: new Uint8Array(raw.buffer, raw.byteOffset + headerBytes, size) });
}

async function readIdx(dir: string, file: string, rank: 1 | 3) {
  const p = path.join(dir, file);
  let bytes: Buffer;
  try {
    bytes = await readFile(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return errResult<{ dims: number[]; data: Uint8Array }>(
      'data.missing',
      code === 'ENOENT'
        ? `Fashion-MNIST's file ${file} is missing from ${dir}; install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or put the four IDX files there.`
        : `Fashion-MNIST's file ${p} could not be read (${code ?? (e as Error).message}).`,
    );
  }
  if (bytes.length > MAX_FILE_BYTES)
    return errResult<{ dims: number[]; data: Uint8Array }>(
      'data.corrupt',
      `${p} is ${bytes.length} bytes, larger than any Fashion-MNIST file (at most ${MAX_FILE_BYTES}).`,
    );
  return parseIdx(bytes, rank, p);
}

async function readSet(dir: string, images: string, labels: string): Promise<Result<ImageSet>> {
  const im = await readIdx(dir, images, 3);
  if (!im.ok) return im;
  const lb = await readIdx(dir, labels, 1);
  if (!lb.ok) return lb;
  const [count, height, width] = im.value.dims;
  if (lb.value.dims[0] !== count)
    return errResult(
      'data.corrupt',
      `${path.join(dir, labels)} has ${lb.value.dims[0]} labels but ${images} has ${count} images.`,
    );
  const badLabel = lb.value.data.findIndex((l) => l >= FASHION_MNIST_CLASSES.length);
  if (badLabel >= 0)
    return errResult(
      'data.corrupt',
      `${path.join(dir, labels)} gives image ${badLabel} the label ${lb.value.data[badLabel]}; Fashion-MNIST has classes 0–9.`,
    );
  return okResult({ count, height, width, pixels: im.value.data, labels: lb.value.data });
}

/**
 * Reads the training (60,000) and test (10,000) sets from `dir`.
 * Errors: `data.missing` (a file is absent or unreadable), `data.corrupt` (not gzip, wrong magic,
 * truncated, label count or value wrong), each naming the file.
 */
export async function loadFashionMnist(
  dir: string = DEBIAN_FASHION_MNIST_DIR,
): Promise<Result<{ train: ImageSet; test: ImageSet }>> {
  const f = FASHION_MNIST_FILES;
  const train = await readSet(dir, f.trainImages, f.trainLabels);
  if (!train.ok) return train;
  const test = await readSet(dir, f.testImages, f.testLabels);
  if (!test.ok) return test;
  return okResult({ train: train.value, test: test.value });
}

/**
 * Seeded Fisher–Yates permutation of 0…n−1 (mulberry32), so the same seed gives the same order.
 */
export function shuffledIndices(n: number, seed: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  let s = seed >>> 0 || 0x9e3779b9;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/**
 * The images `indices` of a set as an NCHW batch for an input of `channels`×`height`×`width`:
 * pixels scaled to 0–1, resized bilinearly as F.interpolate(align_corners=False) does when the
 * size differs, normalized with Fashion-MNIST's mean and std, the one channel replicated.
 */
export function imageSetBatch(
  set: ImageSet,
  indices: ArrayLike<number>,
  channels: number,
  height: number,
  width: number,
): Batch {
  const n = indices.length;
  const plane = height * width;
  const input = new Float32Array(n * channels * plane);
  const target = new Int32Array(n);
  const sy = set.height / height;
  const sx = set.width / width;
  const src = set.height * set.width;
  for (let b = 0; b < n; b++) {
    const idx = indices[b];
    target[b] = set.labels[idx];
    const base = idx * src;
    const out = b * channels * plane;
    for (let y = 0; y < height; y++) {
      const fy = Math.max(0, (y + 0.5) * sy - 0.5);
      const y0 = Math.min(Math.floor(fy), set.height - 1);
      const y1 = Math.min(y0 + 1, set.height - 1);
      const wy = fy - y0;
      for (let x = 0; x < width; x++) {
        const fx = Math.max(0, (x + 0.5) * sx - 0.5);
        const x0 = Math.min(Math.floor(fx), set.width - 1);
        const x1 = Math.min(x0 + 1, set.width - 1);
        const wx = fx - x0;
        const p = set.pixels;
        const v =
          (1 - wy) *
            ((1 - wx) * p[base + y0 * set.width + x0] + wx * p[base + y0 * set.width + x1]) +
          wy * ((1 - wx) * p[base + y1 * set.width + x0] + wx * p[base + y1 * set.width + x1]);
        input[out + y * width + x] = (v / 255 - FASHION_MNIST_MEAN) / FASHION_MNIST_STD;
      }
    }
    for (let c = 1; c < channels; c++) input.copyWithin(out + c * plane, out, out + plane);
  }
  return { input, target, n };
}
