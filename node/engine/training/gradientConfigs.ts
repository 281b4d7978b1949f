/**
 * The gradient functions training needs, ported from tfjs-core 4.22's `src/gradients/*` (Apache-2.0)
 * onto its public API. tfjs-core's CommonJS Node bundle registers none, and its
 * `register_all_gradients` module cannot be loaded by Node or tsx (extensionless ESM imports,
 * and `./gradients` names both a file and a folder), so the ones the family's layers use are
 * registered here. A kernel missing from this list fails with TF.js's own "gradient function not
 * found for X" error, a bug to fix here.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dFilterGradient, conv2dInputGradient } from './gradients';

type Saved = tf.Tensor[];
type Attrs = Record<string, unknown>;
type GradFunc = (
  dy: tf.Tensor,
  saved: Saved,
  attrs: Attrs,
) => Record<string, () => tf.Tensor> | (() => tf.Tensor)[];

interface Config {
  kernelName: string;
  inputsToSave?: string[];
  saveAllInputs?: boolean;
  outputsToSave?: boolean[];
  gradFunc: GradFunc;
}

const bu = tf.backend_util;

const pair = (v: unknown): [number, number] =>
  typeof v === 'number' ? [v, v] : [(v as number[])[0], (v as number[])[1]];

/** Sums a broadcast gradient back to `shape`. */
function unbroadcast(
  g: tf.Tensor,
  shape: readonly number[],
  outShape: readonly number[],
): tf.Tensor {
  const axes = bu.getReductionAxes(shape as number[], outShape as number[]);
  return axes.length
    ? tf.reshape(tf.sum(g, axes), shape as number[])
    : tf.reshape(g, shape as number[]);
}

