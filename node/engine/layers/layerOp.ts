/**
 * The contract between the model compiler and the TF.js builder of each layer kind.
 *
 * Layout: the engine keeps feature maps as NHWC (what TF.js and XNNPACK run fastest) and vectors
 * as [N, F]. PyTorch's NCHW appears only at the edges: weights are transposed once when a layer
 * is built, the input once when a run starts, and shapes are reported as NCHW.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Layer, Shape } from '../../../core/model/types';
import type { LayerAttrMap, LayerKind } from '../../../core/layers/registry';
import type { RunMode } from '../../../core/run/types';

/** What a running forward pass tells its layers. */
export interface RunState {
  /** Index of this slice's first image in the whole batch (dropout masks depend on it). */
  readonly batchOffset: number;
}

/** A built layer. `run` executes inside `tf.tidy`, so intermediates need no disposal. */
export interface LayerOp {
  /** Creates the op's weight tensors; called once after every layer is built and fused. */
  prepare?(): void;
  run(inputs: readonly tf.Tensor[], state: RunState): tf.Tensor;
  /** Releases the weight tensors. */
  dispose?(): void;
  /** Folds a per-output-channel affine map y = x·scale + shift that follows this op into it (eval-mode BN). */
  absorbAffine?(scale: Float32Array, shift: Float32Array): void;
  /** Applies ReLU to this op's output inside the op. */
  absorbRelu?(): void;
}

/** A builder's answer: an op to run, or the id whose output this layer's output is (identity or fused). */
export type Built = { readonly op: LayerOp } | { readonly alias: string };

export interface BuildContext {
  readonly mode: RunMode;
  /** Fold eval-mode batch norm into the preceding convolution (faster; same numbers to rounding). */
  readonly foldBatchNorm: boolean;
  /** Whether dropout is applied in train mode (parity tests turn it off). */
  readonly dropout: boolean;
  readonly dropoutSeed: number;
  /** The layer's input shapes and output shape as core computed them (NCHW). */
  readonly inputShapes: readonly Shape[];
  readonly outputShape: Shape;
  /** A state_dict tensor of the design's weights (already checked for presence and shape). */
  weight(key: string): Float32Array;
  /**
   * The op producing `layerId`'s output when this layer may be fused into it: its output feeds
   * only this layer and stays inside the same module (module outputs are observed, so they must
   * keep their meaning).
   */
  fusible(layerId: string): LayerOp | null;
}

export type LayerBuilder<K extends LayerKind> = (
  layer: Layer<K, LayerAttrMap[K]>,
  ctx: BuildContext,
) => Built;

/** One builder per layer kind; a kind without a builder fails to compile. */
export type LayerBuilders = { readonly [K in LayerKind]: LayerBuilder<K> };

/** The NCHW shape of an engine tensor (NHWC feature maps are reported as PyTorch sees them). */
export function logicalShape(t: tf.Tensor): number[] {
  const s = t.shape;
  return s.length === 4 ? [s[0], s[3], s[1], s[2]] : [...s];
}

/** OIHW (PyTorch conv weight) to HWIO (TF.js filter), optionally scaling each output channel. */
export function oihwToHwio(w: Float32Array, shape: readonly number[]): Float32Array {
  const [o, i, h, k] = shape;
  const out = new Float32Array(w.length);
  for (let oo = 0; oo < o; oo++) {
    for (let ii = 0; ii < i; ii++) {
      for (let hh = 0; hh < h; hh++) {
        for (let kk = 0; kk < k; kk++) {
          out[((hh * k + kk) * i + ii) * o + oo] = w[((oo * i + ii) * h + hh) * k + kk];
        }
      }
    }
  }
  return out;
}
