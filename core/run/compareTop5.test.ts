import { describe, expect, it } from 'vitest';
import { compareTop5, formatPoints } from './compareTop5';

const c = (index: number, probability: number) => ({ index, label: `c${index}`, probability });

describe('compareTop5', () => {
  it('lists the after top-5 with changes, then the classes that left', () => {
    const before = [c(1, 0.5), c(2, 0.2), c(3, 0.1), c(4, 0.05), c(5, 0.04)];
    const after = [c(2, 0.4), c(1, 0.3), c(3, 0.1), c(6, 0.08), c(4, 0.06)];
    const rows = compareTop5(before, after);
    expect(rows.map((r) => [r.index, r.status, r.beforeRank, r.afterRank])).toEqual([
      [2, 'stayed', 2, 1],
      [1, 'stayed', 1, 2],
      [3, 'stayed', 3, 3],
      [6, 'entered', null, 4],
      [4, 'stayed', 4, 5],
      [5, 'left', 5, null],
    ]);
    expect(rows[0].deltaPoints).toBeCloseTo(20);
    expect(rows[3].deltaPoints).toBeNull();
  });

  it('formats percentage points with their direction', () => {
    expect(formatPoints(20.04)).toBe('↑ +20.0 pp');
    expect(formatPoints(-0.44)).toBe('↓ −0.4 pp');
    expect(formatPoints(0.01)).toBe('±0.0 pp');
  });
});
