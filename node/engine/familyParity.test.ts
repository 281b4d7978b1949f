/**
 * Parity of the family presets (Inception v4, Inception-ResNet v1 and v2, BN-Inception, the paper's
 * GoogLeNet) with the project's own PyTorch references (tools/torch/family/, fixtures by
 * tools/torch/make_family_parity.py): on the same seeded weights and input, every output and every
 * module's output statistics agree to 1e-4 of their largest magnitude, in eval mode, in eval mode
 * with calibrated batch-norm statistics (where the network has batch norm) and in train mode (aux
 * heads included), on every backend present. Deep batch-norm networks at random init amplify
 * rounding: PyTorch's own float32 run of inception-v4 in train mode is 5e-4 off its float64 run (its block statistics more), so
 * where the fixture's `float32Error` is that large the bound is 4 × it (the engine is held to a few
 * times what float32 itself allows), else 1e-4. The pure-JavaScript cpu backend would take minutes per
 * 12-GMAC network, so it runs the smallest one (googlenet-paper) only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../core/analysis/analyze';
import { presetDesign } from '../../core/presets';
import type { Design } from '../../core/model/types';
import type { BackendName } from '../../core/run/types';
import { stateDictSpec } from '../../core/weights/stateDict';
import { probeBackend } from './backend';
import { seededStateDict } from './weights';
import { loadOnnxRuntime } from './onnxRuntime';
import {
  decode,
  expectParity,
  runOnOnnxRuntime,
  runOnTf,
  type Entry,
  type ParityCase,
  type Stats,
  type Variant,
} from './__fixtures__/parityCheck';

const DIR = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '__fixtures__',
  'parity-family',
);
const TOLERANCE = 1e-4;

interface Fixture {
  readonly preset: string;
  readonly input: [number, number, number, number];
  readonly seed: number;
  readonly scheme: 'randomized';
  readonly inputSeed: number;
  readonly weightGain: number;
  /** PyTorch's own float32 error on the case, per variant (max |float32 − float64| / max |float64|). */
  readonly float32Error: Record<string, number>;
  readonly outputs: Record<string, Record<string, Entry>>;
  readonly modules: Record<string, Record<string, Stats>>;
  readonly calibratedBuffers: Record<string, Entry>;
}

const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as Fixture);

/**
 * A fixture's case for one variant: the preset at the fixture's N×C×H×W, the seeded state_dict with
 * every weight of rank ≥ 2 × weightGain (rounded to float32), calibrated statistics for evalCalibrated.
 */
function parityCase(fx: Fixture, variant: Variant): ParityCase {
  const [batch, channels, height, width] = fx.input;
  const design: Design = { ...presetDesign(fx.preset)!, input: { batch, channels, height, width } };
  const analysis = analyze(design);
  expect(analysis.issues).toEqual([]);
  const weights = new Map(seededStateDict(analysis.graph, fx.seed, fx.scheme));
  if (fx.weightGain !== 1) {
    for (const e of stateDictSpec(analysis.graph)) {
      if (e.shape.length < 2 || e.role === 'counter') continue;
      const w = weights.get(e.key)!;
      weights.set(
        e.key,
        w.map((v) => Math.fround(v * fx.weightGain)),
      );
    }
  }
  if (variant === 'evalCalibrated')
    for (const [k, e] of Object.entries(fx.calibratedBuffers)) weights.set(k, decode(e));
  return { design, analysis, weights, inputSeed: fx.inputSeed, outputs: fx.outputs[variant] };
}

/** The case's bound: 1e-4, or 4 × PyTorch's own float32 error where that is larger. */
const boundOf = (fx: Fixture, variant: Variant): number =>
  Math.max(TOLERANCE, 4 * (fx.float32Error[variant] ?? 0));

const plan: Record<Exclude<BackendName, 'onnxruntime'>, (fx: Fixture) => readonly Variant[]> = {
  tensorflow: (fx) => Object.keys(fx.outputs) as Variant[],
  wasm: (fx) => Object.keys(fx.outputs) as Variant[],
  cpu: (fx) => (fx.preset === 'googlenet-paper' ? ['eval'] : []),
};

for (const backend of ['tensorflow', 'wasm', 'cpu'] as const) {
  const available = await probeBackend(backend);
  if (!available.ok) {
    describe.skip(`family parity on ${backend}: skipped because ${available.reason}`, () => {
      it('runs the fixtures', () => {});
    });
    continue;
  }
  describe(`family parity with the PyTorch references on ${backend}`, () => {
    for (const fx of fixtures) {
      for (const variant of plan[backend](fx)) {
        it.skipIf(!presetDesign(fx.preset))(
          `${fx.preset}, ${variant}: outputs and module statistics within max(${TOLERANCE}, 4 × PyTorch's float32 error) of their max |value|`,
          { timeout: 900_000 },
          async () => {
            expect(await tf.setBackend(backend)).toBe(true);
            const bound = boundOf(fx, variant);
            expectParity(
              runOnTf(parityCase(fx, variant), variant === 'train' ? 'train' : 'eval'),
              fx.modules[variant],
              bound,
              bound,
            );
          },
        );
      }
    }
  });
}

// ONNX Runtime runs the eval variants (train mode stays on TF.js), with batch norm folded.
const ort = await loadOnnxRuntime();
describe.skipIf(!ort.ok)(
  `family parity on onnxruntime${ort.ok ? '' : `: skipped because ${ort.reason}`}`,
  () => {
    for (const fx of fixtures) {
      for (const variant of (['eval', 'evalCalibrated'] as const).filter((v) => fx.outputs[v])) {
        it.skipIf(!presetDesign(fx.preset))(
          `${fx.preset}, ${variant}: outputs and module statistics within max(${TOLERANCE}, 4 × PyTorch's float32 error)`,
          { timeout: 600_000 },
          async () => {
            if (!ort.ok) return;
            const bound = boundOf(fx, variant);
            expectParity(
              await runOnOnnxRuntime(ort.ort, parityCase(fx, variant), true),
              fx.modules[variant],
              bound,
              bound,
            );
          },
        );
      }
    }
  },
);
