/**
 * Photos as network input, the way torchvision and timm prepare ImageNet images: decode (PNG with
 * pngjs, JPEG with jpeg-js), resize the shorter side to crop / crop_pct (rounded as torchvision
 * names its sizes, or floored as timm computes them) with PIL's antialiased bilinear or bicubic
 * filter, center-crop to the design's input size, normalize with the recipe's mean and standard
 * deviation (core/presets/preprocessing.ts), N·C·H·W.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { errResult, okResult, type Result } from '../../core/run/types';
import { IMAGENET_PREPROCESSING, type Preprocessing } from '../../core/presets/preprocessing';
import { formatInt } from '../../core/model/format';
import { terminalText } from '../../core/export/escape';
import { readUserFile } from '../host/userFiles';

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;
/** Largest image file read (a 24-megapixel JPEG is far smaller). */
export const MAX_IMAGE_FILE_BYTES = 64 * 1024 ** 2;
/**
 * Largest decoded image, in megapixels, for PNG and JPEG alike (a 36-megapixel camera photo
 * fits). Decoding holds 16 bytes per pixel at the peak (RGBA bytes and float RGB), so 40 MP is
 * about 640 MB; a 389 KB PNG of 20000×20000 would have been 6.5 GB.
 */
export const MAX_MEGAPIXELS = 40;
/**
 * Longest side over shortest side: a 1-pixel-high strip resized so its short side is 256 would be
 * 2,048,000 pixels wide per 8000 source pixels and holds nothing a crop can show.
 */
export const MAX_ASPECT_RATIO = 64;

/** Width and height a PNG declares in its IHDR chunk, read before anything is decompressed. */
function pngSize(b: Uint8Array): { width: number; height: number } | null {
  if (b.length < 24 || String.fromCharCode(b[12], b[13], b[14], b[15]) !== 'IHDR') return null;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

/** Width and height of a JPEG from its first start-of-frame marker (SOF0–SOF15 but DHT, JPG, DAC). */
function jpegSize(b: Uint8Array): { width: number; height: number } | null {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    const length = (b[i + 2] << 8) | b[i + 3];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: (b[i + 5] << 8) | b[i + 6], width: (b[i + 7] << 8) | b[i + 8] };
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    i += 2 + length;
  }
  return null;
}

/** How pixels become network input: channel order, value range, per-channel mean and std (core/presets/preprocessing.ts). */
export type PixelNormalization = Pick<Preprocessing, 'channelOrder' | 'range' | 'mean' | 'std'> &
  Partial<Pick<Preprocessing, 'cropPct' | 'scaleRounding' | 'interpolation'>>;

/** How pixel values in 0..1 become network input. */
export type Normalization =
  /** (v − ImageNet mean) / ImageNet std: torchvision's transforms for ImageNet models. */
  | 'imagenet'
  /** (v − 0.5) / 0.5: what torchvision's pretrained googlenet sees after its transform_input. */
  | 'halfRange'
  /** A preset's own: e.g. Caffe's BGR in 0..255 minus the channel means. */
  | PixelNormalization;

const HALF_RANGE: PixelNormalization = {
  channelOrder: 'RGB',
  range: 1,
  mean: [0.5, 0.5, 0.5],
  std: [0.5, 0.5, 0.5],
};
const pixels = (how: Normalization): PixelNormalization =>
  how === 'imagenet' ? IMAGENET_PREPROCESSING : how === 'halfRange' ? HALF_RANGE : how;

/** Decoded pixels: RGB, 0..255, row-major. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly rgb: Float32Array;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];
const starts = (b: Uint8Array, magic: readonly number[]) => magic.every((m, i) => b[i] === m);

/** An image too long and thin to resize into a square crop (see MAX_ASPECT_RATIO). */
function aspectProblem(width: number, height: number, source: string): Result<never> | null {
  if (width < 1 || height < 1) return null;
  if (Math.max(width, height) <= MAX_ASPECT_RATIO * Math.min(width, height)) return null;
  return errResult(
    'input.aspect',
    `${source} is ${formatInt(width)}×${formatInt(height)} pixels, a strip ${formatInt(Math.round(Math.max(width, height) / Math.min(width, height)))} times longer than it is wide; images may be at most ${MAX_ASPECT_RATIO} times longer than wide, since the network sees a square cut from the middle. Crop it first.`,
  );
}

