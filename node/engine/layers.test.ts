/**
 * Each layer kind against a plain NCHW implementation written from PyTorch's documentation, on
 * small tensors, on every backend present: pools (padding, ceil mode, count_include_pad),
 * adaptive bins, local response norm (odd, even and wide windows), grouped and depthwise
 * convolution, flatten order, joins, and seeded dropout.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../core/analysis/analyze';
import type { Design, ModuleSpec } from '../../core/model/types';
import type { RunMode } from '../../core/run/types';
import { randomInput } from '../../core/weights/init';
import { poolLength } from '../../core/layers/spatial';
import { probeBackend } from './backend';
import { compileModel, forward } from './model';
import { seededStateDict, type StateDict } from './weights';
import { dropoutMask } from './layers/misc';

type Shape4 = [number, number, number, number];

function design(
  input: Shape4,
  modules: ModuleSpec[],
  outputs: Record<string, string> = { main: modules[modules.length - 1].id },
): Design {
  return {
    name: 't',
    preset: null,
    input: { batch: input[0], channels: input[1], height: input[2], width: input[3] },
    classes: 10,
    aux: true,
    modules,
    outputs,
  };
}

/** Runs a design and returns the main output as NCHW values, with the weights used. */
function run(
  d: Design,
  mode: RunMode = 'eval',
  options: { foldBatchNorm?: boolean; dropout?: boolean; seed?: number } = {},
) {
  const analysis = analyze(d);
  expect(analysis.issues).toEqual([]);
  const weights = seededStateDict(analysis.graph, 5, 'randomized');
  const model = compileModel(d, analysis, weights, {
    mode,
    foldBatchNorm: options.foldBatchNorm,
    dropout: options.dropout,
    dropoutSeed: options.seed ?? 9,
  });
  const { batch, channels, height, width } = d.input;
  const input = randomInput([batch, channels, height, width], 11);
  const x = tf.tensor4d(input, [batch, channels, height, width]);
  const before = tf.memory().numTensors;
  const r = forward(model, x);
  const t = r.outputs.main;
  const nchw = t.rank === 4 ? tf.transpose(t, [0, 3, 1, 2]) : t;
  const out = { shape: nchw.shape, data: Float32Array.from(nchw.dataSync()), input, weights };
  tf.dispose([nchw, ...Object.values(r.outputs)]);
  expect(tf.memory().numTensors, 'tensors left behind by the pass').toBe(before);
  x.dispose();
  model.dispose();
  return out;
}

function expectClose(got: Float32Array, want: Float64Array | number[], tol = 1e-5) {
  expect(got.length).toBe(want.length);
  let worst = 0;
  let scale = 1e-12;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  expect(worst / scale).toBeLessThanOrEqual(tol);
}

const at = (x: ArrayLike<number>, s: Shape4, n: number, c: number, h: number, w: number) =>
  x[((n * s[1] + c) * s[2] + h) * s[3] + w];

/** PyTorch's max/avg pool with [top, bottom, left, right] padding. */
function poolRef(
  x: Float32Array,
  s: Shape4,
  k: [number, number],
  st: [number, number],
  p: [number, number, number, number],
  ceil: boolean,
  kind: 'max' | 'avg',
  includePad = true,
) {
  const oh = poolLength(s[2], k[0], st[0], p[0], p[1], ceil);
  const ow = poolLength(s[3], k[1], st[1], p[2], p[3], ceil);
  const out = new Float64Array(s[0] * s[1] * oh * ow);
  let i = 0;
  for (let n = 0; n < s[0]; n++)
    for (let c = 0; c < s[1]; c++)
      for (let y = 0; y < oh; y++)
        for (let xo = 0; xo < ow; xo++) {
          const hs = y * st[0] - p[0];
          const ws = xo * st[1] - p[2];
          const he = Math.min(hs + k[0], s[2] + p[1]);
          const we = Math.min(ws + k[1], s[3] + p[3]);
          let acc = kind === 'max' ? -Infinity : 0;
          let count = 0;
          for (let h = Math.max(hs, 0); h < Math.min(he, s[2]); h++)
            for (let w = Math.max(ws, 0); w < Math.min(we, s[3]); w++) {
              const v = at(x, s, n, c, h, w);
              acc = kind === 'max' ? Math.max(acc, v) : acc + v;
              count++;
            }
          out[i++] = kind === 'max' ? acc : acc / (includePad ? (he - hs) * (we - ws) : count);
        }
  return { data: out, shape: [s[0], s[1], oh, ow] };
}

