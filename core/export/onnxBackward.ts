/**
 * How each layer kind trains in ONNX (opset 17): its train-mode forward (batch statistics for batch
 * norm, a dropout mask given as an input) and the ONNX nodes of its gradient given dL/dY and the
 * values its forward saved, with PyTorch's backward formulas. One rule per kind in a typed record,
 * so a new layer kind does not compile until it says how it trains, or why it cannot.
 * `onnxTrainStep.ts` strings them into one training-step graph.
 */
import type { Layer, Shape } from '../model/types';
import type { LayerAttrMap, LayerKind } from '../layers/registry';
import { poolLength } from '../layers/spatial';
import { adaptivePoolBins } from '../layers/pooling';
import { int, ints, type OnnxGraphBuilder } from './onnxGraph';
import { onnxEmitters, poolEnds, type Emitted, type OnnxLayerContext } from './onnxLayers';

/** Shared constants of one graph (axes, shapes, scalars), each written once. */
export class OnnxConstants {
  private readonly made = new Map<string, string>();
  constructor(readonly graph: OnnxGraphBuilder) {}

  /** A 1-D int64 constant (axes, shapes, pads, split sizes). */
  int64s(values: readonly number[]): string {
    const name = `const:i64[${values.join(',')}]`;
    if (!this.made.has(name)) this.made.set(name, this.graph.int64s(name, values));
    return name;
  }

  /** A value computed once per graph under `key` (e.g. a layout change several layers read). */
  memo(key: string, build: (name: string) => string): string {
    if (!this.made.has(key)) this.made.set(key, build(key));
    return this.made.get(key)!;
  }

  /** A float32 scalar constant (shape []). */
  scalar(value: number): string {
    const name = `const:f32(${value})`;
    if (!this.made.has(name))
      this.made.set(name, this.graph.floats(name, [], Float32Array.of(value)));
    return name;
  }
}

/** What a train-mode forward emitter gets besides its layer. Shapes carry the step's fixed batch. */
export interface OnnxTrainContext {
  readonly graph: OnnxGraphBuilder;
  readonly consts: OnnxConstants;
  /** Value names of the layer's inputs. */
  readonly inputs: readonly string[];
  readonly inputShapes: readonly Shape[];
  readonly outputShape: Shape;
  /** The graph input holding a state_dict tensor (a parameter or running statistic) of this layer. */
  param(key: string): string;
  /** The graph input holding this layer's dropout mask (0 or 1/(1 − p) per element), null when dropout is off. */
  mask(): string | null;
  /** The value name the new value of a running statistic must be written to (a graph output of the step). */
  bufferOutput(key: string): string;
}

/** What a backward emitter gets: the forward's context, its output and saved values, and dL/dY. */
export interface OnnxBackwardContext extends OnnxTrainContext {
  /** The forward output's value name. */
  readonly output: string;
  /** Values the forward saved for the backward (by the forward's own names). */
  readonly saved: Readonly<Record<string, string>>;
  /** dL/dY, the layer output's shape. */
  readonly dY: string;
  /** Whether each input needs a gradient (false for the network input and parameter-free stems). */
  readonly needGrad: readonly boolean[];
  /** Declares dL/d(state_dict tensor). */
  paramGrad(key: string, value: string): void;
}

/** A train-mode forward: a new value (and what the backward needs), or an input it passes through. */
export type TrainForward =
  | { readonly output: string; readonly saved?: Readonly<Record<string, string>> }
  | { readonly alias: string };

/** How one layer kind trains; `unsupported` names a configuration of the kind that cannot, with the reason. */
export interface OnnxTrainEmitter<K extends LayerKind> {
  forward(layer: Layer<K, LayerAttrMap[K]>, ctx: OnnxTrainContext): TrainForward;
  /** dL/d(each input), null for an input that needs none. */
  backward(layer: Layer<K, LayerAttrMap[K]>, ctx: OnnxBackwardContext): readonly (string | null)[];
  unsupported?(layer: Layer<K, LayerAttrMap[K]>): string | null;
}

