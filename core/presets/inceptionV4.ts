/**
 * Inception-v4 and Inception-ResNet v1 and v2 (Szegedy et al. 2016, arXiv 1602.07261). v4 and IRv2
 * are exactly timm's `inception_v4` and `inception_resnet_v2`: module ids are timm's submodule
 * paths (`features.7`, `repeat_1.19`), so state_dict keys are timm's own. IRv1 is the paper's, with
 * the choices of tools/torch/family/inception_resnet_v1.py (README).
 */
import type { Design, ModuleSpec, Params } from '../model/types';

/** timm's conv_block: conv without bias, BatchNorm2d eps 0.001 as `bn`, ReLU. */
const BASIC: Params = { conv_bias: false, bn_eps: 0.001, bn_name: 'bn' };
const conv = (out: number, kernel: number, stride = 1, padding = 0): Params => ({
  out_channels: out,
  kernel,
  stride,
  padding,
  ...BASIC,
});
const POOL_3X3_S2: Params = { kernel: 3, stride: 2, padding: 0 };

type Row = readonly [id: string, kind: string, params: Params, stage: string];

/** A straight chain of modules, each reading the one before it. */
function chain(rows: readonly Row[]): ModuleSpec[] {
  let last = 'input';
  return rows.map(([id, kind, params, stage]) => {
    const m: ModuleSpec = { id, kind, inputs: [last], params, stage };
    last = id;
    return m;
  });
}

const repeat = (
  base: string,
  n: number,
  kind: string,
  params: Params,
  stage: string,
  from = 0,
): Row[] =>
  Array.from({ length: n }, (_, i) => [`${base}.${from + i}`, kind, params, stage] as const);

function design(name: string, preset: string, rows: readonly Row[], output: string): Design {
  return {
    name,
    preset,
    input: { batch: 1, channels: 3, height: 299, width: 299 },
    classes: 1000,
    aux: false,
    modules: chain(rows),
    outputs: { main: output },
  };
}

/** timm `inception_v4`: 42,679,816 parameters; features.0–21, global_pool, last_linear. */
export function inceptionV4(): Design {
  let i = 0;
  const f = () => `features.${i++}`;
  const rows: Row[] = [
    [f(), 'convBlock', conv(32, 3, 2), 'stem'],
    [f(), 'convBlock', conv(32, 3), 'stem'],
    [f(), 'convBlock', conv(64, 3, 1, 1), 'stem'],
    [f(), 'mixed3a', {}, 'stem'],
    [f(), 'mixed4a', {}, 'stem'],
    [f(), 'mixed5a', {}, 'stem'],
  ];
  for (let k = 0; k < 4; k++) rows.push([f(), 'inceptionV4A', {}, 'a']);
  rows.push([f(), 'reductionA', {}, 'a']);
  for (let k = 0; k < 7; k++) rows.push([f(), 'inceptionV4B', {}, 'b']);
  rows.push([f(), 'reductionV4B', {}, 'b']);
  for (let k = 0; k < 3; k++) rows.push([f(), 'inceptionV4C', {}, 'c']);
  rows.push(
    ['global_pool', 'adaptiveAvgPool', { output_size: 1 }, 'head'],
    ['last_linear', 'linear', { out_features: 'classes', in_size: 1 }, 'head'],
  );
  return design('Inception-v4', 'inception-v4', rows, 'last_linear');
}

