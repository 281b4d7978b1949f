/** The conv block (Conv2d → BatchNorm2d → ReLU) and the settings it shares with the templates that use it. */
import type { Padding4, Pair } from '../model/types';
import { count, type ParamDefs } from '../model/params';
import { defineModule, LayerBuilder } from './moduleDef';
import { requireFeatureMap } from './checks';

/** Choices that mirror a reference implementation: conv bias, BN eps and the BN attribute name. */
export const flavorParams = {
  conv_bias: {
    type: 'bool',
    label: 'Conv bias',
    default: true,
    group: 'flavor',
    doc: 'Whether convolutions have a bias (torchvision: no).',
  },
  bn_eps: {
    type: 'float',
    label: 'BN eps',
    min: 0,
    exclusiveMin: true,
    max: 1,
    default: 1e-5,
    group: 'flavor',
    doc: 'Batch-norm epsilon (torchvision: 0.001).',
  },
  bn_name: {
    type: 'enum',
    label: 'BN attribute',
    values: ['batchnorm', 'bn'],
    default: 'batchnorm',
    group: 'flavor',
    doc: 'The attribute name of the batch norm in the state_dict (torchvision: bn).',
  },
} as const satisfies ParamDefs;

export interface ConvFlavor {
  readonly conv_bias: boolean;
  readonly bn_eps: number;
  readonly bn_name: string;
  /** `batch` (default): conv → BatchNorm2d → ReLU; `none`: conv → ReLU, as the paper's GoogLeNet. */
  readonly norm?: string;
}

/** One conv block, in the terms of PyTorch's Conv2d and BatchNorm2d. */
interface ConvBlockOptions {
  /** Where its state_dict keys start (`branch2.1` gives `branch2.1.conv.weight`); '' for a module that is one block. */
  readonly prefix: string;
  /** The id of the layer the convolution reads. */
  readonly input: string;
  readonly in_channels: number;
  /** The convolution's filters, and so the batch norm's `num_features`. */
  readonly out_channels: number;
  readonly kernel_size: Pair;
  /** [1, 1] when absent. */
  readonly stride?: Pair;
  /** [top, bottom, left, right]; none when absent. */
  readonly padding?: Padding4;
  /** The reference's conv bias, BN eps and BN attribute name, and whether there is a norm at all. */
  readonly flavor: ConvFlavor;
}

/**
 * Writes conv → BN → ReLU (or conv → ReLU without norm) under `prefix` and returns the ReLU's id.
 * With a flat builder the conv is `prefix` itself and its batch norm `prefix_bn` (Caffe ports).
 */
export function addConvBlock(
  b: LayerBuilder,
  {
    prefix,
    input,
    in_channels,
    out_channels,
    kernel_size,
    stride = [1, 1],
    padding = [0, 0, 0, 0],
    flavor,
  }: ConvBlockOptions,
): string {
  const flat = b.keys === 'flat';
  const join = (s: string) =>
    flat ? (prefix === '' ? s : `${prefix}_${s}`) : prefix === '' ? s : `${prefix}.${s}`;
  const conv = b.add(flat ? prefix : join('conv'), 'conv2d', [input], {
    inChannels: in_channels,
    outChannels: out_channels,
    kernel: kernel_size,
    stride,
    padding,
    groups: 1,
    bias: flavor.conv_bias,
  });
  const bn =
    flavor.norm === 'none'
      ? conv
      : b.add(join(flat ? 'bn' : flavor.bn_name), 'batchNorm2d', [conv], {
          channels: out_channels,
          eps: flavor.bn_eps,
          momentum: 0.1,
        });
  return b.add(join('relu'), 'relu', [bn], {});
}

export const convBlock = defineModule({
  kind: 'convBlock',
  label: 'Conv block',
  description: 'Convolution, batch normalization and ReLU.',
  insert: { label: 'Conv block', idBase: 'conv' },
  params: {
    out_channels: count('Filters', 64, 'Output channels of the convolution.'),
    kernel: { type: 'pair', label: 'Kernel', min: 1, max: 64, default: 3, group: 'structure' },
    stride: { type: 'pair', label: 'Stride', min: 1, max: 64, default: 1, group: 'structure' },
    padding: { type: 'padding', label: 'Padding', max: 64, default: 1, group: 'structure' },
    ...flavorParams,
    norm: {
      type: 'enum',
      label: 'Norm',
      values: ['batch', 'none'],
      default: 'batch',
      group: 'flavor',
      doc: "batch: conv → BatchNorm2d → ReLU; none: conv → ReLU, as the paper's GoogLeNet (give the conv a bias).",
    },
    keys: {
      type: 'enum',
      label: 'Key names',
      values: ['nested', 'flat'],
      default: 'nested',
      group: 'flavor',
      doc: 'nested: conv1.conv.weight, conv1.bn.weight (a submodule); flat: conv1.weight, conv1_bn.weight (layers of the network itself, as the Caffe ports name them).',
    },
  },
  arity: { min: 1, max: 1 },
  expand(p, ctx) {
    const problem = requireFeatureMap(ctx);
    if (problem) return problem;
    const b = p.keys === 'flat' ? new LayerBuilder(ctx.id, 'flat') : ctx.builder();
    const out = addConvBlock(b, {
      prefix: '',
      input: ctx.inputIds[0],
      in_channels: ctx.inputs[0][1],
      out_channels: p.out_channels,
      kernel_size: p.kernel,
      stride: p.stride,
      padding: p.padding,
      flavor: p,
    });
    return { layers: b.layers, output: out };
  },
});
