/**
 * Cheap summaries of tensors for results: mergeable statistics, small feature-map pictures for
 * the renderer, and top-5 classes.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ClassScore, FeatureMapSummary, TensorStats } from '../../core/run/types';

/** Statistics that merge across batch slices (Chan et al.'s parallel variance). */
export interface StatsAccumulator {
  readonly count: number;
  readonly mean: number;
  /** Sum of squared deviations from the mean. */
  readonly m2: number;
  readonly min: number;
  readonly max: number;
}

/** Mean, variance, min and max of a tensor, read back in one transfer. */
export function tensorStats(t: tf.Tensor): StatsAccumulator {
  const v = tf.tidy(() => {
    const { mean, variance } = tf.moments(t);
    return tf.stack([mean, variance, tf.min(t), tf.max(t)]);
  });
  const [mean, variance, min, max] = v.dataSync();
  v.dispose();
  return { count: t.size, mean, m2: variance * t.size, min, max };
}

/** Statistics of plain values (outputs already read back). */
export function arrayStats(data: Float32Array): StatsAccumulator {
  let mean = 0;
  let m2 = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    const d = x - mean;
    mean += d / (i + 1);
    m2 += d * (x - mean);
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { count: data.length, mean, m2, min, max };
}

export function mergeStats(parts: readonly StatsAccumulator[]): StatsAccumulator {
  return parts.reduce((a, b) => {
    if (a.count === 0) return b;
    if (b.count === 0) return a;
    const count = a.count + b.count;
    const delta = b.mean - a.mean;
    return {
      count,
      mean: a.mean + (delta * b.count) / count,
      m2: a.m2 + b.m2 + (delta * delta * a.count * b.count) / count,
      min: Math.min(a.min, b.min),
      max: Math.max(a.max, b.max),
    };
  });
}

/** Population statistics, as torch.std(unbiased=False) would give. */
export function finishStats(a: StatsAccumulator): TensorStats {
  return { min: a.min, max: a.max, mean: a.mean, std: a.count > 0 ? Math.sqrt(Math.max(a.m2, 0) / a.count) : 0 };
}

/** Scales values to whole numbers 0..255 (a constant map becomes mid-grey). */
function toBytes(values: Float32Array | number[], offset: number, stride: number, count: number): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < count; i++) {
    const v = values[offset + i * stride];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const out = new Array<number>(count);
  const span = hi - lo;
  for (let i = 0; i < count; i++) out[i] = span > 0 && Number.isFinite(span) ? Math.round(((values[offset + i * stride] - lo) / span) * 255) : 128;
  return out;
}

/**
 * A small picture of a feature map (NHWC) for its first image: the mean over channels, and the
 * `channels` channels with the largest mean |activation|, average-pooled to at most maxSide².
 */
export function featureMapSummary(t: tf.Tensor4D, channels = 4, maxSide = 32): FeatureMapSummary {
  const [, h, w, c] = t.shape;
  const k = Math.min(channels, c);
  const first = tf.tidy(() => tf.slice(t, [0, 0, 0, 0], [1, h, w, c]));
  const strength = tf.tidy(() => tf.mean(tf.abs(first), [0, 1, 2]));
  const s = strength.dataSync();
  strength.dispose();
  const picked = Array.from(s, (v, i) => ({ v, i }))
    .sort((a, b) => b.v - a.v || a.i - b.i)
    .slice(0, k)
    .map((e) => e.i)
    .sort((a, b) => a - b);
  const factor = Math.ceil(Math.max(h, w) / maxSide);
  const small = tf.tidy(() => {
    const maps = tf.concat([tf.mean(first, 3, true), tf.gather(first, tf.tensor1d(picked, 'int32'), 3)], 3) as tf.Tensor4D;
    // 'same' averages only the pixels inside, so the picture keeps every edge row and column.
    return factor > 1 ? tf.avgPool(maps, factor, factor, 'same') : maps;
  });
  first.dispose();
  const [, sh, sw, m] = small.shape;
  const data = small.dataSync() as Float32Array;
  small.dispose();
  const n = sh * sw;
  return {
    width: sw,
    height: sh,
    mean: toBytes(data, 0, m, n),
    channels: picked.map((index, j) => ({ index, values: toBytes(data, j + 1, m, n) })),
  };
}

/** The five most probable classes of one row of logits (softmax in double precision). */
export function top5(logits: Float32Array, row: number, classes: number, labels: readonly string[] | null): ClassScore[] {
  const start = row * classes;
  let max = -Infinity;
  for (let i = 0; i < classes; i++) max = Math.max(max, logits[start + i]);
  let sum = 0;
  for (let i = 0; i < classes; i++) sum += Math.exp(logits[start + i] - max);
  const order = Array.from({ length: classes }, (_, i) => i).sort((a, b) => logits[start + b] - logits[start + a] || a - b);
  return order.slice(0, Math.min(5, classes)).map((index) => ({
    index,
    label: labels && labels.length === classes ? labels[index] : `class ${index}`,
    probability: Math.exp(logits[start + index] - max) / sum,
  }));
}
