/**
 * The ONNX export against the tools that read it: for every preset, the export test corpus and
 * designs that reach ONNX's corner cases (even LRN windows, uneven adaptive bins, ceil-mode
 * average pools over counted padding), each exported with batch norm folded and kept:
 * `onnx.checker.check_model(full_check=True)` under Debian's python3-onnx passes, and ONNX
 * Runtime (onnxruntime-node) run from here gives PyTorch's logits (tools/torch/reference.py, or
 * torchvision 0.14's inception_v3 for that preset, on the same weights and input) to 1e-4. All Python work happens in one interpreter launch.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../core/analysis/analyze';
import { serializeDesign } from '../../core/design/designFile';
import { onnxModel } from '../../core/export/onnx';
import { pytorchCode } from '../../core/export/pytorch';
import { EXPORT_CASES, FAMILY_PRESETS } from '../../core/export/__fixtures__/exportFixtures';
import { ONNX_CASES } from '../../core/export/__fixtures__/onnxFixtures';
import type { Design } from '../../core/model/types';
import { presetDesign, presetNames } from '../../core/presets';
import { initStateDict } from '../../core/weights/stateDict';
import { randomInput } from '../../core/weights/init';
import { stateDictToSafetensors } from '../../node/engine/weights';
import { writeSafetensors } from '../../node/engine/safetensors';

const PYTHON = '/usr/bin/python3';
const CHECKER = join(__dirname, 'check_onnx.py');
/** max |ONNX Runtime − PyTorch| ≤ 1e-4 × max(1, max |PyTorch|). */
const TOLERANCE = 1e-4;
/** Designs tools/torch/reference.py cannot build (a plain conv2d with uneven padding). */
const NO_REFERENCE = new Set(['uneven-conv']);
/** Cases that are torchvision 0.14's inception_v3 exactly (transform_input off or on). */
const TORCHVISION_V3 = new Set(['preset-inception-v3', 'inception-v3-transform-input']);
/** Two images: the batch dimension is dynamic, so the export must not depend on it. */
const BATCH = 2;

