/** Repeated blocks fold into groups computed from the design: IRv2's 10/20/9, v4's 4/7/3, split by an edit. */
import { describe, expect, it } from 'vitest';
import { repeatFigures, repeatGroups, setGroupParam } from './repeats';
import { presetDesign } from '../presets';
import { analyze } from '../analysis/analyze';
import { setParam } from './edit';

const irv2 = () => presetDesign('inception-resnet-v2')!;

describe('repeatGroups', () => {
  it("finds IRv2's 10 × Block35, 20 × Block17 and 9 × Block8 (the last block8, without ReLU, stays apart)", () => {
    const groups = repeatGroups(irv2());
    expect(groups.map((g) => [g.kind, g.count, g.ids[0], g.ids[g.ids.length - 1]])).toEqual([
      ['block35', 10, 'repeat.0', 'repeat.9'],
      ['block17', 20, 'repeat_1.0', 'repeat_1.19'],
      ['block8', 9, 'repeat_2.0', 'repeat_2.8'],
    ]);
  });

  it("finds v4's 4 × Inception-A, 7 × Inception-B and 3 × Inception-C, and nothing in GoogLeNet", () => {
    expect(repeatGroups(presetDesign('inception-v4')!).map((g) => [g.kind, g.count])).toEqual([
      ['inceptionV4A', 4],
      ['inceptionV4B', 7],
      ['inceptionV4C', 3],
    ]);
    expect(repeatGroups(presetDesign('googlenet')!)).toEqual([]);
  });

  it("gives per-block and total figures that are the analysis's own", () => {
    const d = irv2();
    const a = analyze(d);
    const b17 = repeatFigures(d, a).find((g) => g.kind === 'block17')!;
    const one = a.modules.find((m) => m.id === 'repeat_1.0')!;
    expect(b17.perBlock).toEqual({ params: one.params, macs: one.macs });
    expect(b17.total).toEqual({ params: 20 * one.params, macs: 20 * one.macs });
  });

  it('edits all 20 Block17s in one design change, with the totals a hand count gives', () => {
    const d = irv2();
    const before = analyze(d).totals.params;
    const edited = setGroupParam(d, repeatGroups(d)[1].ids, 'out_1x1', 128);
    // Each block17: branch0 conv 1088×128 fewer by 64 filters (1088·64 weights + 2·64 BN), and the
    // projection reads 64 fewer channels (64·1088 weights).
    const perBlock = 1088 * 64 + 2 * 64 + 64 * 1088;
    expect(analyze(edited).totals.params).toBe(before - 20 * perBlock);
    expect(repeatGroups(edited)[1].count).toBe(20);
  });

  it('splits a group where one block is made to differ', () => {
    const d = setParam(irv2(), 'repeat_1.7', 'out_1x1', 100);
    const b17 = repeatGroups(d).filter((g) => g.kind === 'block17');
    expect(b17.map((g) => [g.ids[0], g.count])).toEqual([
      ['repeat_1.0', 7],
      ['repeat_1.8', 12],
    ]);
  });
});
