/** Modules that are a single layer: pools, LRN, dropout, ReLU, a plain convolution, joins. */
import { count, MAX_COUNT } from '../model/params';
import { defineModule } from './moduleDef';
import { requireFeatureMap } from './checks';

const poolParams = {
  kernel: { type: 'pair', label: 'Window', min: 1, max: 64, default: 3, group: 'structure' },
  stride: { type: 'pair', label: 'Stride', min: 1, max: 64, default: 2, group: 'structure' },
  padding: { type: 'padding', label: 'Padding', max: 32, default: 0, group: 'structure' },
  ceil_mode: {
    type: 'bool',
    label: 'Ceil mode',
    default: false,
    group: 'structure',
    doc: 'Round the output size up instead of down.',
  },
} as const;

export const maxPool = defineModule({
  kind: 'maxPool',
  label: 'Max pool',
  description: 'Max pooling; padding counts as −∞.',
  // Stride 1, padded by 1: keeps the map size, so the rest of the network still fits.
  insert: { label: 'Max pool (stride 1)', idBase: 'maxpool', defaults: { stride: 1, padding: 1 } },
  params: poolParams,
  arity: { min: 1, max: 1 },
  expand(p, ctx) {
    const b = ctx.builder();
    const out = b.add('', 'maxPool2d', ctx.inputIds, {
      kernel: p.kernel,
      stride: p.stride,
      padding: p.padding,
      ceilMode: p.ceil_mode,
    });
    return { layers: b.layers, output: out };
  },
});

export const avgPool = defineModule({
  kind: 'avgPool',
  label: 'Average pool',
  description: 'Average pooling.',
  params: {
    ...poolParams,
    stride: { ...poolParams.stride, default: 1 },
    count_include_pad: { type: 'bool', label: 'Count padding', default: true, group: 'structure' },
  },
  arity: { min: 1, max: 1 },
  expand(p, ctx) {
    const b = ctx.builder();
    const out = b.add('', 'avgPool2d', ctx.inputIds, {
      kernel: p.kernel,
      stride: p.stride,
      padding: p.padding,
      ceilMode: p.ceil_mode,
      countIncludePad: p.count_include_pad,
    });
    return { layers: b.layers, output: out };
  },
});

export const adaptiveAvgPool = defineModule({
  kind: 'adaptiveAvgPool',
  label: 'Adaptive average pool',
  description: 'Average pooling to a fixed output size (1×1 is global average pooling).',
  params: {
    output_size: {
      type: 'pair',
      label: 'Output size',
      min: 1,
      max: 1024,
      default: 1,
      group: 'structure',
    },
  },
  arity: { min: 1, max: 1 },
  expand(p, ctx) {
    const b = ctx.builder();
    return {
      layers: b.layers,
      output: b.add('', 'adaptiveAvgPool2d', ctx.inputIds, { output: p.output_size }),
    };
  },
});

export const localResponseNorm = defineModule({
  kind: 'localResponseNorm',
  label: 'Local response norm',
  description:
    'Normalizes each activation by its neighbours across channels, as the original GoogLeNet did.',
  params: {
    size: { type: 'int', label: 'Size', min: 1, max: 1024, default: 5, group: 'structure' },
    alpha: { type: 'float', label: 'Alpha', min: 0, max: 10, default: 1e-4, group: 'structure' },
    beta: { type: 'float', label: 'Beta', min: 0, max: 10, default: 0.75, group: 'structure' },
    k: { type: 'float', label: 'k', min: 0, max: 100, default: 1, group: 'structure' },
  },
  arity: { min: 1, max: 1 },
  expand(p, ctx) {
    const b = ctx.builder();
    return {
      layers: b.layers,
      output: b.add('', 'localResponseNorm', ctx.inputIds, {
        size: p.size,
        alpha: p.alpha,
        beta: p.beta,
        k: p.k,
      }),
    };
  },
});

export const dropout = defineModule({
  kind: 'dropout',
  label: 'Dropout',
  description: 'Zeroes activations at random in train mode; does nothing in eval mode.',
  params: {
    p: {
      type: 'float',
      label: 'Drop probability',
      min: 0,
      max: 1,
      default: 0.4,
      group: 'structure',
    },
  },
  arity: { min: 1, max: 1 },
  expand(p, ctx) {
    const b = ctx.builder();
    return { layers: b.layers, output: b.add('', 'dropout', ctx.inputIds, { p: p.p }) };
  },
});

export const relu = defineModule({
  kind: 'relu',
  label: 'ReLU',
  description: 'Rectified linear unit.',
  params: {},
  arity: { min: 1, max: 1 },
  expand(_p, ctx) {
    const b = ctx.builder();
    return { layers: b.layers, output: b.add('', 'relu', ctx.inputIds, {}) };
  },
});

export const conv2d = defineModule({
  kind: 'conv2d',
  label: 'Convolution',
  description: 'A plain convolution without normalization or activation.',
  params: {
    out_channels: count('Filters', 64),
    kernel: { type: 'pair', label: 'Kernel', min: 1, max: 64, default: 3, group: 'structure' },
    stride: { type: 'pair', label: 'Stride', min: 1, max: 64, default: 1, group: 'structure' },
    padding: { type: 'padding', label: 'Padding', max: 64, default: 0, group: 'structure' },
    groups: {
      type: 'int',
      label: 'Groups',
      min: 1,
      max: MAX_COUNT,
      default: 1,
      group: 'structure',
    },
    bias: { type: 'bool', label: 'Bias', default: true, group: 'flavor' },
  },
  arity: { min: 1, max: 1 },
  expand(p, ctx) {
    const problem = requireFeatureMap(ctx);
    if (problem) return problem;
    const b = ctx.builder();
    const out = b.add('', 'conv2d', ctx.inputIds, {
      inChannels: ctx.inputs[0][1],
      outChannels: p.out_channels,
      kernel: p.kernel,
      stride: p.stride,
      padding: p.padding,
      groups: p.groups,
      bias: p.bias,
    });
    return { layers: b.layers, output: out };
  },
});

export const concat = defineModule({
  kind: 'concat',
  label: 'Concatenate',
  description: 'Joins its inputs along the channel axis.',
  params: {},
  arity: { min: 2, max: 16 },
  expand(_p, ctx) {
    const b = ctx.builder();
    return { layers: b.layers, output: b.add('', 'concat', ctx.inputIds, {}) };
  },
});

export const add = defineModule({
  kind: 'add',
  label: 'Add',
  description: 'Sums same-shaped inputs (a residual connection).',
  params: {},
  arity: { min: 2, max: 16 },
  expand(_p, ctx) {
    const b = ctx.builder();
    return { layers: b.layers, output: b.add('', 'add', ctx.inputIds, {}) };
  },
});

export const scale = defineModule({
  kind: 'scale',
  label: 'Scale',
  description: 'Multiplies by a constant, as Inception-ResNet scales its residuals.',
  params: {
    factor: {
      type: 'float',
      label: 'Factor',
      min: -1000,
      max: 1000,
      default: 0.1,
      group: 'structure',
    },
  },
  arity: { min: 1, max: 1 },
  expand(p, ctx) {
    const b = ctx.builder();
    return { layers: b.layers, output: b.add('', 'scale', ctx.inputIds, { factor: p.factor }) };
  },
});