/** A kind trains (its emitters) or cannot, with a sentence saying why. */
export type OnnxBackwardRule<K extends LayerKind> =
  OnnxTrainEmitter<K> | { readonly untrainable: string };

/** ONNX pads are [begin₀, begin₁, end₀, end₁]; ours are [top, bottom, left, right]. */
const onnxPads = (p: readonly number[]): number[] => [p[0], p[2], p[1], p[3]];

/** The eval emitter of a parameter-free kind is also its train-mode forward. */
function evalForward<K extends LayerKind>(kind: K) {
  return (layer: Layer<K, LayerAttrMap[K]>, ctx: OnnxTrainContext): TrainForward => {
    const evalCtx: OnnxLayerContext = {
      graph: ctx.graph,
      inputs: ctx.inputs,
      inputShapes: ctx.inputShapes,
      outputShape: ctx.outputShape,
      foldedBatchNorm: null,
      weight(key) {
        throw new Error(`The train-mode forward of ${layer.id} asked for weight ${key}.`);
      },
    };
    const e: Emitted = (
      onnxEmitters[kind] as (l: Layer<K, LayerAttrMap[K]>, c: OnnxLayerContext) => Emitted
    )(layer, evalCtx);
    return e;
  };
}

/**
 * The transpose of a strided window operator (a convolution's input gradient, an average pool's):
 * ConvTranspose of `dY` with `weight` onto an input of `inputHW`, the windows starting `padBegin`
 * before it. The end padding crops what falls past the input; when the windows stop short of its
 * end (floor-mode leftovers) output_padding adds the untouched rows (always < stride).
 */
function windowTranspose(
  g: OnnxGraphBuilder,
  name: string,
  dY: string,
  weight: string,
  a: {
    kernel: readonly number[];
    stride: readonly number[];
    padBegin: readonly number[];
    outHW: readonly number[];
    inputHW: readonly number[];
    group: number;
  },
): string {
  const ends = [0, 1].map(
    (d) => a.stride[d] * (a.outHW[d] - 1) + a.kernel[d] - a.padBegin[d] - a.inputHW[d],
  );
  return g.node('ConvTranspose', name, [dY, weight], name, {
    kernel_shape: ints(a.kernel),
    strides: ints(a.stride),
    pads: ints([a.padBegin[0], a.padBegin[1], Math.max(0, ends[0]), Math.max(0, ends[1])]),
    output_padding: ints([Math.max(0, -ends[0]), Math.max(0, -ends[1])]),
    group: int(a.group),
  });
}

/** dY as (N·Ho·Wo) × Co rows (channels last), made once per layer for its filter and input gradients. */
function dyNhwcRows(ctx: OnnxBackwardContext, layerId: string): string {
  const [n, co, ho, wo] = ctx.outputShape;
  return ctx.consts.memo(`${layerId}:grad.dyRows`, (name) =>
    ctx.graph.node(
      'Reshape',
      name,
      [
        ctx.graph.node('Transpose', `${name}.nhwc`, [ctx.dY], `${name}.nhwc`, {
          perm: ints([0, 2, 3, 1]),
        }),
        ctx.consts.int64s([n * ho * wo, co]),
      ],
      name,
    ),
  );
}

/**
 * A convolution's filter gradient as one MatMul over shifted slices (the issue measured this 2.4×
 * faster than a Conv over transposed tensors at large maps): the input goes to N×H×W×C once, each
 * of the kh·kw kernel offsets is a strided slice of it (N×Ho×Wo×Ci), stacked last into the
 * (N·Ho·Wo) × (Ci·kh·kw) patch matrix; dW = dYᵀ (Co × N·Ho·Wo) · patches, already in PyTorch's
 * Co×Ci×kh×kw order. Groups 1 only.
 */