const canRun = (code: string): boolean => {
  try {
    execFileSync(PYTHON, ['-c', code], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const hasOnnx = canRun('import onnx');
const hasTorch = canRun('import torch');

interface Case {
  readonly name: string;
  readonly design: Design;
}

const presetCases: Case[] = presetNames.map((name) => ({
  name: `preset-${name}`,
  design: presetDesign(name)!,
}));
const CASES: Case[] = [
  ...presetCases,
  ...EXPORT_CASES.filter((c) => !presetNames.includes(c.name)),
  ...ONNX_CASES,
];
const VARIANTS = [
  { suffix: 'folded', foldBatchNorm: true },
  { suffix: 'kept', foldBatchNorm: false },
] as const;

interface PyResult {
  name: string;
  checks: Record<string, { ok: boolean; error?: string; opset?: [string, number][]; ir?: number }>;
  reference?: {
    ok: boolean;
    error?: string;
    trace?: string;
    shape?: number[];
    unavailable?: string;
  };
}

describe.skipIf(!hasOnnx)('ONNX export under python3-onnx and ONNX Runtime', () => {
  let dir: string;
  const files = new Map<
    string,
    {
      onnx: Record<string, string>;
      input: Float32Array;
      inputShape: number[];
      referenceOut: string | null;
    }
  >();
  const results = new Map<string, PyResult>();

  beforeAll(() => {
    dir = process.env.ONNX_TEST_DIR ?? mkdtempSync(join(tmpdir(), 'export-onnx-'));
    mkdirSync(dir, { recursive: true });
    const manifest = CASES.map((c, i) => {
      const design: Design = { ...c.design, input: { ...c.design.input, batch: BATCH } };
      const analysis = analyze(design);
      if (!analysis.valid)
        throw new Error(
          `${c.name} is not valid: ${analysis.issues.map((x) => x.message).join(' ')}`,
        );
      // Randomized batch-norm statistics, so batch norm (folded or not) does real work.
      const weights = initStateDict(analysis.graph, 21 + i, 'randomized');
      const onnx: Record<string, string> = {};
      for (const v of VARIANTS) {
        const r = onnxModel(design, analysis, weights, { foldBatchNorm: v.foldBatchNorm });
        if (!r.ok)
          throw new Error(`${c.name} did not export: ${r.issues.map((x) => x.message).join(' ')}`);
        onnx[v.suffix] = join(dir, `${c.name}.${v.suffix}.onnx`);
        writeFileSync(onnx[v.suffix], r.value.bytes);
      }
      const designFile = join(dir, `${c.name}.json`);
      writeFileSync(designFile, serializeDesign(design));
      const weightsFile = join(dir, `${c.name}.weights.safetensors`);
      writeFileSync(weightsFile, stateDictToSafetensors(weights, analysis.graph));
      const input = randomInput(analysis.input, 300 + i);
      const inputFile = join(dir, `${c.name}.input.safetensors`);
      writeFileSync(
        inputFile,
        writeSafetensors(
          new Map([['input', { dtype: 'F32', shape: analysis.input, data: input }]]),
        ),
      );
      const referenceOut =
        hasTorch && !NO_REFERENCE.has(c.name) ? join(dir, `${c.name}.reference.f32`) : null;
      files.set(c.name, { onnx, input, inputShape: [...analysis.input], referenceOut });
      // reference.py builds the GoogLeNet family; Inception v3 as the preset is checked against
      // torchvision's own model; other designs reference.py cannot build run as the exported
      // PyTorch code (test/export/pytorch.test.ts checks that code against torchvision and the engine).
      const family =
        (FAMILY_PRESETS as readonly string[]).includes(c.design.preset ?? '') &&
        c.name === `preset-${c.design.preset}`;
      const oracle = TORCHVISION_V3.has(c.name)
        ? 'torchvision-inception-v3'
        : family
          ? `family:${c.design.preset}`
          : 'reference';
      const code = pytorchCode(design, analysis);
      const pytorchFile = code.ok ? join(dir, `${c.name.replace(/-/g, '_')}_export.py`) : null;
      if (code.ok && pytorchFile) writeFileSync(pytorchFile, code.value.code);
      const transformInput = c.design.modules.some(
        (m) => m.kind === 'transformInput' && m.params.enabled === true,
      );
      return {
        name: c.name,
        onnx: Object.values(onnx),
        designFile,
        weights: weightsFile,
        input: inputFile,
        referenceOut,
        oracle,
        transformInput,
        pytorchFile,
        className: code.ok ? code.value.className : null,
      };
    });
    const manifestFile = join(dir, 'manifest.json');
    const out = join(dir, 'results.json');
    writeFileSync(manifestFile, JSON.stringify({ cases: manifest }));
    execFileSync(PYTHON, [CHECKER, manifestFile, out], {
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 900_000,
    });
    for (const r of (JSON.parse(readFileSync(out, 'utf8')) as { cases: PyResult[] }).cases)
      results.set(r.name, r);
  }, 900_000);

  afterAll(() => {
    if (dir && !process.env.ONNX_TEST_DIR) rmSync(dir, { recursive: true, force: true });
  });

  it('covers every preset and the largest one', () => {
    const largest = presetNames
      .map((n) => ({ n, macs: analyze(presetDesign(n)!).totals.macs }))
      .sort((a, b) => b.macs - a.macs)[0].n;
    expect(CASES.map((c) => c.name)).toContain(`preset-${largest}`);
  });

  describe.each(CASES.map((c) => c.name))('%s', (name) => {
    it.each(VARIANTS.map((v) => v.suffix))(
      'batch norm %s: passes onnx.checker.check_model with full_check (opset 17)',
      (suffix) => {
        const file = files.get(name)!.onnx[suffix];
        const check = results.get(name)!.checks[file];
        expect(check.error).toBeUndefined();
        expect(check.ok).toBe(true);
        expect(check.opset).toEqual([['', 17]]);
      },
    );

    it.skipIf(!hasTorch || NO_REFERENCE.has(name)).for(VARIANTS.map((v) => v.suffix))(
      "batch norm %s: ONNX Runtime gives PyTorch's eval-mode logits to 1e-4",
      async (suffix, ctx) => {
        const f = files.get(name)!;
        const ref = results.get(name)!.reference!;
        if (ref.unavailable) ctx.skip(ref.unavailable);
        expect(ref.error, ref.trace).toBeUndefined();
        const raw = readFileSync(f.referenceOut!);
        // A small file's Buffer is a view into Node's shared pool: copy its own bytes out.
        const expected = new Float32Array(
          raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength),
        );
        const session = await ort.InferenceSession.create(f.onnx[suffix], { intraOpNumThreads: 1 });
        try {
          const y = await session.run({ input: new ort.Tensor('float32', f.input, f.inputShape) });
          const main = y.main;
          const got = main.data as Float32Array;
          expect(main.dims).toEqual(ref.shape);
          expect(got.length).toBe(expected.length);
          let diff = 0;
          let value = 0;
          for (let i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs(got[i] - expected[i]));
            value = Math.max(value, Math.abs(expected[i]));
          }
          expect(value).toBeGreaterThan(0);
          expect(diff).toBeLessThanOrEqual(TOLERANCE * Math.max(1, value));
        } finally {
          await session.release();
        }
      },
    );
  });
});
