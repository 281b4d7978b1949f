/**
 * Fashion-MNIST from its four gzip IDX files (Debian's dataset-fashion-mnist installs them in
 * /usr/share/datasets/fashion-mnist/), checked so a missing, truncated or foreign file gets a
 * sentence naming it; and batches fitted to a design's input.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { errResult, okResult, type Result } from '../../../core/run/types';
import { readUserFile } from '../../host/userFiles';
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

/** The largest gzip file the loader reads (the training images are 26 MB gzipped). */
const MAX_FILE_BYTES = 64 * 1024 * 1024;
/** The most a file may expand to (the training images expand to 47,040,016 bytes). */
const MAX_RAW_BYTES = 64 * 1024 * 1024;
/** The most images or labels one file may declare (Fashion-MNIST's training set has 60,000). */
const MAX_ITEMS = 1_000_000;
/** The largest image side a file may declare (Fashion-MNIST's are 28). */
const MAX_SIDE = 1024;

const grouped = (n: number) => n.toLocaleString('en-US');

/**
 * Parses one gzip IDX file: magic 0x0803 (uint8, 3 dims: count × rows × columns) for images or
 * 0x0801 (1 dim: count) for labels, big-endian dimensions, then the bytes.
 * Errors, each naming `source`: `data.corrupt` (not gzip, wrong magic, a header declaring no
 * items, more than 1,000,000 items or sides over 1,024, data shorter or longer than the header
 * says), `data.tooLarge` (it expands past 64 MiB: a gzip bomb or not a Fashion-MNIST file).
 */
export function parseIdx(
  gz: Uint8Array,
  rank: 1 | 3,
  source: string,
): Result<{ dims: number[]; data: Uint8Array }> {
  let raw: Buffer;
  try {
    raw = gunzipSync(gz, { maxOutputLength: MAX_RAW_BYTES });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError)
      return errResult(
        'data.tooLarge',
        `${source} expands to more than ${MAX_RAW_BYTES / 1024 / 1024} MiB, more than any Fashion-MNIST file (the largest expands to 47 MB); it is not one of them (a damaged file or a gzip bomb), so it was not read.`,
      );
    return errResult(
      'data.corrupt',
      `${source} is not a readable gzip file (${err.message}); reinstall dataset-fashion-mnist or replace the file.`,
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
  const noun = rank === 3 ? 'images' : 'labels';
  if (dims[0] === 0 || dims[0] > MAX_ITEMS)
    return errResult(
      'data.corrupt',
      `${source}'s header declares ${grouped(dims[0])} ${noun}; a Fashion-MNIST file holds 1 to ${grouped(MAX_ITEMS)} (60,000 or 10,000), so the header is damaged.`,
    );
  if (rank === 3 && dims.slice(1).some((d) => d === 0 || d > MAX_SIDE))
    return errResult(
      'data.corrupt',
      `${source}'s header declares ${dims[1]}×${dims[2]} images; sides must be 1 to ${MAX_SIDE} (Fashion-MNIST's are 28×28), so the header is damaged.`,
    );
  const size = dims.reduce((a, b) => a * b, 1);
  if (raw.length !== headerBytes + size)
    return errResult(
      'data.corrupt',
      `${source} should hold ${grouped(size)} bytes of data for dimensions ${dims.join('×')} but holds ${grouped(raw.length - headerBytes)}; the file is ${raw.length < headerBytes + size ? 'truncated' : 'damaged (longer than its header says)'}.`,
    );
  return okResult({ dims, data: new Uint8Array(raw.buffer, raw.byteOffset + headerBytes, size) });
}

/**
 * Reads one file of the set through readUserFile (a regular file checked before and after it is
 * opened without blocking, so a FIFO or /dev/zero in its place cannot hang or flood the read).
 */
async function readIdx(dir: string, file: string, rank: 1 | 3) {
  const p = path.join(dir, file);
  const read = await readUserFile(p, {
    maxBytes: MAX_FILE_BYTES,
    noun: "Fashion-MNIST's file",
    codePrefix: 'data',
    codes: { notFound: 'data.missing', read: 'data.missing' },
    limitNote: '; no Fashion-MNIST file is that large',
  });
  if (!read.ok) {
    if (read.error.code === 'data.missing' && !existsSync(p))
      return errResult<{ dims: number[]; data: Uint8Array }>(
        'data.missing',
        `Fashion-MNIST's file ${file} is missing from ${dir}; install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or put the four IDX files there.`,
      );
    return read;
  }
  return parseIdx(read.value, rank, p);
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
      `${path.join(dir, labels)} has ${grouped(lb.value.dims[0])} labels but ${images} has ${grouped(count)} images; the two files are from different sets or one is damaged.`,
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
 * Errors, each naming the file: `data.missing` (a file is absent or unreadable), `data.notFile`
 * (a folder, FIFO, device or socket in a file's place), `data.tooLarge` (over 64 MiB, or
 * expanding past 64 MiB), `data.corrupt` (not gzip, wrong magic, an implausible header,
 * truncated, label count or value wrong).
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
