/** ReLU, dropout, scale, add, concat, flatten and linear. */
import * as tf from '@tensorflow/tfjs-core';
import { streamBase, uniformAt } from '../../../core/weights/init';
import type { LayerBuilder, LayerOp, RunState } from './layerOp';

const reluOp: LayerOp = { run: ([x]) => tf.relu(x) };

export const reluBuilder: LayerBuilder<'relu'> = (layer, ctx) => {
  const producer = ctx.fusible(layer.inputs[0]);
  if (producer?.absorbRelu) {
    producer.absorbRelu();
    return { alias: layer.inputs[0] };
  }
  return { op: reluOp };
};

/**
 * Train-mode dropout with a seeded mask, reproducible in numpy: element i (in N·C·H·W order over
 * the whole batch) is kept when uniform i of the stream (seed, `dropout:<layer id>`) is at least p,
 * and kept values are scaled by 1/(1 − p), as PyTorch does.
 */
export function dropoutMask(
  shape: readonly number[],
  p: number,
  seed: number,
  layerId: string,
  batchOffset: number,
): Float32Array {
  let size = 1;
  for (const d of shape) size *= d;
  const perImage = size / shape[0];
  const mask = new Float32Array(size);
  if (p >= 1) return mask;
  const keep = 1 / (1 - p);
  const base = streamBase(seed, `dropout:${layerId}`);
  const offset = batchOffset * perImage;
  for (let i = 0; i < size; i++) mask[i] = uniformAt(base, offset + i) >= p ? keep : 0;
  return mask;
}

class DropoutOp implements LayerOp {
  constructor(
    private readonly p: number,
    private readonly seed: number,
    private readonly layerId: string,
  ) {}
  run([x]: readonly tf.Tensor[], state: RunState): tf.Tensor {
    const s = x.shape;
    if (s.length === 4) {
      const [n, h, w, c] = s;
      const mask = tf.transpose(
        tf.tensor4d(dropoutMask([n, c, h, w], this.p, this.seed, this.layerId, state.batchOffset), [
          n,
          c,
          h,
          w,
        ]),
        [0, 2, 3, 1],
      );
      return tf.mul(x, mask);
    }
    return tf.mul(
      x,
      tf.tensor(dropoutMask(s, this.p, this.seed, this.layerId, state.batchOffset), s),
    );
  }
}

export const dropoutBuilder: LayerBuilder<'dropout'> = (layer, ctx) => {
  if (ctx.mode === 'eval' || !ctx.dropout || layer.attrs.p === 0) return { alias: layer.inputs[0] };
  return { op: new DropoutOp(layer.attrs.p, ctx.dropoutSeed, layer.id) };
};

export const scaleBuilder: LayerBuilder<'scale'> = (layer) => {
  const factor = layer.attrs.factor;
  return { op: { run: ([x]) => tf.mul(x, factor) } };
};

export const addBuilder: LayerBuilder<'add'> = () => ({
  op: { run: (xs) => (xs.length === 1 ? tf.clone(xs[0]) : tf.addN([...xs])) },
});

/** Channels are the last axis of an NHWC feature map. */
export const concatBuilder: LayerBuilder<'concat'> = () => ({
  op: { run: (xs) => tf.concat([...xs], xs[0].rank === 4 ? 3 : 1) },
});

/** torch.flatten(x, 1) runs over C·H·W, so an NHWC map is brought back to NCHW first (free when H·W = 1). */
export const flattenBuilder: LayerBuilder<'flatten'> = (layer, ctx) => {
  if (ctx.inputShapes[0].length === 2) return { alias: layer.inputs[0] };
  return {
    op: {
      run([x]) {
        const [n, h, w, c] = x.shape;
        return h * w === 1
          ? tf.reshape(x, [n, c])
          : tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [n, c * h * w]);
      },
    },
  };
};

class LinearOp implements LayerOp {
  private w: tf.Tensor2D | null = null;
  private b: tf.Tensor1D | null = null;
  private relu = false;
  constructor(
    private readonly weight: Float32Array,
    private readonly bias: Float32Array | null,
    private readonly inFeatures: number,
    private readonly outFeatures: number,
  ) {}
  absorbRelu(): void {
    this.relu = true;
  }
  prepare(): void {
    // PyTorch stores [out, in]; the product wants [in, out], transposed once here.
    const t = new Float32Array(this.weight.length);
    for (let o = 0; o < this.outFeatures; o++)
      for (let i = 0; i < this.inFeatures; i++)
        t[i * this.outFeatures + o] = this.weight[o * this.inFeatures + i];
    this.w = tf.tensor2d(t, [this.inFeatures, this.outFeatures]);
    if (this.bias) this.b = tf.tensor1d(this.bias);
  }
  run([x]: readonly tf.Tensor[]): tf.Tensor {
    return tf.fused.matMul({
      a: x as tf.Tensor2D,
      b: this.w!,
      bias: this.b ?? undefined,
      activation: this.relu ? 'relu' : 'linear',
    });
  }
  dispose(): void {
    if (this.w) this.w.dispose();
    if (this.b) this.b.dispose();
  }
}

export const linearBuilder: LayerBuilder<'linear'> = (layer, ctx) => {
  const a = layer.attrs;
  const weight = ctx.weight(`${layer.id}.weight`);
  const bias = a.bias ? ctx.weight(`${layer.id}.bias`) : null;
  return { op: new LinearOp(weight, bias, a.inFeatures, a.outFeatures) };
};