function adaptiveRef(x: Float32Array, s: Shape4, oh: number, ow: number) {
  const out = new Float64Array(s[0] * s[1] * oh * ow);
  let i = 0;
  for (let n = 0; n < s[0]; n++)
    for (let c = 0; c < s[1]; c++)
      for (let y = 0; y < oh; y++)
        for (let xo = 0; xo < ow; xo++) {
          const h0 = Math.floor((y * s[2]) / oh);
          const h1 = Math.ceil(((y + 1) * s[2]) / oh);
          const w0 = Math.floor((xo * s[3]) / ow);
          const w1 = Math.ceil(((xo + 1) * s[3]) / ow);
          let sum = 0;
          for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) sum += at(x, s, n, c, h, w);
          out[i++] = sum / ((h1 - h0) * (w1 - w0));
        }
  return out;
}

/** torch.nn.LocalResponseNorm: the window over c − ⌊n/2⌋ … c + ⌊(n−1)/2⌋, α divided by n. */
function lrnRef(x: Float32Array, s: Shape4, size: number, alpha: number, beta: number, k: number) {
  const out = new Float64Array(x.length);
  for (let n = 0; n < s[0]; n++)
    for (let c = 0; c < s[1]; c++)
      for (let h = 0; h < s[2]; h++)
        for (let w = 0; w < s[3]; w++) {
          let sum = 0;
          for (let j = c - Math.floor(size / 2); j <= c + Math.floor((size - 1) / 2); j++)
            if (j >= 0 && j < s[1]) sum += at(x, s, n, j, h, w) ** 2;
          out[((n * s[1] + c) * s[2] + h) * s[3] + w] =
            at(x, s, n, c, h, w) / (k + (alpha / size) * sum) ** beta;
        }
  return out;
}

/** A grouped convolution with symmetric padding, straight from the definition. */
function convRef(
  x: Float32Array,
  s: Shape4,
  weight: Float32Array,
  bias: Float32Array | null,
  cout: number,
  k: number,
  stride: number,
  pad: number,
  groups: number,
) {
  const oh = Math.floor((s[2] + 2 * pad - k) / stride) + 1;
  const ow = Math.floor((s[3] + 2 * pad - k) / stride) + 1;
  const cinG = s[1] / groups;
  const coutG = cout / groups;
  const out = new Float64Array(s[0] * cout * oh * ow);
  let i = 0;
  for (let n = 0; n < s[0]; n++)
    for (let o = 0; o < cout; o++)
      for (let y = 0; y < oh; y++)
        for (let xo = 0; xo < ow; xo++) {
          const g = Math.floor(o / coutG);
          let sum = bias ? bias[o] : 0;
          for (let ci = 0; ci < cinG; ci++)
            for (let ky = 0; ky < k; ky++)
              for (let kx = 0; kx < k; kx++) {
                const h = y * stride - pad + ky;
                const w = xo * stride - pad + kx;
                if (h < 0 || w < 0 || h >= s[2] || w >= s[3]) continue;
                sum +=
                  weight[((o * cinG + ci) * k + ky) * k + kx] * at(x, s, n, g * cinG + ci, h, w);
              }
          out[i++] = sum;
        }
  return out;
}

const backends = ['wasm', 'cpu'] as const;