function binary(
  name: string,
  da: (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  db: (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
): Config {
  return {
    kernelName: name,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => {
      const out = bu.assertAndGetBroadcastShape(a.shape, b.shape);
      return {
        a: () => unbroadcast(da(dy, a, b), a.shape, out),
        b: () => unbroadcast(db(dy, a, b), b.shape, out),
      };
    },
  };
}

function reduceShape(x: tf.Tensor, axis: unknown): number[] {
  const shape = x.shape.slice();
  for (const ax of tf.util.parseAxisParam(axis as number | number[], x.shape)) shape[ax] = 1;
  return shape;
}

const configs: Config[] = [
  binary(
    'Add',
    (dy) => dy,
    (dy) => dy,
  ),
  binary(
    'Sub',
    (dy) => dy,
    (dy) => tf.neg(dy),
  ),
  binary(
    'Multiply',
    (dy, _a, b) => tf.mul(dy, tf.cast(b, 'float32')),
    (dy, a) => tf.mul(dy, tf.cast(a, 'float32')),
  ),
  binary(
    'RealDiv',
    (dy, _a, b) => tf.div(dy, b),
    (dy, a, b) => tf.neg(tf.div(tf.mul(dy, a), tf.square(b))),
  ),
  {
    kernelName: 'AddN',
    saveAllInputs: true,
    gradFunc: (dy, saved) => saved.map(() => () => tf.clone(dy)),
  },
  { kernelName: 'Neg', gradFunc: (dy) => ({ x: () => tf.neg(dy) }) },
  { kernelName: 'Identity', gradFunc: (dy) => ({ x: () => tf.cast(dy, 'float32') }) },
  { kernelName: 'Cast', gradFunc: (dy) => ({ x: () => tf.clone(dy) }) },
  {
    kernelName: 'Square',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, tf.mul(x, 2)) }),
  },
  {
    kernelName: 'Rsqrt',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.neg(tf.div(dy, tf.mul(tf.pow(x, 1.5), 2))) }),
  },
  {
    kernelName: 'Exp',
    outputsToSave: [true],
    gradFunc: (dy, [y]) => ({ x: () => tf.mul(dy, y) }),
  },
  { kernelName: 'Log', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.div(dy, x) }) },
  {
    kernelName: 'Pow',
    inputsToSave: ['a', 'b'],
    outputsToSave: [true],
    gradFunc: (dy, [a, b, y]) => {
      const out = bu.assertAndGetBroadcastShape(a.shape, b.shape);
      return {
        a: () => unbroadcast(tf.mul(dy, tf.mul(b, tf.pow(a, tf.sub(b, 1)))), a.shape, out),
        b: () =>
          unbroadcast(
            tf.mul(dy, tf.mul(y, tf.where(tf.greater(a, 0), tf.log(a), tf.zerosLike(a)))),
            b.shape,
            out,
          ),
      };
    },
  },
  {
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, tf.cast(tf.step(x), 'float32')) }),
  },
  {
    kernelName: 'Sum',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => tf.mul(tf.reshape(dy, reduceShape(x, attrs.axis)), tf.ones(x.shape, 'float32')),
    }),
  },
  {
    kernelName: 'Mean',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const shape = reduceShape(x, attrs.axis);
      const count = x.size / shape.reduce((p, d) => p * d, 1);
      return { x: () => tf.div(tf.mul(tf.reshape(dy, shape), tf.ones(x.shape, 'float32')), count) };
    },
  },
  {
    // Ties go to the first argument, which the max pool's tap chain relies on (see MaxPoolTrainOp).
    kernelName: 'Maximum',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => {
      const out = bu.assertAndGetBroadcastShape(a.shape, b.shape);
      return {
        a: () => unbroadcast(tf.mul(dy, tf.cast(tf.greaterEqual(a, b), 'float32')), a.shape, out),
        b: () => unbroadcast(tf.mul(dy, tf.cast(tf.less(a, b), 'float32')), b.shape, out),
      };
    },
  },
  {
    // The gradient flows to every position equal to the maximum, as tfjs-core's gradMinOrMax does.
    kernelName: 'Max',
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, [x, y], attrs) => {
      const shape = reduceShape(x, attrs.reductionIndices);
      return {
        x: () =>
          tf.mul(tf.reshape(dy, shape), tf.cast(tf.equal(x, tf.reshape(y, shape)), 'float32')),
      };
    },
  },
  {
    kernelName: 'Reshape',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.reshape(dy, x.shape) }),
  },
  {
    kernelName: 'Transpose',
    gradFunc: (dy, _s, attrs) => ({
      x: () => tf.transpose(dy, bu.getUndoAxesPermutation(attrs.perm as number[])),
    }),
  },
  {
    kernelName: 'Concat',
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const axis = tf.util.parseAxisParam(attrs.axis as number, saved[0].shape)[0];
      const parts = tf.split(
        dy,
        saved.map((t) => t.shape[axis]),
        axis,
      );
      return parts.map((t) => () => t);
    },
  },
  {
    kernelName: 'SplitV',
    gradFunc: (dy, _s, attrs) => ({
      x: () => tf.concat(dy as unknown as tf.Tensor[], attrs.axis as number),
    }),
  },
  {
    kernelName: 'PadV2',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () =>
        tf.slice(
          dy,
          (attrs.paddings as number[][]).map((p) => p[0]),
          x.shape,
        ),
    }),
  },
  {
    kernelName: 'Slice',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const [begin, size] = tf.slice_util.parseSliceParams(
        x,
        attrs.begin as number[],
        attrs.size as number[],
      );
      return {
        x: () =>
          tf.pad(
            dy,
            x.shape.map((d, i) => [begin[i], d - begin[i] - size[i]] as [number, number]),
          ),
      };
    },
  },
  {
    kernelName: 'Cumsum',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => {
        const axis = attrs.axis as number;
        const perm = bu.getAxesPermutation([axis], x.rank);
        const out = tf.cumsum(dy, axis, attrs.exclusive as boolean, !(attrs.reverse as boolean));
        return perm ? tf.transpose(out, perm) : out;
      },
    }),
  },
  {
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b], attrs) => {
      const ta = attrs.transposeA as boolean;
      const tb = attrs.transposeB as boolean;
      if (!ta && !tb)
        return { a: () => tf.matMul(dy, b, false, true), b: () => tf.matMul(a, dy, true, false) };
      if (!ta && tb)
        return { a: () => tf.matMul(dy, b, false, false), b: () => tf.matMul(dy, a, true, false) };
      if (ta && !tb)
        return { a: () => tf.matMul(b, dy, false, true), b: () => tf.matMul(a, dy, false, false) };
      return { a: () => tf.matMul(b, dy, true, true), b: () => tf.matMul(dy, a, true, true) };
    },
  },
  {
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, [x, filter], attrs) => {
      const { strides, pad, dataFormat, dilations } = attrs;
      if (dataFormat !== 'NHWC') throw new Error('Conv2D gradients support NHWC only.');
      const d = dilations as number | number[];
      if (!(Array.isArray(d) ? d : [d, d]).every((v) => v === 1))
        throw new Error('Conv2D gradients support dilation 1 only.');
      return {
        // As convolutions (XNNPACK-fast on wasm; the backprop kernels ran 20× slower there).
        x: () =>
          conv2dInputGradient(
            dy as tf.Tensor4D,
            filter as tf.Tensor4D,
            x.shape as [number, number, number, number],
            pair(strides),
            pad,
          ),
        filter: () =>
          conv2dFilterGradient(
            x as tf.Tensor4D,
            dy as tf.Tensor4D,
            filter.shape as [number, number, number, number],
            pair(strides),
            pad,
          ),
      };
    },
  },
  {
    kernelName: 'MaxPool',
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, [x, y], attrs) => ({
      x: () =>
        tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, {
          filterSize: attrs.filterSize,
          strides: attrs.strides,
          pad: attrs.pad,
          dimRoundingMode: attrs.dimRoundingMode,
        } as never) as tf.Tensor,
    }),
  },
  {
    kernelName: 'AvgPool',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () =>
        tf.engine().runKernel('AvgPoolGrad', { dy, input: x }, {
          filterSize: attrs.filterSize,
          strides: attrs.strides,
          pad: attrs.pad,
        } as never) as tf.Tensor,
    }),
  },
];

/** Registers each gradient above whose kernel has none yet (idempotent). */
export function registerGradientConfigs(): void {
  for (const c of configs)
    if (!tf.getGradient(c.kernelName)) tf.registerGradient(c as unknown as tf.GradConfig);
}
