/**
 * Parity with PyTorch: the engine's outputs on the weights and input of each fixture
 * (tools/torch/make_parity.py, Debian's python3-torch) must agree within README's bounds, on every
 * backend present: logits' max |difference| / max |value| ≤ 3e-6 in eval, 5e-5 with calibrated
 * batch-norm statistics and 5e-5 in train mode (the cpu backend's pools fixture reaches 4.3e-5) for the GoogLeNet fixtures, 1e-4 for Inception v3
 * (and any other family member); each module's mean and max |value| within 1e-4 of its max |value|. The pure-JavaScript cpu backend is slow (about 20 s for a
 * batch-3 GoogLeNet), so it runs the full network once and the smaller fixtures in train mode.
 * The onnxruntime backend runs the eval variants (train mode stays on TF.js), with batch norm
 * folded as the engine runs it and kept as BatchNormalization nodes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../core/analysis/analyze';
import { parseDesign } from '../../core/design/designFile';
import type { Design } from '../../core/model/types';
import type { TfBackendName } from '../../core/run/types';
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

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'parity');
/** README's promised agreement of the GoogLeNet fixtures' outputs per variant: max |difference| / max |value|. */
const GOOGLENET_TOLERANCE: Readonly<Record<Variant, number>> = {
  eval: 3e-6,
  evalCalibrated: 5e-5,
  train: 5e-5,
};
/** README's bound for Inception v3 and the other family members (deeper, wider sums: more float32 rounding). */
const FAMILY_TOLERANCE = 1e-4;
/** Per-module statistics (mean, max |value|) are compared to 1e-4 of the module's max |value| everywhere. */
const MODULE_TOLERANCE = 1e-4;

/** The output bound README states for one fixture and variant. */
function outputTolerance(fixture: string, variant: Variant): number {
  return fixture.startsWith('googlenet') ? GOOGLENET_TOLERANCE[variant] : FAMILY_TOLERANCE;
}

interface Fixture {
  readonly design: unknown;
  readonly seed: number;
  readonly scheme: 'randomized';
  readonly inputSeed: number;
  readonly batch: number;
  readonly outputs: Record<string, Record<string, Entry>>;
  readonly modules: Record<string, Record<string, Stats>>;
  readonly calibratedBuffers: Record<string, Entry>;
}

const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => {
    const fx = JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as Fixture;
    const parsed = parseDesign(JSON.stringify(fx.design));
    if (!parsed.ok)
      throw new Error(
        `${f}: the fixture's design does not parse: ${parsed.errors.map((e) => e.message).join(' ')}`,
      );
    return { name: f.replace(/\.json$/, ''), fx, design: parsed.design };
  });

/** A fixture's case for one variant: its design at the fixture's batch, seeded weights (calibrated statistics for evalCalibrated). */
function parityCase(fx: Fixture, design: Design, variant: Variant): ParityCase {
  const d: Design = { ...design, input: { ...design.input, batch: fx.batch } };
  const analysis = analyze(d);
  expect(analysis.issues).toEqual([]);
  const weights = new Map(seededStateDict(analysis.graph, fx.seed, fx.scheme));
  if (variant === 'evalCalibrated')
    for (const [k, e] of Object.entries(fx.calibratedBuffers)) weights.set(k, decode(e));
  return { design: d, analysis, weights, inputSeed: fx.inputSeed, outputs: fx.outputs[variant] };
}

/** Which fixture variants each backend runs. */
const plan: Record<TfBackendName, (name: string) => readonly Variant[]> = {
  tensorflow: () => ['eval', 'evalCalibrated', 'train'],
  wasm: () => ['eval', 'evalCalibrated', 'train'],
  // The full GoogLeNet once in pure JavaScript (eval, calibrated statistics); the smaller designs
  // in train mode, which runs their whole graph, aux heads included.
  // Inception v3 (5.7 GMACs per image): eval and train, the aux head's output included.
  cpu: (name) =>
    name === 'googlenet'
      ? ['evalCalibrated']
      : name === 'googlenet-torchvision'
        ? []
        : name === 'inception-v3'
          ? ['eval', 'train']
          : ['train'],
};

for (const backend of ['tensorflow', 'wasm', 'cpu'] as const) {
  const available = await probeBackend(backend);
  if (!available.ok) {
    describe.skip(`parity on ${backend}: skipped because ${available.reason}`, () => {
      it('runs the fixtures', () => {});
    });
    continue;
  }
  describe(`parity with PyTorch on ${backend}`, () => {
    it('has fixtures to check', () => {
      expect(fixtures.map((f) => f.name)).toEqual(
        expect.arrayContaining(['googlenet', 'googlenet-torchvision']),
      );
    });
    for (const { name, fx, design } of fixtures) {
      for (const variant of plan[backend](name)) {
        // Generous limits: the cpu backend's full GoogLeNet takes 20–40 s on a busy 2-core machine.
        it(
          `${name}, ${variant}: outputs within ${outputTolerance(name, variant)} of their max |value|`,
          { timeout: 600_000 },
          async () => {
            expect(await tf.setBackend(backend)).toBe(true);
            const measured = runOnTf(
              parityCase(fx, design, variant),
              variant === 'train' ? 'train' : 'eval',
            );
            expectParity(
              measured,
              fx.modules[variant],
              outputTolerance(name, variant),
              MODULE_TOLERANCE,
            );
          },
        );
      }
    }
  });
}

const ort = await loadOnnxRuntime();
describe.skipIf(!ort.ok)(
  `parity with PyTorch on onnxruntime${ort.ok ? '' : `: skipped because ${ort.reason}`}`,
  () => {
    for (const { name, fx, design } of fixtures) {
      for (const variant of ['eval', 'evalCalibrated'] as const) {
        for (const foldBatchNorm of [true, false]) {
          it(
            `${name}, ${variant}, batch norm ${foldBatchNorm ? 'folded' : 'kept'}: outputs within ${outputTolerance(name, variant)}, module statistics within ${MODULE_TOLERANCE}`,
            { timeout: 300_000 },
            async () => {
              if (!ort.ok) return;
              const measured = await runOnOnnxRuntime(
                ort.ort,
                parityCase(fx, design, variant),
                foldBatchNorm,
              );
              expectParity(
                measured,
                fx.modules[variant],
                outputTolerance(name, variant),
                MODULE_TOLERANCE,
              );
            },
          );
        }
      }
    }
  },
);
