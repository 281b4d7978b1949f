/**
 * Gradients for the TF.js backends: tfjs-core's Node bundle registers no gradient functions (see
 * gradientConfigs.ts), and the wasm backend (4.22) has no `Conv2DBackpropFilter` kernel, which
 * every convolution's weight gradient needs. `registerTrainingKernels` registers both once.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerGradientConfigs } from './gradientConfigs';

type Pads = { top: number; bottom: number; left: number; right: number };

/** TF's padding for a conv with the given input, kernel, stride and output size. */
function resolvePads(
  pad: unknown,
  inH: number,
  inW: number,
  kH: number,
  kW: number,
  stride: [number, number],
  outH: number,
  outW: number,
): Pads {
  if (pad === 'valid') return { top: 0, bottom: 0, left: 0, right: 0 };
  if (typeof pad === 'number') return { top: pad, bottom: pad, left: pad, right: pad };
  if (Array.isArray(pad)) {
    const p = pad as number[][];
    // NHWC explicit padding: [[0,0],[top,bottom],[left,right],[0,0]].
    return { top: p[1][0], bottom: p[1][1], left: p[2][0], right: p[2][1] };
  }
  // 'same': the total padding split with the extra row/column at the end, as TensorFlow does.
  const th = Math.max((outH - 1) * stride[0] + kH - inH, 0);
  const tw = Math.max((outW - 1) * stride[1] + kW - inW, 0);
  return {
    top: Math.floor(th / 2),
    bottom: th - Math.floor(th / 2),
    left: Math.floor(tw / 2),
    right: tw - Math.floor(tw / 2),
  };
}

/**
 * dW[kh, kw, ci, co] = Σ_{n, oh, ow} x_pad[n, oh·s + kh, ow·s + kw, ci] · dy[n, oh, ow, co]: a
 * convolution of the input (batch and channel axes swapped) with the output gradient as the
 * filter, dilated by the stride, so XNNPACK's convolution does the work. x, dy: NHWC; result HWIO.
 */
export function conv2dFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: readonly [number, number, number, number],
  strides: [number, number],
  pad: unknown,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [kH, kW] = filterShape;
    const [, inH, inW] = x.shape;
    const [, outH, outW] = dy.shape;
    const p = resolvePads(pad, inH, inW, kH, kW, strides, outH, outW);
    // Exactly the rows and columns the windows read: (out − 1)·s + k, padded or cropped.
    const needH = (outH - 1) * strides[0] + kH;
    const needW = (outW - 1) * strides[1] + kW;
    let xp: tf.Tensor4D = tf.pad(x, [
      [0, 0],
      [p.top, Math.max(0, needH - inH - p.top)],
      [p.left, Math.max(0, needW - inW - p.left)],
      [0, 0],
    ]);
    if (xp.shape[1] !== needH || xp.shape[2] !== needW)
      xp = tf.slice(xp, [0, 0, 0, 0], [-1, needH, needW, -1]);
    const input = tf.transpose(xp, [3, 1, 2, 0]); // [Ci, H, W, N]
    const filter = tf.transpose(dy, [1, 2, 0, 3]); // [OH, OW, N, Co]
    const out = tf.conv2d(input, filter, 1, 'valid', 'NHWC', strides); // [Ci, kH, kW, Co]
    return tf.transpose(out, [1, 2, 0, 3]);
  });
}

/**
 * dx = the output gradient, dilated by the stride, convolved with the filter rotated by 180° and
 * its in/out axes swapped, padded so the result has the input's size. x: NHWC shape; filter HWIO.
 */
export function conv2dInputGradient(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: readonly [number, number, number, number],
  strides: [number, number],
  pad: unknown,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, inH, inW] = inputShape;
    const [kH, kW, ci, co] = filter.shape;
    const [, outH, outW] = dy.shape;
    const [sh, sw] = strides;
    const p = resolvePads(pad, inH, inW, kH, kW, strides, outH, outW);
    let d: tf.Tensor4D = dy;
    if (sh > 1 || sw > 1) {
      // Zeros between rows and columns: [N, OH, 1, OW, 1, C] padded to [N, OH, s, OW, s, C].
      const z = tf.pad(tf.reshape(dy, [n, outH, 1, outW, 1, co]), [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ]);
      d = tf.slice(
        tf.reshape(z, [n, outH * sh, outW * sw, co]) as tf.Tensor4D,
        [0, 0, 0, 0],
        [n, (outH - 1) * sh + 1, (outW - 1) * sw + 1, co],
      );
    }
    const lh = d.shape[1];
    const lw = d.shape[2];
    const top = kH - 1 - p.top;
    const left = kW - 1 - p.left;
    const bottom = inH + kH - 1 - lh - top;
    const right = inW + kW - 1 - lw - left;
    const rotated = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]); // [kH, kW, Co, Ci]
    let padded: tf.Tensor4D = tf.pad(d, [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ]);
    // A padding larger than the kernel (never in the family) crops instead.
    if (top < 0 || bottom < 0 || left < 0 || right < 0)
      padded = tf.slice(
        padded,
        [0, Math.max(0, -top), Math.max(0, -left), 0],
        [
          n,
          padded.shape[1] - Math.max(0, -top) - Math.max(0, -bottom),
          padded.shape[2] - Math.max(0, -left) - Math.max(0, -right),
          co,
        ],
      );
    const dx = tf.conv2d(padded, rotated, 1, 'valid');
    if (dx.shape[3] !== ci) throw new Error('conv2dInputGradient: channel mismatch.');
    return dx;
  });
}

let registered = false;

/** Registers the gradient functions and the wasm `Conv2DBackpropFilter` kernel (once; harmless when wasm is absent). */
export function registerTrainingKernels(): void {
  if (registered) return;
  registered = true;
  registerGradientConfigs();
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const a = attrs as unknown as {
        strides: [number, number] | number;
        pad: unknown;
        dataFormat: string;
        filterShape: [number, number, number, number];
      };
      if (a.dataFormat !== 'NHWC')
        throw new Error(`Conv2DBackpropFilter on wasm supports NHWC only; got ${a.dataFormat}.`);
      const strides: [number, number] =
        typeof a.strides === 'number' ? [a.strides, a.strides] : a.strides;
      const kb = backend as tf.KernelBackend;
      // Copies of the inputs: tensors made from the kernel's own TensorInfos outlive the tidy, and
      // wasm's readSync/dataSync return views of its heap, which the next allocation may move or
      // reuse, so every value is copied out before anything else is allocated.
      const read = (t: tf.TensorInfo) =>
        tf.tensor4d(
          (kb.readSync(t.dataId) as Float32Array).slice(),
          t.shape as [number, number, number, number],
        );
      const values = tf.tidy(() => {
        const xt = read(x);
        const dyt = read(dy);
        return (
          conv2dFilterGradient(xt, dyt, a.filterShape, strides, a.pad).dataSync() as Float32Array
        ).slice();
      });
      const dataId = kb.write(values, a.filterShape, 'float32');
      return { dataId, shape: [...a.filterShape], dtype: 'float32' };
    },
  });
}
