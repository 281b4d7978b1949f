/**
 * Each layer kind's backward rule (core/export/onnxBackward.ts), run by ONNX Runtime, equals
 * torch.autograd's gradients (Debian's python3-torch, torchLayerGrad.py) on random inputs: y,
 * dL/dx and dL/dW for L = Σ y·dY, and batch norm's running statistics, including the awkward cases
 * (ceil-mode pools whose last window starts in the padding or overhangs, count_include_pad off at
 * a border, stride-2 asymmetric convolutions, uneven adaptive bins, the residual scale and add).
 * Tolerance: 2e-5 of the largest magnitude of each PyTorch tensor (float32 sums in another order).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Layer, Shape } from '../../../core/model/types';
import { layerDefs, type LayerKind } from '../../../core/layers/registry';
import { onnxLayerGradient } from '../../../core/export/onnxTrainStep';
import { untrainableReason } from '../../../core/export/onnxBackward';
import { randomInput } from '../../../core/weights/init';
import { loadOnnxRuntime } from '../onnxRuntime';
import { hasTorch, PYTHON } from '../../../test/torchReference';

const SCRIPT = join(__dirname, 'torchLayerGrad.py');

interface Case {
  readonly name: string;
  readonly kind: LayerKind;
  readonly attrs: object;
  readonly inputs: readonly Shape[];
}

const pool = (k: number, s: number, p: number, ceilMode: boolean) => ({
  kernel: [k, k],
  stride: [s, s],
  padding: [p, p, p, p],
  ceilMode,
});

const CASES: Case[] = [
  {
    name: 'conv 3×3/1 pad 1 with bias',
    kind: 'conv2d',
    attrs: {
      inChannels: 3,
      outChannels: 4,
      kernel: [3, 3],
      stride: [1, 1],
      padding: [1, 1, 1, 1],
      groups: 1,
      bias: true,
    },
    inputs: [[2, 3, 7, 7]],
  },
  {
    name: 'conv 3×3/2 asymmetric padding, odd and even sides',
    kind: 'conv2d',
    attrs: {
      inChannels: 3,
      outChannels: 5,
      kernel: [3, 3],
      stride: [2, 2],
      padding: [0, 1, 1, 0],
      groups: 1,
      bias: false,
    },
    inputs: [[2, 3, 9, 8]],
  },
  {
    name: 'conv 7×7/2 pad 3 (a stem), rows left over',
    kind: 'conv2d',
    attrs: {
      inChannels: 2,
      outChannels: 3,
      kernel: [7, 7],
      stride: [2, 2],
      padding: [3, 3, 3, 3],
      groups: 1,
      bias: false,
    },
    inputs: [[2, 2, 12, 11]],
  },
  {
    name: 'conv 1×1',
    kind: 'conv2d',
    attrs: {
      inChannels: 6,
      outChannels: 4,
      kernel: [1, 1],
      stride: [1, 1],
      padding: [0, 0, 0, 0],
      groups: 1,
      bias: false,
    },
    inputs: [[3, 6, 5, 5]],
  },
  {
    name: 'conv 1×7 pad (0, 3)',
    kind: 'conv2d',
    attrs: {
      inChannels: 3,
      outChannels: 4,
      kernel: [1, 7],
      stride: [1, 1],
      padding: [0, 0, 3, 3],
      groups: 1,
      bias: false,
    },
    inputs: [[2, 3, 6, 6]],
  },
  {
    name: 'batch norm, train mode',
    kind: 'batchNorm2d',
    attrs: { channels: 4, eps: 0.001, momentum: 0.1 },
    inputs: [[3, 4, 5, 5]],
  },
  { name: 'relu', kind: 'relu', attrs: {}, inputs: [[2, 3, 4, 4]] },
  {
    name: 'max pool 3/2 ceil, overhang',
    kind: 'maxPool2d',
    attrs: pool(3, 2, 0, true),
    inputs: [[2, 3, 8, 8]],
  },
  {
    name: 'max pool 2/2 pad 1 ceil, a last window that would start in the padding',
    kind: 'maxPool2d',
    attrs: pool(2, 2, 1, true),
    inputs: [[2, 2, 5, 5]],
  },
  {
    name: 'max pool 3/2 pad 1 ceil',
    kind: 'maxPool2d',
    attrs: pool(3, 2, 1, true),
    inputs: [[2, 2, 6, 7]],
  },
  {
    name: 'max pool 3/1 pad 1',
    kind: 'maxPool2d',
    attrs: pool(3, 1, 1, false),
    inputs: [[2, 3, 5, 5]],
  },
  {
    name: 'avg pool 3/1 pad 1, count_include_pad off at the border',
    kind: 'avgPool2d',
    attrs: { ...pool(3, 1, 1, false), countIncludePad: false },
    inputs: [[2, 3, 5, 5]],
  },
  {
    name: 'avg pool 3/2 pad 1 ceil, count_include_pad on with an overhang',
    kind: 'avgPool2d',
    attrs: { ...pool(3, 2, 1, true), countIncludePad: true },
    inputs: [[2, 2, 6, 6]],
  },
  {
    name: 'avg pool 2/2 ceil, count_include_pad off',
    kind: 'avgPool2d',
    attrs: { ...pool(2, 2, 0, true), countIncludePad: false },
    inputs: [[2, 2, 5, 5]],
  },
  {
    name: 'avg pool 3/2 floor, rows left over',
    kind: 'avgPool2d',
    attrs: { ...pool(3, 2, 0, false), countIncludePad: true },
    inputs: [[2, 2, 8, 8]],
  },
  {
    name: 'adaptive avg pool to 1×1',
    kind: 'adaptiveAvgPool2d',
    attrs: { output: [1, 1] },
    inputs: [[2, 3, 5, 4]],
  },
  {
    name: 'adaptive avg pool 6×5 to 4×4 (uneven bins)',
    kind: 'adaptiveAvgPool2d',
    attrs: { output: [4, 4] },
    inputs: [[2, 3, 6, 5]],
  },
  {
    name: 'adaptive avg pool 2×2 to 4×4 (upsampling bins)',
    kind: 'adaptiveAvgPool2d',
    attrs: { output: [4, 4] },
    inputs: [[2, 3, 2, 2]],
  },
  {
    name: 'concat',
    kind: 'concat',
    attrs: {},
    inputs: [
      [2, 3, 4, 4],
      [2, 2, 4, 4],
      [2, 1, 4, 4],
    ],
  },
  {
    name: 'residual add',
    kind: 'add',
    attrs: {},
    inputs: [
      [2, 3, 4, 4],
      [2, 3, 4, 4],
    ],
  },
  { name: 'residual scale 0.17', kind: 'scale', attrs: { factor: 0.17 }, inputs: [[2, 3, 4, 4]] },
  { name: 'dropout with a mask', kind: 'dropout', attrs: { p: 0.5 }, inputs: [[4, 6]] },
  { name: 'flatten', kind: 'flatten', attrs: {}, inputs: [[2, 3, 2, 2]] },
  {
    name: 'linear',
    kind: 'linear',
    attrs: { inFeatures: 6, outFeatures: 5, bias: true },
    inputs: [[3, 6]],
  },
  {
    name: 'channel affine',
    kind: 'channelAffine',
    attrs: { scale: [0.5, 2, -1], shift: [0.1, 0, 0.3] },
    inputs: [[2, 3, 3, 3]],
  },
];

describe.skipIf(!hasTorch)('each layer kind’s ONNX backward equals torch.autograd', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ort-grad-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('covers every layer kind that trains', () => {
    const kinds = Object.keys(layerDefs).filter(
      (k) => !untrainableReason({ id: 'l', kind: k, inputs: [], attrs: {}, module: 'l' } as Layer),
    );
    expect(kinds.filter((k) => !CASES.some((c) => c.kind === k))).toEqual([]);
  });

  it('gives y, dx, dW and running statistics within 2e-5 of PyTorch’s', async () => {
    const got = await loadOnnxRuntime();
    if (!got.ok) throw new Error(got.reason);
    const ort = got.ort;
    const fed: object[] = [];
    const ours: Record<string, Record<string, Float32Array>> = {};
    let seed = 1;
    for (const c of CASES) {
      const layer = {
        id: 'l',
        kind: c.kind,
        inputs: c.inputs.map((_, i) => `x${i}`),
        attrs: c.attrs,
        module: 'l',
      } as Layer;
      const def = layerDefs[c.kind] as unknown as {
        infer(a: object, s: readonly Shape[]): { ok: boolean; shape?: Shape };
        tensors(a: object, id: string): { key: string; shape: readonly number[] }[];
      };
      const inferred = def.infer(
        c.attrs,
        c.inputs.map((s) => (s.length === 4 ? [1, ...s.slice(1)] : [1, ...s.slice(1)])),
      );
      if (!inferred.ok) throw new Error(`${c.name}: the layer does not fit its input`);
      const outShape = [c.inputs[0][0], ...inferred.shape!.slice(1)];
      const stateShapes = new Map(def.tensors(c.attrs, 'l').map((t) => [t.key, t.shape]));
      const model = onnxLayerGradient(layer, c.inputs, outShape, stateShapes);
      const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
      const values: Record<string, { shape: readonly number[]; data: number[] }> = {};
      for (const input of model.inputs) {
        let data = randomInput(input.shape, seed++);
        if (input.name === 'mask') data = data.map((v) => (v > 0 ? 2 : 0));
        if (input.name.endsWith('running_var')) data = data.map((v) => Math.abs(v) + 0.5);
        feeds[input.name] = new ort.Tensor('float32', data, [...input.shape]);
        values[input.name] = { shape: input.shape, data: Array.from(data) };
      }
      const session = await ort.InferenceSession.create(model.bytes);
      const out = await session.run(feeds);
      await session.release();
      ours[c.name] = Object.fromEntries(model.outputs.map((o) => [o, out[o].data as Float32Array]));
      fed.push({
        name: c.name,
        id: 'l',
        kind: c.kind,
        attrs: c.attrs,
        inputs: c.inputs.map((_, i) => values[`x${i}`]),
        state: Object.fromEntries(
          [...stateShapes.keys()].filter((k) => values[k]).map((k) => [k, values[k]]),
        ),
        mask: values.mask,
        dY: values.dY,
      });
    }
    const file = join(dir, 'cases.json');
    writeFileSync(file, JSON.stringify(fed));
    const torch = JSON.parse(
      execFileSync(PYTHON, [SCRIPT, file], { encoding: 'utf8', timeout: 120_000 }),
    ) as Record<string, Record<string, number[]>>;
    const problems: string[] = [];
    for (const c of CASES) {
      const want = torch[c.name];
      const have = ours[c.name];
      for (const [name, ref] of Object.entries(want)) {
        const mine = have[name];
        if (!mine) {
          problems.push(`${c.name}: no ${name}`);
          continue;
        }
        if (mine.length !== ref.length) {
          problems.push(`${c.name}: ${name} has ${mine.length} values, PyTorch's ${ref.length}`);
          continue;
        }
        const scale = Math.max(1e-6, ...ref.map(Math.abs));
        let worst = 0;
        for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(mine[i] - ref[i]));
        if (worst > 2e-5 * scale)
          problems.push(`${c.name}: ${name} differs by ${worst} (largest value ${scale})`);
      }
      const extra = Object.keys(have).filter((k) => !(k in want));
      if (extra.length)
        problems.push(`${c.name}: outputs PyTorch has no counterpart of: ${extra.join(', ')}`);
    }
    expect(problems).toEqual([]);
  }, 120_000);
});
