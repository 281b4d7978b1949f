/**
 * How each layer kind writes itself as ONNX (opset 17) nodes with PyTorch's eval-mode semantics.
 * One emitter per kind in a typed record, so a new layer kind does not compile until it says
 * how it is exported. Node names are the layers' module paths.
 */
import type { Layer, Padding4, Pair, Shape } from '../model/types';
import type { LayerAttrMap, LayerKind } from '../layers/registry';
import { poolLength } from '../layers/spatial';
import { adaptivePoolBins } from '../layers/pooling';
import { float, int, ints, type OnnxGraphBuilder } from './onnxGraph';

/** What an emitter gets besides its layer. */
export interface OnnxLayerContext {
  readonly graph: OnnxGraphBuilder;
  /** Value names of the layer's inputs. */
  readonly inputs: readonly string[];
  readonly inputShapes: readonly Shape[];
  readonly outputShape: Shape;
  /** A state_dict tensor the layer needs (the export stops with a message naming the layer when it is missing or mis-sized). */
  weight(key: string, size: number): Float32Array;
  /** The batch norm layer folded into this convolution, when there is one. */
  readonly foldedBatchNorm: Layer<'batchNorm2d', LayerAttrMap['batchNorm2d']> | null;
}

/** The value the layer's output is (a new node's output, or an input it passes through). */
export type Emitted = { readonly output: string } | { readonly alias: string };

export type OnnxEmitter<K extends LayerKind> = (
  layer: Layer<K, LayerAttrMap[K]>,
  ctx: OnnxLayerContext,
) => Emitted;

const out = (output: string): Emitted => ({ output });

/** ONNX pads are [begin₀, begin₁, end₀, end₁]; ours are [top, bottom, left, right]. */
const onnxPads = (p: Padding4): number[] => [p[0], p[2], p[1], p[3]];

/** Batch norm's eval-mode affine map, x·scale + shift, computed in double precision (as the engine does). */
export function batchNormAffine(
  gamma: Float32Array,
  beta: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  eps: number,
): { scale: Float64Array; shift: Float64Array } {
  const scale = new Float64Array(gamma.length);
  const shift = new Float64Array(gamma.length);
  for (let c = 0; c < gamma.length; c++) {
    scale[c] = gamma[c] / Math.sqrt(variance[c] + eps);
    shift[c] = beta[c] - mean[c] * scale[c];
  }
  return { scale, shift };
}

const conv2d: OnnxEmitter<'conv2d'> = (layer, ctx) => {
  const a = layer.attrs;
  const perOut = (a.inChannels / a.groups) * a.kernel[0] * a.kernel[1];
  const dims = [a.outChannels, a.inChannels / a.groups, a.kernel[0], a.kernel[1]];
  let w = ctx.weight(`${layer.id}.weight`, a.outChannels * perOut);
  let b = a.bias ? ctx.weight(`${layer.id}.bias`, a.outChannels) : null;
  let wName = `${layer.id}.weight`;
  let bName = `${layer.id}.bias`;
  const bn = ctx.foldedBatchNorm;
  if (bn) {
    const c = bn.attrs.channels;
    const { scale, shift } = batchNormAffine(
      ctx.weight(`${bn.id}.weight`, c),
      ctx.weight(`${bn.id}.bias`, c),
      ctx.weight(`${bn.id}.running_mean`, c),
      ctx.weight(`${bn.id}.running_var`, c),
      bn.attrs.eps,
    );
    const folded = new Float32Array(w.length);
    const bias = new Float32Array(a.outChannels);
    for (let o = 0; o < a.outChannels; o++) {
      for (let j = o * perOut; j < (o + 1) * perOut; j++) folded[j] = w[j] * scale[o];
      bias[o] = (b ? b[o] : 0) * scale[o] + shift[o];
    }
    w = folded;
    b = bias;
    // The values differ from the state_dict's, so the names say what was folded in.
    wName = `${layer.id}.weight+${bn.id}`;
    bName = `${layer.id}.bias+${bn.id}`;
  }
  const inputs = [ctx.inputs[0], ctx.graph.floats(wName, dims, w)];
  if (b) inputs.push(ctx.graph.floats(bName, [a.outChannels], b));
  return out(
    ctx.graph.node('Conv', layer.id, inputs, layer.id, {
      kernel_shape: ints(a.kernel),
      strides: ints(a.stride),
      pads: ints(onnxPads(a.padding)),
      dilations: ints([1, 1]),
      group: int(a.groups),
    }),
  );
};

const batchNorm2d: OnnxEmitter<'batchNorm2d'> = (layer, ctx) => {
  const c = layer.attrs.channels;
  const names = ['weight', 'bias', 'running_mean', 'running_var'].map((k) =>
    ctx.graph.floats(`${layer.id}.${k}`, [c], ctx.weight(`${layer.id}.${k}`, c)),
  );
  return out(
    ctx.graph.node('BatchNormalization', layer.id, [ctx.inputs[0], ...names], layer.id, {
      epsilon: float(layer.attrs.eps),
      momentum: float(1 - layer.attrs.momentum),
    }),
  );
};

