/**
 * A line chart drawn by uPlot (a small, fast canvas charting library) for the training curves:
 * x is the optimizer step, each series a line (or points), with axis labels and a legend. The
 * plot is made once per set of series, axes and theme; new points go in with `setData` (no new
 * plot per point), and it follows its panel's width.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useApp, type AppState } from '../state/store';

export interface ChartSeries {
  readonly label: string;
  /** A colour variable of the theme (renderer/styles/app.css), e.g. `--accent`. */
  readonly colour: string;
  /** Which y axis: the left (`y`, default) or the right (`y2`). */
  readonly scale?: 'y' | 'y2';
  /** Draw points only (validation after each epoch), joined by a thin line. */
  readonly points?: boolean;
  readonly dash?: readonly number[];
}

export interface ChartProps {
  /** The chart's accessible name. */
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** The right axis's label, when a series uses `y2`. */
  readonly y2Label?: string;
  readonly series: readonly ChartSeries[];
  /** x values first (sorted), then one array per series (null where it has no point). */
  readonly data: uPlot.AlignedData;
  /** Fixed y range, e.g. [0, 1] for accuracy; else it fits the data. */
  readonly yRange?: readonly [number, number];
  readonly y2Range?: readonly [number, number];
  readonly height?: number;
  /** A sentence for screen readers (the latest figures), also the figure's description. */
  readonly summary: string;
  readonly testId?: string;
}

const selectTheme = (s: AppState) => s.theme;

/** The value of a theme colour variable on the page (the chart's canvas cannot read CSS variables). */
function themeColour(name: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || '#888888';
}

/** Whether the page can draw on a 2D canvas (a test DOM may not). */
function canDraw(): boolean {
  try {
    return document.createElement('canvas').getContext('2d') !== null;
  } catch {
    return false;
  }
}

const fmtTick = (v: number) =>
  Math.abs(v) >= 1000 ? `${+(v / 1000).toFixed(1)}k` : String(+v.toPrecision(3));

function options(p: ChartProps, width: number): uPlot.Options {
  const text = themeColour('--text-muted');
  const grid = themeColour('--border');
  const font = '11px system-ui, sans-serif';
  const axis = (label: string, side?: number, scale?: string): uPlot.Axis => ({
    label,
    ...(side === undefined ? {} : { side }),
    ...(scale ? { scale } : {}),
    stroke: text,
    font,
    labelFont: font,
    labelSize: 16,
    size: 40,
    grid: { stroke: grid, width: 1, show: side !== 1 },
    ticks: { stroke: grid, width: 1 },
    values: (_u, splits) => splits.map(fmtTick),
  });
  const range =
    (r: readonly [number, number] | undefined): uPlot.Scale['range'] =>
    (_u, min, max) =>
      r ? [r[0], r[1]] : [Math.min(0, min), max > min ? max : min + 1];
  return {
    width,
    height: p.height ?? 170,
    // Labels only: live values would read "—" whenever the pointer is elsewhere.
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false } },
    scales: {
      // Steps from 0, so the loss and accuracy charts of one training share their x axis.
      x: { time: false, range: (_u, _min, max) => [0, Math.max(max, 1)] },
      y: { range: range(p.yRange) },
      ...(p.y2Label ? { y2: { range: range(p.y2Range) } } : {}),
    },
    axes: [axis(p.xLabel), axis(p.yLabel), ...(p.y2Label ? [axis(p.y2Label, 1, 'y2')] : [])],
    series: [
      { label: p.xLabel, value: (_u, v) => (v == null ? '—' : String(v)) },
      ...p.series.map((s): uPlot.Series => ({
        label: s.label,
        scale: s.scale ?? 'y',
        stroke: themeColour(s.colour),
        width: s.points ? 1 : 1.5,
        spanGaps: true,
        ...(s.dash ? { dash: [...s.dash] } : {}),
        points: s.points ? { show: true, size: 7, fill: themeColour(s.colour) } : { show: false },
        value: (_u, v) => (v == null ? '—' : String(+v.toPrecision(4))),
      })),
    ],
  };
}

/** The chart; its data updates in place. */
export function Chart(props: ChartProps) {
  const theme = useApp(selectTheme);
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(props);
  latest.current = props;
  // What makes a new plot: the series, the axes and the theme (never the data).
  const shape = JSON.stringify([
    props.series,
    props.xLabel,
    props.yLabel,
    props.y2Label,
    props.yRange,
    props.y2Range,
    props.height,
    theme,
  ]);
  useEffect(() => {
    const el = box.current;
    if (!el || !canDraw()) return;
    const u = new uPlot(options(latest.current, el.clientWidth || 320), latest.current.data, el);
    plot.current = u;
    const resize =
      typeof ResizeObserver === 'undefined'
        ? null
        : new ResizeObserver(() => {
            const w = el.clientWidth;
            if (w > 0 && w !== u.width) u.setSize({ width: w, height: u.height });
          });
    resize?.observe(el);
    return () => {
      resize?.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [shape]);
  useEffect(() => {
    plot.current?.setData(props.data);
  }, [props.data]);
  const points = props.data[0]?.length ?? 0;
  return (
    <figure className="chart" data-testid={props.testId} data-points={points}>
      <figcaption className="chart-title">{props.title}</figcaption>
      <div
        ref={box}
        className="chart-plot"
        role="img"
        aria-label={`${props.title}. ${props.summary}`}
      />
    </figure>
  );
}

/**
 * Puts series sampled at different steps on one x axis: the sorted union of their steps, each
 * series null where it has no point (uPlot's aligned data).
 */
export function alignSeries(
  series: readonly (readonly (readonly [number, number])[])[],
): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.map((p) => p[0])))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const y: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    for (const [x, v] of s) y[at.get(x)!] = Number.isFinite(v) ? v : null;
    return y;
  });
  return [xs, ...ys] as uPlot.AlignedData;
}