function convFilterGrad(
  layer: Layer<'conv2d', LayerAttrMap['conv2d']>,
  ctx: OnnxBackwardContext,
): string {
  const g = ctx.graph;
  const c = ctx.consts;
  const a = layer.attrs;
  const id = `${layer.id}:grad`;
  const [n, ci] = ctx.inputShapes[0];
  const [, co, ho, wo] = ctx.outputShape;
  const [t, b, l, r] = a.padding;
  const [kh, kw] = a.kernel;
  const [sh, sw] = a.stride;
  const rows = n * ho * wo;
  // The branches of a module read the same input: its N×H×W×C copy is made once for all of them.
  let x = c.memo(`nhwc:${ctx.inputs[0]}`, (name) =>
    g.node('Transpose', name, [ctx.inputs[0]], name, { perm: ints([0, 2, 3, 1]) }),
  );
  let patches: string;
  if (kh === 1 && kw === 1 && sh === 1 && sw === 1 && t + b + l + r === 0) {
    patches = g.node('Reshape', `${id}.patches`, [x, c.int64s([rows, ci])], `${id}.patches`);
  } else {
    if (t + b + l + r > 0)
      x = g.node('Pad', `${id}.pad`, [x, c.int64s([0, t, l, 0, 0, b, r, 0])], `${id}.pad`, {
        mode: { s: 'constant' },
      });
    const slices: string[] = [];
    for (let i = 0; i < kh; i++)
      for (let j = 0; j < kw; j++) {
        const s = g.node(
          'Slice',
          `${id}.slice${i}_${j}`,
          [
            x,
            c.int64s([i, j]),
            c.int64s([i + sh * (ho - 1) + 1, j + sw * (wo - 1) + 1]),
            c.int64s([1, 2]),
            c.int64s([sh, sw]),
          ],
          `${id}.slice${i}_${j}`,
        );
        slices.push(
          g.node('Unsqueeze', `${id}.offset${i}_${j}`, [s, c.int64s([4])], `${id}.offset${i}_${j}`),
        );
      }
    const stacked =
      slices.length === 1
        ? slices[0]
        : g.node('Concat', `${id}.stack`, slices, `${id}.stack`, { axis: int(4) });
    patches = g.node(
      'Reshape',
      `${id}.patches`,
      [stacked, c.int64s([rows, ci * kh * kw])],
      `${id}.patches`,
    );
  }
  // dYᵀ of the (N·Ho·Wo) × Co rows: ONNX Runtime fuses this 2-D Transpose into the MatMul.
  const dyRows = g.node(
    'Transpose',
    `${id}.dyRowsT`,
    [dyNhwcRows(ctx, layer.id)],
    `${id}.dyRowsT`,
    {
      perm: ints([1, 0]),
    },
  );
  const dw = g.node('MatMul', `${id}.weightFlat`, [dyRows, patches], `${id}.weightFlat`);
  return g.node('Reshape', `${id}.weight`, [dw, c.int64s([co, ci, kh, kw])], `${id}.weight`);
}