/**
 * Pads that give exactly PyTorch's output size without ceil_mode: the declared padding, the end
 * grown to cover a ceil-mode window's overhang. The overhang is always smaller than the window
 * (PyTorch's last window starts inside the input or its leading padding), so ONNX Runtime's
 * "pad smaller than kernel" rule holds.
 */
export function poolEnds(
  input: Shape,
  a: { kernel: Pair; stride: Pair; padding: Padding4; ceilMode: boolean },
): { bottom: number; right: number; overhang: boolean } {
  const [, , h, w] = input;
  const [t, b, l, r] = a.padding;
  const oh = poolLength(h, a.kernel[0], a.stride[0], t, b, a.ceilMode);
  const ow = poolLength(w, a.kernel[1], a.stride[1], l, r, a.ceilMode);
  const bottom = Math.max(b, (oh - 1) * a.stride[0] + a.kernel[0] - h - t);
  const right = Math.max(r, (ow - 1) * a.stride[1] + a.kernel[1] - w - l);
  return { bottom, right, overhang: bottom > b || right > r };
}

const maxPool2d: OnnxEmitter<'maxPool2d'> = (layer, ctx) => {
  const a = layer.attrs;
  const { bottom, right } = poolEnds(ctx.inputShapes[0], a);
  // ONNX max pooling never picks a padded cell: PyTorch's −∞ padding.
  return out(
    ctx.graph.node('MaxPool', layer.id, [ctx.inputs[0]], layer.id, {
      kernel_shape: ints(a.kernel),
      strides: ints(a.stride),
      pads: ints([a.padding[0], a.padding[2], bottom, right]),
      ceil_mode: int(0),
    }),
  );
};

const avgPool2d: OnnxEmitter<'avgPool2d'> = (layer, ctx) => {
  const a = layer.attrs;
  const [t, b, l, r] = a.padding;
  const { bottom, right, overhang } = poolEnds(ctx.inputShapes[0], a);
  const attrs = { kernel_shape: ints(a.kernel), strides: ints(a.stride) };
  const padded = t + b + l + r > 0;
  if (!a.countIncludePad || !padded || !overhang) {
    // count_include_pad counts every padded cell, which is PyTorch's rule when no window overhangs.
    return out(
      ctx.graph.node('AveragePool', layer.id, [ctx.inputs[0]], layer.id, {
        ...attrs,
        pads: ints([t, l, bottom, right]),
        count_include_pad: int(a.countIncludePad && padded ? 1 : 0),
      }),
    );
  }
  // PyTorch counts the declared padding but never a ceil-mode window's overhang: pad with zeros
  // explicitly (counted), then let the overhang be padding ONNX does not count.
  const pads = ctx.graph.int64s(`${layer.id}.pads`, [0, 0, t, l, 0, 0, b, r]);
  const zeroPadded = ctx.graph.node(
    'Pad',
    `${layer.id}.pad`,
    [ctx.inputs[0], pads],
    `${layer.id}.pad`,
    { mode: { s: 'constant' } },
  );
  return out(
    ctx.graph.node('AveragePool', layer.id, [zeroPadded], layer.id, {
      ...attrs,
      pads: ints([0, 0, bottom - b, right - r]),
      count_include_pad: int(0),
    }),
  );
};

const adaptiveAvgPool2d: OnnxEmitter<'adaptiveAvgPool2d'> = (layer, ctx) => {
  const [, , h, w] = ctx.inputShapes[0];
  const [oh, ow] = layer.attrs.output;
  if (oh === 1 && ow === 1)
    return out(ctx.graph.node('GlobalAveragePool', layer.id, [ctx.inputs[0]], layer.id));
  if (h % oh === 0 && w % ow === 0) {
    const k = [h / oh, w / ow];
    return out(
      ctx.graph.node('AveragePool', layer.id, [ctx.inputs[0]], layer.id, {
        kernel_shape: ints(k),
        strides: ints(k),
      }),
    );
  }
  // Uneven bins overlap; as matrices the pool is Bh · X · Bwᵀ, two MatMuls that broadcast over N and C.
  const bw = adaptivePoolBins(w, ow);
  const bwT = new Float32Array(w * ow);
  for (let i = 0; i < ow; i++) for (let j = 0; j < w; j++) bwT[j * ow + i] = bw[i * w + j];
  const cols = ctx.graph.node(
    'MatMul',
    `${layer.id}.width`,
    [ctx.inputs[0], ctx.graph.floats(`${layer.id}.width_bins`, [w, ow], bwT)],
    `${layer.id}.width`,
  );
  return out(
    ctx.graph.node(
      'MatMul',
      layer.id,
      [ctx.graph.floats(`${layer.id}.height_bins`, [oh, h], adaptivePoolBins(h, oh)), cols],
      layer.id,
    ),
  );
};

