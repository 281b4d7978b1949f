/**
 * The Caffe-era members with Caffe's flat layer names: GoogLeNet as the paper and Caffe's
 * `bvlc_googlenet` build it, and BN-Inception as pretrainedmodels' `bninception` ports it. Module
 * ids are Caffe's layer prefixes (`inception_3a`, `conv2_3x3_reduce`, `loss1`) so the state_dict
 * keys are the ports' own (`inception_3a_double_3x3_1_bn.running_mean`, `loss3_classifier.bias`).
 */
import type { Design, ModuleSpec, Params } from '../model/types';

const caffeConv = (
  out: number,
  kernel: number,
  stride: number,
  padding: number,
  norm: 'batch' | 'none',
): Params => ({
  out_channels: out,
  kernel,
  stride,
  padding,
  conv_bias: true,
  bn_eps: 1e-5,
  norm,
  keys: 'flat',
});
const caffeMaxPool: Params = { kernel: 3, stride: 2, padding: 0, ceil_mode: true };

type Row = readonly [id: string, kind: string, params: Params, stage: string];

function chain(
  rows: readonly Row[],
  aux: readonly (readonly [id: string, after: string, params: Params])[] = [],
): ModuleSpec[] {
  const out: ModuleSpec[] = [];
  let last = 'input';
  for (const [id, kind, params, stage] of rows) {
    out.push({ id, kind, inputs: [last], params, stage });
    last = id;
    for (const [auxId, after, p] of aux)
      if (after === id)
        out.push({
          id: auxId,
          kind: 'auxHeadPaper',
          inputs: [id],
          params: p,
          stage: 'aux',
          aux: true,
        });
  }
  return out;
}

/** The paper's table 1: #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj. */
const PAPER_COUNTS: readonly (readonly [string, number, number, number, number, number, number])[] =
  [
    ['inception_3a', 64, 96, 128, 16, 32, 32],
    ['inception_3b', 128, 128, 192, 32, 96, 64],
    ['inception_4a', 192, 96, 208, 16, 48, 64],
    ['inception_4b', 160, 112, 224, 24, 64, 64],
    ['inception_4c', 128, 128, 256, 24, 64, 64],
    ['inception_4d', 112, 144, 288, 32, 64, 64],
    ['inception_4e', 256, 160, 320, 32, 128, 128],
    ['inception_5a', 256, 160, 320, 32, 128, 128],
    ['inception_5b', 384, 192, 384, 48, 128, 128],
  ];

/** Caffe bvlc_googlenet: 13,378,280 parameters with the aux heads, 6,998,552 without. */
export function googlenetPaper(): Design {
  const rows: Row[] = [
    ['conv1_7x7_s2', 'convBlock', caffeConv(64, 7, 2, 3, 'none'), 'stem'],
    ['pool1_3x3_s2', 'maxPool', caffeMaxPool, 'stem'],
    ['pool1_norm1', 'localResponseNorm', { size: 5, alpha: 1e-4, beta: 0.75, k: 1 }, 'stem'],
    ['conv2_3x3_reduce', 'convBlock', caffeConv(64, 1, 1, 0, 'none'), 'stem'],
    ['conv2_3x3', 'convBlock', caffeConv(192, 3, 1, 1, 'none'), 'stem'],
    ['conv2_norm2', 'localResponseNorm', { size: 5, alpha: 1e-4, beta: 0.75, k: 1 }, 'stem'],
    ['pool2_3x3_s2', 'maxPool', caffeMaxPool, 'stem'],
  ];
  for (const [id, o1, r3, o3, r5, o5, pp] of PAPER_COUNTS) {
    const stage = id.slice('inception_'.length, -1);
    rows.push([
      id,
      'inceptionPaper',
      { out_1x1: o1, red_3x3: r3, out_3x3: o3, red_5x5: r5, out_5x5: o5, pool_proj: pp },
      stage,
    ]);
    if (id === 'inception_3b') rows.push(['pool3_3x3_s2', 'maxPool', caffeMaxPool, '3']);
    if (id === 'inception_4e') rows.push(['pool4_3x3_s2', 'maxPool', caffeMaxPool, '4']);
  }
  rows.push(
    ['pool5_7x7_s1', 'avgPool', { kernel: 7, stride: 1, padding: 0, ceil_mode: true }, 'head'],
    ['pool5_drop_7x7_s1', 'dropout', { p: 0.4 }, 'head'],
    ['loss3_classifier', 'linear', { out_features: 'classes', in_size: 1 }, 'head'],
  );
  return {
    name: 'GoogLeNet (paper, Caffe)',
    preset: 'googlenet-paper',
    input: { batch: 1, channels: 3, height: 224, width: 224 },
    classes: 1000,
    aux: true,
    modules: chain(rows, [
      ['loss1', 'inception_4a', {}],
      ['loss2', 'inception_4d', {}],
    ]),
    outputs: { main: 'loss3_classifier', aux1: 'loss1', aux2: 'loss2' },
  };
}

/** pretrainedmodels bninception: 11,295,240 parameters. */
export function bnInception(): Design {
  const rows: Row[] = [
    ['conv1_7x7_s2', 'convBlock', caffeConv(64, 7, 2, 3, 'batch'), 'stem'],
    ['pool1_3x3_s2', 'maxPool', caffeMaxPool, 'stem'],
    ['conv2_3x3_reduce', 'convBlock', caffeConv(64, 1, 1, 0, 'batch'), 'stem'],
    ['conv2_3x3', 'convBlock', caffeConv(192, 3, 1, 1, 'batch'), 'stem'],
    ['pool2_3x3_s2', 'maxPool', caffeMaxPool, 'stem'],
  ];
  const m = (
    id: string,
    o1: number,
    r3: number,
    o3: number,
    rd: number,
    od: number,
    pp: number,
    pool = 'avg',
  ): Row => [
    id,
    'inceptionBn',
    { out_1x1: o1, red_3x3: r3, out_3x3: o3, red_3x3dbl: rd, out_3x3dbl: od, pool_proj: pp, pool },
    id.slice('inception_'.length, -1),
  ];
  const r = (id: string, r3: number, o3: number, rd: number, od: number): Row => [
    id,
    'inceptionBnReduce',
    { red_3x3: r3, out_3x3: o3, red_3x3dbl: rd, out_3x3dbl: od },
    id.slice('inception_'.length, -1),
  ];
  rows.push(
    m('inception_3a', 64, 64, 64, 64, 96, 32),
    m('inception_3b', 64, 64, 96, 64, 96, 64),
    r('inception_3c', 128, 160, 64, 96),
    m('inception_4a', 224, 64, 96, 96, 128, 128),
    m('inception_4b', 192, 96, 128, 96, 128, 128),
    m('inception_4c', 160, 128, 160, 128, 160, 128),
    m('inception_4d', 96, 128, 192, 160, 192, 128),
    r('inception_4e', 128, 192, 192, 256),
    m('inception_5a', 352, 192, 320, 160, 224, 128),
    m('inception_5b', 352, 192, 320, 192, 224, 128, 'max'),
    [
      'global_pool',
      'avgPool',
      { kernel: 7, stride: 1, padding: 0, ceil_mode: true, count_include_pad: true },
      'head',
    ],
    ['last_linear', 'linear', { out_features: 'classes', in_size: 1 }, 'head'],
  );
  return {
    name: 'BN-Inception',
    preset: 'bn-inception',
    input: { batch: 1, channels: 3, height: 224, width: 224 },
    classes: 1000,
    aux: false,
    modules: chain(rows),
    outputs: { main: 'last_linear' },
  };
}
