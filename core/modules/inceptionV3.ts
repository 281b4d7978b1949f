/**
 * The blocks of Inception v3 exactly as torchvision 0.14 builds them (`torchvision/models/inception.py`):
 * InceptionA…InceptionE and InceptionAux, every conv a BasicConv2d (conv without bias → BatchNorm2d
 * eps 0.001 → ReLU), average pools inside modules 3×3 stride 1 padding 1 counting the padding.
 * Step names are torchvision's attribute names, so state_dict keys are torchvision's own.
 */
import { count } from '../model/params';
import { blockFlavorParams, defineBlock } from './block';

const flavor = blockFlavorParams();
/** torchvision's `F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)`: count_include_pad defaults to True. */
const branchPool = {
  kernel: 3,
  stride: 1,
  padding: 1,
  countIncludePad: true,
  title: 'avg pool',
} as const;
export const inceptionA = defineBlock({
  kind: 'inceptionA',
  label: 'Inception-A (v3)',
  description:
    'v3 Mixed_5b–5d on 35×35 maps: 1×1; 1×1 → 5×5; 1×1 → 3×3 → 3×3; 3×3 average pool → 1×1, concatenated.',
  pythonClass: 'InceptionA',
  params: {
    out_1x1: count('1×1', 64, 'Filters of the 1×1 branch (branch1x1).'),
    red_5x5: count('5×5 reduce', 48, '1×1 filters before the 5×5 (branch5x5_1).'),
    out_5x5: count('5×5', 64, 'Filters of the 5×5 (branch5x5_2).'),
    red_3x3dbl: count('3×3 dbl reduce', 64, '1×1 filters before the two 3×3 (branch3x3dbl_1).'),
    out_3x3dbl: count('3×3 dbl', 96, 'Filters of each of the two 3×3 (branch3x3dbl_2, _3).'),
    pool_features: count('Pool features', 32, '1×1 filters after the average pool (branch_pool).'),
    ...flavor,
  },
  insert: { label: 'Inception-A (v3)', idBase: 'Mixed_a' },
  countRows: 2,
  build(g) {
    const x = g.input;
    const b1 = g.conv('branch1x1', x, 'out_1x1', { kernel: 1 });
    const b5 = g.conv(
      'branch5x5_2',
      g.conv('branch5x5_1', x, 'red_5x5', { kernel: 1, title: '5×5 reduce' }),
      'out_5x5',
      { kernel: 5 },
    );
    let d = g.conv('branch3x3dbl_1', x, 'red_3x3dbl', { kernel: 1, title: '3×3 reduce' });
    d = g.conv('branch3x3dbl_2', d, 'out_3x3dbl', { kernel: 3 });
    d = g.conv('branch3x3dbl_3', d, 'out_3x3dbl', { kernel: 3 });
    const bp = g.conv('branch_pool', g.avgPool(null, x, branchPool), 'pool_features', {
      kernel: 1,
      title: 'pool proj',
    });
    return g.concat([b1, b5, d, bp]);
  },
});

export const inceptionB = defineBlock({
  kind: 'inceptionB',
  label: 'Inception-B (v3 reduction)',
  description:
    'v3 Mixed_6a, grid reduction 35 → 17: 3×3 stride 2; 1×1 → 3×3 → 3×3 stride 2; 3×3 max pool stride 2, concatenated.',
  pythonClass: 'InceptionB',
  params: {
    out_3x3: count('3×3 /2', 384, 'Filters of the stride-2 3×3 (branch3x3).'),
    red_3x3dbl: count('3×3 dbl reduce', 64, '1×1 filters before the two 3×3 (branch3x3dbl_1).'),
    out_3x3dbl: count('3×3 dbl', 96, 'Filters of each of the two 3×3 (branch3x3dbl_2, _3).'),
    ...flavor,
  },
  countRows: 1,
  build(g) {
    const x = g.input;
    const b3 = g.conv('branch3x3', x, 'out_3x3', { kernel: 3, stride: 2 });
    let d = g.conv('branch3x3dbl_1', x, 'red_3x3dbl', { kernel: 1, title: '3×3 reduce' });
    d = g.conv('branch3x3dbl_2', d, 'out_3x3dbl', { kernel: 3, padding: 1 });
    d = g.conv('branch3x3dbl_3', d, 'out_3x3dbl', { kernel: 3, stride: 2 });
    const p = g.maxPool(null, x, { kernel: 3, stride: 2 });
    return g.concat([b3, d, p]);
  },
});

