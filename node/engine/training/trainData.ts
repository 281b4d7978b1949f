/**
 * The images a training reads (core/train/types.ts's TrainDataSource), fitted to the design's
 * input: Fashion-MNIST (request's folder, else Debian's, else `<home>/datasets/fashion-mnist`), an
 * image folder in torchvision's ImageFolder layout split into train/validation by a seeded
 * fraction, or seeded random images (parity checks). Runs in the training worker; every expected
 * failure is a Result with a `data.*` code and a sentence naming the file or folder.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { PNG } from 'pngjs';
import { errResult, okResult, type Result } from '../../../core/run/types';
import type { TrainDataSource } from '../../../core/train/types';
import { presetPreprocessing } from '../../../core/presets/preprocessing';
import { formatInt } from '../../../core/model/format';
import { randomInput } from '../../../core/weights/init';
import {
  decodeImage,
  MAX_IMAGE_FILE_BYTES,
  normalize,
  resizeImage,
  type RgbImage,
} from '../imageInput';
import {
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_MEAN,
  FASHION_MNIST_STD,
  imageSetBatch,
  loadFashionMnist,
  shuffledIndices,
  type ImageSet,
} from './fashionMnist';
import { locateFashionMnist } from './fashionMnistFetch';
import type { Batch } from './trainer';

/** Training and validation images ready to batch, with what was done to them. */
export interface TrainData {
  readonly classNames: readonly string[];
  readonly trainCount: number;
  readonly validationCount: number;
  /** How the images were read and fitted to the input, in sentences. */
  readonly notes: readonly string[];
  /** What checkpoint.json records about the data (kind, folder, counts, split). */
  readonly description: Readonly<Record<string, unknown>>;
  /** Training images `indices` (0…trainCount−1) as an N×C×H×W batch. */
  trainBatch(indices: ArrayLike<number>): Batch;
  /** Validation images `indices` (0…validationCount−1) as an N×C×H×W batch. */
  validationBatch(indices: ArrayLike<number>): Batch;
  /** Validation image `index` as a PNG (at most 96 pixels a side), for the confusion matrix. */
  validationPng(index: number): Uint8Array;
}

export interface TrainDataOptions {
  /** Network input N×C×H×W (N unused). */
  readonly shape: readonly number[];
  /** Classes of the design's main output. */
  readonly classes: number;
  /** The app's home: the Fashion-MNIST cache is `<home>/datasets/fashion-mnist`. */
  readonly home: string;
  readonly seed: number;
  readonly limit?: number;
  /** Optimizer steps and batch, which size the random set (as the CLI always has). */
  readonly steps?: number;
  readonly batch: number;
  /** The design's preset, whose normalisation an image folder gets. */
  readonly preset: string | null;
  /** Checked between images while a folder is decoded: true ends reading with `train.cancelled`. */
  readonly cancelled?: () => boolean;
}

/** Image extensions an image folder may hold (torchvision accepts more; these are the decodable ones). */
const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
/** Most files an image folder may list. */
export const MAX_FOLDER_IMAGES = 200_000;
/** Most bytes the fitted images of a folder may take in memory (uint8 RGB at the input size). */
export const MAX_FOLDER_BYTES = 2 * 1024 ** 3;
const THUMBNAIL = 96;

/** Python's sorted() on str: by code point (JavaScript's sort compares UTF-16 units). */
export function codePointCompare(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d) return d;
  }
  return x.length - y.length;
}

function pngOf(width: number, height: number, rgbAt: (i: number, c: number) => number): Uint8Array {
  const scale = Math.min(1, THUMBNAIL / Math.max(width, height));
  let img: RgbImage = {
    width,
    height,
    rgb: Float32Array.from({ length: width * height * 3 }, (_, k) =>
      rgbAt(Math.floor(k / 3), k % 3),
    ),
  };
  if (scale < 1)
    img = resizeImage(
      img,
      Math.max(1, Math.round(width * scale)),
      Math.max(1, Math.round(height * scale)),
    );
  const png = new PNG({ width: img.width, height: img.height });
  for (let i = 0; i < img.width * img.height; i++) {
    for (let c = 0; c < 3; c++)
      png.data[i * 4 + c] = Math.max(0, Math.min(255, Math.round(img.rgb[i * 3 + c])));
    png.data[i * 4 + 3] = 255;
  }
  return new Uint8Array(PNG.sync.write(png));
}