const conv2d: OnnxTrainEmitter<'conv2d'> = {
  unsupported: (layer) =>
    layer.attrs.groups === 1
      ? null
      : `grouped convolution (groups ${layer.attrs.groups}) has no filter gradient written for ONNX Runtime`,
  forward(layer, ctx) {
    const a = layer.attrs;
    const inputs = [ctx.inputs[0], ctx.param(`${layer.id}.weight`)];
    if (a.bias) inputs.push(ctx.param(`${layer.id}.bias`));
    return {
      output: ctx.graph.node('Conv', layer.id, inputs, layer.id, {
        kernel_shape: ints(a.kernel),
        strides: ints(a.stride),
        pads: ints(onnxPads(a.padding)),
        dilations: ints([1, 1]),
        group: int(a.groups),
      }),
    };
  },
  backward(layer, ctx) {
    const a = layer.attrs;
    const g = ctx.graph;
    const id = `${layer.id}:grad`;
    if (a.bias)
      ctx.paramGrad(
        `${layer.id}.bias`,
        g.node('ReduceSum', `${id}.bias`, [ctx.dY, ctx.consts.int64s([0, 2, 3])], `${id}.bias`, {
          keepdims: int(0),
        }),
      );
    ctx.paramGrad(`${layer.id}.weight`, convFilterGrad(layer, ctx));
    if (!ctx.needGrad[0]) return [null];
    const [n, ci, h, w] = ctx.inputShapes[0];
    if (
      a.kernel[0] === 1 &&
      a.kernel[1] === 1 &&
      a.stride[0] === 1 &&
      a.stride[1] === 1 &&
      a.groups === 1 &&
      a.padding.every((p) => p === 0)
    ) {
      // 1×1: dx = dY·W as one GEMM over the (N·H·W) × Co rows, no copy of the weight; ONNX
      // Runtime's ConvTranspose runs it as one small GEMM per image.
      const c = ctx.consts;
      const rows = g.node(
        'MatMul',
        `${id}.inputRows`,
        [
          dyNhwcRows(ctx, layer.id),
          g.node(
            'Reshape',
            `${id}.weight2d`,
            [ctx.param(`${layer.id}.weight`), c.int64s([a.outChannels, ci])],
            `${id}.weight2d`,
          ),
        ],
        `${id}.inputRows`,
      );
      const nhwc = g.node(
        'Reshape',
        `${id}.inputNhwc`,
        [rows, c.int64s([n, h, w, ci])],
        `${id}.inputNhwc`,
      );
      return [
        g.node('Transpose', `${id}.input`, [nhwc], `${id}.input`, { perm: ints([0, 3, 1, 2]) }),
      ];
    }
    return [
      windowTranspose(g, `${id}.input`, ctx.dY, ctx.param(`${layer.id}.weight`), {
        kernel: a.kernel,
        stride: a.stride,
        padBegin: [a.padding[0], a.padding[2]],
        outHW: ctx.outputShape.slice(2),
        inputHW: [h, w],
        group: a.groups,
      }),
    ];
  },
};

/**
 * Batch norm in train mode as PyTorch computes it: batch mean and biased variance over N, H, W;
 * y = (x − mean)·γ/√(var + eps) + β; running_mean ← (1 − m)·running_mean + m·mean and
 * running_var ← (1 − m)·running_var + m·var·M/(M − 1) (unbiased, M = N·H·W). Backward:
 * dγ = Σ dY·x̂, dβ = Σ dY, dx = γ/σ·(dY − dβ/M − x̂·dγ/M).
 */
