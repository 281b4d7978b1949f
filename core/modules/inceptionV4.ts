/**
 * The blocks of Inception-v4 (Szegedy et al. 2016, figures 3–8) as timm's `inception_v4` builds
 * them (`timm/models/inception_v4.py`): every conv a conv (no bias) → BatchNorm2d (eps 0.001) → ReLU,
 * unpadded ("valid") convs and pools unless the paper pads them, average pools inside modules that
 * leave the padding out of the mean (count_include_pad=False). Step names are timm's attribute
 * paths (`branch1.0`, `branch3.1`, `branch1_1a`), so state_dict keys are timm's own.
 */
import { count } from '../model/params';
import { blockFlavorParams, defineBlock } from './block';

const flavor = blockFlavorParams();
/** timm's `nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)` inside the Inception modules. */
const branchPool = {
  kernel: 3,
  stride: 1,
  padding: 1,
  countIncludePad: false,
  title: 'avg pool 3×3',
} as const;
const reducePool = { kernel: 3, stride: 2, title: 'max pool 3×3 /2' } as const;
export const mixed3a = defineBlock({
  kind: 'mixed3a',
  label: 'Stem Mixed3a (v4)',
  description:
    'v4 stem, 147 → 73: a 3×3 stride-2 max pool and a 3×3 stride-2 conv side by side, concatenated.',
  pythonClass: 'Mixed3a',
  params: {
    out_conv: count('3×3 /2', 96, 'Filters of the stride-2 3×3 conv (conv).'),
    ...flavor,
  },
  countRows: 1,
  build(g) {
    const x = g.input;
    const pool = g.maxPool('maxpool', x, reducePool);
    const conv = g.conv('conv', x, 'out_conv', { kernel: 3, stride: 2 });
    return g.concat([pool, conv]);
  },
});

export const mixed4a = defineBlock({
  kind: 'mixed4a',
  label: 'Stem Mixed4a (v4)',
  description:
    'v4 stem, 73 → 71: 1×1 → 3×3 and 1×1 → 1×7 → 7×1 → 3×3, both 3×3 unpadded, concatenated.',
  pythonClass: 'Mixed4a',
  params: {
    red: count('1×1 reduce', 64, '1×1 filters opening both branches (branch0.0, branch1.0).'),
    out_3x3: count('3×3', 96, 'Filters of each unpadded 3×3 (branch0.1, branch1.3).'),
    channels_7x7: count('7×7 channels', 64, 'Filters of the 1×7 and 7×1 (branch1.1, branch1.2).'),
    ...flavor,
  },
  countRows: 1,
  build(g) {
    const x = g.input;
    const b0 = g.conv(
      'branch0.1',
      g.conv('branch0.0', x, 'red', { kernel: 1, title: '1×1 reduce' }),
      'out_3x3',
      { kernel: 3, padding: 0 },
    );
    let b1 = g.conv('branch1.0', x, 'red', { kernel: 1, title: '1×1 reduce' });
    b1 = g.conv('branch1.1', b1, 'channels_7x7', { kernel: [1, 7] });
    b1 = g.conv('branch1.2', b1, 'channels_7x7', { kernel: [7, 1] });
    b1 = g.conv('branch1.3', b1, 'out_3x3', { kernel: 3, padding: 0 });
    return g.concat([b0, b1]);
  },
});

export const mixed5a = defineBlock({
  kind: 'mixed5a',
  label: 'Stem Mixed5a (v4)',
  description:
    'v4 stem, 71 → 35: a 3×3 stride-2 conv and a 3×3 stride-2 max pool side by side, concatenated.',
  pythonClass: 'Mixed5a',
  params: {
    out_conv: count('3×3 /2', 192, 'Filters of the stride-2 3×3 conv (conv).'),
    ...flavor,
  },
  countRows: 1,
  build(g) {
    const x = g.input;
    const conv = g.conv('conv', x, 'out_conv', { kernel: 3, stride: 2 });
    return g.concat([conv, g.maxPool('maxpool', x, reducePool)]);
  },
});

