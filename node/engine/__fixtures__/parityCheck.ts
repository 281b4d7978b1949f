/**
 * The engine's side of a parity check against a PyTorch fixture (tools/torch/make_parity.py and
 * make_family_parity.py): run a design on the fixture's weights and input on a TF.js backend or
 * ONNX Runtime, measure each output's max |difference| / max |reference value| and each module's
 * output statistics, and hold them to a bound. Shared by parity.test.ts and familyParity.test.ts,
 * which differ only in their fixtures and bounds.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import type { Analysis } from '../../../core/analysis/analyze';
import type { Design } from '../../../core/model/types';
import type { RunMode } from '../../../core/run/types';
import { randomInput } from '../../../core/weights/init';
import { compileModel, forward } from '../model';
import { logicalShape } from '../layers/layerOp';
import type { loadOnnxRuntime } from '../onnxRuntime';
import { OrtModel } from '../onnxRuntime';

/** A float32 tensor in a fixture: its shape and little-endian bytes in base64. */
export interface Entry {
  readonly shape: number[];
  readonly data: string;
}
/** One module's output as the fixture records it. */
export interface Stats {
  readonly shape: readonly number[];
  readonly mean: number;
  readonly absMax: number;
}
/** eval, eval with calibrated batch-norm statistics, train (batch statistics, dropout off). */
export type Variant = 'eval' | 'evalCalibrated' | 'train';

export function decode(e: Entry): Float32Array {
  const b = Buffer.from(e.data, 'base64');
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** max |got − want| / max |want|. */
export function relativeMaxDifference(got: ArrayLike<number>, want: Float32Array): number {
  let diff = 0;
  let max = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    max = Math.max(max, Math.abs(want[i]));
  }
  return diff / max;
}

/** One case: a valid design (its input at the fixture's N×C×H×W), its weights, the input's seed and the reference outputs. */
export interface ParityCase {
  readonly design: Design;
  readonly analysis: Analysis;
  readonly weights: ReadonlyMap<string, Float32Array>;
  readonly inputSeed: number;
  readonly outputs: Readonly<Record<string, Entry>>;
}

/** What a run measured: each output's relative difference and each module's statistics. */
export interface Measured {
  readonly ratios: Record<string, number>;
  readonly modules: Record<string, Stats>;
}

const inputShape = (d: Design): [number, number, number, number] => [
  d.input.batch,
  d.input.channels,
  d.input.height,
  d.input.width,
];

/** Runs a case on the current TF.js backend in `mode` (dropout off). */
export function runOnTf(c: ParityCase, mode: RunMode): Measured {
  const model = compileModel(c.design, c.analysis, c.weights, { mode, dropout: false });
  const shape = inputShape(c.design);
  const x = tf.tensor4d(randomInput(shape, c.inputSeed), shape);
  const modules: Record<string, Stats> = {};
  try {
    const result = forward(model, x, {
      onModule(plan, out) {
        const [mean, absMax] = tf.tidy(() => [
          tf.mean(out).dataSync()[0],
          tf.max(tf.abs(out)).dataSync()[0],
        ]);
        modules[plan.id] = { shape: logicalShape(out), mean, absMax };
      },
    });
    expect(Object.keys(result.outputs).sort()).toEqual(Object.keys(c.outputs).sort());
    const ratios: Record<string, number> = {};
    for (const [name, ref] of Object.entries(c.outputs)) {
      const t = result.outputs[name];
      expect(t.shape, `shape of output ${name}`).toEqual(ref.shape);
      ratios[name] = relativeMaxDifference(t.dataSync(), decode(ref));
    }
    tf.dispose(Object.values(result.outputs));
    return { ratios, modules };
  } finally {
    x.dispose();
    model.dispose();
  }
}

type Ort = Extract<Awaited<ReturnType<typeof loadOnnxRuntime>>, { ok: true }>['ort'];

/** Runs a case in eval mode on ONNX Runtime (one thread), batch norm folded or kept. */
export async function runOnOnnxRuntime(
  ort: Ort,
  c: ParityCase,
  foldBatchNorm: boolean,
): Promise<Measured> {
  const model = await OrtModel.create(ort, c.design, c.analysis, c.weights, {
    foldBatchNorm,
    threads: 1,
  });
  try {
    const modules: Record<string, Stats> = {};
    const shape = inputShape(c.design);
    const result = await model.run(randomInput(shape, c.inputSeed), shape, {
      onModule(m) {
        let sum = 0;
        let absMax = 0;
        for (const v of m.data) {
          sum += v;
          absMax = Math.max(absMax, Math.abs(v));
        }
        modules[m.id] = { shape: [...m.shape], mean: sum / m.data.length, absMax };
      },
    });
    expect(Object.keys(result.outputs).sort()).toEqual(Object.keys(c.outputs).sort());
    const ratios: Record<string, number> = {};
    for (const [name, ref] of Object.entries(c.outputs)) {
      const got = result.outputs[name];
      expect(got.shape, `shape of output ${name}`).toEqual(ref.shape);
      ratios[name] = relativeMaxDifference(got.data, decode(ref));
    }
    return { ratios, modules };
  } finally {
    await model.release();
  }
}

/**
 * Holds a run to its bounds: every output's ratio ≤ `outputBound`; every module the fixture
 * records has its shape, and its mean and max |value| within `moduleBound` × its max |value|.
 */
export function expectParity(
  measured: Measured,
  refModules: Readonly<Record<string, Stats>> | undefined,
  outputBound: number,
  moduleBound: number,
): void {
  for (const [output, ratio] of Object.entries(measured.ratios))
    expect(ratio, `${output}: max |diff| / max |value|`).toBeLessThanOrEqual(outputBound);
  for (const [id, ref] of Object.entries(refModules ?? {})) {
    const got = measured.modules[id];
    expect(got, `module ${id}`).toBeDefined();
    expect(got.shape, `shape of ${id}`).toEqual(ref.shape);
    expect(Math.abs(got.mean - ref.mean), `mean of ${id}`).toBeLessThanOrEqual(
      moduleBound * ref.absMax,
    );
    expect(Math.abs(got.absMax - ref.absMax), `max |value| of ${id}`).toBeLessThanOrEqual(
      moduleBound * ref.absMax,
    );
  }
}