/** Decodes a PNG or JPEG (recognized by content, not by name). */
export function decodeImage(bytes: Uint8Array, source: string): Result<RgbImage> {
  let width: number;
  let height: number;
  let rgba: Uint8Array;
  const format = starts(bytes, PNG_MAGIC) ? 'PNG' : starts(bytes, JPEG_MAGIC) ? 'JPEG' : null;
  if (format === null)
    return errResult(
      'input.format',
      `${source} is not a PNG or JPEG image; convert it to one of those formats.`,
    );
  const declared = format === 'PNG' ? pngSize(bytes) : jpegSize(bytes);
  if (declared && declared.width * declared.height > MAX_MEGAPIXELS * 1e6) {
    return errResult(
      'input.tooLarge',
      `${source} is ${formatInt(declared.width)}×${formatInt(declared.height)} pixels (${((declared.width * declared.height) / 1e6).toFixed(0)} megapixels); images are at most ${MAX_MEGAPIXELS} megapixels. Scale it down first.`,
    );
  }
  if (declared) {
    const aspect = aspectProblem(declared.width, declared.height, source);
    if (aspect) return aspect;
  }
  try {
    if (format === 'PNG') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      ({ width, height } = png);
      rgba = png.data;
    } else {
      const img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: MAX_MEGAPIXELS,
        maxMemoryUsageInMB: 1024,
      });
      ({ width, height } = img);
      rgba = img.data;
    }
  } catch (e) {
    // The decoders' own words ("invalid distance too far back") go last, in parentheses.
    const detail = terminalText(String((e as Error)?.message ?? e)).slice(0, 120);
    return errResult(
      'input.decode',
      `${source} looks like a ${format} image but could not be decoded: the file is damaged or cut off (${format} decoder: ${detail}).`,
    );
  }
  if (width * height > MAX_MEGAPIXELS * 1e6)
    return errResult(
      'input.tooLarge',
      `${source} has more than ${MAX_MEGAPIXELS} megapixels; scale it down first.`,
    );
  if (width < 1 || height < 1) return errResult('input.decode', `${source} has no pixels.`);
  const aspect = aspectProblem(width, height, source);
  if (aspect) return aspect;
  const rgb = new Float32Array(width * height * 3);
  for (let i = 0, j = 0; i < width * height; i++, j += 4) {
    rgb[i * 3] = rgba[j];
    rgb[i * 3 + 1] = rgba[j + 1];
    rgb[i * 3 + 2] = rgba[j + 2];
  }
  return okResult({ width, height, rgb });
}

/** A resampling filter as PIL defines it: its support (in input pixels at scale 1) and its kernel. */
interface ResampleFilter {
  readonly support: number;
  readonly kernel: (x: number) => number;
}

/** PIL's filters (Pillow src/libImaging/Resample.c): triangle, and Keys' cubic with a = −0.5. */
const FILTERS: Readonly<Record<'bilinear' | 'bicubic', ResampleFilter>> = {
  bilinear: { support: 1, kernel: (x) => Math.max(0, 1 - Math.abs(x)) },
  bicubic: {
    support: 2,
    kernel: (x) => {
      const a = -0.5;
      const t = Math.abs(x);
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    },
  },
};

/**
 * Resampling weights of one axis, PIL's way: the filter widened by the scale when shrinking. Only
 * the outputs `first .. first + count − 1` of an `outSize`-long axis are computed, so cutting a
 * crop out of a huge resize costs the crop, not the resize.
 */
