/**
 * Modules of the Caffe-era networks with Caffe's flat layer names: every layer an attribute of the
 * network itself, named `<module>_<layer>` as the Caffe ports name them (`inception_3a_1x1`, its
 * batch norm `inception_3a_1x1_bn`, `loss1_fc`), so a converted checkpoint loads with strict key
 * checks. Normalization is a choice: the paper's GoogLeNet has none (conv with bias → ReLU), the
 * BN-Inception port puts batch norm after every conv (conv with bias → BN → ReLU).
 *
 * - inceptionPaper: the paper's Inception module as Caffe's bvlc_googlenet builds it.
 * - inceptionBn, inceptionBnReduce: BN-Inception's modules as pretrainedmodels' `bninception`
 *   builds them (two 3×3 in place of the 5×5; 3c and 4e reduce the grid).
 * - auxHeadPaper: the paper's auxiliary classifier (`loss1`, `loss2` in Caffe).
 */
import { count, type ParamDefs } from '../model/params';
import { blockFlavorParams, defineBlock } from './block';

/** Caffe's pooling rounds the output size up. */
const caffePool = (kernel: number, stride: number, padding = 0) => ({
  kernel,
  stride,
  padding,
  ceil: true,
});

export const inceptionPaper = defineBlock({
  kind: 'inceptionPaper',
  label: 'Inception module (paper, Caffe)',
  description:
    "The paper's Inception module as Caffe's bvlc_googlenet builds it: 1×1; 1×1 → 3×3; 1×1 → 5×5; 3×3 max pool → 1×1, concatenated; conv with bias → ReLU (no batch norm unless chosen); Caffe's layer names.",
  pythonClass: 'InceptionPaper',
  keys: 'flat',
  params: {
    out_1x1: count('#1×1', 64, 'Filters of the 1×1 branch (1x1).'),
    red_3x3: count('#3×3 reduce', 96, '1×1 filters before the 3×3 (3x3_reduce).'),
    out_3x3: count('#3×3', 128, 'Filters of the 3×3 (3x3).'),
    red_5x5: count('#5×5 reduce', 16, '1×1 filters before the 5×5 (5x5_reduce).'),
    out_5x5: count('#5×5', 32, 'Filters of the 5×5 (5x5).'),
    pool_proj: count('Pool proj', 32, '1×1 filters after the max pool (pool_proj).'),
    ...blockFlavorParams({ norm: 'none', conv_bias: true, bn_eps: 1e-5 }),
  },
  insert: { label: 'Inception module (paper)', idBase: 'inception' },
  countRows: 2,
  build(g) {
    const x = g.input;
    const b1 = g.conv('1x1', x, 'out_1x1', { kernel: 1 });
    const b3 = g.conv(
      '3x3',
      g.conv('3x3_reduce', x, 'red_3x3', { kernel: 1, title: '3×3 reduce' }),
      'out_3x3',
      { kernel: 3 },
    );
    const b5 = g.conv(
      '5x5',
      g.conv('5x5_reduce', x, 'red_5x5', { kernel: 1, title: '5×5 reduce' }),
      'out_5x5',
      { kernel: 5 },
    );
    const bp = g.conv(
      'pool_proj',
      g.maxPool('pool', x, { ...caffePool(3, 1, 1), title: 'max pool 3×3' }),
      'pool_proj',
      { kernel: 1, title: 'pool proj' },
    );
    return g.concat([b1, b3, b5, bp], 'output');
  },
});

const bnFlavor = blockFlavorParams({ norm: 'batch', conv_bias: true, bn_eps: 1e-5 });

export const inceptionBn = defineBlock({
  kind: 'inceptionBn',
  label: 'Inception module (BN-Inception)',
  description:
    'BN-Inception (Inception v2) module as pretrainedmodels ports it from Caffe: 1×1; 1×1 → 3×3; 1×1 → 3×3 → 3×3 (in place of the 5×5); 3×3 pool → 1×1, concatenated; conv with bias → batch norm → ReLU.',
  pythonClass: 'InceptionBN',
  keys: 'flat',
  params: {
    out_1x1: count('1×1', 64, 'Filters of the 1×1 branch (1x1).'),
    red_3x3: count('3×3 reduce', 64, '1×1 filters before the 3×3 (3x3_reduce).'),
    out_3x3: count('3×3', 64, 'Filters of the 3×3 (3x3).'),
    red_3x3dbl: count(
      'Double 3×3 reduce',
      64,
      '1×1 filters before the two 3×3 (double_3x3_reduce).',
    ),
    out_3x3dbl: count(
      'Double 3×3',
      96,
      'Filters of each of the two 3×3 (double_3x3_1, double_3x3_2).',
    ),
    pool_proj: count('Pool proj', 32, '1×1 filters after the pool (pool_proj).'),
    pool: {
      type: 'enum',
      label: 'Pool',
      values: ['avg', 'max'],
      default: 'avg',
      group: 'structure',
      doc: 'The 3×3 stride-1 pool of the fourth branch: average (padding counted) or max (5b).',
    },
    ...bnFlavor,
  } as const satisfies ParamDefs,
  insert: { label: 'Inception module (BN-Inception)', idBase: 'inception' },
  countRows: 2,
  build(g, p) {
    const x = g.input;
    const b1 = g.conv('1x1', x, 'out_1x1', { kernel: 1 });
    const b3 = g.conv(
      '3x3',
      g.conv('3x3_reduce', x, 'red_3x3', { kernel: 1, title: '3×3 reduce' }),
      'out_3x3',
      { kernel: 3 },
    );
    let d = g.conv('double_3x3_reduce', x, 'red_3x3dbl', { kernel: 1, title: 'double 3×3 reduce' });
    d = g.conv('double_3x3_1', d, 'out_3x3dbl', { kernel: 3 });
    d = g.conv('double_3x3_2', d, 'out_3x3dbl', { kernel: 3 });
    const pool =
      p.pool === 'max'
        ? g.maxPool('pool', x, { ...caffePool(3, 1, 1), title: 'max pool 3×3' })
        : g.avgPool('pool', x, {
            ...caffePool(3, 1, 1),
            countIncludePad: true,
            title: 'avg pool 3×3',
          });
    const bp = g.conv('pool_proj', pool, 'pool_proj', { kernel: 1, title: 'pool proj' });
    return g.concat([b1, b3, d, bp], 'output');
  },
});

