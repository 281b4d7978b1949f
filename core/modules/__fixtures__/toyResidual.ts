/**
 * A toy block template as README's "Adding a template" describes it: a 1×1 branch and a split
 * branch (one 1×1 feeding a 1×3 and a 3×1 side by side), concatenated, then a tail after the join
 * (1×1 projection back to the input's channels → scale → add the module's input → ReLU), and a
 * small design using it twice. Tests register it with `registerModule(toyResidual)`.
 */
import { count } from '../../model/params';
import type { Design } from '../../model/types';
import { blockFlavorParams, defineBlock } from '../block';

export const toyResidual = defineBlock({
  kind: 'toyResidual',
  label: 'Toy residual block',
  description:
    'A 1×1 branch and a split 1×1 → (1×3 ‖ 3×1) branch, concatenated, projected back, scaled and added to the input.',
  params: {
    out_1x1: count('1×1', 4),
    red_split: count('Split reduce', 6),
    out_split: count('1×3 ‖ 3×1', 5),
    scale: {
      type: 'float',
      label: 'Residual scale',
      min: 0,
      max: 10,
      default: 0.17,
      group: 'structure',
    },
    ...blockFlavorParams(),
  },
  insert: { label: 'Toy residual block', idBase: 'toy' },
  build(g, p) {
    const x = g.input;
    const b0 = g.conv('branch0', x, 'out_1x1', { kernel: 1 });
    const r = g.conv('branch1.0', x, 'red_split', { kernel: 1 });
    const split = g.concat([
      g.conv('branch1_a', r, 'out_split', { kernel: [1, 3] }),
      g.conv('branch1_b', r, 'out_split', { kernel: [3, 1] }),
    ]);
    const proj = g.conv('conv2d', g.concat([b0, split]), x.channels, {
      kernel: 1,
      relu: false,
      bias: true,
      title: 'projection',
    });
    return g.relu(g.add([g.scale(proj, p.scale), x]), 'relu');
  },
});

export const toyDesign: Design = {
  name: 'Toy net',
  preset: null,
  input: { batch: 2, channels: 3, height: 12, width: 10 },
  classes: 7,
  aux: false,
  modules: [
    {
      id: 'stem',
      kind: 'convBlock',
      inputs: ['input'],
      params: { out_channels: 8, kernel: 3, stride: 1, padding: 1 },
    },
    { id: 'block1', kind: 'toyResidual', inputs: ['stem'], params: {} },
    { id: 'block2', kind: 'toyResidual', inputs: ['block1'], params: { out_split: 3, scale: 1 } },
    // Caffe style: conv with bias → ReLU, no batch norm.
    {
      id: 'block3',
      kind: 'toyResidual',
      inputs: ['block2'],
      params: { norm: 'none', conv_bias: true, scale: 1 },
    },
    { id: 'pool', kind: 'adaptiveAvgPool', inputs: ['block3'], params: { output_size: 1 } },
    { id: 'fc', kind: 'linear', inputs: ['pool'], params: { out_features: 'classes' } },
  ],
  outputs: { main: 'fc' },
};
