/**
 * Trainable layers: conv2d, batchNorm2d and linear hold their parameters as tf.Variables in
 * PyTorch's layouts (OIHW, [out, in]), so the optimizer state and the exported state_dict need no
 * conversion; every other kind reuses its inference builder (stateless ops differentiate as they are).
 * Batch norm runs on batch statistics and records them so the running statistics can be updated
 * after the step as PyTorch does.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayerBuilder, LayerBuilders, LayerOp } from '../layers/layerOp';
import { layerBuilders } from '../layers/builders';
import { explicitPad } from '../layers/conv';
import { batchNormTrain } from '../layers/norm';
import { poolPadding } from '../layers/pool';
import type { Pair, Padding4 } from '../../../core/model/types';

/** The variables and buffers of a model being trained, keyed by state_dict key. */
export class ParamStore {
  /** Trainable parameters (PyTorch layout), in the order they were built. */
  readonly params = new Map<string, tf.Variable>();
  /** Buffers (running statistics, counters) kept on the host. */
  readonly buffers = new Map<string, Float32Array>();
  /** The batch norms of the graph, whose batch statistics update the buffers after each step. */
  readonly norms: BatchNormTrainOp[] = [];
  /** state_dict key → the layer owning it. */
  readonly owner = new Map<string, string>();

  constructor(private readonly init: ReadonlyMap<string, Float32Array>) {}

  param(layerId: string, key: string, shape: readonly number[]): tf.Variable {
    let v = this.params.get(key);
    if (!v) {
      const data = this.init.get(key);
      if (!data) throw new Error(`The weights have no tensor ${key}, which ${layerId} needs.`);
      v = tf.variable(tf.tensor(data, [...shape]), true, `param:${key}`);
      this.params.set(key, v);
      this.owner.set(key, layerId);
    }
    return v;
  }

  buffer(layerId: string, key: string): Float32Array {
    let b = this.buffers.get(key);
    if (!b) {
      const data = this.init.get(key);
      if (!data) throw new Error(`The weights have no tensor ${key}, which ${layerId} needs.`);
      b = Float32Array.from(data);
      this.buffers.set(key, b);
      this.owner.set(key, layerId);
    }
    return b;
  }

  hasTensor(key: string): boolean {
    return this.init.has(key);
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
    for (const n of this.norms) n.clearStats();
  }
}

class ConvTrainOp implements LayerOp {
  constructor(
    private readonly w: tf.Variable,
    private readonly b: tf.Variable | null,
    private readonly stride: [number, number],
    private readonly pad: ReturnType<typeof explicitPad>,
    private readonly groups: number,
  ) {}
  run([x]: readonly tf.Tensor[]): tf.Tensor {
    const x4 = x as tf.Tensor4D;
    const conv = (xi: tf.Tensor4D, wi: tf.Tensor4D) =>
      tf.conv2d(xi, tf.transpose(wi, [2, 3, 1, 0]) as tf.Tensor4D, this.stride, this.pad);
    let y: tf.Tensor4D;
    if (this.groups === 1) y = conv(x4, this.w as tf.Tensor4D);
    else {
      const xs = tf.split(x4, this.groups, 3) as tf.Tensor4D[];
      const ws = tf.split(this.w, this.groups, 0) as tf.Tensor4D[];
      y = tf.concat(
        xs.map((xi, g) => conv(xi, ws[g])),
        3,
      );
    }
    return this.b ? tf.add(y, this.b) : y;
  }
}

const conv2dTrainBuilder =
  (store: ParamStore): LayerBuilder<'conv2d'> =>
  (layer) => {
    const a = layer.attrs;
    const shape = [a.outChannels, a.inChannels / a.groups, a.kernel[0], a.kernel[1]];
    const w = store.param(layer.id, `${layer.id}.weight`, shape);
    const b = a.bias ? store.param(layer.id, `${layer.id}.bias`, [a.outChannels]) : null;
    return {
      op: new ConvTrainOp(w, b, [a.stride[0], a.stride[1]], explicitPad(a.padding), a.groups),
    };
  };

/** Train-mode batch norm: batch mean and biased variance normalize; both are kept for the running update. */
export class BatchNormTrainOp implements LayerOp {
  private stats: { mean: tf.Tensor1D; variance: tf.Tensor1D; rows: number } | null = null;
  constructor(
    readonly layerId: string,
    private readonly gamma: tf.Variable,
    private readonly beta: tf.Variable,
    private readonly eps: number,
    private readonly momentum: number,
    private readonly runningMean: Float32Array,
    private readonly runningVar: Float32Array,
    private readonly counter: Float32Array | null,
  ) {}
  run([x]: readonly tf.Tensor[]): tf.Tensor {
    const r = batchNormTrain(x, this.gamma as tf.Tensor1D, this.beta as tf.Tensor1D, this.eps);
    this.clearStats();
    this.stats = { mean: tf.keep(r.mean), variance: tf.keep(r.variance), rows: r.rows };
    return r.y;
  }
  /**
   * PyTorch's update: running = (1 − momentum)·running + momentum·batch, with the unbiased
   * variance (× n/(n − 1)) for running_var; num_batches_tracked counts the batches.
   */
  updateRunningStats(): void {
    if (!this.stats) return;
    const mean = this.stats.mean.dataSync();
    const variance = this.stats.variance.dataSync();
    const n = this.stats.rows;
    const unbias = n > 1 ? n / (n - 1) : 1;
    const m = this.momentum;
    for (let i = 0; i < mean.length; i++) {
      this.runningMean[i] = (1 - m) * this.runningMean[i] + m * mean[i];
      this.runningVar[i] = (1 - m) * this.runningVar[i] + m * variance[i] * unbias;
    }
    if (this.counter) this.counter[0] += 1;
    this.clearStats();
  }
  clearStats(): void {
    if (this.stats) tf.dispose([this.stats.mean, this.stats.variance]);
    this.stats = null;
  }
}