export const inceptionC = defineBlock({
  kind: 'inceptionC',
  label: 'Inception-C (v3)',
  description:
    'v3 Mixed_6b–6e on 17×17 maps, 7×7 factorized into 1×7 and 7×1: 1×1; 1×1 → 1×7 → 7×1; 1×1 → 7×1 → 1×7 → 7×1 → 1×7; average pool → 1×1.',
  pythonClass: 'InceptionC',
  params: {
    out_1x1: count('1×1', 192, 'Filters of the 1×1 branch (branch1x1).'),
    channels_7x7: count(
      '7×7 channels',
      128,
      'Filters inside the factorized 7×7 branches (torchvision: channels_7x7).',
    ),
    out_7x7: count('7×7', 192, 'Filters of the last 7×1 of the 7×7 branch (branch7x7_3).'),
    out_7x7dbl: count(
      '7×7 dbl',
      192,
      'Filters of the last 1×7 of the double 7×7 branch (branch7x7dbl_5).',
    ),
    pool_features: count('Pool features', 192, '1×1 filters after the average pool (branch_pool).'),
    ...flavor,
  },
  insert: { label: 'Inception-C (v3)', idBase: 'Mixed_c' },
  countRows: 2,
  build(g) {
    const x = g.input;
    const b1 = g.conv('branch1x1', x, 'out_1x1', { kernel: 1 });
    let s = g.conv('branch7x7_1', x, 'channels_7x7', { kernel: 1, title: '7×7 reduce' });
    s = g.conv('branch7x7_2', s, 'channels_7x7', { kernel: [1, 7] });
    s = g.conv('branch7x7_3', s, 'out_7x7', { kernel: [7, 1] });
    let d = g.conv('branch7x7dbl_1', x, 'channels_7x7', { kernel: 1, title: '7×7 dbl reduce' });
    d = g.conv('branch7x7dbl_2', d, 'channels_7x7', { kernel: [7, 1] });
    d = g.conv('branch7x7dbl_3', d, 'channels_7x7', { kernel: [1, 7] });
    d = g.conv('branch7x7dbl_4', d, 'channels_7x7', { kernel: [7, 1] });
    d = g.conv('branch7x7dbl_5', d, 'out_7x7dbl', { kernel: [1, 7] });
    const bp = g.conv('branch_pool', g.avgPool(null, x, branchPool), 'pool_features', {
      kernel: 1,
      title: 'pool proj',
    });
    return g.concat([b1, s, d, bp]);
  },
});

export const inceptionD = defineBlock({
  kind: 'inceptionD',
  label: 'Inception-D (v3 reduction)',
  description:
    'v3 Mixed_7a, grid reduction 17 → 8: 1×1 → 3×3 stride 2; 1×1 → 1×7 → 7×1 → 3×3 stride 2; 3×3 max pool stride 2.',
  pythonClass: 'InceptionD',
  params: {
    red_3x3: count('3×3 reduce', 192, '1×1 filters before the stride-2 3×3 (branch3x3_1).'),
    out_3x3: count('3×3 /2', 320, 'Filters of the stride-2 3×3 (branch3x3_2).'),
    channels_7x7x3: count(
      '7×7×3 channels',
      192,
      'Filters of the 1×1, 1×7, 7×1 and stride-2 3×3 (branch7x7x3_1…4).',
    ),
    ...flavor,
  },
  countRows: 1,
  build(g) {
    const x = g.input;
    const b3 = g.conv(
      'branch3x3_2',
      g.conv('branch3x3_1', x, 'red_3x3', { kernel: 1, title: '3×3 reduce' }),
      'out_3x3',
      { kernel: 3, stride: 2 },
    );
    let s = g.conv('branch7x7x3_1', x, 'channels_7x7x3', { kernel: 1, title: '7×7 reduce' });
    s = g.conv('branch7x7x3_2', s, 'channels_7x7x3', { kernel: [1, 7] });
    s = g.conv('branch7x7x3_3', s, 'channels_7x7x3', { kernel: [7, 1] });
    s = g.conv('branch7x7x3_4', s, 'channels_7x7x3', { kernel: 3, stride: 2 });
    const p = g.maxPool(null, x, { kernel: 3, stride: 2 });
    return g.concat([b3, s, p]);
  },
});