async function fashionMnist(
  dir: string | undefined,
  download: boolean,
  o: TrainDataOptions,
): Promise<Result<TrainData>> {
  const [, c, h, w] = o.shape;
  if (o.classes !== FASHION_MNIST_CLASSES.length)
    return errResult(
      'data.classes',
      `Fashion-MNIST has ${FASHION_MNIST_CLASSES.length} classes but the design's main output has ${o.classes}; set the classes to 10.`,
    );
  const folder = dir === undefined ? null : await folderProblem(dir, 'Fashion-MNIST folder');
  if (folder) return folder;
  // A named folder is read as it is (the reader names a missing or corrupt file); otherwise
  // Debian's folder, the cache, or a download into it.
  const located =
    dir === undefined ? await locateFashionMnist({ home: o.home, download }) : okResult(dir);
  if (!located.ok) return located;
  const from = located.value;
  const loaded = await loadFashionMnist(from);
  if (!loaded.ok) return loaded;
  const { train, test } = loaded.value;
  const count = Math.min(o.limit ?? Infinity, train.count);
  const notes = [
    `Fashion-MNIST from ${from}: ${formatInt(count)} of ${formatInt(train.count)} training images, ${formatInt(test.count)} test images for validation.`,
    `Each 28×28 grayscale image is scaled to 0–1, normalised with Fashion-MNIST's mean ${FASHION_MNIST_MEAN} and std ${FASHION_MNIST_STD}` +
      (h !== 28 || w !== 28 ? `, resized bilinearly to ${h}×${w}` : '') +
      (c > 1 ? `, its one channel replicated to ${c}` : '') +
      '.',
  ];
  const png = (set: ImageSet, i: number) =>
    pngOf(set.width, set.height, (p) => set.pixels[i * set.width * set.height + p]);
  return okResult({
    classNames: [...FASHION_MNIST_CLASSES],
    trainCount: count,
    validationCount: test.count,
    notes,
    description: {
      kind: 'fashion-mnist',
      dir: from,
      trainCount: count,
      validationCount: test.count,
    },
    trainBatch: (idx) => imageSetBatch(train, idx, c, h, w),
    validationBatch: (idx) => imageSetBatch(test, idx, c, h, w),
    validationPng: (i) => png(test, i),
  });
}

/** A sentence when `p` is not a readable folder (missing, a file, a device or FIFO). */
async function folderProblem(p: string, what: string): Promise<Result<never> | null> {
  const s = await stat(p).catch((e: NodeJS.ErrnoException) => e);
  if (s instanceof Error)
    return errResult(
      'data.missing',
      s.code === 'ENOENT'
        ? `The ${what} ${p} does not exist.`
        : `The ${what} ${p} cannot be read (${s.code ?? s.message}).`,
    );
  if (!s.isDirectory())
    return errResult(
      'data.notFolder',
      `The ${what} ${p} is ${s.isFIFO() ? 'a FIFO' : s.isCharacterDevice() || s.isBlockDevice() ? 'a device' : 'a file'}, not a folder.`,
    );
  return null;
}

/** Files under `dir` (recursively, as torchvision's os.walk, sorted by name), at most `max`. */
async function walk(dir: string, max: number, depth = 0): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    codePointCompare(a.name, b.name),
  );
  const out: string[] = [];
  for (const e of entries) {
    if (out.length >= max) break;
    const p = path.join(dir, e.name);
    if (e.isFile()) out.push(p);
    else if (e.isDirectory() && depth < 8)
      out.push(...(await walk(p, max - out.length, depth + 1)));
  }
  return out;
}

