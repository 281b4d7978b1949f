/**
 * Runs the exported PyTorch files under Debian's python3-torch: for both presets and edited
 * designs, the file runs, its parameter count and state_dict are core's, it loads seeded weights
 * and the engine's dumped weights with strict=True, and its eval-mode output matches the engine
 * (`inception-explorer run --dump`) and independent builds of the same design (tools/torch/reference.py,
 * torchvision). All Python work happens in one interpreter launch (importing torch is slow).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze, type Analysis } from '../../core/analysis/analyze';
import { serializeDesign } from '../../core/design/designFile';
import { pytorchCode } from '../../core/export/pytorch';
import { initStateDict, stateDictSpec } from '../../core/weights/stateDict';
import { randomInput } from '../../core/weights/init';
import { EXPORT_CASES, FAMILY_PRESETS } from '../../core/export/__fixtures__/exportFixtures';
import { stateDictToSafetensors } from '../../node/engine/weights';
import { writeSafetensors } from '../../node/engine/safetensors';
import { hasTorch, PYTHON } from '../torchReference';

const CHECKER = join(__dirname, 'check_exports.py');
const CLI = join(__dirname, '..', '..', 'bin', 'inception-explorer.mjs');
/** The engine's parity tolerance: max |diff| ≤ 1e-4 × max |value|. */
const TOLERANCE = 1e-4;
/** The family presets: tools/torch/family builds them (reference.py knows GoogLeNet's modules only). */
const FAMILY = new Set<string>(FAMILY_PRESETS);
/** Designs tools/torch/reference.py cannot build (it has no plain conv2d with uneven padding, nor the family's modules). */
const NO_REFERENCE = new Set(['uneven-conv', 'irv2-edited', ...FAMILY]);

interface CaseResult {
  name: string;
  error?: string;
  trace?: string;
  smoke: { ok: boolean; stdout?: string; error?: string };
  params: number;
  stateDict: [string, number[]][];
  load: { ok: boolean; error?: string };
  run: { ok: boolean; error?: string; eval: Record<string, number[]> };
  reference?: Comparison;
  family?: Comparison;
  engine?: Comparison;
  torchvision?: Comparison;
}
interface Comparison {
  ok: boolean;
  /** Why the oracle could not run here (a Python package is missing). */
  unavailable?: string;
  error?: string;
  maxDiff: number;
  maxValue: number;
  outputs: string[];
}

