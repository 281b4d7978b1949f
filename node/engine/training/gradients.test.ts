import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectTfBackend } from '../backend';
import { conv2dFilterGradient, conv2dInputGradient, registerTrainingKernels } from './gradients';

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

const X_SHAPE = [2, 9, 7, 3] as const;
const W_SHAPE = [3, 2, 3, 4] as const;

/** tfjs's own backprop kernels on cpu, and ours (as convolutions) on wasm, for one conv. */
async function backprops(
  backend: 'wasm' | 'cpu',
  pad: 'valid' | 'same' | number[][],
  stride: number,
) {
  await tf.setBackend(backend);
  const x = tf.tensor4d(
    Array.from({ length: 2 * 9 * 7 * 3 }, (_, i) => Math.sin(i)),
    [...X_SHAPE],
  );
  const w = tf.tensor4d(
    Array.from({ length: 3 * 2 * 3 * 4 }, (_, i) => Math.cos(i * 0.7)),
    [...W_SHAPE],
  );
  const y = tf.conv2d(x, w, stride, pad as 'valid');
  const dy = tf.tensor4d(
    Array.from({ length: y.size }, (_, i) => Math.sin(i * 1.3)),
    y.shape,
  );
  const s: [number, number] = [stride, stride];
  let dx: tf.Tensor;
  let dw: tf.Tensor;
  if (backend === 'cpu') {
    const attrs = { strides: s, pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
    dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, {
      ...attrs,
      inputShape: [...X_SHAPE],
    } as never) as tf.Tensor;
    dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
      ...attrs,
      filterShape: [...W_SHAPE],
    } as never) as tf.Tensor;
  } else {
    dx = conv2dInputGradient(dy, w, [...X_SHAPE], s, pad);
    dw = conv2dFilterGradient(x, dy, [...W_SHAPE], s, pad);
  }
  const out = { dx: Array.from(dx.dataSync()), dw: Array.from(dw.dataSync()) };
  tf.dispose([x, w, y, dy, dx, dw]);
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

  it.each([
    ['valid', 1],
    ['valid', 2],
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
    'conv gradients as convolutions equal tfjs’s backprop kernels (pad %j, stride %d)',
    async (pad, stride) => {
      const ours = await backprops('wasm', pad as never, stride);
      const ref = await backprops('cpu', pad as never, stride);
      for (const k of ['dx', 'dw'] as const) {
        const scale = Math.max(...ref[k].map(Math.abs));
        expect(ours[k].length).toBe(ref[k].length);
        for (let i = 0; i < ref[k].length; i++)
          expect(Math.abs(ours[k][i] - ref[k][i])).toBeLessThan(1e-5 * scale);
      }
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
