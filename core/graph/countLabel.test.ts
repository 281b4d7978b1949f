import { describe, expect, it } from 'vitest';
import { countExplanation, shortCountLabel } from './countLabel';
import { moduleDefs } from '../modules/registry';

describe('shortCountLabel', () => {
  it('shortens the templates’ labels to a few characters', () => {
    expect(shortCountLabel('1×1')).toBe('1×1');
    expect(shortCountLabel('3×3 reduce')).toBe('3×3r');
    expect(shortCountLabel('5×5 reduce')).toBe('5×5r');
    expect(shortCountLabel('Pool proj')).toBe('pool');
    expect(shortCountLabel('Pool features')).toBe('pool');
    expect(shortCountLabel('3×3 dbl reduce')).toBe('3×3dr');
    expect(shortCountLabel('3×3 dbl 1st (l)')).toBe('3×3d1l');
    expect(shortCountLabel('3×3 /2 (a)')).toBe('3×3/2a');
    expect(shortCountLabel('#3×3 reduce')).toBe('3×3r');
    expect(shortCountLabel('7×7 channels')).toBe('7×7c');
    expect(shortCountLabel('Double 3×3 reduce')).toBe('3×3dr');
    expect(shortCountLabel('7×7 dbl 2nd, 3rd')).toBe('7×7d2,3');
    expect(shortCountLabel('1×3 ‖ 3×1 dbl')).toBe('1×3‖3×1d');
    expect(shortCountLabel('Filters')).toBe('Filters');
    expect(shortCountLabel('Hidden units')).toBe('Hidden');
  });

  it('keeps the counts of every template apart and at most 9 characters', () => {
    for (const [kind, def] of Object.entries(moduleDefs)) {
      const shorts = Object.values(def.params)
        .filter((p) => p.group === 'filters')
        .map((p) => shortCountLabel(p.label));
      expect(new Set(shorts).size, kind).toBe(shorts.length);
      for (const s of shorts) expect(s.length, `${kind}: ${s}`).toBeLessThanOrEqual(9);
    }
  });
});

describe('countExplanation', () => {
  it('names the count in full with the template’s doc and the parameter', () => {
    expect(
      countExplanation({ label: '3×3 reduce', doc: '1×1 filters that reduce.', field: 'red_3x3' }),
    ).toBe('3×3 reduce: 1×1 filters that reduce. (red_3x3)');
    expect(countExplanation({ label: '1×1', doc: '', field: 'out_1x1' })).toBe('1×1 (out_1x1)');
  });
});
