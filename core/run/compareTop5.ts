/** Before/after top-5 of a what-if run, as the Run panel shows them side by side. */
import type { ClassScore, RunResult } from './types';

/** One class of either top-5 and how it moved. */
export interface Top5Change {
  readonly index: number;
  readonly label: string;
  /** Probability before (0..1), or null when it was not in the before top-5. */
  readonly before: number | null;
  readonly after: number | null;
  /** 1-based ranks, null outside the top-5. */
  readonly beforeRank: number | null;
  readonly afterRank: number | null;
  /** after − before in percentage points, when both are known. */
  readonly deltaPoints: number | null;
  /** `entered`: new in the after top-5; `left`: dropped out of it; `stayed`: in both. */
  readonly status: 'entered' | 'left' | 'stayed';
}

/** The first output with a top-5 (the main output comes first), or null. */
export function firstTop5(result: RunResult): readonly ClassScore[] | null {
  const main = result.outputs.main?.top5;
  if (main?.length) return main;
  return Object.values(result.outputs).find((o) => o.top5?.length)?.top5 ?? null;
}

/**
 * The classes of both top-5 lists: the after list in its order, then those that left it. Classes
 * outside a top-5 have no probability there (the run reports five per output), so their change
 * is null and their status says which way they went.
 */
export function compareTop5(
  before: readonly ClassScore[],
  after: readonly ClassScore[],
): Top5Change[] {
  const rankIn = (list: readonly ClassScore[], index: number) => {
    const i = list.findIndex((c) => c.index === index);
    return i < 0 ? null : i + 1;
  };
  const row = (c: ClassScore): Top5Change => {
    const b = before.find((x) => x.index === c.index) ?? null;
    const a = after.find((x) => x.index === c.index) ?? null;
    return {
      index: c.index,
      label: c.label,
      before: b?.probability ?? null,
      after: a?.probability ?? null,
      beforeRank: rankIn(before, c.index),
      afterRank: rankIn(after, c.index),
      deltaPoints: a && b ? (a.probability - b.probability) * 100 : null,
      status: a && b ? 'stayed' : a ? 'entered' : 'left',
    };
  };
  return [...after.map(row), ...before.filter((c) => rankIn(after, c.index) === null).map(row)];
}

/** "+3.2 pp", "−0.4 pp", "±0.0 pp": a change in percentage points with its direction. */
export function formatPoints(points: number): string {
  const r = Math.round(points * 10) / 10;
  if (r === 0) return '±0.0 pp';
  return `${r > 0 ? '↑ +' : '↓ −'}${Math.abs(r).toFixed(1)} pp`;
}
