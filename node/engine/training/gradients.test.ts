import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectTfBackend } from '../backend';
import { registerTrainingKernels } from './gradients';

/** Weight and input gradients of one conv, on a backend, as plain arrays. */
async function convGrads(
  backend: 'wasm' | 'cpu',
  pad: 'valid' | 'same' | number[][],
  stride: number,
) {
  await tf.setBackend(backend);
  const x = tf.tensor4d(
    Array.from({ length: 2 * 9 * 7 * 3 }, (_, i) => Math.sin(i)),
    [2, 9, 7, 3],
  );
  const w = tf.tensor4d(
    Array.from({ length: 3 * 2 * 3 * 4 }, (_, i) => Math.cos(i * 0.7)),
    [3, 2, 3, 4],
  );
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad as 'valid'))),
  )([x, w]);
  const out = { dx: Array.from(g[0].dataSync()), dw: Array.from(g[1].dataSync()) };
  tf.dispose([x, w, ...g]);
  return out;
}

describe('training gradients', () => {
  beforeAll(async () => {
    registerTrainingKernels();
    const r = await selectTfBackend('wasm');
    expect(r.ok).toBe(true);
  });

  it.each([
    ['valid', 1],
    ['same', 2],
    [
      [
        [0, 0],
        [1, 2],
        [0, 1],
        [0, 0],
      ],
      2,
    ],
  ] as const)(
    'wasm Conv2DBackpropFilter equals the cpu kernel (pad %j, stride %d)',
    async (pad, stride) => {
      const wasm = await convGrads('wasm', pad as never, stride);
      const cpu = await convGrads('cpu', pad as never, stride);
      const scale = Math.max(...cpu.dw.map(Math.abs));
      for (let i = 0; i < cpu.dw.length; i++)
        expect(Math.abs(wasm.dw[i] - cpu.dw[i])).toBeLessThan(1e-5 * scale);
      for (let i = 0; i < cpu.dx.length; i++) expect(wasm.dx[i]).toBeCloseTo(cpu.dx[i], 3);
      await tf.setBackend('wasm');
    },
  );

  it('leaks no tensors', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    await convGrads('wasm', 'same', 2);
    expect(tf.memory().numTensors).toBe(before);
  });
});
