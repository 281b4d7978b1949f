/** The conv block (Conv2d → BatchNorm2d → ReLU) and the settings it shares with the templates that use it. */
import type { Padding4, Pair } from '../model/types';
import { count, type ParamDefs } from '../model/params';
import { defineModule, type LayerBuilder } from './moduleDef';
import { requireFeatureMap } from './checks';

/** Choices that mirror a reference implementation: conv bias, BN eps and the BN attribute name. */
export const flavorParams = {
  conv_bias: { type: 'bool', label: 'Conv bias', default: true, group: 'flavor', doc: 'Whether convolutions have a bias (torchvision: no).' },
  bn_eps: { type: 'float', label: 'BN eps', min: 0, exclusiveMin: true, max: 1, default: 1e-5, group: 'flavor', doc: 'Batch-norm epsilon (torchvision: 0.001).' },
  bn_name: { type: 'enum', label: 'BN attribute', values: ['batchnorm', 'bn'], default: 'batchnorm', group: 'flavor', doc: 'The attribute name of the batch norm in the state_dict (torchvision: bn).' },
} as const satisfies ParamDefs;

export interface ConvFlavor {
  readonly conv_bias: boolean;
  readonly bn_eps: number;
  readonly bn_name: string;
}

/** Writes conv → BN → ReLU under `prefix` and returns the ReLU's id. */
export function addConvBlock(
  b: LayerBuilder,
  prefix: string,
  input: string,
  inChannels: number,
  outChannels: number,
  kernel: Pair,
  stride: Pair,
  padding: Padding4,
  flavor: ConvFlavor,
): string {
  const join = (s: string) => (prefix === '' ? s : `${prefix}.${s}`);
  const conv = b.add(join('conv'), 'conv2d', [input], { inChannels, outChannels, kernel, stride, padding, groups: 1, bias: flavor.conv_bias });
  const bn = b.add(join(flavor.bn_name), 'batchNorm2d', [conv], { channels: outChannels, eps: flavor.bn_eps, momentum: 0.1 });
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
  },
  arity: { min: 1, max: 1 },
  expand(p, ctx) {
    const problem = requireFeatureMap(ctx);
    if (problem) return problem;
    const b = ctx.builder();
    const out = addConvBlock(b, '', ctx.inputIds[0], ctx.inputs[0][1], p.out_channels, p.kernel, p.stride, p.padding, p);
    return { layers: b.layers, output: out };
  },
});
