/** The auxiliary classifier GoogLeNet attaches to 4a and 4d; it runs in train mode only. */
import type { Params } from '../model/types';
import { count } from '../model/params';
import { defineModule } from './moduleDef';
import { addConvBlock, flavorParams } from './convBlock';
import { requireFeatureMap } from './checks';
import { formatInt } from '../model/format';

export const auxHead = defineModule({
  kind: 'auxHead',
  label: 'Auxiliary head',
  description:
    'Average pool → 1×1 conv block → flatten → fully connected → ReLU → dropout → classifier. Train mode only.',
  params: {
    conv_out: count('1×1 filters', 128, 'Filters of the 1×1 conv block.'),
    hidden: count('Hidden units', 1024, 'Units of the first fully connected layer.'),
    pool: {
      type: 'enum',
      label: 'Pool',
      values: ['avg', 'adaptive'],
      default: 'avg',
      group: 'structure',
      doc: 'avg: a fixed window; adaptive: pool to a fixed size (torchvision).',
    },
    pool_kernel: {
      type: 'pair',
      label: 'Pool window',
      min: 1,
      max: 64,
      default: 5,
      group: 'structure',
    },
    pool_stride: {
      type: 'pair',
      label: 'Pool stride',
      min: 1,
      max: 64,
      default: 3,
      group: 'structure',
    },
    pool_size: { type: 'pair', label: 'Pool to', min: 1, max: 64, default: 4, group: 'structure' },
    in_size: {
      type: 'pair',
      label: 'Built for map size',
      min: 1,
      max: 64,
      default: 4,
      group: 'structure',
      doc: 'The pooled map size fc1 was built for.',
    },
    dropout: { type: 'float', label: 'Dropout', min: 0, max: 1, default: 0.7, group: 'structure' },
    out_features: {
      type: 'countOrClasses',
      label: 'Outputs',
      default: 'classes',
      group: 'structure',
    },
    ...flavorParams,
  },
  arity: { min: 1, max: 1 },
  active(raw: Params) {
    const common = [
      'conv_out',
      'hidden',
      'pool',
      'in_size',
      'dropout',
      'out_features',
      'conv_bias',
      'bn_eps',
      'bn_name',
    ];
    return raw.pool === 'adaptive'
      ? [...common, 'pool_size']
      : [...common, 'pool_kernel', 'pool_stride'];
  },
  expand(p, ctx) {
    const problem = requireFeatureMap(ctx);
    if (problem) return problem;
    const b = ctx.builder();
    const pooled =
      p.pool === 'adaptive'
        ? b.add('pool', 'adaptiveAvgPool2d', [ctx.inputIds[0]], { output: p.pool_size })
        : b.add('pool', 'avgPool2d', [ctx.inputIds[0]], {
            kernel: p.pool_kernel,
            stride: p.pool_stride,
            padding: [0, 0, 0, 0],
            ceilMode: false,
            countIncludePad: true,
          });
    const conv = addConvBlock(b, {
      prefix: 'conv',
      input: pooled,
      in_channels: ctx.inputs[0][1],
      out_channels: p.conv_out,
      kernel_size: [1, 1],
      flavor: p,
    });
    const flat = b.add('flatten', 'flatten', [conv], {});
    const inFeatures = p.conv_out * p.in_size[0] * p.in_size[1];
    const expectation = `${formatInt(p.conv_out)} channels × ${p.in_size[0]}×${p.in_size[1]}, the pooled size it was built for`;
    const fc1 = b.add('fc1', 'linear', [flat], {
      inFeatures,
      outFeatures: p.hidden,
      bias: true,
      expectation,
    });
    const r = b.add('relu', 'relu', [fc1], {});
    const d = b.add('dropout', 'dropout', [r], { p: p.dropout });
    const fc2 = b.add('fc2', 'linear', [d], {
      inFeatures: p.hidden,
      outFeatures: p.out_features,
      bias: true,
    });
    return { layers: b.layers, output: fc2 };
  },
});
