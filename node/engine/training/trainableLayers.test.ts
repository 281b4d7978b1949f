import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectTfBackend } from '../backend';
import { registerTrainingKernels } from './gradients';
import { trainBuilders, ParamStore } from './trainableLayers';
import type { BuildContext, LayerOp } from '../layers/layerOp';

function maxPoolOp(
  kernel: number,
  stride: number,
  pad: number,
  inShape: number[],
  outHw: number[],
): LayerOp {
  const store = new ParamStore(new Map());
  const ctx = {
    mode: 'train',
    inputShapes: [inShape],
    outputShape: [inShape[0], inShape[1], ...outHw],
  } as unknown as BuildContext;
  const layer = {
    id: 'pool',
    kind: 'maxPool2d',
    inputs: ['input'],
    module: 'pool',
    attrs: {
      kernel: [kernel, kernel],
      stride: [stride, stride],
      padding: [pad, pad, pad, pad],
      ceilMode: true,
    },
  };
  const built = trainBuilders(store).maxPool2d(layer as never, ctx);
  if (!('op' in built)) throw new Error('expected an op');
  return built.op;
}

describe('trainable layers', () => {
  beforeAll(async () => {
    registerTrainingKernels();
    expect((await selectTfBackend('wasm')).ok).toBe(true);
  });

  it.each([
    [3, 1, 1, 3, [3, 3], [4, 2, 0, 2, 1, 0, 0, 0, 0]],
    [3, 2, 0, 4, [2, 2], [1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0]],
  ])(
    'max pool %i/%i/%i gives tied maxima’s gradient to the first in scan order, as PyTorch does',
    (k, s, p, size, out, expected) => {
      const op = maxPoolOp(k, s, p, [1, 1, size, size], out);
      const x = tf.zeros([1, size, size, 1]);
      const g = tf.grad((t: tf.Tensor) => tf.sum(op.run([t], { batchOffset: 0 })))(x);
      expect(Array.from(g.dataSync())).toEqual(expected);
      tf.dispose([x, g]);
    },
  );
});
