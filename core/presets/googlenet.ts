/** GoogLeNet (Inception v1) as described in `shared/spec/googlenet.md`, and torchvision's variant. */
import type { Design, ModuleSpec, Params } from '../model/types';

/** The nine inception modules' six filter counts: out_1x1, red_3x3, out_3x3, red_5x5, out_5x5, out_1x1pool. */
export const GOOGLENET_INCEPTION: ReadonlyArray<
  readonly [string, string, readonly [number, number, number, number, number, number]]
> = [
  ['inception3a', '3', [64, 96, 128, 16, 32, 32]],
  ['inception3b', '3', [128, 128, 192, 32, 96, 64]],
  ['inception4a', '4', [192, 96, 208, 16, 48, 64]],
  ['inception4b', '4', [160, 112, 224, 24, 64, 64]],
  ['inception4c', '4', [128, 128, 256, 24, 64, 64]],
  ['inception4d', '4', [112, 144, 288, 32, 64, 64]],
  ['inception4e', '4', [256, 160, 320, 32, 128, 128]],
  ['inception5a', '5', [256, 160, 320, 32, 128, 128]],
  ['inception5b', '5', [384, 192, 384, 48, 128, 128]],
];

function counts(c: readonly number[]): Params {
  return {
    out_1x1: c[0],
    red_3x3: c[1],
    out_3x3: c[2],
    red_5x5: c[3],
    out_5x5: c[4],
    out_1x1pool: c[5],
  };
}

interface Builder {
  list: ModuleSpec[];
  last: string;
}

function push(
  b: Builder,
  id: string,
  kind: string,
  params: Params,
  stage: string,
  extra: Partial<ModuleSpec> = {},
): void {
  b.list.push({ id, kind, inputs: [b.last], params, stage, ...extra });
  b.last = id;
}

function inceptionStages(
  b: Builder,
  flavor: Params,
  pool: (id: string, stage: string) => void,
  aux: (id: string, from: string) => void,
): void {
  for (const [id, stage, c] of GOOGLENET_INCEPTION) {
    if (id === 'inception4a') pool('maxpool3', '4');
    if (id === 'inception5a') pool('maxpool4', '5');
    push(b, id, 'inception', { ...counts(c), ...flavor }, stage);
    if (id === 'inception4a') aux('aux1', id);
    if (id === 'inception4d') aux('aux2', id);
  }
}

/** The default network: conv blocks with bias and BN eps 1e-5, max pools padded by 1. */
export function googlenet(): Design {
  const b: Builder = { list: [], last: 'input' };
  const pool = (id: string, stage: string) =>
    push(b, id, 'maxPool', { kernel: 3, stride: 2, padding: 1 }, stage);
  push(b, 'conv1', 'convBlock', { out_channels: 64, kernel: 7, stride: 2, padding: 3 }, 'stem');
  pool('maxpool1', 'stem');
  push(b, 'conv2', 'convBlock', { out_channels: 192, kernel: 3, stride: 1, padding: 1 }, 'stem');
  pool('maxpool2', 'stem');
  inceptionStages(b, {}, pool, (id, from) =>
    b.list.push({ id, kind: 'auxHead', inputs: [from], params: {}, stage: 'aux', aux: true }),
  );
  push(b, 'avgpool', 'avgPool', { kernel: 7, stride: 1 }, 'head');
  push(b, 'dropout', 'dropout', { p: 0.4 }, 'head');
  push(b, 'fc1', 'linear', { out_features: 'classes', in_size: 1 }, 'head');
  return {
    name: 'GoogLeNet',
    preset: 'googlenet',
    input: { batch: 3, channels: 3, height: 224, width: 224 },
    classes: 1000,
    aux: true,
    modules: b.list,
    outputs: { main: 'fc1', aux1: 'aux1', aux2: 'aux2' },
  };
}

/** torchvision 0.14's `googlenet`: no conv bias, BN eps 0.001, 3×3 "5×5" branch, ceil-mode pools, an extra stem conv. */
export function googlenetTorchvision(): Design {
  const b: Builder = { list: [], last: 'input' };
  const flavor: Params = { conv_bias: false, bn_eps: 0.001, bn_name: 'bn' };
  const pool = (id: string, stage: string) =>
    push(
      b,
      id,
      'maxPool',
      id === 'maxpool4'
        ? { kernel: 2, stride: 2, padding: 0, ceil_mode: true }
        : { kernel: 3, stride: 2, padding: 0, ceil_mode: true },
      stage,
    );
  push(
    b,
    'conv1',
    'convBlock',
    { out_channels: 64, kernel: 7, stride: 2, padding: 3, ...flavor },
    'stem',
  );
  pool('maxpool1', 'stem');
  push(
    b,
    'conv2',
    'convBlock',
    { out_channels: 64, kernel: 1, stride: 1, padding: 0, ...flavor },
    'stem',
  );
  push(
    b,
    'conv3',
    'convBlock',
    { out_channels: 192, kernel: 3, stride: 1, padding: 1, ...flavor },
    'stem',
  );
  pool('maxpool2', 'stem');
  inceptionStages(b, { ...flavor, kernel_5x5: 3, pool_ceil: true }, pool, (id, from) =>
    b.list.push({
      id,
      kind: 'auxHead',
      inputs: [from],
      params: { pool: 'adaptive', pool_size: 4, in_size: 4, ...flavor },
      stage: 'aux',
      aux: true,
    }),
  );
  push(b, 'avgpool', 'adaptiveAvgPool', { output_size: 1 }, 'head');
  push(b, 'dropout', 'dropout', { p: 0.2 }, 'head');
  push(b, 'fc', 'linear', { out_features: 'classes', in_size: 1 }, 'head');
  return {
    name: 'GoogLeNet (torchvision)',
    preset: 'googlenet-torchvision',
    input: { batch: 3, channels: 3, height: 224, width: 224 },
    classes: 1000,
    aux: true,
    modules: b.list,
    outputs: { main: 'fc', aux1: 'aux1', aux2: 'aux2' },
  };
}
