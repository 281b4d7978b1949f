import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectTfBackend } from '../backend';
import { conv2dFilterGradient, conv2dInputGradient, registerTrainingKernels } from './gradients';

type Pad = 'valid' | 'same' | number[][];

const X_SHAPE = [2, 9, 7, 3] as const;
const W_SHAPE = [3, 2, 3, 4] as const;
/** Explicit NHWC padding with unequal sides (top 1, bottom 2, left 0, right 1). */
const ASYMMETRIC: Pad = [
  [0, 0],
  [1, 2],
  [0, 1],
  [0, 0],
];

/** The conv every case differentiates: a 2×9×7×3 input and a 3×2×3×4 (HWIO) filter of fixed values. */
function convInputs(): { x: tf.Tensor4D; w: tf.Tensor4D } {
  const values = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
  return {
    x: tf.tensor4d(values(2 * 9 * 7 * 3, Math.sin), [...X_SHAPE]),
    w: tf.tensor4d(
      values(3 * 2 * 3 * 4, (i) => Math.cos(i * 0.7)),
      [...W_SHAPE],
    ),
  };
}

/** Every element of `ours` within 1e-5 of `ref`'s largest magnitude. */
function expectClose(ours: readonly number[], ref: readonly number[]): void {
  const scale = Math.max(...ref.map(Math.abs));
  expect(ours.length).toBe(ref.length);
  for (let i = 0; i < ref.length; i++)
    expect(Math.abs(ours[i] - ref[i])).toBeLessThan(1e-5 * scale);
}

/** Weight and input gradients of one conv through tf.grads (the registered kernels), on a backend. */
async function convGrads(backend: 'wasm' | 'cpu', pad: Pad, stride: number) {
  await tf.setBackend(backend);
  const { x, w } = convInputs();
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad as 'valid'))),
  )([x, w]);
  const out = { dx: Array.from(g[0].dataSync()), dw: Array.from(g[1].dataSync()) };
  tf.dispose([x, w, ...g]);
  return out;
}

/** tfjs's own backprop kernels on cpu, and ours (as convolutions) on wasm, for one conv. */
async function backprops(backend: 'wasm' | 'cpu', pad: Pad, stride: number) {
  await tf.setBackend(backend);
  const { x, w } = convInputs();
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
    [ASYMMETRIC, 2],
  ] as const)(
    'wasm Conv2DBackpropFilter equals the cpu kernel (pad %j, stride %d)',
    async (pad, stride) => {
      const wasm = await convGrads('wasm', pad, stride);
      const cpu = await convGrads('cpu', pad, stride);
      expectClose(wasm.dw, cpu.dw);
      for (let i = 0; i < cpu.dx.length; i++) expect(wasm.dx[i]).toBeCloseTo(cpu.dx[i], 3);
      await tf.setBackend('wasm');
    },
  );

  it.each([
    ['valid', 1],
    ['valid', 2],
    ['same', 2],
    [ASYMMETRIC, 2],
  ] as const)(
    'conv gradients as convolutions equal tfjs’s backprop kernels (pad %j, stride %d)',
    async (pad, stride) => {
      const ours = await backprops('wasm', pad, stride);
      const ref = await backprops('cpu', pad, stride);
      expectClose(ours.dx, ref.dx);
      expectClose(ours.dw, ref.dw);
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