export const inceptionV4A = defineBlock({
  kind: 'inceptionV4A',
  label: 'Inception-A (v4)',
  description:
    'v4 on 35×35 maps (figure 4): 1×1; 1×1 → 3×3; 1×1 → 3×3 → 3×3; average pool → 1×1, concatenated.',
  pythonClass: 'InceptionA',
  params: {
    out_1x1: count('1×1', 96, 'Filters of the 1×1 branch (branch0).'),
    red_3x3: count('3×3 reduce', 64, '1×1 filters before the 3×3 (branch1.0).'),
    out_3x3: count('3×3', 96, 'Filters of the 3×3 (branch1.1).'),
    red_3x3dbl: count('3×3 dbl reduce', 64, '1×1 filters before the two 3×3 (branch2.0).'),
    out_3x3dbl: count('3×3 dbl', 96, 'Filters of each of the two 3×3 (branch2.1, branch2.2).'),
    pool_proj: count('Pool proj', 96, '1×1 filters after the average pool (branch3.1).'),
    ...flavor,
  },
  insert: { label: 'Inception-A (v4)', idBase: 'inception_a' },
  countRows: 2,
  build(g) {
    const x = g.input;
    const b0 = g.conv('branch0', x, 'out_1x1', { kernel: 1 });
    const b1 = g.conv(
      'branch1.1',
      g.conv('branch1.0', x, 'red_3x3', { kernel: 1, title: '3×3 reduce' }),
      'out_3x3',
      { kernel: 3 },
    );
    let b2 = g.conv('branch2.0', x, 'red_3x3dbl', { kernel: 1, title: '3×3 dbl reduce' });
    b2 = g.conv('branch2.1', b2, 'out_3x3dbl', { kernel: 3 });
    b2 = g.conv('branch2.2', b2, 'out_3x3dbl', { kernel: 3 });
    const b3 = g.conv('branch3.1', g.avgPool('branch3.0', x, branchPool), 'pool_proj', {
      kernel: 1,
      title: 'pool proj',
    });
    return g.concat([b0, b1, b2, b3]);
  },
});

export const reductionA = defineBlock({
  kind: 'reductionA',
  label: 'Reduction-A',
  description:
    'Grid reduction 35 → 17 of v4 and Inception-ResNet (figure 7, filters k, l, m, n): 3×3 stride 2 (n); 1×1 (k) → 3×3 (l) → 3×3 stride 2 (m); 3×3 stride-2 max pool, concatenated.',
  pythonClass: 'ReductionA',
  params: {
    out_3x3: count(
      '3×3 /2 (n)',
      384,
      "Filters of the stride-2 3×3 branch (branch0; the paper's n).",
    ),
    red_3x3dbl: count(
      '3×3 dbl reduce (k)',
      192,
      '1×1 filters opening the double 3×3 branch (branch1.0; k).',
    ),
    mid_3x3dbl: count('3×3 dbl 1st (l)', 224, 'Filters of the padded 3×3 (branch1.1; l).'),
    out_3x3dbl: count(
      '3×3 dbl /2 (m)',
      256,
      'Filters of the stride-2 3×3 closing the branch (branch1.2; m).',
    ),
    ...flavor,
  },
  countRows: 1,
  build(g) {
    const x = g.input;
    const b0 = g.conv('branch0', x, 'out_3x3', { kernel: 3, stride: 2 });
    let b1 = g.conv('branch1.0', x, 'red_3x3dbl', { kernel: 1, title: '1×1 reduce' });
    b1 = g.conv('branch1.1', b1, 'mid_3x3dbl', { kernel: 3 });
    b1 = g.conv('branch1.2', b1, 'out_3x3dbl', { kernel: 3, stride: 2 });
    return g.concat([b0, b1, g.maxPool('branch2', x, reducePool)]);
  },
});

