/** Output statistics and top-5 classes from plain arrays (no TensorFlow.js, so the main process can merge results). */
import type { ClassScore, TensorStats } from '../../core/run/types';

/** Statistics that merge across batch slices (Chan et al.'s parallel variance). */
export interface StatsAccumulator {
  readonly count: number;
  readonly mean: number;
  /** Sum of squared deviations from the mean. */
  readonly m2: number;
  readonly min: number;
  readonly max: number;
}

/**
 * Statistics of plain values in one pass: sums in double precision of the values shifted by the
 * first one (so the variance does not cancel when the mean is large next to the spread).
 */
export function arrayStats(data: Float32Array): StatsAccumulator {
  const n = data.length;
  if (n === 0) return { count: 0, mean: 0, m2: 0, min: Infinity, max: -Infinity };
  const k = data[0];
  let sum = 0;
  let squares = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = data[i];
    const d = x - k;
    sum += d;
    squares += d * d;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { count: n, mean: k + sum / n, m2: Math.max(squares - (sum * sum) / n, 0), min, max };
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
  return {
    min: a.min,
    max: a.max,
    mean: a.mean,
    std: a.count > 0 ? Math.sqrt(Math.max(a.m2, 0) / a.count) : 0,
  };
}

/** The five most probable classes of one row of logits (softmax in double precision). */
export function top5(
  logits: Float32Array,
  row: number,
  classes: number,
  labels: readonly string[] | null,
): ClassScore[] {
  const start = row * classes;
  let max = -Infinity;
  for (let i = 0; i < classes; i++) max = Math.max(max, logits[start + i]);
  let sum = 0;
  for (let i = 0; i < classes; i++) sum += Math.exp(logits[start + i] - max);
  const order = Array.from({ length: classes }, (_, i) => i).sort(
    (a, b) => logits[start + b] - logits[start + a] || a - b,
  );
  return order.slice(0, Math.min(5, classes)).map((index) => ({
    index,
    label: labels && labels.length === classes ? labels[index] : `class ${index}`,
    probability: Math.exp(logits[start + index] - max) / sum,
  }));
}