export const inceptionBnReduce = defineBlock({
  kind: 'inceptionBnReduce',
  label: 'Inception reduction (BN-Inception)',
  description:
    'BN-Inception grid-reduction module (3c, 4e): 1×1 → 3×3 stride 2; 1×1 → 3×3 → 3×3 stride 2; 3×3 stride-2 max pool, concatenated; conv with bias → batch norm → ReLU.',
  pythonClass: 'InceptionBNReduce',
  keys: 'flat',
  params: {
    red_3x3: count('3×3 reduce', 128, '1×1 filters before the stride-2 3×3 (3x3_reduce).'),
    out_3x3: count('3×3 /2', 160, 'Filters of the stride-2 3×3 (3x3).'),
    red_3x3dbl: count(
      'Double 3×3 reduce',
      64,
      '1×1 filters before the two 3×3 (double_3x3_reduce).',
    ),
    out_3x3dbl: count(
      'Double 3×3',
      96,
      'Filters of each of the two 3×3, the second with stride 2 (double_3x3_1, double_3x3_2).',
    ),
    ...bnFlavor,
  },
  countRows: 1,
  build(g) {
    const x = g.input;
    const b3 = g.conv(
      '3x3',
      g.conv('3x3_reduce', x, 'red_3x3', { kernel: 1, title: '3×3 reduce' }),
      'out_3x3',
      { kernel: 3, stride: 2, padding: 1 },
    );
    let d = g.conv('double_3x3_reduce', x, 'red_3x3dbl', { kernel: 1, title: 'double 3×3 reduce' });
    d = g.conv('double_3x3_1', d, 'out_3x3dbl', { kernel: 3 });
    d = g.conv('double_3x3_2', d, 'out_3x3dbl', { kernel: 3, stride: 2, padding: 1 });
    return g.concat(
      [b3, d, g.maxPool('pool', x, { ...caffePool(3, 2), title: 'max pool 3×3 /2' })],
      'output',
    );
  },
});

export const auxHeadPaper = defineBlock({
  kind: 'auxHeadPaper',
  label: 'Auxiliary head (paper, Caffe)',
  description:
    "The paper's auxiliary classifier as Caffe's bvlc_googlenet builds it (loss1, loss2), train mode only: 5×5 average pool stride 3 → 1×1 conv → ReLU → fully connected → ReLU → dropout → classifier.",
  pythonClass: 'AuxHeadPaper',
  keys: 'flat',
  params: {
    conv_out: count('1×1', 128, 'Filters of the 1×1 conv (conv).'),
    hidden: count('FC', 1024, 'Outputs of the first fully connected layer (fc).'),
    num_classes: {
      type: 'countOrClasses',
      label: 'Outputs',
      default: 'classes',
      group: 'structure',
      doc: 'Output features; "classes" follows the design\'s class count.',
    },
    in_size: {
      type: 'pair',
      label: 'Map after pool',
      min: 1,
      max: 64,
      default: 4,
      group: 'structure',
      doc: 'The map size the fully connected layer is built for (4×4 at 224×224 input).',
    },
    dropout: {
      type: 'float',
      label: 'Dropout',
      min: 0,
      max: 1,
      default: 0.7,
      group: 'structure',
      doc: 'Dropout probability before the classifier (drop_fc).',
    },
    ...blockFlavorParams({ norm: 'none', conv_bias: true, bn_eps: 1e-5 }),
  },
  countRows: 1,
  build(g, p) {
    let x = g.avgPool('ave_pool', g.input, {
      ...caffePool(5, 3),
      countIncludePad: true,
      title: 'avg pool 5×5 /3',
    });
    x = g.conv('conv', x, 'conv_out', { kernel: 1 });
    x = g.flatten(x, p.in_size);
    x = g.relu(g.linear('fc', x, g.count('hidden')), 'relu_fc');
    x = g.dropout('drop_fc', x, p.dropout);
    return g.linear('classifier', x, g.count('num_classes'));
  },
});