export const inceptionV4B = defineBlock({
  kind: 'inceptionV4B',
  label: 'Inception-B (v4)',
  description:
    'v4 on 17×17 maps (figure 5), 7×7 factorized: 1×1; 1×1 → 1×7 → 7×1; 1×1 → 7×1 → 1×7 → 7×1 → 1×7; average pool → 1×1.',
  pythonClass: 'InceptionB',
  params: {
    out_1x1: count('1×1', 384, 'Filters of the 1×1 branch (branch0).'),
    red_7x7: count('7×7 reduce', 192, '1×1 filters before the 7×7 (branch1.0).'),
    mid_7x7: count('1×7', 224, 'Filters of the 1×7 (branch1.1).'),
    out_7x7: count('7×1', 256, 'Filters of the 7×1 (branch1.2).'),
    red_7x7dbl: count('7×7 dbl reduce', 192, '1×1 filters before the double 7×7 (branch2.0).'),
    mid1_7x7dbl: count('7×7 dbl 1st', 192, 'Filters of the first 7×1 (branch2.1).'),
    mid2_7x7dbl: count(
      '7×7 dbl 2nd, 3rd',
      224,
      'Filters of the 1×7 and 7×1 in the middle (branch2.2, branch2.3).',
    ),
    out_7x7dbl: count('7×7 dbl', 256, 'Filters of the last 1×7 (branch2.4).'),
    pool_proj: count('Pool proj', 128, '1×1 filters after the average pool (branch3.1).'),
    ...flavor,
  },
  insert: { label: 'Inception-B (v4)', idBase: 'inception_b' },
  countRows: 2,
  build(g) {
    const x = g.input;
    const b0 = g.conv('branch0', x, 'out_1x1', { kernel: 1 });
    let b1 = g.conv('branch1.0', x, 'red_7x7', { kernel: 1, title: '7×7 reduce' });
    b1 = g.conv('branch1.1', b1, 'mid_7x7', { kernel: [1, 7] });
    b1 = g.conv('branch1.2', b1, 'out_7x7', { kernel: [7, 1] });
    let b2 = g.conv('branch2.0', x, 'red_7x7dbl', { kernel: 1, title: '7×7 dbl reduce' });
    b2 = g.conv('branch2.1', b2, 'mid1_7x7dbl', { kernel: [7, 1] });
    b2 = g.conv('branch2.2', b2, 'mid2_7x7dbl', { kernel: [1, 7] });
    b2 = g.conv('branch2.3', b2, 'mid2_7x7dbl', { kernel: [7, 1] });
    b2 = g.conv('branch2.4', b2, 'out_7x7dbl', { kernel: [1, 7] });
    const b3 = g.conv('branch3.1', g.avgPool('branch3.0', x, branchPool), 'pool_proj', {
      kernel: 1,
      title: 'pool proj',
    });
    return g.concat([b0, b1, b2, b3]);
  },
});

export const reductionV4B = defineBlock({
  kind: 'reductionV4B',
  label: 'Reduction-B (v4)',
  description:
    'v4 grid reduction 17 → 8 (figure 8): 1×1 → 3×3 stride 2; 1×1 → 1×7 → 7×1 → 3×3 stride 2; 3×3 stride-2 max pool.',
  pythonClass: 'ReductionB',
  params: {
    red_3x3: count('3×3 reduce', 192, '1×1 filters before the stride-2 3×3 (branch0.0).'),
    out_3x3: count('3×3 /2', 192, 'Filters of the stride-2 3×3 (branch0.1).'),
    red_7x7: count('7×7 reduce', 256, '1×1 filters before the 1×7 (branch1.0).'),
    mid_7x7: count('1×7', 256, 'Filters of the 1×7 (branch1.1).'),
    out_7x7: count(
      '7×1, 3×3 /2',
      320,
      'Filters of the 7×1 and of the stride-2 3×3 after it (branch1.2, branch1.3).',
    ),
    ...flavor,
  },
  countRows: 1,
  build(g) {
    const x = g.input;
    const b0 = g.conv(
      'branch0.1',
      g.conv('branch0.0', x, 'red_3x3', { kernel: 1, title: '3×3 reduce' }),
      'out_3x3',
      { kernel: 3, stride: 2 },
    );
    let b1 = g.conv('branch1.0', x, 'red_7x7', { kernel: 1, title: '7×7 reduce' });
    b1 = g.conv('branch1.1', b1, 'mid_7x7', { kernel: [1, 7] });
    b1 = g.conv('branch1.2', b1, 'out_7x7', { kernel: [7, 1] });
    b1 = g.conv('branch1.3', b1, 'out_7x7', { kernel: 3, stride: 2 });
    return g.concat([b0, b1, g.maxPool('branch2', x, reducePool)]);
  },
});

