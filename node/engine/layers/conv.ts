/** Conv2d: NHWC convolution with HWIO filters, BN folding and a fused ReLU. */
import * as tf from '@tensorflow/tfjs-core';
import type { Padding4 } from '../../../core/model/types';
import type { LayerBuilder, LayerOp } from './layerOp';
import { oihwToHwio } from './layerOp';

type Pad = 'valid' | [[number, number], [number, number], [number, number], [number, number]];

/** TF.js padding for PyTorch's [top, bottom, left, right] (explicit and possibly asymmetric). */
export function explicitPad(p: Padding4): Pad {
  return p.every((v) => v === 0)
    ? 'valid'
    : [
        [0, 0],
        [p[0], p[1]],
        [p[2], p[3]],
        [0, 0],
      ];
}

class ConvOp implements LayerOp {
  private filters: tf.Tensor4D[] = [];
  private biases: (tf.Tensor1D | null)[] = [];
  private relu = false;
  private readonly weight: Float32Array;
  private bias: Float32Array | null;

  constructor(
    weight: Float32Array,
    bias: Float32Array | null,
    private readonly shape: readonly [number, number, number, number],
    private readonly stride: readonly [number, number],
    private readonly pad: Pad,
    private readonly groups: number,
  ) {
    this.weight = Float32Array.from(weight);
    this.bias = bias ? Float32Array.from(bias) : null;
  }

  absorbAffine(scale: Float32Array, shift: Float32Array): void {
    const [o] = this.shape;
    const per = this.weight.length / o;
    const bias = new Float32Array(o);
    for (let c = 0; c < o; c++) {
      const s = scale[c];
      for (let j = c * per; j < (c + 1) * per; j++) this.weight[j] *= s;
      bias[c] = (this.bias ? this.bias[c] : 0) * s + shift[c];
    }
    this.bias = bias;
  }

  absorbRelu(): void {
    this.relu = true;
  }

  prepare(): void {
    const [o, i, kh, kw] = this.shape;
    if (this.groups === 1) {
      this.filters = [tf.tensor4d(oihwToHwio(this.weight, this.shape), [kh, kw, i, o])];
      this.biases = [this.bias ? tf.tensor1d(this.bias) : null];
    } else if (this.depthwise()) {
      // Depthwise: HWIO of [O, 1, kh, kw] is exactly [kh, kw, C, multiplier].
      this.filters = [
        tf.tensor4d(oihwToHwio(this.weight, this.shape), [kh, kw, this.groups, o / this.groups]),
      ];
      this.biases = [this.bias ? tf.tensor1d(this.bias) : null];
    } else {
      const og = o / this.groups;
      const per = og * i * kh * kw;
      for (let g = 0; g < this.groups; g++) {
        const w = this.weight.subarray(g * per, (g + 1) * per);
        this.filters.push(tf.tensor4d(oihwToHwio(w, [og, i, kh, kw]), [kh, kw, i, og]));
        this.biases.push(this.bias ? tf.tensor1d(this.bias.subarray(g * og, (g + 1) * og)) : null);
      }
    }
  }

  private depthwise(): boolean {
    return this.groups > 1 && this.shape[1] === 1;
  }

  run([x]: readonly tf.Tensor[]): tf.Tensor {
    const x4 = x as tf.Tensor4D;
    const activation = this.relu ? 'relu' : 'linear';
    if (this.groups === 1) {
      return tf.fused.conv2d({
        x: x4,
        filter: this.filters[0],
        strides: this.stride as [number, number],
        pad: this.pad,
        bias: this.biases[0] ?? undefined,
        activation,
      });
    }
    if (this.depthwise()) {
      let y: tf.Tensor4D = tf.depthwiseConv2d(
        x4,
        this.filters[0],
        this.stride as [number, number],
        this.pad,
      );
      if (this.biases[0]) y = tf.add(y, this.biases[0]);
      return this.relu ? tf.relu(y) : y;
    }
    const parts = tf.split(x4, this.groups, 3) as tf.Tensor4D[];
    const outs = parts.map((p, g) =>
      tf.fused.conv2d({
        x: p,
        filter: this.filters[g],
        strides: this.stride as [number, number],
        pad: this.pad,
        bias: this.biases[g] ?? undefined,
        activation,
      }),
    );
    return tf.concat(outs as tf.Tensor4D[], 3);
  }

  dispose(): void {
    tf.dispose([...this.filters, ...this.biases.filter((b): b is tf.Tensor1D => b !== null)]);
    this.filters = [];
    this.biases = [];
  }
}

export const conv2dBuilder: LayerBuilder<'conv2d'> = (layer, ctx) => {
  const a = layer.attrs;
  const shape = [a.outChannels, a.inChannels / a.groups, a.kernel[0], a.kernel[1]] as const;
  const weight = ctx.weight(`${layer.id}.weight`);
  const bias = a.bias ? ctx.weight(`${layer.id}.bias`) : null;
  return { op: new ConvOp(weight, bias, shape, a.stride, explicitPad(a.padding), a.groups) };
};