const batchNorm2dTrainBuilder =
  (store: ParamStore): LayerBuilder<'batchNorm2d'> =>
  (layer) => {
    const { channels, eps } = layer.attrs;
    const momentum = layer.attrs.momentum;
    const counterKey = `${layer.id}.num_batches_tracked`;
    const op = new BatchNormTrainOp(
      layer.id,
      store.param(layer.id, `${layer.id}.weight`, [channels]),
      store.param(layer.id, `${layer.id}.bias`, [channels]),
      eps,
      momentum,
      store.buffer(layer.id, `${layer.id}.running_mean`),
      store.buffer(layer.id, `${layer.id}.running_var`),
      store.hasTensor(counterKey) ? store.buffer(layer.id, counterKey) : null,
    );
    store.norms.push(op);
    return { op };
  };

class LinearTrainOp implements LayerOp {
  constructor(
    private readonly w: tf.Variable,
    private readonly b: tf.Variable | null,
  ) {}
  run([x]: readonly tf.Tensor[]): tf.Tensor {
    const y = tf.matMul(x as tf.Tensor2D, this.w as tf.Tensor2D, false, true);
    return this.b ? tf.add(y, this.b) : y;
  }
}

const linearTrainBuilder =
  (store: ParamStore): LayerBuilder<'linear'> =>
  (layer) => {
    const a = layer.attrs;
    const w = store.param(layer.id, `${layer.id}.weight`, [a.outFeatures, a.inFeatures]);
    const b = a.bias ? store.param(layer.id, `${layer.id}.bias`, [a.outFeatures]) : null;
    return { op: new LinearTrainOp(w, b) };
  };

/**
 * Max pooling as a running maximum over the window's taps in PyTorch's scan order (row by row).
 * The values equal TF.js's MaxPool; the gradient differs where a window holds equal maxima (common
 * after ReLU: windows of zeros): TF.js's MaxPoolGrad picks another element than PyTorch, which
 * gives the gradient to the first one in scan order. tf.maximum's gradient goes to its first
 * argument on ties, so the chain reproduces PyTorch exactly. Padding is −∞, as max_pool2d's.
 */
class MaxPoolTrainOp implements LayerOp {
  constructor(
    private readonly kernel: Pair,
    private readonly stride: Pair,
    private readonly pad: Padding4,
    private readonly out: Pair,
  ) {}
  run([x]: readonly tf.Tensor[]): tf.Tensor {
    const [n, h, w, c] = x.shape;
    const [kh, kw] = this.kernel;
    const [sh, sw] = this.stride;
    const [oh, ow] = this.out;
    const [t, , l] = this.pad;
    // Enough bottom/right padding for every tap's slice of s·out rows/columns.
    const hp = Math.max(h + t, kh - 1 + sh * oh);
    const wp = Math.max(w + l, kw - 1 + sw * ow);
    const xp = tf.pad(
      x,
      [
        [0, 0],
        [t, hp - h - t],
        [l, wp - w - l],
        [0, 0],
      ],
      -Infinity,
    );
    let y: tf.Tensor | null = null;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        let tap: tf.Tensor = tf.slice(xp, [0, i, j, 0], [n, sh * oh, sw * ow, c]);
        if (sh > 1 || sw > 1) {
          // Every s-th row and column, through 4-D views (wasm's Slice is slow beyond rank 4).
          tap = tf.slice(
            tf.reshape(tap, [n * oh, sh, ow, sw * c]),
            [0, 0, 0, 0],
            [n * oh, 1, ow, c],
          );
          tap = tf.reshape(tap, [n, oh, ow, c]);
        }
        y = y ? tf.maximum(y, tap) : tap;
      }
    }
    return y!;
  }
}

const maxPool2dTrainBuilder: LayerBuilder<'maxPool2d'> = (layer, ctx) => {
  const a = layer.attrs;
  const [, , h, w] = ctx.inputShapes[0];
  const [, , oh, ow] = ctx.outputShape;
  return {
    op: new MaxPoolTrainOp(
      a.kernel,
      a.stride,
      poolPadding([h, w], [oh, ow], a.kernel, a.stride, a.padding),
      [oh, ow],
    ),
  };
};

/** The builders of a training model: trainable conv, batch norm and linear over `store`, the rest as in inference. */
export function trainBuilders(store: ParamStore): LayerBuilders {
  return {
    ...layerBuilders,
    conv2d: conv2dTrainBuilder(store),
    batchNorm2d: batchNorm2dTrainBuilder(store),
    linear: linearTrainBuilder(store),
    maxPool2d: maxPool2dTrainBuilder,
  };
}