const localResponseNorm: OnnxEmitter<'localResponseNorm'> = (layer, ctx) => {
  const { size, alpha, beta, k } = layer.attrs;
  if (size % 2 === 1) {
    // For odd sizes ONNX's window (c − (n−1)/2 … c + (n−1)/2) and formula are PyTorch's.
    return out(
      ctx.graph.node('LRN', layer.id, [ctx.inputs[0]], layer.id, {
        size: int(size),
        alpha: float(alpha),
        beta: float(beta),
        bias: float(k),
      }),
    );
  }
  // An even window is centred differently in ONNX, so build it as PyTorch's own
  // local_response_norm does: a 3-D average pool of x² over channels c − n/2 … c + n/2 − 1.
  const g = ctx.graph;
  const id = layer.id;
  const x = ctx.inputs[0];
  const sq = g.node('Mul', `${id}.square`, [x, x], `${id}.square`);
  const axis = g.int64s(`${id}.axis`, [1]);
  const stacked = g.node('Unsqueeze', `${id}.unsqueeze`, [sq, axis], `${id}.unsqueeze`);
  const mean = g.node('AveragePool', `${id}.window`, [stacked], `${id}.window`, {
    kernel_shape: ints([size, 1, 1]),
    strides: ints([1, 1, 1]),
    pads: ints([Math.floor(size / 2), 0, 0, Math.floor((size - 1) / 2), 0, 0]),
    count_include_pad: int(1),
  });
  const windowMean = g.node('Squeeze', `${id}.squeeze`, [mean, axis], `${id}.squeeze`);
  const scaled = g.node(
    'Mul',
    `${id}.alpha`,
    [windowMean, g.floats(`${id}.alpha_value`, [], Float32Array.of(alpha))],
    `${id}.alpha`,
  );
  const shifted = g.node(
    'Add',
    `${id}.k`,
    [scaled, g.floats(`${id}.k_value`, [], Float32Array.of(k))],
    `${id}.k`,
  );
  const div = g.node(
    'Pow',
    `${id}.beta`,
    [shifted, g.floats(`${id}.beta_value`, [], Float32Array.of(beta))],
    `${id}.beta`,
  );
  return out(g.node('Div', id, [x, div], id));
};

const linear: OnnxEmitter<'linear'> = (layer, ctx) => {
  const a = layer.attrs;
  const inputs = [
    ctx.inputs[0],
    ctx.graph.floats(
      `${layer.id}.weight`,
      [a.outFeatures, a.inFeatures],
      ctx.weight(`${layer.id}.weight`, a.outFeatures * a.inFeatures),
    ),
  ];
  if (a.bias)
    inputs.push(
      ctx.graph.floats(
        `${layer.id}.bias`,
        [a.outFeatures],
        ctx.weight(`${layer.id}.bias`, a.outFeatures),
      ),
    );
  return out(ctx.graph.node('Gemm', layer.id, inputs, layer.id, { transB: int(1) }));
};

/** A fixed per-channel affine map: Mul and Add with 1×C×1×1 constants. */
const channelAffine: OnnxEmitter<'channelAffine'> = (layer, ctx) => {
  const g = ctx.graph;
  const c = layer.attrs.scale.length;
  const mul = g.node(
    'Mul',
    `${layer.id}.scale`,
    [
      ctx.inputs[0],
      g.floats(`${layer.id}.scale_value`, [1, c, 1, 1], Float32Array.from(layer.attrs.scale)),
    ],
    `${layer.id}.scale`,
  );
  return out(
    g.node(
      'Add',
      layer.id,
      [
        mul,
        g.floats(`${layer.id}.shift_value`, [1, c, 1, 1], Float32Array.from(layer.attrs.shift)),
      ],
      layer.id,
    ),
  );
};

/** Every layer kind's ONNX form. */
export const onnxEmitters: { readonly [K in LayerKind]: OnnxEmitter<K> } = {
  conv2d,
  batchNorm2d,
  relu: (layer, ctx) => out(ctx.graph.node('Relu', layer.id, ctx.inputs, layer.id)),
  maxPool2d,
  avgPool2d,
  adaptiveAvgPool2d,
  localResponseNorm,
  concat: (layer, ctx) =>
    ctx.inputs.length === 1
      ? { alias: ctx.inputs[0] }
      : out(ctx.graph.node('Concat', layer.id, ctx.inputs, layer.id, { axis: int(1) })),
  add: (layer, ctx) =>
    ctx.inputs.length === 1
      ? { alias: ctx.inputs[0] }
      : out(
          ctx.graph.node(ctx.inputs.length === 2 ? 'Add' : 'Sum', layer.id, ctx.inputs, layer.id),
        ),
  scale: (layer, ctx) =>
    out(
      ctx.graph.node(
        'Mul',
        layer.id,
        [
          ctx.inputs[0],
          ctx.graph.floats(`${layer.id}.factor`, [], Float32Array.of(layer.attrs.factor)),
        ],
        layer.id,
      ),
    ),
  // Eval mode: dropout is the identity.
  dropout: (_layer, ctx) => ({ alias: ctx.inputs[0] }),
  flatten: (layer, ctx) =>
    out(ctx.graph.node('Flatten', layer.id, ctx.inputs, layer.id, { axis: int(1) })),
  linear,
  channelAffine,
};
