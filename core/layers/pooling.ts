import type { Padding4, Pair } from '../model/types';
import {
  expectRank4,
  fail,
  ok,
  type InferResult,
  type LayerDef,
  type LayerProblem,
} from './layerDef';
import { fmtKernel, fmtPadding, fmtPair, poolLength } from './spatial';

export interface Pool2dAttrs {
  readonly kernel: Pair;
  readonly stride: Pair;
  readonly padding: Padding4;
  readonly ceilMode: boolean;
}

export interface AvgPool2dAttrs extends Pool2dAttrs {
  readonly countIncludePad: boolean;
}

function inferPool(
  a: Pool2dAttrs,
  inputs: Parameters<LayerDef<Pool2dAttrs>['infer']>[1],
  what: string,
): InferResult {
  const rank = expectRank4(inputs, what);
  if (rank) return fail(rank);
  const [n, c, h, w] = inputs[0];
  const problems: LayerProblem[] = [];
  const [t, b, l, r] = a.padding;
  if (Math.max(t, b) * 2 > a.kernel[0] || Math.max(l, r) * 2 > a.kernel[1]) {
    problems.push({
      code: 'pool.paddingTooLarge',
      field: 'padding',
      message: `padding ${fmtPadding(a.padding)} is more than half the ${fmtKernel(a.kernel)} ${what} window, which PyTorch does not allow`,
    });
  }
  const oh = poolLength(h, a.kernel[0], a.stride[0], t, b, a.ceilMode);
  const ow = poolLength(w, a.kernel[1], a.stride[1], l, r, a.ceilMode);
  // PyTorch refuses a pool only when no output is left: in ceil mode a window may overhang a
  // small input (torchvision's 3×3/2 ceil-mode pool turns a 2×2 map into 1×1).
  if (oh < 1 || ow < 1) {
    problems.push({
      code: 'pool.windowTooLarge',
      field: 'kernel',
      message: `the ${fmtKernel(a.kernel)} ${what} window is larger than its ${h}×${w} input${t + b + l + r > 0 ? ` (padding ${fmtPadding(a.padding)})` : ''}`,
    });
  }
  if (problems.length) return fail(...problems);
  return ok([n, c, oh, ow]);
}

function describePool(a: Pool2dAttrs): string {
  return `${fmtKernel(a.kernel)}/${fmtPair(a.stride)} p${fmtPadding(a.padding)}${a.ceilMode ? ' ceil' : ''}`;
}

/** Max pooling (PyTorch `MaxPool2d`): pads with −∞, floor or ceil mode. */
export const maxPool2d: LayerDef<Pool2dAttrs> = {
  kind: 'maxPool2d',
  torchName: 'MaxPool2d',
  infer: (a, inputs) => inferPool(a, inputs, 'max pool'),
  tensors: () => [],
  macs: () => 0,
  describe: describePool,
};

/** Average pooling (PyTorch `AvgPool2d`). */
export const avgPool2d: LayerDef<AvgPool2dAttrs> = {
  kind: 'avgPool2d',
  torchName: 'AvgPool2d',
  infer: (a, inputs) => inferPool(a, inputs, 'average pool'),
  tensors: () => [],
  macs: () => 0,
  describe: (a) => `${describePool(a)}${a.countIncludePad ? '' : ' excl. pad'}`,
};

export interface AdaptiveAvgPool2dAttrs {
  readonly output: Pair;
}

/**
 * PyTorch's adaptive average pooling bins along one axis as an averaging matrix [output, input]:
 * bin i spans ⌊i·input/output⌋ … ⌈(i+1)·input/output⌉ (exclusive), so bins overlap when input is
 * not a multiple of output (ATen's `adaptive_avg_pool2d`). Used by the engine and the ONNX export.
 */
export function adaptivePoolBins(input: number, output: number): Float32Array {
  const m = new Float32Array(output * input);
  for (let i = 0; i < output; i++) {
    const start = Math.floor((i * input) / output);
    const end = Math.ceil(((i + 1) * input) / output);
    for (let j = start; j < end; j++) m[i * input + j] = 1 / (end - start);
  }
  return m;
}

/** Adaptive average pooling to a fixed output size (PyTorch `AdaptiveAvgPool2d`). */
export const adaptiveAvgPool2d: LayerDef<AdaptiveAvgPool2dAttrs> = {
  kind: 'adaptiveAvgPool2d',
  torchName: 'AdaptiveAvgPool2d',
  infer(a, inputs) {
    const rank = expectRank4(inputs, 'an adaptive average pool');
    if (rank) return fail(rank);
    const [n, c] = inputs[0];
    return ok([n, c, a.output[0], a.output[1]]);
  },
  tensors: () => [],
  macs: () => 0,
  describe: (a) => `→ ${fmtKernel(a.output)}`,
};
