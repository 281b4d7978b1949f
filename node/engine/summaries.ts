/**
 * Cheap summaries of tensors for results: mergeable statistics, small feature-map pictures for
 * the renderer, and top-5 classes.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { FeatureMapSummary, InputPicture } from '../../core/run/types';
import { arrayStats, type StatsAccumulator } from './stats';
import type { PixelNormalization } from './imageInput';

export { finishStats, type StatsAccumulator } from './stats';

/** What tensorStats needs of the WebAssembly backend (public fields of BackendWasm). */
interface WasmHeapBackend {
  readonly wasm: { readonly HEAPU8: Uint8Array };
  readonly dataIdMap: { get(dataId: object): { memoryOffset?: number } | undefined };
}

/**
 * A float32 tensor's values to read right away: on the WebAssembly backend a view of its heap
 * (dataSync would copy them into a fresh buffer, which costs more than the statistics), else
 * dataSync. The view is valid only until the backend allocates again.
 */
function valuesNow(t: tf.Tensor): Float32Array {
  const backend = tf.backend() as unknown as Partial<WasmHeapBackend>;
  if (t.dtype === 'float32' && backend.wasm?.HEAPU8 && backend.dataIdMap) {
    const offset = backend.dataIdMap.get(t.dataId)?.memoryOffset;
    if (typeof offset === 'number')
      return new Float32Array(backend.wasm.HEAPU8.buffer, offset, t.size);
  }
  return t.dataSync() as Float32Array;
}

/**
 * Mean, variance, min and max of a tensor, summed in double precision in one pass over its values
 * (cheaper than four reductions on the backend, and more exact than float32 ones).
 */
export function tensorStats(t: tf.Tensor): StatsAccumulator {
  return arrayStats(valuesNow(t));
}

/** Scales values to whole numbers 0..255 (a constant map becomes mid-grey), with the range: 0 is `min`, 255 is `max`. */
function scaled(
  values: Float32Array | Float64Array | number[],
  offset: number,
  stride: number,
  count: number,
): { bytes: number[]; min: number; max: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < count; i++) {
    const v = values[offset + i * stride];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const out = new Array<number>(count);
  const span = hi - lo;
  for (let i = 0; i < count; i++)
    out[i] =
      span > 0 && Number.isFinite(span)
        ? Math.round(((values[offset + i * stride] - lo) / span) * 255)
        : 128;
  return { bytes: out, min: lo, max: hi };
}

/**
 * A small picture of a feature map (NHWC) for its first image: the mean over channels, and the
 * `channels` channels with the largest mean |activation|, average-pooled to at most maxSide²
 * (windows as tf.avgPool with 'same' padding: edge windows average only the pixels inside).
 * Computed in two passes over the values on the host, which costs a fraction of the backend ops
 * (slice, abs, mean over three axes, gather, concat, pool) it replaces.
 */
export function featureMapSummary(t: tf.Tensor4D, channels = 4, maxSide = 32): FeatureMapSummary {
  const [, h, w, c] = t.shape;
  return featureMapFromValues(valuesNow(t), 'nhwc', h, w, c, channels, maxSide);
}

/**
 * The same picture from the values of a batch whose first image comes first, in NHWC (the TF.js
 * engine's layout) or NCHW (ONNX Runtime's and PyTorch's).
 */