const batchNorm2d: OnnxTrainEmitter<'batchNorm2d'> = {
  forward(layer, ctx) {
    const g = ctx.graph;
    const c = ctx.consts;
    const { channels, eps, momentum } = layer.attrs;
    const id = layer.id;
    const [n, , h, w] = ctx.inputShapes[0];
    const m = n * h * w;
    const axes = { axes: ints([0, 2, 3]), keepdims: int(1) };
    const perChannel = c.int64s([1, channels, 1, 1]);
    const flat = c.int64s([channels]);
    const x = ctx.inputs[0];
    const mean = g.node('ReduceMean', `${id}:mean`, [x], `${id}:mean`, axes);
    const xc = g.node('Sub', `${id}:centred`, [x, mean], `${id}:centred`);
    // Σ (x − mean)² in one reduction, without a squared copy of the map.
    const sq = g.node('Mul', `${id}:squared`, [xc, xc], `${id}:squared`);
    const variance = g.node('ReduceMean', `${id}:var`, [sq], `${id}:var`, axes);
    const std = g.node(
      'Sqrt',
      `${id}:std`,
      [g.node('Add', `${id}:varEps`, [variance, c.scalar(eps)], `${id}:varEps`)],
      `${id}:std`,
    );
    const invStd = g.node('Reciprocal', `${id}:invStd`, [std], `${id}:invStd`);
    const gamma = g.node(
      'Reshape',
      `${id}:gamma`,
      [ctx.param(`${id}.weight`), perChannel],
      `${id}:gamma`,
    );
    const beta = g.node(
      'Reshape',
      `${id}:beta`,
      [ctx.param(`${id}.bias`), perChannel],
      `${id}:beta`,
    );
    const k = g.node('Mul', `${id}:k`, [gamma, invStd], `${id}:k`);
    const y = g.node('Add', id, [g.node('Mul', `${id}:scaled`, [xc, k], `${id}:scaled`), beta], id);
    const blend = (key: string, batchValue: string, factor: number) => {
      const old = g.node(
        'Mul',
        `${id}:${key}Old`,
        [ctx.param(`${id}.${key}`), c.scalar(1 - momentum)],
        `${id}:${key}Old`,
      );
      const fresh = g.node(
        'Mul',
        `${id}:${key}Batch`,
        [
          g.node('Reshape', `${id}:${key}Flat`, [batchValue, flat], `${id}:${key}Flat`),
          c.scalar(factor),
        ],
        `${id}:${key}Batch`,
      );
      const out = ctx.bufferOutput(`${id}.${key}`);
      g.node('Add', out, [old, fresh], out);
    };
    blend('running_mean', mean, momentum);
    blend('running_var', variance, (momentum * m) / Math.max(1, m - 1));
    return { output: y, saved: { xc, invStd, k } };
  },
  backward(layer, ctx) {
    const g = ctx.graph;
    const c = ctx.consts;
    const id = `${layer.id}:grad`;
    const { xc, invStd, k } = ctx.saved;
    const [n, ch, h, w] = ctx.inputShapes[0];
    const m = n * h * w;
    const axes = c.int64s([0, 2, 3]);
    const flat = c.int64s([ch]);
    const dBeta = g.node('ReduceSum', `${id}.bias`, [ctx.dY, axes], `${id}.bias`, {
      keepdims: int(1),
    });
    const dyXc = g.node('Mul', `${id}.dyXc`, [ctx.dY, xc], `${id}.dyXc`);
    const s = g.node('ReduceSum', `${id}.sumDyXc`, [dyXc, axes], `${id}.sumDyXc`, {
      keepdims: int(1),
    });
    const dGamma = g.node('Mul', `${id}.weight4`, [s, invStd], `${id}.weight4`);
    ctx.paramGrad(
      `${layer.id}.weight`,
      g.node('Reshape', `${id}.weight`, [dGamma, flat], `${id}.weight`),
    );
    ctx.paramGrad(
      `${layer.id}.bias`,
      g.node('Reshape', `${id}.biasFlat`, [dBeta, flat], `${id}.biasFlat`),
    );
    if (!ctx.needGrad[0]) return [null];
    // dx = dY·k − xc·(k·σ⁻²·Σ dY·xc / M) − k·Σ dY / M, with k = γ/σ.
    const invM = c.scalar(1 / m);
    const shift = g.node(
      'Mul',
      `${id}.shift`,
      [g.node('Mul', `${id}.kDBeta`, [k, dBeta], `${id}.kDBeta`), invM],
      `${id}.shift`,
    );
    const invVar = g.node('Mul', `${id}.invVar`, [invStd, invStd], `${id}.invVar`);
    const slope = g.node(
      'Mul',
      `${id}.slope`,
      [
        g.node('Mul', `${id}.kInvVar`, [k, invVar], `${id}.kInvVar`),
        g.node('Mul', `${id}.sOverM`, [s, invM], `${id}.sOverM`),
      ],
      `${id}.slope`,
    );
    const dyK = g.node('Mul', `${id}.dyK`, [ctx.dY, k], `${id}.dyK`);
    const xcSlope = g.node('Mul', `${id}.xcSlope`, [xc, slope], `${id}.xcSlope`);
    const part = g.node('Sub', `${id}.part`, [dyK, xcSlope], `${id}.part`);
    return [g.node('Sub', `${id}.input`, [part, shift], `${id}.input`)];
  },
};

