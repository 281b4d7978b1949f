/** BatchNorm2d (running statistics in eval, batch statistics in train) and LocalResponseNorm. */
import * as tf from '@tensorflow/tfjs-core';
import type { LayerBuilder, LayerOp } from './layerOp';

/** y = x·scale + shift per channel (the last axis in NHWC). */
class AffineOp implements LayerOp {
  private s: tf.Tensor1D | null = null;
  private b: tf.Tensor1D | null = null;
  private relu = false;
  constructor(
    private readonly scale: Float32Array,
    private readonly shift: Float32Array,
  ) {}
  absorbRelu(): void {
    this.relu = true;
  }
  prepare(): void {
    this.s = tf.tensor1d(this.scale);
    this.b = tf.tensor1d(this.shift);
  }
  run([x]: readonly tf.Tensor[]): tf.Tensor {
    const y = tf.add(tf.mul(x, this.s!), this.b!);
    return this.relu ? tf.relu(y) : y;
  }
  dispose(): void {
    tf.dispose([this.s!, this.b!]);
  }
}

/**
 * Sum over the first axis of [R, C] in two levels (blocks of 128 rows, then the block sums), so
 * float32 rounding grows with √R-sized runs instead of R: TF.js backends sum sequentially, and
 * 60 batch norms in a row turn that rounding into visible differences from PyTorch.
 */
function blockSum(x: tf.Tensor2D): tf.Tensor1D {
  const [rows, c] = x.shape;
  const block = 128;
  if (rows <= block) return tf.sum(x, 0);
  const padded =
    rows % block
      ? tf.pad(x, [
          [0, block - (rows % block)],
          [0, 0],
        ])
      : x;
  return tf.sum(tf.sum(tf.reshape(padded, [-1, block, c]), 1), 0);
}

/** What train-mode batch norm computed: the output and the batch statistics PyTorch keeps. */
export interface BatchNormTrainResult {
  /** The normalized, scaled and shifted input (NHWC, the input's shape). */
  readonly y: tf.Tensor;
  /** Per-channel batch mean [C]. */
  readonly mean: tf.Tensor1D;
  /** Per-channel biased batch variance [C] (÷ rows, as PyTorch normalizes with). */
  readonly variance: tf.Tensor1D;
  /** Values per channel, N·H·W (running_var's unbiasing uses rows/(rows − 1)). */
  readonly rows: number;
}

/**
 * Train-mode batch norm as PyTorch computes it: the NHWC input x is normalized with its batch's
 * per-channel mean and biased variance, y = (x − mean)/√(variance + eps)·γ + β. One function for
 * the inference engine's train mode and the trainer (whose γ, β are tf.Variables), so both sum
 * in the same order. Differentiable: every op has a TF.js gradient.
 */
export function batchNormTrain(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
): BatchNormTrainResult {
  const c = x.shape[3]!;
  const rows = x.size / c;
  const flat = tf.reshape(x, [rows, c]) as tf.Tensor2D;
  const mean = tf.div(blockSum(flat), rows) as tf.Tensor1D;
  const centered: tf.Tensor2D = tf.sub(flat, mean);
  const variance = tf.div(blockSum(tf.square(centered)), rows) as tf.Tensor1D;
  const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, eps)));
  const y = tf.reshape(tf.add(tf.mul(centered, scale), beta), x.shape);
  return { y, mean, variance, rows };
}

/** Train mode with fixed γ and β (the engine's train-mode forward pass). */
class BatchStatsOp implements LayerOp {
  private g: tf.Tensor1D | null = null;
  private b: tf.Tensor1D | null = null;
  constructor(
    private readonly gamma: Float32Array,
    private readonly beta: Float32Array,
    private readonly eps: number,
  ) {}
  prepare(): void {
    this.g = tf.tensor1d(this.gamma);
    this.b = tf.tensor1d(this.beta);
  }
  run([x]: readonly tf.Tensor[]): tf.Tensor {
    return batchNormTrain(x, this.g!, this.b!, this.eps).y;
  }
  dispose(): void {
    tf.dispose([this.g!, this.b!]);
  }
}

export const batchNorm2dBuilder: LayerBuilder<'batchNorm2d'> = (layer, ctx) => {
  const { channels, eps } = layer.attrs;
  const gamma = ctx.weight(`${layer.id}.weight`);
  const beta = ctx.weight(`${layer.id}.bias`);
  if (ctx.mode === 'train') return { op: new BatchStatsOp(gamma, beta, eps) };
  const mean = ctx.weight(`${layer.id}.running_mean`);
  const variance = ctx.weight(`${layer.id}.running_var`);
  // (x − mean)/√(var + eps)·γ + β = x·scale + shift, computed in double precision.
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = gamma[c] / Math.sqrt(variance[c] + eps);
    scale[c] = s;
    shift[c] = beta[c] - mean[c] * s;
  }
  const producer = ctx.foldBatchNorm ? ctx.fusible(layer.inputs[0]) : null;
  if (producer?.absorbAffine) {
    producer.absorbAffine(scale, shift);
    return { alias: layer.inputs[0] };
  }
  return { op: new AffineOp(scale, shift) };
};

/**
 * PyTorch's LocalResponseNorm: b_c = a_c / (k + α/n · Σ a_c'²)^β over channels
 * c − ⌊n/2⌋ … c + ⌊(n−1)/2⌋, zero beyond the edges. TF.js's LRN divides α differently and only
 * takes odd windows, so the window sum is built from shifted slices (or a running sum for wide windows).
 */
class LrnOp implements LayerOp {
  constructor(
    private readonly size: number,
    private readonly alpha: number,
    private readonly beta: number,
    private readonly k: number,
  ) {}
  run([x]: readonly tf.Tensor[]): tf.Tensor {
    const c = x.shape[3]!;
    const n = this.size;
    const sq = tf.square(x);
    let sum: tf.Tensor;
    if (n <= 16) {
      const padded = tf.pad(sq, [
        [0, 0],
        [0, 0],
        [0, 0],
        [Math.floor(n / 2), Math.floor((n - 1) / 2)],
      ]);
      const parts: tf.Tensor[] = [];
      for (let j = 0; j < n; j++) parts.push(tf.slice(padded, [0, 0, 0, j], [-1, -1, -1, c]));
      sum = parts.length === 1 ? parts[0] : tf.addN(parts);
    } else {
      // Running sum with one leading zero: window(c) = S[c + n] − S[c].
      const padded = tf.pad(sq, [
        [0, 0],
        [0, 0],
        [0, 0],
        [Math.floor(n / 2) + 1, Math.floor((n - 1) / 2)],
      ]);
      const s = tf.cumsum(padded, 3);
      sum = tf.sub(
        tf.slice(s, [0, 0, 0, n], [-1, -1, -1, c]),
        tf.slice(s, [0, 0, 0, 0], [-1, -1, -1, c]),
      );
    }
    const div = tf.pow(tf.add(tf.mul(sum, this.alpha / n), this.k), this.beta);
    return tf.div(x, div);
  }
}

export const localResponseNormBuilder: LayerBuilder<'localResponseNorm'> = (layer) => {
  const { size, alpha, beta, k } = layer.attrs;
  return { op: new LrnOp(size, alpha, beta, k) };
};

/** A fixed per-channel affine map (torchvision's transform_input): no state, the same in both modes. */
export const channelAffineBuilder: LayerBuilder<'channelAffine'> = (layer) => ({
  op: new AffineOp(Float32Array.from(layer.attrs.scale), Float32Array.from(layer.attrs.shift)),
});