export function featureMapFromValues(
  x: Float32Array,
  layout: 'nhwc' | 'nchw',
  h: number,
  w: number,
  c: number,
  channels = 4,
  maxSide = 32,
): FeatureMapSummary {
  const k = Math.min(channels, c);
  const pixels = h * w;
  // Index of (pixel p, channel ch) = p·pixelStride + ch·channelStride.
  const pixelStride = layout === 'nhwc' ? c : 1;
  const channelStride = layout === 'nhwc' ? 1 : pixels;
  const strength = new Float64Array(c);
  for (let p = 0; p < pixels; p++) {
    const row = p * pixelStride;
    for (let ch = 0; ch < c; ch++) strength[ch] += Math.abs(x[row + ch * channelStride]);
  }
  const picked = Array.from(strength, (v, i) => ({ v, i }))
    .sort((a, b) => b.v - a.v || a.i - b.i)
    .slice(0, k)
    .map((e) => e.i)
    .sort((a, b) => a - b);
  const factor = Math.ceil(Math.max(h, w) / maxSide);
  const sh = Math.ceil(h / factor);
  const sw = Math.ceil(w / factor);
  const top = Math.floor((sh * factor - h) / 2);
  const left = Math.floor((sw * factor - w) / 2);
  const m = k + 1;
  const sums = new Float64Array(sh * sw * m);
  const counts = new Float64Array(sh * sw);
  for (let y = 0; y < h; y++) {
    const oy = Math.floor((y + top) / factor);
    for (let xx = 0; xx < w; xx++) {
      const o = oy * sw + Math.floor((xx + left) / factor);
      const row = (y * w + xx) * pixelStride;
      let mean = 0;
      for (let ch = 0; ch < c; ch++) mean += x[row + ch * channelStride];
      sums[o * m] += mean / c;
      for (let j = 0; j < k; j++) sums[o * m + j + 1] += x[row + picked[j] * channelStride];
      counts[o]++;
    }
  }
  for (let o = 0; o < sh * sw; o++) for (let j = 0; j < m; j++) sums[o * m + j] /= counts[o];
  const n = sh * sw;
  const mean = scaled(sums, 0, m, n);
  return {
    width: sw,
    height: sh,
    mean: mean.bytes,
    range: { min: mean.min, max: mean.max },
    channelCount: c,
    channels: picked.map((index, j) => {
      const ch = scaled(sums, j + 1, m, n);
      return {
        index,
        values: ch.bytes,
        range: { min: ch.min, max: ch.max },
        activation: strength[index] / pixels,
      };
    }),
  };
}

/**
 * The first image of an N×C×H×W input as RGB 0..255, nearest-downsampled to at most `maxSide`
 * pixels a side. A photo (`photo` says how it was prepared) shows as the user sees it: the
 * preparation undone, so a BGR 0–255 minus-means input is not shown with red and blue swapped.
 * Anything else (seeded noise) is min–max scaled so it shows at all.
 */
export function inputPictureFromValues(
  x: Float32Array,
  c: number,
  h: number,
  w: number,
  maxSide = 112,
  photo?: PixelNormalization,
): InputPicture {
  const step = Math.max(1, Math.ceil(Math.max(h, w) / maxSide));
  const oh = Math.ceil(h / step);
  const ow = Math.ceil(w / step);
  const plane = h * w;
  const first = x.subarray(0, c * plane);
  // Per shown colour k (R, G, B): the input channel holding it, and value → 0..255 as a + b·v.
  const source: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  if (photo) {
    const toBytes = 255 / photo.range;
    const avg = (v: readonly number[]) => (v[0] + v[1] + v[2]) / 3;
    for (let k = 0; k < 3; k++) {
      const ch = c === 3 ? (photo.channelOrder === 'BGR' ? 2 - k : k) : 0;
      const [mean, std] =
        c === 3 ? [photo.mean[ch], photo.std[ch]] : [avg(photo.mean), avg(photo.std)];
      source.push(Math.min(ch, c - 1));
      a.push(mean * toBytes);
      b.push(std * toBytes);
    }
  } else {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of first) {
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    for (let k = 0; k < 3; k++) {
      source.push(Math.min(k, c - 1));
      a.push(-lo * scale);
      b.push(scale);
    }
  }
  const rgb: number[] = [];
  for (let y = 0; y < oh; y++) {
    for (let xx = 0; xx < ow; xx++) {
      const at = y * step * w + xx * step;
      for (let k = 0; k < 3; k++) {
        const v = first[source[k] * plane + at];
        rgb.push(Number.isFinite(v) ? Math.max(0, Math.min(255, Math.round(a[k] + b[k] * v))) : 0);
      }
    }
  }
  return { width: ow, height: oh, rgb };
}
