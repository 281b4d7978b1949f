/**
 * Designs that reach the ONNX export's corner cases on the eval path: an even LRN window (built
 * from primitives, since ONNX's LRN centres it differently), an odd one (ONNX's LRN), adaptive
 * pooling with overlapping bins (two MatMuls), ceil-mode pools whose last window overhangs the
 * padding (average pooling that counts the declared padding but not the overhang), and a
 * residual sum of three inputs.
 */
import type { Design } from '../../model/types';
import type { ExportCase } from './exportFixtures';
import { presetDesign } from '../../presets';
import { setParam } from '../../design/edit';

function poolCorners(): Design {
  return {
    name: 'ONNX corner cases',
    preset: null,
    input: { batch: 1, channels: 3, height: 31, width: 29 },
    classes: 6,
    aux: false,
    modules: [
      {
        id: 'conv1',
        kind: 'convBlock',
        inputs: ['input'],
        params: { out_channels: 12, kernel: 3, stride: 2, padding: 1 },
        stage: 'stem',
      },
      {
        id: 'lrn_even',
        kind: 'localResponseNorm',
        inputs: ['conv1'],
        params: { size: 4, alpha: 0.3, beta: 0.75, k: 1.5 },
        stage: 'stem',
      },
      {
        id: 'lrn_odd',
        kind: 'localResponseNorm',
        inputs: ['lrn_even'],
        params: { size: 3, alpha: 0.2, beta: 0.6, k: 2 },
        stage: 'stem',
      },
      {
        id: 'avg_ceil',
        kind: 'avgPool',
        inputs: ['lrn_odd'],
        params: { kernel: 3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: true },
        stage: 'body',
      },
      {
        id: 'max_ceil',
        kind: 'maxPool',
        inputs: ['lrn_odd'],
        params: { kernel: 3, stride: 2, padding: [1, 1, 0, 1], ceil_mode: true },
        stage: 'body',
      },
      {
        id: 'avg_excl',
        kind: 'avgPool',
        inputs: ['lrn_odd'],
        params: {
          kernel: 2,
          stride: 2,
          padding: [1, 0, 1, 0],
          ceil_mode: true,
          count_include_pad: false,
        },
        stage: 'body',
      },
      {
        id: 'sum3',
        kind: 'add',
        inputs: ['avg_ceil', 'max_ceil', 'avg_excl'],
        params: {},
        stage: 'body',
      },
      {
        id: 'bins',
        kind: 'adaptiveAvgPool',
        inputs: ['sum3'],
        params: { output_size: [3, 5] },
        stage: 'head',
      },
      { id: 'drop', kind: 'dropout', inputs: ['bins'], params: { p: 0.5 }, stage: 'head' },
      {
        id: 'fc',
        kind: 'linear',
        inputs: ['drop'],
        params: { out_features: 'classes', in_size: [3, 5] },
        stage: 'head',
      },
    ],
    outputs: { main: 'fc' },
  };
}

/** Inception v3 with torchvision's transform_input on (the per-channel affine its trained weights expect). */
function inceptionV3Transformed(): Design {
  return {
    ...setParam(presetDesign('inception-v3')!, 'transform_input', 'enabled', true),
    name: 'Inception v3, transform_input on',
  };
}

export const ONNX_CASES: readonly ExportCase[] = [
  { name: 'onnx-corners', design: poolCorners() },
  { name: 'inception-v3-transform-input', design: inceptionV3Transformed() },
];
