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
 * dW[kh, kw, ci, co] = Σ_{n, oh, ow} x_pad[n, oh·s + kh, ow·s + kw, ci] · dy[n, oh, ow, co]:
 * one matrix product per kernel position, between the strided window of the padded input
 * ([N·OH·OW, Ci]) and the output gradient ([N·OH·OW, Co]). x: NHWC, dy: NHWC, result HWIO.
 */
export function conv2dFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: readonly [number, number, number, number],
  strides: [number, number],
  pad: unknown,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [kH, kW, ci, co] = filterShape;
    const [n, inH, inW] = x.shape;
    const [, outH, outW] = dy.shape;
    const p = resolvePads(pad, inH, inW, kH, kW, strides, outH, outW);
    const xp =
      p.top || p.bottom || p.left || p.right
        ? tf.pad(x, [
            [0, 0],
            [p.top, p.bottom],
            [p.left, p.right],
            [0, 0],
          ])
        : x;
    const dy2 = tf.reshape(dy, [n * outH * outW, co]);
    const taps: tf.Tensor2D[] = [];
    for (let i = 0; i < kH; i++) {
      for (let j = 0; j < kW; j++) {
        const win =
          kH === 1 && kW === 1 && strides[0] === 1 && strides[1] === 1
            ? xp
            : tf.stridedSlice(
                xp,
                [0, i, j, 0],
                [n, i + (outH - 1) * strides[0] + 1, j + (outW - 1) * strides[1] + 1, ci],
                [1, strides[0], strides[1], 1],
              );
        taps.push(tf.matMul(tf.reshape(win, [n * outH * outW, ci]), dy2, true, false));
      }
    }
    return tf.reshape(tf.stack(taps), [kH, kW, ci, co]);
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
