/**
 * analyze() agrees exactly with PyTorch: every case of the fixture was built and run by an
 * independent PyTorch implementation (tools/torch/reference.py, via tools/torch/make_golden.py),
 * which measured each module's output shape, parameters and MACs, or found the modules PyTorch
 * itself refuses to run.
 */
import { describe, expect, it } from 'vitest';
import golden from './__fixtures__/torch-golden.json';
import { analyze, type Analysis } from './analyze';
import { validateDesign } from '../design/designFile';
import type { Design } from '../model/types';

interface ModuleFigures {
  readonly shape: readonly number[];
  readonly params: number;
  readonly macs: number;
}

interface GoldenCase {
  readonly name: string;
  readonly design: unknown;
  readonly valid: boolean;
  readonly modules: Record<string, ModuleFigures>;
  readonly totals?: Record<'params' | 'paramsEval' | 'macs' | 'macsTrain' | 'buffers', number>;
  readonly issues?: readonly { code: string; nodeId: string; torch: string }[];
  readonly blocked?: readonly string[];
}

const cases = golden.cases as unknown as GoldenCase[];

function load(c: GoldenCase): Design {
  const loaded = validateDesign(c.design);
  if (!loaded.ok)
    throw new Error(
      `${c.name}: the fixture's design does not load: ${JSON.stringify(loaded.errors)}`,
    );
  return loaded.design;
}

function moduleFigures(a: Analysis): Record<string, ModuleFigures | null> {
  return Object.fromEntries(
    a.modules.map((m) => [
      m.id,
      m.outputShape ? { shape: m.outputShape, params: m.params, macs: m.macs } : null,
    ]),
  );
}

describe('analyze() against PyTorch', () => {
  it('has a corpus of at least 40 valid designs and some invalid ones', () => {
    expect(cases.filter((c) => c.valid).length).toBeGreaterThanOrEqual(40);
    expect(cases.filter((c) => !c.valid).length).toBeGreaterThanOrEqual(5);
  });

  const valid = cases.filter((c) => c.valid);
  it.each(valid.map((c) => [c.name, c] as const))('%s: every module and total', (_name, c) => {
    const a = analyze(load(c));
    expect(a.issues).toEqual([]);
    expect(moduleFigures(a)).toEqual(c.modules);
    const { params, paramsEval, macs, macsTrain, buffers } = a.totals;
    expect({ params, paramsEval, macs, macsTrain, buffers }).toEqual(c.totals);
  });

  const invalid = cases.filter((c) => !c.valid);
  it.each(invalid.map((c) => [c.name, c] as const))(
    '%s: the modules PyTorch refuses',
    (_name, c) => {
      const a = analyze(load(c));
      expect(a.valid).toBe(false);
      const key = (i: { code: string; nodeId: string }) => `${i.nodeId}: ${i.code}`;
      expect(a.issues.map(key).sort()).toEqual(c.issues!.map(key).sort());
      for (const issue of a.issues)
        expect(issue.message).toMatch(new RegExp(`^${issue.nodeId}: .+\\.$`));
      // Modules PyTorch ran have the same figures; the refused and the blocked have no shape.
      const figures = moduleFigures(a);
      for (const [id, want] of Object.entries(c.modules)) expect(figures[id], id).toEqual(want);
      for (const id of [...c.issues!.map((i) => i.nodeId), ...c.blocked!])
        expect(figures[id], id).toBeNull();
    },
  );
});
