/**
 * The blocks of Inception-ResNet v1 and v2 (Szegedy et al. 2016, figures 10–13 and 16–19) as
 * timm's `inception_resnet_v2` builds them (`timm/models/inception_resnet_v2.py`): every conv a
 * conv (no bias) → BatchNorm2d (eps 0.001) → ReLU, except each residual block's 1×1 projection
 * `conv2d` (bias, no batch norm, no activation). A residual block is
 * concat(branches) → conv2d → × scale → + the block's input → ReLU (optional: IRv2's last block8
 * has none). Step names are timm's attribute paths, so state_dict keys are timm's own. The
 * grid-reduction 35 → 17 is `reductionA` (core/modules/inceptionV4.ts) with other k, l, m, n.
 */
import { count, type ParamDefs } from '../model/params';
import { blockFlavorParams, defineBlock, type BlockGraph, type StepRef } from './block';

const flavor = blockFlavorParams();
/** The residual settings every Inception-ResNet block has: its scale and whether a ReLU follows the sum. */
function residualParams(scale: number) {
  return {
    scale: {
      type: 'float',
      label: 'Residual scale',
      min: 0,
      max: 10,
      default: scale,
      group: 'structure',
      doc: "The branches' projection is multiplied by this before it is added to the input (the paper: 0.1 to 0.3).",
    },
    relu: {
      type: 'bool',
      label: 'ReLU after the sum',
      default: true,
      group: 'structure',
      doc: "Whether a ReLU follows the residual sum (IRv2's last block8 has none).",
    },
  } as const satisfies ParamDefs;
}

/** concat(branches) → 1×1 projection back to the input's channels → × scale → + input → ReLU (when on). */
function residualTail(
  g: BlockGraph,
  branches: readonly StepRef[],
  p: { scale: number; relu: boolean },
): StepRef {
  const x = g.input;
  const cat = g.concat(branches);
  const proj = g.conv('conv2d', cat, x.channels, {
    kernel: 1,
    relu: false,
    norm: 'none',
    bias: true,
    title: '1×1 projection',
  });
  const sum = g.add([g.scale(proj, p.scale), x], null, 'Add input');
  return p.relu ? g.relu(sum, 'relu') : sum;
}

export const mixed5b = defineBlock({
  kind: 'mixed5b',
  label: 'Mixed_5b (IRv2)',
  description:
    'IRv2 after the stem, 35×35: 1×1; 1×1 → 5×5; 1×1 → 3×3 → 3×3; average pool → 1×1, concatenated.',
  pythonClass: 'Mixed5b',
  params: {
    out_1x1: count('1×1', 96, 'Filters of the 1×1 branch (branch0).'),
    red_5x5: count('5×5 reduce', 48, '1×1 filters before the 5×5 (branch1.0).'),
    out_5x5: count('5×5', 64, 'Filters of the 5×5 (branch1.1).'),
    red_3x3dbl: count('3×3 dbl reduce', 64, '1×1 filters before the two 3×3 (branch2.0).'),
    out_3x3dbl: count('3×3 dbl', 96, 'Filters of each of the two 3×3 (branch2.1, branch2.2).'),
    pool_proj: count('Pool proj', 64, '1×1 filters after the average pool (branch3.1).'),
    ...flavor,
  },
  countRows: 2,
  build(g) {
    const x = g.input;
    const b0 = g.conv('branch0', x, 'out_1x1', { kernel: 1 });
    const b1 = g.conv(
      'branch1.1',
      g.conv('branch1.0', x, 'red_5x5', { kernel: 1, title: '5×5 reduce' }),
      'out_5x5',
      { kernel: 5 },
    );
    let b2 = g.conv('branch2.0', x, 'red_3x3dbl', { kernel: 1, title: '3×3 dbl reduce' });
    b2 = g.conv('branch2.1', b2, 'out_3x3dbl', { kernel: 3 });
    b2 = g.conv('branch2.2', b2, 'out_3x3dbl', { kernel: 3 });
    const pool = g.avgPool('branch3.0', x, {
      kernel: 3,
      stride: 1,
      padding: 1,
      countIncludePad: false,
      title: 'avg pool 3×3',
    });
    const b3 = g.conv('branch3.1', pool, 'pool_proj', { kernel: 1, title: 'pool proj' });
    return g.concat([b0, b1, b2, b3]);
  },
});

export const block35 = defineBlock({
  kind: 'block35',
  label: 'Inception-ResNet-A',
  description:
    'Residual block on 35×35 maps (Block35; figures 10, 16): 1×1; 1×1 → 3×3; 1×1 → 3×3 → 3×3, concatenated, projected back by a 1×1 conv, scaled and added to the input, then ReLU.',
  pythonClass: 'Block35',
  params: {
    out_1x1: count('1×1', 32, 'Filters of the 1×1 branch (branch0).'),
    red_3x3: count('3×3 reduce', 32, '1×1 filters before the 3×3 (branch1.0).'),
    out_3x3: count('3×3', 32, 'Filters of the 3×3 (branch1.1).'),
    red_3x3dbl: count('3×3 dbl reduce', 32, '1×1 filters before the two 3×3 (branch2.0).'),
    mid_3x3dbl: count('3×3 dbl 1st', 48, 'Filters of the first 3×3 (branch2.1).'),
    out_3x3dbl: count('3×3 dbl 2nd', 64, 'Filters of the second 3×3 (branch2.2).'),
    ...residualParams(0.17),
    ...flavor,
  },
  insert: { label: 'Inception-ResNet-A', idBase: 'block35' },
  countRows: 2,
  build(g, p) {
    const x = g.input;
    const b0 = g.conv('branch0', x, 'out_1x1', { kernel: 1 });
    const b1 = g.conv(
      'branch1.1',
      g.conv('branch1.0', x, 'red_3x3', { kernel: 1, title: '3×3 reduce' }),
      'out_3x3',
      { kernel: 3 },
    );
    let b2 = g.conv('branch2.0', x, 'red_3x3dbl', { kernel: 1, title: '3×3 dbl reduce' });
    b2 = g.conv('branch2.1', b2, 'mid_3x3dbl', { kernel: 3 });
    b2 = g.conv('branch2.2', b2, 'out_3x3dbl', { kernel: 3 });
    return residualTail(g, [b0, b1, b2], p);
  },
});

