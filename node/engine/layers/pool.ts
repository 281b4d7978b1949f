/**
 * Pools with PyTorch's exact semantics: max pools ignore padding (−∞), ceil mode yields the
 * output size core computed (core/layers/spatial.ts), average pools divide as PyTorch does
 * (count_include_pad, and the ceil-mode overhang never counted), adaptive pools use PyTorch's bins.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Padding4, Pair } from '../../../core/model/types';
import type { LayerBuilder, LayerOp } from './layerOp';
import { explicitPad } from './conv';
import { adaptivePoolBins } from '../../../core/layers/pooling';

/**
 * Padding that makes TF.js's floor-mode arithmetic give `out` windows: in ceil mode the last
 * window may run past the bottom/right padding, so that side is extended to cover it.
 */
export function poolPadding(
  input: Pair,
  output: Pair,
  kernel: Pair,
  stride: Pair,
  padding: Padding4,
): Padding4 {
  const bottom = Math.max(
    padding[1],
    (output[0] - 1) * stride[0] + kernel[0] - input[0] - padding[0],
  );
  const right = Math.max(
    padding[3],
    (output[1] - 1) * stride[1] + kernel[1] - input[1] - padding[2],
  );
  return [padding[0], bottom, padding[2], right];
}

class MaxPoolOp implements LayerOp {
  constructor(
    private readonly kernel: Pair,
    private readonly stride: Pair,
    private readonly pad: Padding4,
  ) {}
  run([x]: readonly tf.Tensor[]): tf.Tensor {
    return tf.maxPool(
      x as tf.Tensor4D,
      this.kernel as [number, number],
      this.stride as [number, number],
      explicitPad(this.pad),
    );
  }
}

export const maxPool2dBuilder: LayerBuilder<'maxPool2d'> = (layer, ctx) => {
  const a = layer.attrs;
  const [, , h, w] = ctx.inputShapes[0];
  const [, , oh, ow] = ctx.outputShape;
  return {
    op: new MaxPoolOp(
      a.kernel,
      a.stride,
      poolPadding([h, w], [oh, ow], a.kernel, a.stride, a.padding),
    ),
  };
};

/** PyTorch's divisor of each average-pool window (avg_pool2d's pool_size / valid count). */
export function avgPoolDivisors(
  input: Pair,
  output: Pair,
  kernel: Pair,
  stride: Pair,
  padding: Padding4,
  countIncludePad: boolean,
): Float64Array {
  const [h, w] = input;
  const [t, b, l, r] = padding;
  const out = new Float64Array(output[0] * output[1]);
  for (let oy = 0; oy < output[0]; oy++) {
    const hs = oy * stride[0] - t;
    const he = Math.min(hs + kernel[0], h + b);
    for (let ox = 0; ox < output[1]; ox++) {
      const ws = ox * stride[1] - l;
      const we = Math.min(ws + kernel[1], w + r);
      const d = countIncludePad
        ? (he - hs) * (we - ws)
        : (Math.min(he, h) - Math.max(hs, 0)) * (Math.min(we, w) - Math.max(ws, 0));
      out[oy * output[1] + ox] = Math.max(d, 1);
    }
  }
  return out;
}

class AvgPoolOp implements LayerOp {
  private factor: tf.Tensor4D | null = null;
  constructor(
    private readonly kernel: Pair,
    private readonly stride: Pair,
    private readonly pad: Padding4,
    /** kh·kw / PyTorch's divisor per output pixel, or null when every window divides by kh·kw. */
    private readonly factors: Float32Array | null,
    private readonly output: Pair,
  ) {}
  prepare(): void {
    if (this.factors)
      this.factor = tf.tensor4d(this.factors, [1, this.output[0], this.output[1], 1]);
  }
  run([x]: readonly tf.Tensor[]): tf.Tensor {
    const p = this.pad;
    // Zero padding then a plain window average gives sum/(kh·kw); the factor fixes the divisor.
    const padded = p.some((v) => v > 0)
      ? tf.pad(x, [
          [0, 0],
          [p[0], p[1]],
          [p[2], p[3]],
          [0, 0],
        ])
      : x;
    const y = tf.avgPool(
      padded as tf.Tensor4D,
      this.kernel as [number, number],
      this.stride as [number, number],
      'valid',
    );
    return this.factor ? tf.mul(y, this.factor) : y;
  }
  dispose(): void {
    if (this.factor) this.factor.dispose();
  }
}

export const avgPool2dBuilder: LayerBuilder<'avgPool2d'> = (layer, ctx) => {
  const a = layer.attrs;
  const [, , h, w] = ctx.inputShapes[0];
  const [, , oh, ow] = ctx.outputShape;
  const pad = poolPadding([h, w], [oh, ow], a.kernel, a.stride, a.padding);
  const divisors = avgPoolDivisors(
    [h, w],
    [oh, ow],
    a.kernel,
    a.stride,
    a.padding,
    a.countIncludePad,
  );
  const area = a.kernel[0] * a.kernel[1];
  const factors = divisors.every((d) => d === area)
    ? null
    : Float32Array.from(divisors, (d) => area / d);
  return { op: new AvgPoolOp(a.kernel, a.stride, pad, factors, [oh, ow]) };
};

class AdaptiveAvgPoolOp implements LayerOp {
  private ph: tf.Tensor2D | null = null;
  private pw: tf.Tensor2D | null = null;
  constructor(
    private readonly input: Pair,
    private readonly output: Pair,
  ) {}
  private uniform(): boolean {
    return this.input[0] % this.output[0] === 0 && this.input[1] % this.output[1] === 0;
  }
  prepare(): void {
    if (this.uniform()) return;
    this.ph = tf.tensor2d(adaptivePoolBins(this.input[0], this.output[0]), [
      this.output[0],
      this.input[0],
    ]);
    this.pw = tf.tensor2d(adaptivePoolBins(this.input[1], this.output[1]), [
      this.output[1],
      this.input[1],
    ]);
  }
  run([x]: readonly tf.Tensor[]): tf.Tensor {
    const [h, w] = this.input;
    const [oh, ow] = this.output;
    if (oh === 1 && ow === 1) return tf.mean(x, [1, 2], true);
    if (this.uniform())
      return tf.avgPool(x as tf.Tensor4D, [h / oh, w / ow], [h / oh, w / ow], 'valid');
    // Separable: average rows with Ph, then columns with Pw.
    const [n, , , c] = x.shape as number[];
    const rows = tf.reshape(
      tf.matMul(this.ph!, tf.reshape(tf.transpose(x, [1, 0, 2, 3]), [h, n * w * c])),
      [oh, n, w, c],
    );
    const cols = tf.matMul(this.pw!, tf.reshape(tf.transpose(rows, [2, 1, 0, 3]), [w, n * oh * c]));
    return tf.transpose(tf.reshape(cols, [ow, n, oh, c]), [1, 2, 0, 3]);
  }
  dispose(): void {
    tf.dispose([this.ph, this.pw].filter((t): t is tf.Tensor2D => t !== null));
  }
}

export const adaptiveAvgPool2dBuilder: LayerBuilder<'adaptiveAvgPool2d'> = (layer, ctx) => {
  const [, , h, w] = ctx.inputShapes[0];
  return { op: new AdaptiveAvgPoolOp([h, w], layer.attrs.output) };
};