describe.skipIf(!hasTorch)('exported PyTorch files under python3-torch', () => {
  let dir: string;
  const analyses = new Map<string, Analysis>();
  const results = new Map<string, CaseResult>();
  const engineRuns = new Map<string, { status: number | null; stderr: string }>();
  let style: { available: boolean; problems: string[] };

  beforeAll(() => {
    // EXPORT_TEST_DIR keeps the files (and results.json with the measured differences) for a look.
    dir = process.env.EXPORT_TEST_DIR ?? mkdtempSync(join(tmpdir(), 'export-pytorch-'));
    mkdirSync(dir, { recursive: true });
    const cases = EXPORT_CASES.map((c, i) => {
      const analysis = analyze(c.design);
      analyses.set(c.name, analysis);
      const exported = pytorchCode(c.design, analysis);
      if (!exported.ok)
        throw new Error(
          `${c.name} did not export: ${exported.issues.map((x) => x.message).join(' ')}`,
        );
      const file = join(dir, `${c.name.replace(/-/g, '_')}.py`);
      writeFileSync(file, exported.value.code);
      const designFile = join(dir, `${c.name}.json`);
      writeFileSync(designFile, serializeDesign(c.design));
      const weights = join(dir, `${c.name}.weights.safetensors`);
      // Randomized BN statistics, so batch normalization does real work in the comparison.
      writeFileSync(
        weights,
        stateDictToSafetensors(initStateDict(analysis.graph, 11 + i, 'randomized'), analysis.graph),
      );
      const input = join(dir, `${c.name}.input.safetensors`);
      writeFileSync(
        input,
        writeSafetensors(
          new Map([
            [
              'input',
              { dtype: 'F32', shape: analysis.input, data: randomInput(analysis.input, 42 + i) },
            ],
          ]),
        ),
      );
      // The engine runs the design file (batch 1 keeps it quick) and dumps weights, input and outputs.
      const dump = join(dir, `${c.name}-engine`);
      const run = spawnSync(
        process.execPath,
        [CLI, 'run', designFile, '--batch', '1', '--seed', String(7 + i), '--dump', dump, '--json'],
        { encoding: 'utf8', timeout: 300_000 },
      );
      engineRuns.set(c.name, { status: run.status, stderr: run.stderr });
      const order = (names: readonly string[]) => [
        ...names.filter((n) => n !== 'main'),
        ...names.filter((n) => n === 'main'),
      ];
      const outputNames = Object.keys(c.design.outputs);
      return {
        name: c.name,
        file,
        className: exported.value.className,
        designFile,
        weights,
        input,
        evalOutputs: order(outputNames.filter((n) => analysis.evalOutputs.includes(n))),
        trainOutputs: order(outputNames.filter((n) => analysis.outputs[n] !== undefined)),
        reference: !NO_REFERENCE.has(c.name),
        engineWeights: join(dump, 'weights.safetensors'),
        engineInput: join(dump, 'input.safetensors'),
        engineOutputs: run.status === 0 ? join(dump, 'outputs.safetensors') : null,
        // The torchvision model the case's preset reproduces exactly.
        torchvision:
          c.name === 'googlenet-torchvision'
            ? 'googlenet'
            : c.name === 'inception-v3'
              ? 'inception_v3'
              : null,
        family: FAMILY.has(c.name) ? c.name : null,
      };
    });
    const manifest = join(dir, 'manifest.json');
    const out = join(dir, 'results.json');
    writeFileSync(manifest, JSON.stringify({ cases }));
    execFileSync(PYTHON, [CHECKER, manifest, out], {
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 900_000,
    });
    const parsed = JSON.parse(readFileSync(out, 'utf8')) as {
      cases: CaseResult[];
      style: typeof style;
    };
    for (const r of parsed.cases) results.set(r.name, r);
    style = parsed.style;
  }, 900_000);

  afterAll(() => {
    if (dir && !process.env.EXPORT_TEST_DIR) rmSync(dir, { recursive: true, force: true });
  });

  const result = (name: string): CaseResult => {
    const r = results.get(name);
    expect(r, `no result for ${name}`).toBeDefined();
    expect(r!.error, r!.trace).toBeUndefined();
    return r!;
  };

  it('is PEP 8 clean at a line length of 100 (pycodestyle)', (ctx) => {
    if (!style.available) ctx.skip('pycodestyle is not installed (Debian: python3-pycodestyle)');
    expect(style.problems).toEqual([]);
  });

  describe.each(EXPORT_CASES.map((c) => c.name))('%s', (name) => {
    it('runs its own smoke test and prints the output shapes', () => {
      const r = result(name);
      const a = analyses.get(name)!;
      expect(r.smoke.error).toBeUndefined();
      const stdout = r.smoke.stdout!;
      expect(stdout).toContain(`parameters: ${a.totals.params}`);
      const smokeBatch = Math.max(a.input[0], 2);
      for (const [output, shape] of Object.entries(a.outputs)) {
        expect(stdout).toContain(
          `train ${output}: (${[smokeBatch, ...shape!.slice(1)].join(', ')})`,
        );
      }
      expect(stdout).toContain(
        `eval main: (${[smokeBatch, ...a.outputs.main!.slice(1)].join(', ')})`,
      );
    });

    it("has core's parameter count and exactly core's state_dict keys, shapes and order", () => {
      const r = result(name);
      const a = analyses.get(name)!;
      expect(r.params).toBe(a.totals.params);
      const spec = stateDictSpec(a.graph).map((e) => [e.key, [...e.shape]]);
      expect(r.stateDict).toEqual(spec);
    });

    it('loads the weights with strict=True and gives the eval-mode output shapes core computes', () => {
      const r = result(name);
      const a = analyses.get(name)!;
      expect(r.load).toEqual({ ok: true });
      expect(r.run.error, r.run.error).toBeUndefined();
      expect(r.run.eval).toEqual(
        Object.fromEntries(a.evalOutputs.map((k) => [k, [...a.outputs[k]!]])),
      );
    });

    it("matches the engine's output on the engine's dumped weights and input (inception-explorer run --dump)", () => {
      const run = engineRuns.get(name)!;
      expect(run.status, run.stderr).toBe(0);
      const cmp = result(name).engine!;
      expect(cmp.error).toBeUndefined();
      expect(cmp.outputs).toContain('main');
      expect(cmp.maxValue).toBeGreaterThan(0);
      expect(cmp.maxDiff).toBeLessThanOrEqual(TOLERANCE * cmp.maxValue);
    });

    it.skipIf(NO_REFERENCE.has(name))(
      'matches the independent reference build (tools/torch/reference.py) in eval mode',
      () => {
        const cmp = result(name).reference!;
        expect(cmp.error).toBeUndefined();
        expect(cmp.outputs).toContain('main');
        expect(cmp.maxValue).toBeGreaterThan(0);
        expect(cmp.maxDiff).toBeLessThanOrEqual(TOLERANCE * cmp.maxValue);
      },
    );
  });

  describe.each([...FAMILY])('%s', (name) => {
    it("matches the project's PyTorch reference of the family (tools/torch/family) in eval and train mode, with the same state_dict order", () => {
      const cmp = result(name).family!;
      expect(cmp.error).toBeUndefined();
      expect(cmp.outputs).toContain('main');
      expect(cmp.maxValue).toBeGreaterThan(0);
      expect(cmp.maxDiff).toBeLessThanOrEqual(TOLERANCE * cmp.maxValue);
    });
  });

  it("matches torchvision 0.14's googlenet on the torchvision preset", (ctx) => {
    const cmp = result('googlenet-torchvision').torchvision!;
    if (cmp.unavailable) ctx.skip(cmp.unavailable);
    expect(cmp.error).toBeUndefined();
    expect(cmp.maxValue).toBeGreaterThan(0);
    expect(cmp.maxDiff).toBeLessThanOrEqual(TOLERANCE * cmp.maxValue);
  });

  it("matches torchvision 0.14's inception_v3 on the inception-v3 preset", (ctx) => {
    const cmp = result('inception-v3').torchvision!;
    if (cmp.unavailable) ctx.skip(cmp.unavailable);
    expect(cmp.error).toBeUndefined();
    expect(cmp.maxValue).toBeGreaterThan(0);
    expect(cmp.maxDiff).toBeLessThanOrEqual(TOLERANCE * cmp.maxValue);
  });
});