for (const backend of backends) {
  const available = await probeBackend(backend);
  describe.skipIf(!available.ok)(`layer semantics on ${backend}`, () => {
    const use = async () => expect(await tf.setBackend(backend)).toBe(true);
    const S: Shape4 = [2, 3, 9, 8];

    it('max pool: −∞ padding, ceil mode and asymmetric padding as PyTorch', async () => {
      await use();
      for (const [k, st, p, ceil] of [
        [[3, 3], [2, 2], [1, 1, 1, 1], true],
        [[3, 3], [2, 2], [0, 0, 0, 0], true],
        [[2, 3], [2, 1], [0, 1, 1, 0], false],
        [[2, 2], [2, 2], [0, 1, 0, 1], true],
      ] as const) {
        const r = run(
          design(S, [
            {
              id: 'pool',
              kind: 'maxPool',
              inputs: ['input'],
              params: { kernel: [...k], stride: [...st], padding: [...p], ceil_mode: ceil },
            },
          ]),
        );
        const ref = poolRef(r.input, S, [...k], [...st], [...p], ceil, 'max');
        expect(r.shape).toEqual(ref.shape);
        expectClose(r.data, ref.data, 0);
      }
    });

    it('average pool: PyTorch divisors with count_include_pad on and off, in ceil mode', async () => {
      await use();
      for (const includePad of [true, false]) {
        for (const ceil of [true, false]) {
          const r = run(
            design(S, [
              {
                id: 'pool',
                kind: 'avgPool',
                inputs: ['input'],
                params: {
                  kernel: 3,
                  stride: 2,
                  padding: 1,
                  ceil_mode: ceil,
                  count_include_pad: includePad,
                },
              },
            ]),
          );
          const ref = poolRef(r.input, S, [3, 3], [2, 2], [1, 1, 1, 1], ceil, 'avg', includePad);
          expect(r.shape).toEqual(ref.shape);
          expectClose(r.data, ref.data);
        }
      }
    });

    it("adaptive average pool: PyTorch's overlapping bins", async () => {
      await use();
      for (const [oh, ow] of [
        [4, 3],
        [1, 1],
        [3, 4],
        [9, 5],
      ]) {
        const r = run(
          design(S, [
            {
              id: 'pool',
              kind: 'adaptiveAvgPool',
              inputs: ['input'],
              params: { output_size: [oh, ow] },
            },
          ]),
        );
        expect(r.shape).toEqual([2, 3, oh, ow]);
        expectClose(r.data, adaptiveRef(r.input, S, oh, ow));
      }
    });

    it('local response norm: odd, even and wide windows', async () => {
      await use();
      const wide: Shape4 = [1, 24, 3, 3];
      for (const [shape, size] of [
        [S, 5],
        [S, 2],
        [wide, 21],
      ] as const) {
        const r = run(
          design(shape, [
            {
              id: 'lrn',
              kind: 'localResponseNorm',
              inputs: ['input'],
              params: { size, alpha: 0.3, beta: 0.75, k: 2 },
            },
          ]),
        );
        expectClose(r.data, lrnRef(r.input, shape, size, 0.3, 0.75, 2));
      }
    });

    it('convolution: plain, grouped and depthwise, with and without bias', async () => {
      await use();
      const s: Shape4 = [2, 4, 7, 6];
      for (const [cout, k, stride, pad, groups, bias] of [
        [6, 3, 2, 1, 1, true],
        [6, 3, 1, 1, 2, true],
        [8, 3, 1, 1, 4, false],
        [4, 1, 1, 0, 4, true],
      ] as const) {
        const r = run(
          design(s, [
            {
              id: 'conv',
              kind: 'conv2d',
              inputs: ['input'],
              params: { out_channels: cout, kernel: k, stride, padding: pad, groups, bias },
            },
          ]),
        );
        const want = convRef(
          r.input,
          s,
          r.weights.get('conv.weight')!,
          bias ? r.weights.get('conv.bias')! : null,
          cout,
          k,
          stride,
          pad,
          groups,
        );
        expectClose(r.data, want);
      }
    });

    it('flatten runs in N·C·H·W order, so Linear weights are interchangeable with PyTorch', async () => {
      await use();
      const s: Shape4 = [2, 3, 2, 2];
      const r = run(
        design(s, [
          { id: 'fc', kind: 'linear', inputs: ['input'], params: { out_features: 5, in_size: 2 } },
        ]),
      );
      const w = r.weights.get('fc.weight')!;
      const b = r.weights.get('fc.bias')!;
      const want = new Float64Array(10);
      for (let n = 0; n < 2; n++)
        for (let o = 0; o < 5; o++) {
          let sum = b[o];
          for (let f = 0; f < 12; f++) sum += w[o * 12 + f] * r.input[n * 12 + f];
          want[n * 5 + o] = sum;
        }
      expect(r.shape).toEqual([2, 5]);
      expectClose(r.data, want);
    });

    it('joins: add, concat on channels, and scale', async () => {
      await use();
      const s: Shape4 = [1, 2, 3, 3];
      const modules: ModuleSpec[] = [
        { id: 'a', kind: 'scale', inputs: ['input'], params: { factor: 2 } },
        { id: 'b', kind: 'add', inputs: ['input', 'a'], params: {} },
        { id: 'c', kind: 'concat', inputs: ['b', 'input'], params: {} },
      ];
      const r = run(design(s, modules));
      expect(r.shape).toEqual([1, 4, 3, 3]);
      const want = [...Array.from(r.input, (v) => 3 * v), ...r.input];
      expectClose(r.data, want);
    });

    it('a pass split into two parts at any module gives the whole pass, carrying skip connections across the cut', async () => {
      await use();
      const d = design(
        [2, 3, 8, 8],
        [
          {
            id: 'a',
            kind: 'convBlock',
            inputs: ['input'],
            params: { out_channels: 4, kernel: 3, padding: 1 },
          },
          {
            id: 'b',
            kind: 'convBlock',
            inputs: ['a'],
            params: { out_channels: 4, kernel: 3, padding: 1 },
          },
          { id: 'c', kind: 'add', inputs: ['a', 'b'], params: {} },
          { id: 'd', kind: 'concat', inputs: ['c', 'input'], params: {} },
        ],
      );
      const analysis = analyze(d);
      const model = compileModel(d, analysis, seededStateDict(analysis.graph, 3, 'randomized'), {
        mode: 'eval',
      });
      const x = tf.tensor4d(randomInput([2, 3, 8, 8], 4), [2, 3, 8, 8]);
      const whole = forward(model, x);
      const want = Float32Array.from(whole.outputs.main.dataSync());
      tf.dispose(Object.values(whole.outputs));
      const before = tf.memory().numTensors;
      for (let cut = 1; cut < model.modules.length; cut++) {
        const seen: number[] = [];
        const head = forward(
          model,
          x,
          { onModule: (_p, _o, _ms, i) => seen.push(i) },
          { from: 0, to: cut },
        );
        expect(Object.keys(head.outputs)).toEqual([]);
        // `a` is read after `b`, and the input by the last module: both cross every cut before them.
        if (cut === 2) expect([...head.carry.keys()].sort()).toEqual(['a.conv', 'b.conv', 'input']);
        const tail = forward(
          model,
          null,
          { onModule: (_p, _o, _ms, i) => seen.push(i) },
          { from: cut, to: model.modules.length, carry: head.carry },
        );
        expect(seen).toEqual([0, 1, 2, 3]);
        expect(Array.from(tail.outputs.main.dataSync())).toEqual(Array.from(want));
        expect(tail.carry.size).toBe(0);
        tf.dispose([...head.carry.values(), ...Object.values(tail.outputs)]);
        expect(tf.memory().numTensors, `tensors left behind by the parts cut at ${cut}`).toBe(
          before,
        );
      }
      expect(() => forward(model, null, {}, { from: 2, to: 4, carry: new Map() })).toThrow(
        /needs the tensor/,
      );
      expect(() => forward(model, null)).toThrow(/needs the input/);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(x);
      model.dispose();
    });

    it('batch norm folded into the convolution gives the unfolded numbers', async () => {
      await use();
      const d = design(
        [2, 3, 10, 10],
        [
          {
            id: 'block',
            kind: 'convBlock',
            inputs: ['input'],
            params: { out_channels: 8, kernel: 3, padding: 1 },
          },
        ],
      );
      const folded = run(d, 'eval', { foldBatchNorm: true });
      const plain = run(d, 'eval', { foldBatchNorm: false });
      expectClose(folded.data, Float64Array.from(plain.data), 1e-5);
      expect(Math.min(...folded.data)).toBeGreaterThanOrEqual(0);
    });

    it('a ReLU module keeps the convolution module before it observable (no fusion across modules)', async () => {
      await use();
      const d = design(
        [1, 3, 6, 6],
        [
          {
            id: 'conv',
            kind: 'conv2d',
            inputs: ['input'],
            params: { out_channels: 4, kernel: 3, padding: 1 },
          },
          { id: 'act', kind: 'relu', inputs: ['conv'], params: {} },
        ],
      );
      const analysis = analyze(d);
      const model = compileModel(d, analysis, seededStateDict(analysis.graph, 1, 'randomized'), {
        mode: 'eval',
      });
      const x = tf.tensor4d(randomInput([1, 3, 6, 6], 2), [1, 3, 6, 6]);
      const mins: Record<string, number> = {};
      const r = forward(model, x, {
        onModule: (plan, out) => (mins[plan.id] = tf.min(out).dataSync()[0]),
      });
      expect(mins.conv).toBeLessThan(0);
      expect(mins.act).toBe(0);
      tf.dispose([x, ...Object.values(r.outputs)]);
      model.dispose();
    });

    it('dropout: off in eval mode; in train mode a seeded mask scaled by 1/(1 − p)', async () => {
      await use();
      const d = design(
        [4, 2, 3, 3],
        [{ id: 'drop', kind: 'dropout', inputs: ['input'], params: { p: 0.5 } }],
      );
      const evalOut = run(d, 'eval');
      expectClose(evalOut.data, Float64Array.from(evalOut.input), 0);
      const a = run(d, 'train', { seed: 3 });
      const b = run(d, 'train', { seed: 3 });
      const c = run(d, 'train', { seed: 4 });
      expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
      expect(Buffer.from(a.data.buffer).equals(Buffer.from(c.data.buffer))).toBe(false);
      const mask = dropoutMask([4, 2, 3, 3], 0.5, 3, 'drop', 0);
      let kept = 0;
      for (let i = 0; i < mask.length; i++) {
        expect([0, 2]).toContain(mask[i]);
        if (mask[i]) kept++;
        expect(a.data[i]).toBeCloseTo(a.input[i] * mask[i], 6);
      }
      expect(kept).toBeGreaterThan(mask.length * 0.25);
      expect(kept).toBeLessThan(mask.length * 0.75);
      // The mask of a batch slice is the same rows of the whole batch's mask.
      expect(Array.from(dropoutMask([2, 2, 3, 3], 0.5, 3, 'drop', 2))).toEqual(
        Array.from(mask.subarray(36)),
      );
      const off = run(d, 'train', { dropout: false });
      expectClose(off.data, Float64Array.from(off.input), 0);
    });

    it('train-mode batch norm normalizes with the batch statistics (biased variance)', async () => {
      await use();
      const d = design(
        [3, 2, 4, 5],
        [
          {
            id: 'block',
            kind: 'convBlock',
            inputs: ['input'],
            params: { out_channels: 3, kernel: 1, padding: 0, bn_eps: 1e-5 },
          },
        ],
      );
      const r = run(d, 'train');
      // conv → BN(batch stats) → ReLU, computed directly.
      const conv = convRef(
        r.input,
        [3, 2, 4, 5],
        r.weights.get('block.conv.weight')!,
        r.weights.get('block.conv.bias')!,
        3,
        1,
        1,
        0,
        1,
      );
      const gamma = r.weights.get('block.batchnorm.weight')!;
      const beta = r.weights.get('block.batchnorm.bias')!;
      const want = new Float64Array(conv.length);
      for (let c = 0; c < 3; c++) {
        const vals: number[] = [];
        for (let n = 0; n < 3; n++)
          for (let i = 0; i < 20; i++) vals.push(conv[(n * 3 + c) * 20 + i]);
        const mean = vals.reduce((a, v) => a + v, 0) / vals.length;
        const variance = vals.reduce((a, v) => a + (v - mean) ** 2, 0) / vals.length;
        for (let n = 0; n < 3; n++)
          for (let i = 0; i < 20; i++) {
            const j = (n * 3 + c) * 20 + i;
            want[j] = Math.max(
              0,
              ((conv[j] - mean) / Math.sqrt(variance + 1e-5)) * gamma[c] + beta[c],
            );
          }
      }
      expectClose(r.data, want, 1e-5);
    });
  });
}

describe('weights of the layer tests', () => {
  it('come from the seeded randomized scheme, so every value is reproducible in numpy', () => {
    const d = design(
      [1, 3, 4, 4],
      [{ id: 'conv', kind: 'conv2d', inputs: ['input'], params: { out_channels: 2, kernel: 3 } }],
    );
    const a: StateDict = seededStateDict(analyze(d).graph, 5, 'randomized');
    const b: StateDict = seededStateDict(analyze(d).graph, 5, 'randomized');
    expect(Array.from(a.get('conv.weight')!)).toEqual(Array.from(b.get('conv.weight')!));
  });
});