export const block17 = defineBlock({
  kind: 'block17',
  label: 'Inception-ResNet-B',
  description:
    'Residual block on 17×17 maps (Block17; figures 11, 17): 1×1; 1×1 → 1×7 → 7×1, concatenated, projected back by a 1×1 conv, scaled and added to the input, then ReLU.',
  pythonClass: 'Block17',
  params: {
    out_1x1: count('1×1', 192, 'Filters of the 1×1 branch (branch0).'),
    red_7x7: count('7×7 reduce', 128, '1×1 filters before the 1×7 (branch1.0).'),
    mid_7x7: count('1×7', 160, 'Filters of the 1×7 (branch1.1).'),
    out_7x7: count('7×1', 192, 'Filters of the 7×1 (branch1.2).'),
    ...residualParams(0.1),
    ...flavor,
  },
  insert: { label: 'Inception-ResNet-B', idBase: 'block17' },
  countRows: 1,
  build(g, p) {
    const x = g.input;
    const b0 = g.conv('branch0', x, 'out_1x1', { kernel: 1 });
    let b1 = g.conv('branch1.0', x, 'red_7x7', { kernel: 1, title: '7×7 reduce' });
    b1 = g.conv('branch1.1', b1, 'mid_7x7', { kernel: [1, 7] });
    b1 = g.conv('branch1.2', b1, 'out_7x7', { kernel: [7, 1] });
    return residualTail(g, [b0, b1], p);
  },
});

export const block8 = defineBlock({
  kind: 'block8',
  label: 'Inception-ResNet-C',
  description:
    'Residual block on 8×8 maps (Block8; figures 13, 19): 1×1; 1×1 → 1×3 → 3×1, concatenated, projected back by a 1×1 conv, scaled and added to the input, then ReLU (optional).',
  pythonClass: 'Block8',
  params: {
    out_1x1: count('1×1', 192, 'Filters of the 1×1 branch (branch0).'),
    red_3x3: count('3×3 reduce', 192, '1×1 filters before the 1×3 (branch1.0).'),
    mid_3x3: count('1×3', 224, 'Filters of the 1×3 (branch1.1).'),
    out_3x3: count('3×1', 256, 'Filters of the 3×1 (branch1.2).'),
    ...residualParams(0.2),
    ...flavor,
  },
  insert: { label: 'Inception-ResNet-C', idBase: 'block8' },
  countRows: 1,
  build(g, p) {
    const x = g.input;
    const b0 = g.conv('branch0', x, 'out_1x1', { kernel: 1 });
    let b1 = g.conv('branch1.0', x, 'red_3x3', { kernel: 1, title: '3×3 reduce' });
    b1 = g.conv('branch1.1', b1, 'mid_3x3', { kernel: [1, 3] });
    b1 = g.conv('branch1.2', b1, 'out_3x3', { kernel: [3, 1] });
    return residualTail(g, [b0, b1], p);
  },
});

export const reductionResB = defineBlock({
  kind: 'reductionResB',
  label: 'Reduction-B (Inception-ResNet)',
  description:
    'Inception-ResNet grid reduction 17 → 8 (Mixed_7a; figures 12, 18): 1×1 → 3×3 stride 2; 1×1 → 3×3 stride 2; 1×1 → 3×3 → 3×3 stride 2; 3×3 stride-2 max pool.',
  pythonClass: 'Mixed7a',
  params: {
    red: count(
      '1×1 reduce',
      256,
      '1×1 filters opening each conv branch (branch0.0, branch1.0, branch2.0).',
    ),
    out_a: count('3×3 /2 (a)', 384, "Filters of the first branch's stride-2 3×3 (branch0.1)."),
    out_b: count('3×3 /2 (b)', 288, "Filters of the second branch's stride-2 3×3 (branch1.1)."),
    mid_c: count('3×3 (c)', 288, "Filters of the third branch's padded 3×3 (branch2.1)."),
    out_c: count('3×3 /2 (c)', 320, "Filters of the third branch's stride-2 3×3 (branch2.2)."),
    ...flavor,
  },
  countRows: 1,
  build(g) {
    const x = g.input;
    const b0 = g.conv(
      'branch0.1',
      g.conv('branch0.0', x, 'red', { kernel: 1, title: '1×1 reduce' }),
      'out_a',
      { kernel: 3, stride: 2 },
    );
    const b1 = g.conv(
      'branch1.1',
      g.conv('branch1.0', x, 'red', { kernel: 1, title: '1×1 reduce' }),
      'out_b',
      { kernel: 3, stride: 2 },
    );
    let b2 = g.conv('branch2.0', x, 'red', { kernel: 1, title: '1×1 reduce' });
    b2 = g.conv('branch2.1', b2, 'mid_c', { kernel: 3 });
    b2 = g.conv('branch2.2', b2, 'out_c', { kernel: 3, stride: 2 });
    return g.concat([
      b0,
      b1,
      b2,
      g.maxPool('branch3', x, { kernel: 3, stride: 2, title: 'max pool 3×3 /2' }),
    ]);
  },
});