/** ReLU passes dY where its output is positive (PyTorch's threshold_backward on the result). */
const relu: OnnxTrainEmitter<'relu'> = {
  forward: evalForward('relu'),
  backward(layer, ctx) {
    const g = ctx.graph;
    const id = `${layer.id}:grad`;
    const on = g.node('Greater', `${id}.on`, [ctx.output, ctx.consts.scalar(0)], `${id}.on`);
    return [g.node('Where', `${id}.input`, [on, ctx.dY, ctx.consts.scalar(0)], `${id}.input`)];
  },
};

/**
 * Max pool keeps MaxPool's Indices output (flat positions in N×C×H×W, padding never chosen, so
 * PyTorch's −∞ padding and ceil mode come out as in the forward); the gradient scatters dY onto
 * them, adding where overlapping windows chose the same cell.
 */
const maxPool2d: OnnxTrainEmitter<'maxPool2d'> = {
  forward(layer, ctx) {
    const a = layer.attrs;
    const { bottom, right } = poolEnds(ctx.inputShapes[0], a);
    const [output, indices] = ctx.graph.nodeOutputs(
      'MaxPool',
      layer.id,
      [ctx.inputs[0]],
      [layer.id, `${layer.id}:indices`],
      {
        kernel_shape: ints(a.kernel),
        strides: ints(a.stride),
        pads: ints([a.padding[0], a.padding[2], bottom, right]),
        ceil_mode: int(0),
      },
    );
    return { output, saved: { indices } };
  },
  backward(layer, ctx) {
    const g = ctx.graph;
    const c = ctx.consts;
    const id = `${layer.id}:grad`;
    const shape = ctx.inputShapes[0];
    const size = shape.reduce((x, y) => x * y, 1);
    const all = c.int64s([-1]);
    const zeros = g.node('ConstantOfShape', `${id}.zeros`, [c.int64s([size])], `${id}.zeros`);
    const flatIdx = g.node(
      'Reshape',
      `${id}.flatIndices`,
      [ctx.saved.indices, all],
      `${id}.flatIndices`,
    );
    const flatDy = g.node('Reshape', `${id}.flatDy`, [ctx.dY, all], `${id}.flatDy`);
    const scattered = g.node(
      'ScatterElements',
      `${id}.scatter`,
      [zeros, flatIdx, flatDy],
      `${id}.scatter`,
      { axis: int(0), reduction: { s: 'add' } },
    );
    return [g.node('Reshape', `${id}.input`, [scattered, c.int64s([...shape])], `${id}.input`)];
  },
};

/**
 * PyTorch's average-pool divisor of each output cell (aten avg_pool2d): the window clipped to the
 * declared padding (count_include_pad) or to the input (not), a ceil-mode overhang never counted.
 */
export function avgPoolDivisors(
  input: Shape,
  a: LayerAttrMap['avgPool2d'],
): { divisors: Float32Array; out: [number, number] } {
  const [, , h, w] = input;
  const [t, b, l, r] = a.padding;
  const oh = poolLength(h, a.kernel[0], a.stride[0], t, b, a.ceilMode);
  const ow = poolLength(w, a.kernel[1], a.stride[1], l, r, a.ceilMode);
  const divisors = new Float32Array(oh * ow);
  for (let i = 0; i < oh; i++)
    for (let j = 0; j < ow; j++) {
      let h0 = i * a.stride[0] - t;
      let w0 = j * a.stride[1] - l;
      let h1 = Math.min(h0 + a.kernel[0], h + b);
      let w1 = Math.min(w0 + a.kernel[1], w + r);
      const padded = (h1 - h0) * (w1 - w0);
      h0 = Math.max(h0, 0);
      w0 = Math.max(w0, 0);
      h1 = Math.min(h1, h);
      w1 = Math.min(w1, w);
      divisors[i * ow + j] = a.countIncludePad ? padded : (h1 - h0) * (w1 - w0);
    }
  return { divisors, out: [oh, ow] };
}

