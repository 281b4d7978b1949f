import { describe, expect, it } from 'vitest';
import { analyze } from '../../core/analysis/analyze';
import { presetDesign } from '../../core/presets';
import { randomInput } from '../../core/weights/init';
import {
  loadOnnxRuntime,
  moduleTimesFromProfile,
  OrtGraphModel,
  OrtModel,
  type OrtModuleResult,
} from './onnxRuntime';
import { arrayStats, finishStats } from './stats';

type Stats = ReturnType<typeof finishStats>;
import { seededStateDict } from './weights';

const close = (a: number, b: number, scale: number) =>
  Math.abs(a - b) <= 1e-4 * (Math.abs(b) + scale) + 1e-6;

describe('OrtGraphModel (one session over the whole graph)', () => {
  it('gives each module the shape and statistics the module-by-module run measures, and feature-map values for the modules asked for', async () => {
    const ort = await loadOnnxRuntime();
    if (!ort.ok) throw new Error(ort.reason);
    const design = presetDesign('googlenet')!;
    const analysis = analyze(design);
    const weights = seededStateDict(analysis.graph, 3, 'pytorch');
    const shape = [2, 3, 224, 224];
    const input = randomInput(shape, 5);
    const split = await OrtModel.create(ort.ort, design, analysis, weights, {
      foldBatchNorm: true,
    });
    const reference: OrtModuleResult[] = [];
    const splitPass = await split.run(input, shape, {
      onModule: (m) => reference.push({ ...m, data: m.data.slice() }),
    });
    await split.release();
    const whole = await OrtGraphModel.create(ort.ort, design, analysis, weights, {
      foldBatchNorm: true,
      featureMaps: ['inception4c', 'conv1'],
    });
    try {
      const r = await whole.run(input, shape);
      expect(r.modules.map((m) => m.id)).toEqual(reference.map((m) => m.id));
      for (const [i, m] of r.modules.entries()) {
        const ref = reference[i];
        expect(m.shape, m.id).toEqual(ref.shape);
        expect(m.expectedShape, m.id).toEqual(ref.expectedShape);
        const got = finishStats(m.stats);
        const want = finishStats(arrayStats(ref.data));
        expect(m.stats.count, m.id).toBe(ref.data.length);
        expect(got.min, m.id).toBe(want.min);
        expect(got.max, m.id).toBe(want.max);
        expect(
          close(got.mean, want.mean, want.std),
          `${m.id} mean ${got.mean} vs ${want.mean}`,
        ).toBe(true);
        expect(
          close(got.std, want.std, Math.abs(want.mean)),
          `${m.id} std ${got.std} vs ${want.std}`,
        ).toBe(true);
        if (m.id === 'inception4c' || m.id === 'conv1') {
          const per = ref.data.length / shape[0];
          expect(m.firstImage, m.id).toEqual(ref.data.subarray(0, per));
        } else expect(m.firstImage, m.id).toBeUndefined();
      }
      const out = r.outputs.main;
      expect(out.shape).toEqual([2, 1000]);
      const want = splitPass.outputs.main.data;
      for (let i = 0; i < want.length; i++)
        expect(Math.abs(out.data[i] - want[i])).toBeLessThan(1e-4);

      // The profiler charges kernels to every module (values not asserted: tests never time).
      const times = await whole.moduleTimes(input, shape, 2);
      expect(times.runs).toBe(2);
      expect([...times.ms.keys()]).toEqual(r.modules.map((m) => m.id));
      expect(times.ms.get('inception4c')).toBeGreaterThan(0);
    } finally {
      await whole.release();
    }
  }, 120_000);
});

/** Each preset at its smallest valid input (the aux heads and fixed pools fix some), and the batch tested. */
const PRESET_INPUTS: readonly [preset: string, size: number, batch: number][] = [
  ['googlenet-torchvision', 64, 2],
  ['googlenet-paper', 223, 2],
  ['bn-inception', 223, 2],
  ['inception-v3', 299, 1],
  ['inception-v4', 75, 2],
  ['inception-resnet-v1', 75, 2],
  ['inception-resnet-v2', 75, 2],
];