function axisWeights(
  inSize: number,
  outSize: number,
  filter: ResampleFilter,
  first = 0,
  outCount = outSize,
): { start: Int32Array; count: Int32Array; weights: Float32Array; taps: number } {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outCount);
  const count = new Int32Array(outCount);
  const weights = new Float32Array(outCount * taps);
  for (let o = 0; o < outCount; o++) {
    const center = (first + o + 0.5) * scale;
    const lo = Math.max(Math.floor(center - support + 0.5), 0);
    const hi = Math.min(Math.floor(center + support + 0.5), inSize);
    let total = 0;
    for (let x = lo; x < hi; x++) {
      const w = filter.kernel((x - center + 0.5) / filterScale);
      weights[o * taps + (x - lo)] = w;
      total += w;
    }
    for (let x = lo; x < hi; x++) weights[o * taps + (x - lo)] /= total || 1;
    start[o] = lo;
    count[o] = hi - lo;
  }
  return { start, count, weights, taps };
}

/**
 * Resize with antialiasing, as PIL's `Image.resize` on an 8-bit image (separable: rows, then
 * columns; Pillow's ImagingResample): each pass rounds to whole levels and clamps to 0..255, as
 * PIL's 8-bit passes do, so the result matches PIL's within one level (PIL's coefficients are
 * fixed-point).
 */
export function resizeImage(
  img: RgbImage,
  width: number,
  height: number,
  interpolation: 'bilinear' | 'bicubic' = 'bilinear',
): RgbImage {
  return resizeWindow(img, width, height, interpolation, { left: 0, top: 0, width, height });
}

/** A rectangle of a resized image: its top-left corner and size, in the resized image's pixels. */
interface Window {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/**
 * The `window` of `img` resized to `fullWidth`×`fullHeight`, computed without the rest: the same
 * values as resizing whole and cropping, with memory and work bounded by the source and the
 * window (an 8000×1 photo resized to 2,048,000×256 for a 224 crop costs 224×224 outputs).
 */
function resizeWindow(
  img: RgbImage,
  fullWidth: number,
  fullHeight: number,
  interpolation: 'bilinear' | 'bicubic',
  window: Window,
): RgbImage {
  const { width, height } = window;
  const filter = FILTERS[interpolation];
  const h = axisWeights(img.width, fullWidth, filter, window.left, width);
  const rows = new Float32Array(img.height * width * 3);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < h.count[x]; k++) {
        const w = h.weights[x * h.taps + k];
        const src = (y * img.width + h.start[x] + k) * 3;
        r += img.rgb[src] * w;
        g += img.rgb[src + 1] * w;
        b += img.rgb[src + 2] * w;
      }
      const dst = (y * width + x) * 3;
      rows[dst] = level(r);
      rows[dst + 1] = level(g);
      rows[dst + 2] = level(b);
    }
  }
  const v = axisWeights(img.height, fullHeight, filter, window.top, height);
  const out = new Float32Array(height * width * 3);
  for (let y = 0; y < height; y++) {
    for (let k = 0; k < v.count[y]; k++) {
      const w = v.weights[y * v.taps + k];
      const srcRow = (v.start[y] + k) * width * 3;
      const dstRow = y * width * 3;
      for (let i = 0; i < width * 3; i++) out[dstRow + i] += rows[srcRow + i] * w;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = level(out[i]);
  return { width, height, rgb: out };
}

/** An 8-bit level as PIL's clip8 makes it: rounded half up, clamped to 0..255. */
const level = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.floor(v + 0.5));

/** Bilinear resize with antialiasing (PIL's `Image.BILINEAR`). */
export function resizeBilinear(img: RgbImage, width: number, height: number): RgbImage {
  return resizeImage(img, width, height, 'bilinear');
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * torchvision's Resize(s) then CenterCrop(h, w): the shorter side becomes s (the longer one is
 * truncated as torchvision does), then the middle is cut out. s is the crop / cropPct, rounded
 * (torchvision's named sizes: 256 for 224, 342 for 299) or floored (timm's
 * `math.floor(img_size / crop_pct)`: 341 for 299 at 0.875), resized with `interpolation`.
 */
