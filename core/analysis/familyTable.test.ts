/** The family side by side (summary --family): one row per preset, each with its own analysis's figures. */
import { describe, expect, it } from 'vitest';
import { familyTable, familyText } from './familyTable';
import { presetNames, presetDesign } from '../presets';
import { analyze } from './analyze';

describe('familyTable', () => {
  const rows = familyTable();

  it("lists every preset once, in the presets' order, at its own input size", () => {
    expect(rows.map((r) => r.preset)).toEqual(presetNames);
    const size = (name: string) => rows.find((r) => r.preset === name)!.input;
    expect(size('googlenet-paper')).toEqual([3, 224, 224]);
    expect(size('inception-resnet-v2')).toEqual([3, 299, 299]);
  });

  it("gives the references' parameter counts, with and without aux heads (shared/spec/family.md)", () => {
    const params = Object.fromEntries(rows.map((r) => [r.preset, [r.params, r.paramsEval]]));
    expect(params['googlenet-paper']).toEqual([13_378_280, 6_998_552]);
    expect(params['bn-inception']).toEqual([11_295_240, 11_295_240]);
    expect(params['inception-v4']).toEqual([42_679_816, 42_679_816]);
    expect(params['inception-resnet-v2']).toEqual([55_843_464, 55_843_464]);
  });

  it("takes every figure from the preset's own analysis at batch 1", () => {
    for (const r of rows) {
      const d = presetDesign(r.preset)!;
      const a = analyze({ ...d, input: { ...d.input, batch: 1 } });
      expect([r.macs, r.activationBytes, r.modules]).toEqual([
        a.totals.macs,
        a.totals.activationBytesEval,
        a.modules.length,
      ]);
      const weighted = a.layers.filter(
        (l) =>
          (l.kind === 'conv2d' || l.kind === 'linear') &&
          a.modules.find((m) => m.id === l.module)!.evalPath,
      );
      expect(r.depth).toBe(weighted.length);
    }
    // The jump from 7 M to 56 M parameters, and depth growing with it.
    const irv2 = rows.find((r) => r.preset === 'inception-resnet-v2')!;
    const paper = rows.find((r) => r.preset === 'googlenet-paper')!;
    expect(irv2.depth).toBeGreaterThan(paper.depth);
    expect(familyText(rows)).toContain('55,843,464');
  });
});
