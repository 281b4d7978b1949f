/** Inception v3 exactly as torchvision 0.14's `inception_v3` builds it (aux head on, transform_input off). */
import type { Design, ModuleSpec, Params } from '../model/types';

/** torchvision's BasicConv2d: conv without bias, BatchNorm2d eps 0.001 as `bn`, ReLU. */
const BASIC: Params = { conv_bias: false, bn_eps: 0.001, bn_name: 'bn' };

/** The stem and the eleven mixed modules in torchvision's order: id, kind, params, stage. */
const LAYOUT: readonly (readonly [string, string, Params, string])[] = [
  // Off, as torchvision builds inception_v3 without trained weights; on for its ImageNet weights.
  ['transform_input', 'transformInput', { enabled: false }, 'stem'],
  [
    'Conv2d_1a_3x3',
    'convBlock',
    { out_channels: 32, kernel: 3, stride: 2, padding: 0, ...BASIC },
    'stem',
  ],
  [
    'Conv2d_2a_3x3',
    'convBlock',
    { out_channels: 32, kernel: 3, stride: 1, padding: 0, ...BASIC },
    'stem',
  ],
  [
    'Conv2d_2b_3x3',
    'convBlock',
    { out_channels: 64, kernel: 3, stride: 1, padding: 1, ...BASIC },
    'stem',
  ],
  ['maxpool1', 'maxPool', { kernel: 3, stride: 2, padding: 0 }, 'stem'],
  [
    'Conv2d_3b_1x1',
    'convBlock',
    { out_channels: 80, kernel: 1, stride: 1, padding: 0, ...BASIC },
    'stem',
  ],
  [
    'Conv2d_4a_3x3',
    'convBlock',
    { out_channels: 192, kernel: 3, stride: 1, padding: 0, ...BASIC },
    'stem',
  ],
  ['maxpool2', 'maxPool', { kernel: 3, stride: 2, padding: 0 }, 'stem'],
  ['Mixed_5b', 'inceptionA', { pool_features: 32 }, '5'],
  ['Mixed_5c', 'inceptionA', { pool_features: 64 }, '5'],
  ['Mixed_5d', 'inceptionA', { pool_features: 64 }, '5'],
  ['Mixed_6a', 'inceptionB', {}, '6'],
  ['Mixed_6b', 'inceptionC', { channels_7x7: 128 }, '6'],
  ['Mixed_6c', 'inceptionC', { channels_7x7: 160 }, '6'],
  ['Mixed_6d', 'inceptionC', { channels_7x7: 160 }, '6'],
  ['Mixed_6e', 'inceptionC', { channels_7x7: 192 }, '6'],
  ['Mixed_7a', 'inceptionD', {}, '7'],
  ['Mixed_7b', 'inceptionE', {}, '7'],
  ['Mixed_7c', 'inceptionE', {}, '7'],
  ['avgpool', 'adaptiveAvgPool', { output_size: 1 }, 'head'],
  ['dropout', 'dropout', { p: 0.5 }, 'head'],
  ['fc', 'linear', { out_features: 'classes', in_size: 1 }, 'head'],
];

/**
 * torchvision 0.14 `inception_v3(aux_logits=True, transform_input=False)`: 27,161,264 parameters,
 * 23,834,568 without AuxLogits. Set `transform_input.enabled` for torchvision's trained weights.
 */
export function inceptionV3(): Design {
  const modules: ModuleSpec[] = [];
  let last = 'input';
  for (const [id, kind, params, stage] of LAYOUT) {
    modules.push({ id, kind, inputs: [last], params, stage });
    last = id;
    if (id === 'Mixed_6e')
      modules.push({
        id: 'AuxLogits',
        kind: 'inceptionAux',
        inputs: ['Mixed_6e'],
        params: {},
        stage: 'aux',
        aux: true,
      });
  }
  return {
    name: 'Inception v3',
    preset: 'inception-v3',
    input: { batch: 2, channels: 3, height: 299, width: 299 },
    classes: 1000,
    aux: true,
    modules,
    outputs: { main: 'fc', aux: 'AuxLogits' },
  };
}