export function resizeAndCrop(
  img: RgbImage,
  height: number,
  width: number,
  cropPct = 0.875,
  scaleRounding: 'round' | 'floor' = 'round',
  interpolation: 'bilinear' | 'bicubic' = 'bilinear',
): RgbImage {
  const side = (scaleRounding === 'floor' ? Math.floor : Math.round)(
    Math.max(height, width) / cropPct,
  );
  const short = Math.min(img.width, img.height);
  const rw = img.width <= img.height ? side : Math.trunc((side * img.width) / short);
  const rh = img.height < img.width ? side : Math.trunc((side * img.height) / short);
  const top = roundHalfEven((rh - height) / 2);
  const left = roundHalfEven((rw - width) / 2);
  // Resize only the crop; where the crop is larger than the resize (a tiny crop_pct), torchvision
  // pads with zeros, so the window is clipped and the rest stays 0.
  const x0 = Math.max(left, 0);
  const y0 = Math.max(top, 0);
  const x1 = Math.min(left + width, rw);
  const y1 = Math.min(top + height, rh);
  const out = new Float32Array(width * height * 3);
  if (x1 <= x0 || y1 <= y0) return { width, height, rgb: out };
  const part = resizeWindow(img, rw, rh, interpolation, {
    left: x0,
    top: y0,
    width: x1 - x0,
    height: y1 - y0,
  });
  for (let y = y0; y < y1; y++)
    out.set(
      part.rgb.subarray((y - y0) * part.width * 3, (y - y0 + 1) * part.width * 3),
      ((y - top) * width + (x0 - left)) * 3,
    );
  return { width, height, rgb: out };
}

/** One image as C·H·W network input (3 channels, or 1 as luminance). */
export function normalize(img: RgbImage, channels: number, how: Normalization): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(channels * n);
  const { channelOrder, range, mean, std } = pixels(how);
  const scale = range / 255;
  if (channels === 3) {
    for (let c = 0; c < 3; c++) {
      // Input channel c holds the image's R, G, B in that order, or B, G, R.
      const src = channelOrder === 'BGR' ? 2 - c : c;
      for (let i = 0; i < n; i++)
        out[c * n + i] = (img.rgb[i * 3 + src] * scale - mean[c]) / std[c];
    }
  } else {
    // ITU-R 601 luminance, as PIL's convert('L'); normalized with the channel averages.
    const m = (mean[0] + mean[1] + mean[2]) / 3;
    const s = how === 'imagenet' ? 0.226 : (std[0] + std[1] + std[2]) / 3;
    for (let i = 0; i < n; i++)
      out[i] =
        ((img.rgb[i * 3] * 0.299 + img.rgb[i * 3 + 1] * 0.587 + img.rgb[i * 3 + 2] * 0.114) *
          scale -
          m) /
        s;
  }
  return out;
}

/** Reads images into an N·C·H·W batch; with fewer images than the batch they repeat in order. */
export async function imageBatch(
  paths: readonly string[],
  batch: number,
  channels: number,
  height: number,
  width: number,
  how: Normalization,
): Promise<Result<Float32Array>> {
  if (paths.length === 0) return errResult('input.none', 'No image was given.');
  if (channels !== 3 && channels !== 1) {
    return errResult(
      'input.channels',
      `Images give 3 channels (or 1 as grey), but this design's input has ${channels}; set the input to 3 channels to run on images.`,
    );
  }
  const per = channels * height * width;
  const out = new Float32Array(batch * per);
  const decoded: Float32Array[] = [];
  for (const path of paths.slice(0, batch)) {
    const read = await readUserFile(path, {
      maxBytes: MAX_IMAGE_FILE_BYTES,
      noun: 'The image',
      codePrefix: 'input',
      codes: { notFound: 'input.read' },
    });
    if (!read.ok) return read;
    const img = decodeImage(read.value, path);
    if (!img.ok) return img;
    const p = pixels(how);
    decoded.push(
      normalize(
        resizeAndCrop(
          img.value,
          height,
          width,
          p.cropPct ?? 0.875,
          p.scaleRounding ?? 'round',
          p.interpolation ?? 'bilinear',
        ),
        channels,
        how,
      ),
    );
  }
  for (let i = 0; i < batch; i++) out.set(decoded[i % decoded.length], i * per);
  return okResult(out);
}