export const inceptionE = defineBlock({
  kind: 'inceptionE',
  label: 'Inception-E (v3)',
  description:
    'v3 Mixed_7b–7c on 8×8 maps, with split branches: 1×1; 1×1 → (1×3 ‖ 3×1); 1×1 → 3×3 → (1×3 ‖ 3×1); average pool → 1×1.',
  pythonClass: 'InceptionE',
  params: {
    out_1x1: count('1×1', 320, 'Filters of the 1×1 branch (branch1x1).'),
    red_3x3: count('3×3 reduce', 384, '1×1 filters before the split (branch3x3_1).'),
    out_3x3: count('1×3 ‖ 3×1', 384, 'Filters of each side of the split (branch3x3_2a, _2b).'),
    red_3x3dbl: count('3×3 dbl reduce', 448, '1×1 filters before the 3×3 (branch3x3dbl_1).'),
    out_3x3dbl: count(
      '3×3 dbl',
      384,
      'Filters of the 3×3 and of each side of its split (branch3x3dbl_2, _3a, _3b).',
    ),
    pool_features: count('Pool features', 192, '1×1 filters after the average pool (branch_pool).'),
    ...flavor,
  },
  insert: { label: 'Inception-E (v3)', idBase: 'Mixed_e' },
  countRows: 2,
  build(g) {
    const x = g.input;
    const b1 = g.conv('branch1x1', x, 'out_1x1', { kernel: 1 });
    const r = g.conv('branch3x3_1', x, 'red_3x3', { kernel: 1, title: '3×3 reduce' });
    const s = g.concat(
      [
        g.conv('branch3x3_2a', r, 'out_3x3', { kernel: [1, 3] }),
        g.conv('branch3x3_2b', r, 'out_3x3', { kernel: [3, 1] }),
      ],
      null,
      '1×3 ‖ 3×1',
    );
    let d = g.conv('branch3x3dbl_1', x, 'red_3x3dbl', { kernel: 1, title: '3×3 dbl reduce' });
    d = g.conv('branch3x3dbl_2', d, 'out_3x3dbl', { kernel: 3 });
    const ds = g.concat(
      [
        g.conv('branch3x3dbl_3a', d, 'out_3x3dbl', { kernel: [1, 3] }),
        g.conv('branch3x3dbl_3b', d, 'out_3x3dbl', { kernel: [3, 1] }),
      ],
      null,
      '1×3 ‖ 3×1',
    );
    const bp = g.conv('branch_pool', g.avgPool(null, x, branchPool), 'pool_features', {
      kernel: 1,
      title: 'pool proj',
    });
    return g.concat([b1, s, ds, bp]);
  },
});

export const inceptionAux = defineBlock({
  kind: 'inceptionAux',
  label: 'Auxiliary head (v3)',
  description:
    'v3 AuxLogits on Mixed_6e, train mode only: 5×5 average pool stride 3 → 1×1 conv → 5×5 conv → global average pool → fully connected.',
  pythonClass: 'InceptionAux',
  params: {
    conv0: count('1×1', 128, 'Filters of the 1×1 conv (conv0).'),
    conv1: count(
      '5×5',
      768,
      'Filters of the 5×5 conv (conv1); it needs a map of at least 5×5 after the pool.',
    ),
    num_classes: {
      type: 'countOrClasses',
      label: 'Outputs',
      default: 'classes',
      group: 'structure',
      doc: 'Output features; "classes" follows the design\'s class count.',
    },
    ...flavor,
  },
  countRows: 1,
  build(g) {
    let x = g.avgPool(null, g.input, {
      kernel: 5,
      stride: 3,
      countIncludePad: true,
      title: 'avg pool 5×5 /3',
    });
    x = g.conv('conv0', x, 'conv0', { kernel: 1 });
    x = g.conv('conv1', x, 'conv1', { kernel: 5, padding: 0 });
    x = g.flatten(g.adaptiveAvgPool(null, x, 1));
    return g.linear('fc', x, g.count('num_classes'));
  },
});