/** timm `inception_resnet_v2`: 55,843,464 parameters. */
export function inceptionResnetV2(): Design {
  const rows: Row[] = [
    ['conv2d_1a', 'convBlock', conv(32, 3, 2), 'stem'],
    ['conv2d_2a', 'convBlock', conv(32, 3), 'stem'],
    ['conv2d_2b', 'convBlock', conv(64, 3, 1, 1), 'stem'],
    ['maxpool_3a', 'maxPool', POOL_3X3_S2, 'stem'],
    ['conv2d_3b', 'convBlock', conv(80, 1), 'stem'],
    ['conv2d_4a', 'convBlock', conv(192, 3), 'stem'],
    ['maxpool_5a', 'maxPool', POOL_3X3_S2, 'stem'],
    ['mixed_5b', 'mixed5b', {}, 'stem'],
    ...repeat('repeat', 10, 'block35', { scale: 0.17 }, 'a'),
    [
      'mixed_6a',
      'reductionA',
      { out_3x3: 384, red_3x3dbl: 256, mid_3x3dbl: 256, out_3x3dbl: 384 },
      'a',
    ],
    ...repeat('repeat_1', 20, 'block17', { scale: 0.1 }, 'b'),
    ['mixed_7a', 'reductionResB', {}, 'b'],
    ...repeat('repeat_2', 9, 'block8', { scale: 0.2 }, 'c'),
    ['block8', 'block8', { scale: 1, relu: false }, 'c'],
    ['conv2d_7b', 'convBlock', conv(1536, 1), 'c'],
    ['global_pool', 'adaptiveAvgPool', { output_size: 1 }, 'head'],
    ['classif', 'linear', { out_features: 'classes', in_size: 1 }, 'head'],
  ];
  return design('Inception-ResNet-v2', 'inception-resnet-v2', rows, 'classif');
}

/**
 * Inception-ResNet-v1 as the paper describes it (figures 14, 10, 7, 11, 12, 13, 15) with a
 * 1000-class head: 22,756,328 parameters. Widths: A 32/32→32/32→32→32 → 256, Reduction-A
 * k, l, m, n = 192, 192, 256, 384, B 128/128→128→128 → 896, Reduction-B 256→384/256→256/256→256→256,
 * C 192/192→192→192 → 1792.
 */
export function inceptionResnetV1(): Design {
  const a = {
    out_1x1: 32,
    red_3x3: 32,
    out_3x3: 32,
    red_3x3dbl: 32,
    mid_3x3dbl: 32,
    out_3x3dbl: 32,
    scale: 0.17,
  };
  const b = { out_1x1: 128, red_7x7: 128, mid_7x7: 128, out_7x7: 128, scale: 0.1 };
  const c = { out_1x1: 192, red_3x3: 192, mid_3x3: 192, out_3x3: 192, scale: 0.2 };
  const rows: Row[] = [
    ['conv2d_1a', 'convBlock', conv(32, 3, 2), 'stem'],
    ['conv2d_2a', 'convBlock', conv(32, 3), 'stem'],
    ['conv2d_2b', 'convBlock', conv(64, 3, 1, 1), 'stem'],
    ['maxpool_3a', 'maxPool', POOL_3X3_S2, 'stem'],
    ['conv2d_3b', 'convBlock', conv(80, 1), 'stem'],
    ['conv2d_4a', 'convBlock', conv(192, 3), 'stem'],
    ['conv2d_4b', 'convBlock', conv(256, 3, 2), 'stem'],
    ...repeat('repeat', 5, 'block35', a, 'a'),
    [
      'mixed_6a',
      'reductionA',
      { out_3x3: 384, red_3x3dbl: 192, mid_3x3dbl: 192, out_3x3dbl: 256 },
      'a',
    ],
    ...repeat('repeat_1', 10, 'block17', b, 'b'),
    [
      'mixed_7a',
      'reductionResB',
      { red: 256, out_a: 384, out_b: 256, mid_c: 256, out_c: 256 },
      'b',
    ],
    ...repeat('repeat_2', 5, 'block8', c, 'c'),
    ['global_pool', 'adaptiveAvgPool', { output_size: 1 }, 'head'],
    ['dropout', 'dropout', { p: 0.2 }, 'head'],
    ['classif', 'linear', { out_features: 'classes', in_size: 1 }, 'head'],
  ];
  return design('Inception-ResNet-v1', 'inception-resnet-v1', rows, 'classif');
}
