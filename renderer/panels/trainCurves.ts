/**
 * What the training charts draw, from a training's history: the series of the loss chart (total,
 * each head, validation), of the accuracy chart (validation and train top-1) and of Compare's
 * chart (two trainings on one chart), as uPlot's aligned data. No drawing here.
 */
import type { TrainHistory } from '../../core/train/types';
import { alignSeries, type ChartSeries } from './Chart';
import type uPlot from 'uplot';

export interface Curves {
  readonly series: readonly ChartSeries[];
  readonly data: uPlot.AlignedData;
  /** The number of points drawn in all. */
  readonly points: number;
}

/** Colours of the heads' lines (theme variables). */
const HEAD_COLOURS = ['--ok', '--aux', '--changed', '--affected'];

/** The heads a history logs losses for (main, aux1, aux2), in their first step's order. */
export function headsOf(history: TrainHistory): string[] {
  const first = history.steps.find((p) => Object.keys(p.losses).length > 0);
  return first ? Object.keys(first.losses) : [];
}

const count = (series: readonly (readonly unknown[])[]) => series.reduce((n, s) => n + s.length, 0);

/**
 * Train loss per step (the total, and each head's own when there is more than one head) and the
 * validation loss after each epoch.
 */
export function lossCurves(history: TrainHistory): Curves {
  const heads = headsOf(history);
  const shownHeads = heads.length > 1 ? heads : [];
  const lines: (readonly [number, number])[][] = [
    history.steps.map((p) => [p.step, p.loss] as const),
    ...shownHeads.map((h) => history.steps.map((p) => [p.step, p.losses[h] ?? NaN] as const)),
    history.epochs.map((e) => [e.step, e.loss] as const),
  ];
  return {
    series: [
      { label: 'train loss', colour: '--accent' },
      ...shownHeads.map((h, i) => ({
        label: `${h} loss`,
        colour: HEAD_COLOURS[i % HEAD_COLOURS.length],
        dash: [4, 3],
      })),
      { label: 'validation loss', colour: '--danger', points: true },
    ],
    data: alignSeries(lines),
    points: count(lines),
  };
}

/** Validation top-1 after each epoch, and train top-1 per step when the host logged it (percent). */
export function accuracyCurves(history: TrainHistory): Curves {
  const train = history.steps.filter((p) => p.top1 !== undefined);
  const lines: (readonly [number, number])[][] = [
    history.epochs.map((e) => [e.step, e.top1 * 100] as const),
    ...(train.length ? [train.map((p) => [p.step, p.top1! * 100] as const)] : []),
  ];
  return {
    series: [
      { label: 'validation top-1 %', colour: '--danger', points: true },
      ...(train.length ? [{ label: 'train top-1 %', colour: '--accent' }] : []),
    ],
    data: alignSeries(lines),
    points: count(lines),
  };
}

/** Colours of the two sides of Compare: A and B. */
export const SIDE_COLOURS = ['--affected', '--changed'] as const;

/**
 * Two trainings on one chart: each one's train loss per step (left axis) and validation top-1
 * per epoch (right axis, percent), one colour per design.
 */
export function compareCurves(
  sides: readonly { readonly label: string; readonly history: TrainHistory }[],
): Curves {
  const lines: (readonly [number, number])[][] = [];
  const series: ChartSeries[] = [];
  sides.forEach((s, i) => {
    const colour = SIDE_COLOURS[i % SIDE_COLOURS.length];
    lines.push(s.history.steps.map((p) => [p.step, p.loss] as const));
    series.push({ label: `${s.label} loss`, colour });
    lines.push(s.history.epochs.map((e) => [e.step, e.top1 * 100] as const));
    series.push({ label: `${s.label} top-1 %`, colour, scale: 'y2', points: true, dash: [5, 4] });
  });
  return { series, data: alignSeries(lines), points: count(lines) };
}

/** The last validation top-1 of a history (0–1), or null before the first epoch ends. */
export function finalTop1(history: TrainHistory): number | null {
  const last = history.epochs[history.epochs.length - 1];
  return last ? last.top1 : null;
}

/** "45 s", "3 min 20 s", "1 h 5 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** "81.2 %" from 0.8125; "—" for null. */
export const formatAccuracy = (v: number | null): string =>
  v === null ? '—' : `${(v * 100).toFixed(1)} %`;