async function imageFolder(
  root: string,
  fraction: number,
  o: TrainDataOptions,
): Promise<Result<TrainData>> {
  const [, c, h, w] = o.shape;
  const problem = await folderProblem(root, 'image folder');
  if (problem) return problem;
  const classNames = (await readdir(root, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort(codePointCompare);
  if (classNames.length === 0)
    return errResult(
      'data.empty',
      `The image folder ${root} has no subfolders; put each class's images in a subfolder named for the class (torchvision's ImageFolder layout).`,
    );
  if (classNames.length === 1)
    return errResult(
      'data.oneClass',
      `The image folder ${root} has one class only (${classNames[0]}); training needs at least two class subfolders.`,
    );
  if (classNames.length !== o.classes)
    return errResult(
      'data.classes',
      `The image folder ${root} has ${classNames.length} classes but the design's main output has ${o.classes}; set the classes to ${classNames.length}.`,
    );
  const files: { file: string; label: number }[] = [];
  const others: string[] = [];
  for (let k = 0; k < classNames.length; k++) {
    for (const f of await walk(path.join(root, classNames[k]), MAX_FOLDER_IMAGES + 1)) {
      if (IMAGE_EXTENSIONS.has(path.extname(f).toLowerCase())) files.push({ file: f, label: k });
      else if (others.length < 3) others.push(path.relative(root, f));
    }
    if (files.length > MAX_FOLDER_IMAGES)
      return errResult(
        'data.tooMany',
        `The image folder ${root} holds more than ${formatInt(MAX_FOLDER_IMAGES)} images; use a smaller folder.`,
      );
  }
  if (files.length === 0)
    return errResult(
      'data.noImages',
      `The image folder ${root} holds no PNG or JPEG images` +
        (others.length ? ` (it has ${others.join(', ')}${others.length >= 3 ? ', …' : ''})` : '') +
        '.',
    );
  const perImage = h * w * 3;
  if (files.length * perImage > MAX_FOLDER_BYTES)
    return errResult(
      'data.tooLarge',
      `${formatInt(files.length)} images at ${h}×${w} would take ${((files.length * perImage) / 1024 ** 3).toFixed(1)} GiB in memory, more than ${MAX_FOLDER_BYTES / 1024 ** 3} GiB; use fewer images or a smaller input.`,
    );
  // Split each class by a seeded shuffle: round(fraction × n) images validate, at least one trains.
  const trainIdx: number[] = [];
  const valIdx: number[] = [];
  for (let k = 0; k < classNames.length; k++) {
    const mine = files.flatMap((f, i) => (f.label === k ? [i] : []));
    const order = shuffledIndices(mine.length, o.seed * 1000 + k);
    const nVal = Math.min(Math.round(fraction * mine.length), mine.length - 1);
    order.forEach((j, r) => (r < nVal ? valIdx : trainIdx).push(mine[j]));
  }
  const limited = trainIdx.slice(0, Math.min(o.limit ?? Infinity, trainIdx.length));
  const used = [...limited, ...valIdx];
  const pixels = new Uint8Array(used.length * perImage);
  const bad: string[] = [];
  for (let u = 0; u < used.length; u++) {
    if (o.cancelled?.())
      return errResult('train.cancelled', 'The training was cancelled while its images were read.');
    const f = files[used[u]].file;
    const size = (await stat(f)).size;
    if (size > MAX_IMAGE_FILE_BYTES) {
      bad.push(`${path.relative(root, f)} (larger than ${MAX_IMAGE_FILE_BYTES / 1024 ** 2} MiB)`);
      continue;
    }
    const decoded = decodeImage(new Uint8Array(await readFile(f)), path.relative(root, f));
    if (!decoded.ok) {
      bad.push(decoded.error.message);
      continue;
    }
    const fitted = resizeImage(decoded.value, w, h);
    for (let i = 0; i < perImage; i++) pixels[u * perImage + i] = fitted.rgb[i];
  }
  if (bad.length)
    return errResult(
      'data.decode',
      `${bad.length} image${bad.length > 1 ? 's' : ''} of ${root} could not be read: ${bad.slice(0, 3).join(' ')}${bad.length > 3 ? ' …' : ''}`,
    );
  const prep = presetPreprocessing(o.preset);
  const batchOf = (offset: number, idx: ArrayLike<number>): Batch => {
    const input = new Float32Array(idx.length * c * h * w);
    const target = new Int32Array(idx.length);
    for (let b = 0; b < idx.length; b++) {
      const u = offset + idx[b];
      const img: RgbImage = {
        width: w,
        height: h,
        rgb: Float32Array.from(pixels.subarray(u * perImage, (u + 1) * perImage)),
      };
      input.set(normalize(img, c, prep), b * c * h * w);
      target[b] = files[used[u]].label;
    }
    return { input, target, n: idx.length };
  };
  return okResult({
    classNames,
    trainCount: limited.length,
    validationCount: valIdx.length,
    notes: [
      `Image folder ${root}: ${classNames.length} classes, ${formatInt(limited.length)} training and ${formatInt(valIdx.length)} validation images (a seeded ${Math.round(fraction * 100)} % of each class validates).`,
      `Each image is resized to ${h}×${w} (PIL's antialiased bilinear) and normalised as the ${o.preset ?? 'default'} recipe says: ${prep.summary}` +
        (c === 1 ? ' The three channels are averaged to one (ITU-R 601 luminance).' : ''),
    ],
    description: {
      kind: 'folder',
      path: root,
      validationFraction: fraction,
      classNames,
      trainCount: limited.length,
      validationCount: valIdx.length,
    },
    trainBatch: (idx) => batchOf(0, idx),
    validationBatch: (idx) => batchOf(limited.length, idx),
    validationPng: (i) => {
      const base = (limited.length + i) * perImage;
      return pngOf(w, h, (p, ch) => pixels[base + p * 3 + ch]);
    },
  });
}

/** Seeded standard-normal images with labels i mod K, and 32 more to validate. */
function randomData(o: TrainDataOptions): TrainData {
  const [, c, h, w] = o.shape;
  const per = c * h * w;
  // With a limit the set does not depend on the steps, so a run resumed with more steps reads the
  // same images; without one it is as many as the steps take (the CLI's parity dumps).
  const count = Math.min(o.limit ?? (o.steps ?? Infinity) * o.batch, 4096);
  const valCount = 32;
  const train = randomInput([count, c, h, w], o.seed);
  const val = randomInput([valCount, c, h, w], o.seed + 1);
  const batchOf = (all: Float32Array, idx: ArrayLike<number>): Batch => {
    const input = new Float32Array(idx.length * per);
    const target = new Int32Array(idx.length);
    for (let i = 0; i < idx.length; i++) {
      input.set(all.subarray(idx[i] * per, (idx[i] + 1) * per), i * per);
      target[i] = idx[i] % o.classes;
    }
    return { input, target, n: idx.length };
  };
  return {
    classNames: Array.from({ length: o.classes }, (_, k) => `class ${k}`),
    trainCount: count,
    validationCount: valCount,
    notes: [
      `Random data: ${formatInt(count)} seeded standard-normal ${c}×${h}×${w} images labelled i mod ${o.classes}, and ${valCount} more to validate (for parity checks; nothing to learn).`,
    ],
    description: { kind: 'random', trainCount: count, validationCount: valCount },
    trainBatch: (idx) => batchOf(train, idx),
    validationBatch: (idx) => batchOf(val, idx),
    validationPng: (i) =>
      pngOf(w, h, (p, ch) => 128 + 40 * val[i * per + Math.min(ch, c - 1) * h * w + p]),
  };
}

/**
 * Reads a data source and fits it to the design's input.
 * Errors: `data.missing`, `data.notFolder` (a file, device or FIFO), `data.empty`,
 * `data.oneClass`, `data.classes` (class count ≠ the design's), `data.noImages` (naming a few
 * files), `data.decode`, `data.tooMany`, `data.tooLarge`, and Fashion-MNIST's `data.corrupt`.
 */
export async function loadTrainData(
  source: TrainDataSource,
  options: TrainDataOptions,
): Promise<Result<TrainData>> {
  if (source.kind === 'random') return okResult(randomData(options));
  if (source.kind === 'fashion-mnist')
    return fashionMnist(source.dir, source.download ?? false, options);
  return imageFolder(source.path, source.validationFraction ?? 0.2, options);
}
