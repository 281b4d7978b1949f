/** The inception module: four parallel branches concatenated on channels. */
import type { Params } from '../model/types';
import { count } from '../model/params';
import { defineModule } from './moduleDef';
import { addConvBlock, flavorParams } from './convBlock';
import { requireFeatureMap } from './checks';

const REDUCED_FIELDS = [
  'out_1x1',
  'red_3x3',
  'out_3x3',
  'red_5x5',
  'out_5x5',
  'out_1x1pool',
] as const;
const NAIVE_FIELDS = ['out_1x1', 'out_3x3', 'out_5x5'] as const;

export const inception = defineModule({
  kind: 'inception',
  label: 'Inception module',
  description:
    'Four branches on the same input, concatenated on channels: 1×1; 1×1 reduce → 3×3; 1×1 reduce → 5×5; 3×3 max pool → 1×1 projection. The naive form drops the reductions and passes the pool through.',
  params: {
    out_1x1: count('1×1', 64, 'Filters of the 1×1 branch.'),
    red_3x3: count(
      '3×3 reduce',
      96,
      '1×1 filters that reduce channels before the 3×3 convolution.',
    ),
    out_3x3: count('3×3', 128, 'Filters of the 3×3 convolution.'),
    red_5x5: count(
      '5×5 reduce',
      16,
      '1×1 filters that reduce channels before the 5×5 convolution.',
    ),
    out_5x5: count('5×5', 32, 'Filters of the 5×5 convolution.'),
    out_1x1pool: count('Pool proj', 32, '1×1 filters that project the max-pooled input.'),
    form: {
      type: 'enum',
      label: 'Form',
      values: ['reduced', 'naive'],
      default: 'reduced',
      group: 'structure',
      doc: 'reduced: the dimension-reduction form; naive: 1×1, 3×3 and 5×5 straight on the input plus the pooled input unchanged.',
    },
    kernel_5x5: {
      type: 'int',
      label: '5×5 kernel',
      min: 1,
      max: 15,
      default: 5,
      group: 'flavor',
      doc: 'Kernel of the "5×5" branch (torchvision uses 3).',
    },
    pool_ceil: { type: 'bool', label: 'Pool ceil mode', default: false, group: 'flavor' },
    ...flavorParams,
  },
  arity: { min: 1, max: 1 },
  insert: { label: 'Inception module', idBase: 'inception' },
  active(raw: Params) {
    const fields: readonly string[] = raw.form === 'naive' ? NAIVE_FIELDS : REDUCED_FIELDS;
    return [...fields, 'form', 'kernel_5x5', 'pool_ceil', 'conv_bias', 'bn_eps', 'bn_name'];
  },
  expand(p, ctx) {
    const problem = requireFeatureMap(ctx);
    if (problem) return problem;
    const b = ctx.builder();
    const x = ctx.inputIds[0];
    const cin = ctx.inputs[0][1];
    const k5 = p.kernel_5x5;
    const pad = (k: number) =>
      [
        Math.floor((k - 1) / 2),
        Math.ceil((k - 1) / 2),
        Math.floor((k - 1) / 2),
        Math.ceil((k - 1) / 2),
      ] as const;
    const pool = {
      kernel: [3, 3] as const,
      stride: [1, 1] as const,
      padding: [1, 1, 1, 1] as const,
      ceilMode: p.pool_ceil,
    };
    let outs: string[];
    if (p.form === 'naive') {
      outs = [
        addConvBlock(b, {
          prefix: 'branch1',
          input: x,
          in_channels: cin,
          out_channels: p.out_1x1,
          kernel_size: [1, 1],
          flavor: p,
        }),
        addConvBlock(b, {
          prefix: 'branch2',
          input: x,
          in_channels: cin,
          out_channels: p.out_3x3,
          kernel_size: [3, 3],
          padding: pad(3),
          flavor: p,
        }),
        addConvBlock(b, {
          prefix: 'branch3',
          input: x,
          in_channels: cin,
          out_channels: p.out_5x5,
          kernel_size: [k5, k5],
          padding: pad(k5),
          flavor: p,
        }),
        b.add('branch4', 'maxPool2d', [x], pool),
      ];
    } else {
      // Written in branch order (branch1, branch2.0, branch2.1, …): the state_dict's order.
      const o1 = addConvBlock(b, {
        prefix: 'branch1',
        input: x,
        in_channels: cin,
        out_channels: p.out_1x1,
        kernel_size: [1, 1],
        flavor: p,
      });
      const r3 = addConvBlock(b, {
        prefix: 'branch2.0',
        input: x,
        in_channels: cin,
        out_channels: p.red_3x3,
        kernel_size: [1, 1],
        flavor: p,
      });
      const o3 = addConvBlock(b, {
        prefix: 'branch2.1',
        input: r3,
        in_channels: p.red_3x3,
        out_channels: p.out_3x3,
        kernel_size: [3, 3],
        padding: pad(3),
        flavor: p,
      });
      const r5 = addConvBlock(b, {
        prefix: 'branch3.0',
        input: x,
        in_channels: cin,
        out_channels: p.red_5x5,
        kernel_size: [1, 1],
        flavor: p,
      });
      const o5 = addConvBlock(b, {
        prefix: 'branch3.1',
        input: r5,
        in_channels: p.red_5x5,
        out_channels: p.out_5x5,
        kernel_size: [k5, k5],
        padding: pad(k5),
        flavor: p,
      });
      const mp = b.add('branch4.0', 'maxPool2d', [x], pool);
      outs = [
        o1,
        o3,
        o5,
        addConvBlock(b, {
          prefix: 'branch4.1',
          input: mp,
          in_channels: cin,
          out_channels: p.out_1x1pool,
          kernel_size: [1, 1],
          flavor: p,
        }),
      ];
    }
    const out = b.add('concat', 'concat', outs, {});
    return { layers: b.layers, output: out };
  },
  steps(p, ctx) {
    const id = ctx.id;
    const block = (prefix: string) => [
      `${id}.${prefix}.conv`,
      `${id}.${prefix}.${p.bn_name}`,
      `${id}.${prefix}.relu`,
    ];
    const k = `${p.kernel_5x5}×${p.kernel_5x5}`;
    const step = (local: string, title: string, layers: string[], input = 'in') => ({
      id: local,
      title,
      group: local.split('.')[0],
      layers,
      inputs: [input],
    });
    const branches =
      p.form === 'naive'
        ? [
            step('branch1', '1×1', block('branch1')),
            step('branch2', '3×3', block('branch2')),
            step('branch3', k, block('branch3')),
            step('branch4', 'pool', [`${id}.branch4`]),
          ]
        : [
            step('branch1', '1×1', block('branch1')),
            step('branch2.0', '3×3 reduce', block('branch2.0')),
            step('branch2.1', '3×3', block('branch2.1'), 'branch2.0'),
            step('branch3.0', `${k} reduce`, block('branch3.0')),
            step('branch3.1', k, block('branch3.1'), 'branch3.0'),
            step('branch4.0', 'pool', [`${id}.branch4.0`]),
            step('branch4.1', 'pool proj', block('branch4.1'), 'branch4.0'),
          ];
    const tails =
      p.form === 'naive'
        ? ['branch1', 'branch2', 'branch3', 'branch4']
        : ['branch1', 'branch2.1', 'branch3.1', 'branch4.1'];
    return [
      ...branches,
      { id: 'concat', title: 'Concat', group: 'concat', layers: [`${id}.concat`], inputs: tails },
    ];
  },
});