describe('OrtGraphModel on every preset', () => {
  it.each(PRESET_INPUTS)(
    '%s at %i² (batch %i): each module measures the shape and statistics of the module-by-module run',
    async (preset, size, batch) => {
      const ort = await loadOnnxRuntime();
      if (!ort.ok) throw new Error(ort.reason);
      const base = presetDesign(preset)!;
      const design = { ...base, input: { ...base.input, height: size, width: size, batch } };
      const analysis = analyze(design);
      expect(analysis.valid, preset).toBe(true);
      const weights = seededStateDict(analysis.graph, 1, 'pytorch');
      const shape = [batch, design.input.channels, size, size];
      const input = randomInput(shape, 2);
      const split = await OrtModel.create(ort.ort, design, analysis, weights, {
        foldBatchNorm: true,
      });
      const reference: { id: string; shape: readonly number[]; stats: Stats; count: number }[] = [];
      await split.run(input, shape, {
        onModule: (m) =>
          reference.push({
            id: m.id,
            shape: m.shape,
            stats: finishStats(arrayStats(m.data)),
            count: m.data.length,
          }),
      });
      await split.release();
      const whole = await OrtGraphModel.create(ort.ort, design, analysis, weights, {
        foldBatchNorm: true,
        featureMaps: [],
      });
      try {
        const r = await whole.run(input, shape);
        expect(r.modules.map((m) => m.id)).toEqual(reference.map((m) => m.id));
        for (const [i, m] of r.modules.entries()) {
          const ref = reference[i];
          expect(m.shape, m.id).toEqual(ref.shape);
          expect(m.expectedShape, m.id).toEqual(ref.shape);
          expect(m.stats.count, m.id).toBe(ref.count);
          const got = finishStats(m.stats);
          // Not bit for bit: in the whole graph ONNX Runtime fuses across module boundaries (a
          // residual's Add and ReLU into the convolution), which rounds the last bit differently.
          expect(close(got.min, ref.stats.min, ref.stats.std), `${m.id} min`).toBe(true);
          expect(close(got.max, ref.stats.max, ref.stats.std), `${m.id} max`).toBe(true);
          expect(
            close(got.mean, ref.stats.mean, ref.stats.std),
            `${m.id} mean ${got.mean} vs ${ref.stats.mean}`,
          ).toBe(true);
          expect(
            close(got.std, ref.stats.std, Math.abs(ref.stats.mean)),
            `${m.id} std ${got.std} vs ${ref.stats.std}`,
          ).toBe(true);
          expect(m.firstImage, m.id).toBeUndefined();
        }
      } finally {
        await whole.release();
      }
    },
    300_000,
  );
});

describe('moduleTimesFromProfile', () => {
  const run = (ts: number) => ({ cat: 'Session', name: 'model_run', ts, dur: 100 });
  const node = (name: string, ts: number, dur: number) => ({
    cat: 'Node',
    name: `${name}_kernel_time`,
    ts,
    dur,
  });
  it('charges nodes to the longest module id their name starts with, takes the median over the timed passes, and counts reorders and summaries apart', () => {
    const events = [
      run(0),
      node('conv1.relu_nchwc', 1, 99_000),
      run(1000),
      node('conv1.relu_nchwc', 1001, 1000),
      node('conv1_7x7.relu', 1002, 500),
      node('ReorderOutput_token_1', 1003, 30),
      run(2000),
      node('conv1.relu_nchwc', 2001, 3000),
      node('conv1_7x7', 2002, 700),
      node('summary.conv1.ReduceMin', 2003, 50),
      run(3000),
      node('conv1', 3001, 2000),
      node('conv1_7x7.conv', 3002, 600),
    ];
    const t = moduleTimesFromProfile(events, ['conv1', 'conv1_7x7'], 3);
    expect(t.runs).toBe(3);
    expect(t.ms.get('conv1')).toBe(2);
    expect(t.ms.get('conv1_7x7')).toBe(0.6);
    expect(t.otherMs).toBe(0.03);
  });
});