/** Average pool's gradient: dY over each cell's divisor, spread back over its window (a depthwise ConvTranspose of ones). */
const avgPool2d: OnnxTrainEmitter<'avgPool2d'> = {
  forward: evalForward('avgPool2d'),
  backward(layer, ctx) {
    const g = ctx.graph;
    const a = layer.attrs;
    const id = `${layer.id}:grad`;
    const [, ch, h, w] = ctx.inputShapes[0];
    const { divisors, out } = avgPoolDivisors(ctx.inputShapes[0], a);
    const div = g.floats(`${id}.divisors`, [1, 1, out[0], out[1]], divisors);
    const ones = g.floats(
      `${id}.ones`,
      [ch, 1, a.kernel[0], a.kernel[1]],
      new Float32Array(ch * a.kernel[0] * a.kernel[1]).fill(1),
    );
    const scaled = g.node('Div', `${id}.scaled`, [ctx.dY, div], `${id}.scaled`);
    return [
      windowTranspose(g, `${id}.input`, scaled, ones, {
        kernel: a.kernel,
        stride: a.stride,
        padBegin: [a.padding[0], a.padding[2]],
        outHW: out,
        inputHW: [h, w],
        group: ch,
      }),
    ];
  },
};

/** Adaptive average pool's gradient: dY / (H·W) broadcast for 1×1, else Bhᵀ · dY · Bw with its bin matrices. */
const adaptiveAvgPool2d: OnnxTrainEmitter<'adaptiveAvgPool2d'> = {
  forward: evalForward('adaptiveAvgPool2d'),
  backward(layer, ctx) {
    const g = ctx.graph;
    const id = `${layer.id}:grad`;
    const shape = ctx.inputShapes[0];
    const [, , h, w] = shape;
    const [oh, ow] = layer.attrs.output;
    if (oh === 1 && ow === 1) {
      const mean = g.node(
        'Mul',
        `${id}.mean`,
        [ctx.dY, ctx.consts.scalar(1 / (h * w))],
        `${id}.mean`,
      );
      return [
        g.node('Expand', `${id}.input`, [mean, ctx.consts.int64s([...shape])], `${id}.input`),
      ];
    }
    const bh = adaptivePoolBins(h, oh);
    const bhT = new Float32Array(h * oh);
    for (let i = 0; i < oh; i++) for (let j = 0; j < h; j++) bhT[j * oh + i] = bh[i * h + j];
    const rows = g.node(
      'MatMul',
      `${id}.height`,
      [g.floats(`${id}.height_binsT`, [h, oh], bhT), ctx.dY],
      `${id}.height`,
    );
    return [
      g.node(
        'MatMul',
        `${id}.input`,
        [rows, g.floats(`${id}.width_bins`, [ow, w], adaptivePoolBins(w, ow))],
        `${id}.input`,
      ),
    ];
  },
};

const concat: OnnxTrainEmitter<'concat'> = {
  forward: evalForward('concat'),
  backward(layer, ctx) {
    if (ctx.inputs.length === 1) return [ctx.dY];
    const id = `${layer.id}:grad`;
    return ctx.graph.nodeOutputs(
      'Split',
      `${id}.split`,
      [ctx.dY, ctx.consts.int64s(ctx.inputShapes.map((s) => s[1]))],
      ctx.inputs.map((_, i) => `${id}.input${i}`),
      { axis: int(1) },
    );
  },
};

/** The residual tails: add passes dY to every input, scale multiplies it by the factor. */
const add: OnnxTrainEmitter<'add'> = {
  forward: evalForward('add'),
  backward: (_layer, ctx) => ctx.inputs.map(() => ctx.dY),
};

const scale: OnnxTrainEmitter<'scale'> = {
  forward: evalForward('scale'),
  backward: (layer, ctx) => [
    ctx.graph.node(
      'Mul',
      `${layer.id}:grad.input`,
      [ctx.dY, ctx.consts.scalar(layer.attrs.factor)],
      `${layer.id}:grad.input`,
    ),
  ],
};