export const inceptionV4C = defineBlock({
  kind: 'inceptionV4C',
  label: 'Inception-C (v4)',
  description:
    'v4 on 8×8 maps (figure 6), with split branches: 1×1; 1×1 → (1×3 ‖ 3×1); 1×1 → 3×1 → 1×3 → (1×3 ‖ 3×1); average pool → 1×1.',
  pythonClass: 'InceptionC',
  params: {
    out_1x1: count('1×1', 256, 'Filters of the 1×1 branch (branch0).'),
    red_3x3: count('3×3 reduce', 384, '1×1 filters before the split (branch1_0).'),
    out_3x3: count('1×3 ‖ 3×1', 256, 'Filters of each side of the first split (branch1_1a, _1b).'),
    red_3x3dbl: count(
      '3×3 dbl reduce',
      384,
      '1×1 filters opening the second split branch (branch2_0).',
    ),
    mid1_3x3dbl: count('3×1', 448, 'Filters of the 3×1 (branch2_1).'),
    mid2_3x3dbl: count('1×3', 512, 'Filters of the 1×3 before the split (branch2_2).'),
    out_3x3dbl: count(
      '1×3 ‖ 3×1 dbl',
      256,
      'Filters of each side of the second split (branch2_3a, _3b).',
    ),
    pool_proj: count('Pool proj', 256, '1×1 filters after the average pool (branch3.1).'),
    ...flavor,
  },
  insert: { label: 'Inception-C (v4)', idBase: 'inception_c' },
  countRows: 2,
  build(g) {
    const x = g.input;
    const b0 = g.conv('branch0', x, 'out_1x1', { kernel: 1 });
    const r1 = g.conv('branch1_0', x, 'red_3x3', { kernel: 1, title: '3×3 reduce' });
    const s1 = g.concat(
      [
        g.conv('branch1_1a', r1, 'out_3x3', { kernel: [1, 3] }),
        g.conv('branch1_1b', r1, 'out_3x3', { kernel: [3, 1] }),
      ],
      null,
      'Concat 1×3 ‖ 3×1',
    );
    let r2 = g.conv('branch2_0', x, 'red_3x3dbl', { kernel: 1, title: '3×3 dbl reduce' });
    r2 = g.conv('branch2_1', r2, 'mid1_3x3dbl', { kernel: [3, 1] });
    r2 = g.conv('branch2_2', r2, 'mid2_3x3dbl', { kernel: [1, 3] });
    const s2 = g.concat(
      [
        g.conv('branch2_3a', r2, 'out_3x3dbl', { kernel: [1, 3] }),
        g.conv('branch2_3b', r2, 'out_3x3dbl', { kernel: [3, 1] }),
      ],
      null,
      'Concat 1×3 ‖ 3×1',
    );
    const b3 = g.conv('branch3.1', g.avgPool('branch3.0', x, branchPool), 'pool_proj', {
      kernel: 1,
      title: 'pool proj',
    });
    return g.concat([b0, s1, s2, b3]);
  },
});
