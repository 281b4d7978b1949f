import { describe, expect, it } from 'vitest';
import { analyze } from './analyze';
import { moduleBreakdown } from './moduleBreakdown';
import { presetDesign } from '../presets';
import { setParam } from '../design/edit';

describe('moduleBreakdown', () => {
  it("gives inception3a's figures and its steps, which add up to the module", () => {
    const d = presetDesign('googlenet')!;
    const a = analyze(d);
    const f = moduleBreakdown(a, 'inception3a')!;
    const info = a.modules.find((m) => m.id === 'inception3a')!;
    expect(f.outputShape).toEqual([3, 256, 28, 28]);
    expect(f.inputShapes).toEqual([[3, 192, 28, 28]]);
    expect(f.params).toBe(info.params);
    expect(f.macs).toBe(info.macs);
    expect(f.activationBytes).toBeGreaterThan(0);
    expect(f.steps.map((s) => s.title)).toEqual(
      expect.arrayContaining(['1×1', '3×3 reduce', '3×3', '5×5 reduce', '5×5', 'pool proj']),
    );
    expect(f.steps.reduce((s, x) => s + x.params, 0)).toBe(f.params);
    expect(f.steps.reduce((s, x) => s + x.macs, 0)).toBe(f.macs);
    // 3×3: Conv2d(96, 128, 3) with bias (this preset) + BN(128): 96·128·9 + 128 + 2·128 parameters.
    const s33 = f.steps.find((s) => s.title === '3×3')!;
    expect(s33.params).toBe(96 * 128 * 9 + 128 + 2 * 128);
    expect(s33.outputShape).toEqual([3, 128, 28, 28]);
  });

  it('has no steps for a single-path module and no shape downstream of an invalid edit', () => {
    const d = presetDesign('googlenet')!;
    expect(moduleBreakdown(analyze(d), 'conv1')!.steps).toEqual([]);
    const bad = setParam(d, 'inception4a', 'out_3x3', -5);
    expect(moduleBreakdown(analyze(bad), 'inception4c')!.outputShape).toBeNull();
    expect(moduleBreakdown(analyze(d), 'nope')).toBeNull();
  });
});