/** Dropout multiplies by its mask (an input: 0 or 1/(1 − p), as torch.nn.Dropout scales), forward and back. */
const dropout: OnnxTrainEmitter<'dropout'> = {
  forward(layer, ctx) {
    const mask = ctx.mask();
    if (!mask) return { alias: ctx.inputs[0] };
    return {
      output: ctx.graph.node('Mul', layer.id, [ctx.inputs[0], mask], layer.id),
      saved: { mask },
    };
  },
  backward: (layer, ctx) =>
    ctx.saved.mask
      ? [
          ctx.graph.node(
            'Mul',
            `${layer.id}:grad.input`,
            [ctx.dY, ctx.saved.mask],
            `${layer.id}:grad.input`,
          ),
        ]
      : [ctx.dY],
};

const flatten: OnnxTrainEmitter<'flatten'> = {
  forward: evalForward('flatten'),
  backward: (layer, ctx) => [
    ctx.graph.node(
      'Reshape',
      `${layer.id}:grad.input`,
      [ctx.dY, ctx.consts.int64s([...ctx.inputShapes[0]])],
      `${layer.id}:grad.input`,
    ),
  ],
};

/** Linear: y = x·Wᵀ + b; dx = dY·W, dW = dYᵀ·x, db = Σₙ dY. */
const linear: OnnxTrainEmitter<'linear'> = {
  forward(layer, ctx) {
    const inputs = [ctx.inputs[0], ctx.param(`${layer.id}.weight`)];
    if (layer.attrs.bias) inputs.push(ctx.param(`${layer.id}.bias`));
    return { output: ctx.graph.node('Gemm', layer.id, inputs, layer.id, { transB: int(1) }) };
  },
  backward(layer, ctx) {
    const g = ctx.graph;
    const id = `${layer.id}:grad`;
    ctx.paramGrad(
      `${layer.id}.weight`,
      g.node('Gemm', `${id}.weight`, [ctx.dY, ctx.inputs[0]], `${id}.weight`, { transA: int(1) }),
    );
    if (layer.attrs.bias)
      ctx.paramGrad(
        `${layer.id}.bias`,
        g.node('ReduceSum', `${id}.bias`, [ctx.dY, ctx.consts.int64s([0])], `${id}.bias`, {
          keepdims: int(0),
        }),
      );
    if (!ctx.needGrad[0]) return [null];
    return [
      g.node('MatMul', `${id}.input`, [ctx.dY, ctx.param(`${layer.id}.weight`)], `${id}.input`),
    ];
  },
};

/** The fixed per-channel affine map passes dY times its scale. */
const channelAffine: OnnxTrainEmitter<'channelAffine'> = {
  forward: evalForward('channelAffine'),
  backward(layer, ctx) {
    const id = `${layer.id}:grad`;
    const s = Float32Array.from(layer.attrs.scale);
    return [
      ctx.graph.node(
        'Mul',
        `${id}.input`,
        [ctx.dY, ctx.graph.floats(`${id}.scale`, [1, s.length, 1, 1], s)],
        `${id}.input`,
      ),
    ];
  },
};

/** Every layer kind's training rule: how it trains in ONNX, or why it cannot. */
export const onnxBackwardRules: { readonly [K in LayerKind]: OnnxBackwardRule<K> } = {
  conv2d,
  batchNorm2d,
  relu,
  maxPool2d,
  avgPool2d,
  adaptiveAvgPool2d,
  localResponseNorm: {
    untrainable:
      'local response norm has no gradient written for ONNX Runtime (its backward is a windowed sum over channels still to be written)',
  },
  concat,
  add,
  scale,
  dropout,
  flatten,
  linear,
  channelAffine,
};

/** Why a layer cannot train on ONNX Runtime, or null when it can. */
export function untrainableReason(layer: Layer): string | null {
  const rule = onnxBackwardRules[layer.kind as LayerKind] as
    OnnxBackwardRule<LayerKind> | undefined;
  if (!rule) return `layer kind ${layer.kind} has no training rule`;
  if ('untrainable' in rule) return rule.untrainable;
  return rule.unsupported?.(layer as Layer<LayerKind, never>) ?? null;
}
