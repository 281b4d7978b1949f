/**
 * The graph as a standalone SVG picture: the same view model and layout the explorer's canvas
 * draws (core/graph), every module with its id, counts, output shape, parameters and MACs, and
 * every edge with the shape it carries. Pure string building, so the command line, the app and
 * tests make the same picture; PNG is this SVG rasterized by the shell.
 */
import { xmlText } from './escape';
import type { Analysis } from '../analysis/analyze';
import type { Design } from '../model/types';
import { analyze } from '../analysis/analyze';
import { compareDesigns, diffDesign, formatSignedCompact, type DesignDiff } from '../design/diff';
import { formatBatchShape, formatCompact, formatInt } from '../model/format';
import {
  graphView,
  type MarkedStatus,
  type GraphView,
  type InceptionNodeView,
  type JoinNodeView,
  type ModuleNodeView,
  type NodeView,
  type OutputNodeView,
  type StepNodeView,
  type InputNodeView,
  type RepeatView,
} from '../graph/graphView';
import { layoutGraph, type GraphLayout, type NodeBox, type Point } from '../graph/layout';

export type SvgTheme = 'light' | 'dark';

export interface GraphSvgOptions {
  readonly theme?: SvgTheme;
  /** Modules drawn opened into their branches. */
  readonly opened?: Iterable<string>;
  /**
   * Runs of identical consecutive modules drawn folded, one node marked ×N with per-block figures
   * (as the explorer shows them), except the runs in `unfolded` (by first module id). Off: every
   * block is drawn.
   */
  readonly fold?: boolean;
  readonly unfolded?: Iterable<string>;
  /** A title band with the design's name and totals (default true). */
  readonly title?: boolean;
  /**
   * Draw the design compared with this one (A; the design is B): every status marked, removed
   * modules as ghosts, Δ figures on each node. By default edits against the preset are marked.
   */
  readonly compareWith?: Design;
}

/** The colours of the explorer's stylesheet (renderer/styles/app.css). */
const PALETTES = {
  light: {
    bg: '#f5f6f8',
    surface2: '#f0f2f5',
    borderStrong: '#b8bec8',
    text: '#1b1f24',
    muted: '#5d6571',
    accent: '#3b5bdb',
    danger: '#d6336c',
    dangerSoft: '#fff0f4',
    ok: '#2b8a3e',
    warnSoft: '#fff4e5',
    aux: '#9c6ade',
    auxSoft: '#f6f0ff',
    nodeBg: '#ffffff',
    inceptionBg: '#fbfcff',
    openBg: '#f0f3fd',
    edge: '#8a93a0',
    edgeLabel: '#3f4754',
    changed: '#e8590c',
    added: '#2b8a3e',
    addedSoft: '#ebfbee',
    affected: '#1971c2',
    affectedSoft: '#e7f5ff',
    removed: '#868e96',
    removedSoft: '#f1f3f5',
  },
  dark: {
    bg: '#14171c',
    surface2: '#242932',
    borderStrong: '#4a5262',
    text: '#e6e9ef',
    muted: '#9aa3b2',
    accent: '#7b93ff',
    danger: '#ff6b97',
    dangerSoft: '#3a1c27',
    ok: '#51cf66',
    warnSoft: '#3a2a14',
    aux: '#b197fc',
    auxSoft: '#2a2340',
    nodeBg: '#1c2027',
    inceptionBg: '#1e2330',
    openBg: '#1b2030',
    edge: '#6b7482',
    edgeLabel: '#c3c9d3',
    changed: '#ff922b',
    added: '#51cf66',
    addedSoft: '#1b3320',
    affected: '#74c0fc',
    affectedSoft: '#16283a',
    removed: '#868e96',
    removedSoft: '#24272c',
  },
} as const;

type Palette = (typeof PALETTES)[SvgTheme];

export const SANS = "'DejaVu Sans', 'Liberation Sans', Arial, Helvetica, sans-serif";
export const MONO = "'DejaVu Sans Mono', 'Liberation Mono', Menlo, Consolas, monospace";

/** Height of the title band. */
const TITLE_HEIGHT = 58;
const CORNER = 6;

/** Escapes text for SVG content and attributes (the one XML escape of core/export/escape.ts). */
export { xmlText };

/** Advance widths of DejaVu Sans and DejaVu Sans Bold for ASCII 32–126, in thousandths of an em. */
const SANS_WIDTHS = [
  318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636,
  636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632,
  575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685,
  611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579,
  278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
];
const SANS_BOLD_WIDTHS = [
  348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696,
  696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683,
  683, 821, 837, 372, 372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771,
  724, 725, 457, 365, 457, 838, 500, 500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665,
  343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838,
];
const NARROW = new Set(['·']);

/**
 * Advance width of text in DejaVu, the first font of the stack (the one the PNG is drawn with);
 * other sans fonts are narrower, so text measured here fits them too. Mono is 0.602 em.
 */
export function textWidth(text: string, size: number, font: 'sans' | 'mono', bold = false): number {
  if (font === 'mono') return [...text].length * 0.602 * size;
  const table = bold ? SANS_BOLD_WIDTHS : SANS_WIDTHS;
  let units = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    units += code >= 32 && code <= 126 ? table[code - 32] : NARROW.has(ch) ? 380 : 1000;
  }
  return (units / 1000) * size;
}

/** The text, cut with an ellipsis so it fits `max` pixels. */
export function fitText(
  text: string,
  max: number,
  size: number,
  font: 'sans' | 'mono',
  bold = false,
): string {
  if (textWidth(text, size, font, bold) <= max) return text;
  const chars = [...text];
  while (chars.length > 1 && textWidth(`${chars.join('')}…`, size, font, bold) > max) chars.pop();
  return `${chars.join('')}…`;
}

/** Words wrapped into at most `lines` lines of `max` pixels, the last cut with an ellipsis. */
function wrapWords(text: string, max: number, size: number, lines: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (textWidth(next, size, 'sans') <= max || !line) line = next;
    else {
      out.push(line);
      line = word;
    }
  }
  if (line) out.push(line);
  if (out.length > lines) {
    const kept = out.slice(0, lines);
    kept[lines - 1] = fitText(
      `${kept[lines - 1]} ${out.slice(lines).join(' ')}`,
      max,
      size,
      'sans',
    );
    return kept;
  }
  return out.map((l) => fitText(l, max, size, 'sans'));
}

/** An orthogonal polyline with rounded corners as an SVG path (as the explorer draws edges). */
export function roundedPath(points: readonly Point[]): string {
  if (points.length < 2) return '';
  const n = (v: number) => Number(v.toFixed(2));
  let d = `M${n(points[0].x)} ${n(points[0].y)}`;
  for (let i = 1; i < points.length - 1; i++) {
    const [a, b, c] = [points[i - 1], points[i], points[i + 1]];
    const r = Math.min(
      CORNER,
      Math.hypot(b.x - a.x, b.y - a.y) / 2,
      Math.hypot(c.x - b.x, c.y - b.y) / 2,
    );
    d += ` L${n(b.x - Math.sign(b.x - a.x) * r)} ${n(b.y - Math.sign(b.y - a.y) * r)} Q${n(b.x)} ${n(b.y)} ${n(b.x + Math.sign(c.x - b.x) * r)} ${n(b.y + Math.sign(c.y - b.y) * r)}`;
  }
  const last = points[points.length - 1];
  return `${d} L${n(last.x)} ${n(last.y)}`;
}

interface TextSpec {
  readonly x: number;
  readonly y: number;
  readonly text: string;
  readonly size: number;
  readonly fill: string;
  readonly font?: 'sans' | 'mono';
  readonly weight?: number;
  readonly anchor?: 'start' | 'middle' | 'end';
  readonly className?: string;
}

function text(t: TextSpec): string {
  const attrs = [
    `x="${r(t.x)}"`,
    `y="${r(t.y)}"`,
    `font-size="${t.size}"`,
    t.font === 'mono' ? `font-family="${MONO}"` : '',
    t.weight && t.weight !== 400 ? `font-weight="${t.weight}"` : '',
    t.anchor && t.anchor !== 'start' ? `text-anchor="${t.anchor}"` : '',
    `fill="${t.fill}"`,
    t.className ? `class="${t.className}"` : '',
  ].filter(Boolean);
  return `<text ${attrs.join(' ')}>${xmlText(t.text)}</text>`;
}

const r = (v: number): string => String(Number(v.toFixed(2)));

function rect(
  x: number,
  y: number,
  w: number,
  h: number,
  rx: number,
  fill: string,
  stroke: string,
  extra = '',
): string {
  return `<rect x="${r(x)}" y="${r(y)}" width="${r(w)}" height="${r(h)}" rx="${rx}" fill="${fill}" stroke="${stroke}"${extra ? ` ${extra}` : ''}/>`;
}

/** A small upper-case badge ("EDITED", "TRAIN ONLY", "NAIVE"); returns its markup and width. */
function badge(
  x: number,
  y: number,
  label: string,
  fill: string,
  color: string,
): { svg: string; width: number } {
  const t = label.toUpperCase();
  const w = textWidth(t, 9, 'sans', true) + 8;
  return {
    svg: `${rect(x, y - 10, w, 13, 3, fill, 'none')}${text({ x: x + 4, y: y - 0.5, text: t, size: 9, weight: 700, fill: color })}`,
    width: w,
  };
}

interface Ctx {
  readonly p: Palette;
  readonly dy: number;
}

/** The node id, then badges, on the header line. */
function header(
  ctx: Ctx,
  b: NodeBox,
  id: string,
  size: number,
  badges: readonly { label: string; fill: string; color: string }[],
): string {
  const x = b.absX + 10;
  const y = ctx.dy + b.absY + 8 + size;
  const badgeWidth = badges.reduce(
    (a, g) => a + textWidth(g.label.toUpperCase(), 9, 'sans', true) + 12,
    0,
  );
  const idText = fitText(id, b.width - 20 - badgeWidth, size, 'sans', true);
  let out = text({ x, y, text: idText, size, weight: 700, fill: ctx.p.text, className: 'node-id' });
  let bx = x + textWidth(idText, size, 'sans', true) + 6;
  for (const g of badges) {
    const made = badge(bx, y, g.label, g.fill, g.color);
    out += made.svg;
    bx += made.width + 4;
  }
  return out;
}

/** The colour of a status mark and the soft fill of its badge. */
function statusColors(p: Palette, status: MarkedStatus): { color: string; fill: string } {
  switch (status) {
    case 'added':
      return { color: p.added, fill: p.addedSoft };
    case 'removed':
      return { color: p.removed, fill: p.removedSoft };
    case 'affected':
      return { color: p.affected, fill: p.affectedSoft };
    case 'changed':
      return { color: p.changed, fill: p.warnSoft };
  }
}

function changeBadges(
  ctx: Ctx,
  change: MarkedStatus | null,
): { label: string; fill: string; color: string }[] {
  if (!change) return [];
  const c = statusColors(ctx.p, change);
  return [{ label: change, fill: c.fill, color: c.color }];
}

/** The coloured bar along a marked node's left edge. */
function statusBar(ctx: Ctx, b: NodeBox, change: MarkedStatus | null, top: number): string {
  if (!change) return '';
  return `<path d="M${r(b.absX + 2)} ${r(ctx.dy + b.absY + top)} V${r(ctx.dy + b.absY + b.height - 4)}" stroke="${statusColors(ctx.p, change).color}" stroke-width="4" stroke-linecap="round" class="status-${change}"/>`;
}

/** The shape, cost and delta lines, or the node's problem in core's words. */
function stats(ctx: Ctx, b: NodeBox, v: ModuleNodeView | InceptionNodeView, top: number): string {
  const x = b.absX + 10;
  const w = b.width - 20;
  const y0 = ctx.dy + b.absY + top;
  if (v.issues.length) {
    const lines = wrapWords(v.issues[0].message, w, 11, 3);
    return lines
      .map((l, i) =>
        text({
          x,
          y: y0 + 12 + i * 14,
          text: l,
          size: 11,
          fill: ctx.p.danger,
          className: 'node-issue',
        }),
      )
      .join('');
  }
  if (v.blockedBy) {
    const what = v.blockedBy === 'design' ? 'the input settings' : v.blockedBy;
    return text({
      x,
      y: y0 + 12,
      text: fitText(`Waiting for ${what} to be fixed.`, w, 11, 'sans'),
      size: 11,
      fill: ctx.p.muted,
    });
  }
  const d = v.delta;
  // A changed output shape reads old → new in place of the shape.
  const shape = d?.shapeText ?? v.shapeText;
  const shapeSize =
    [13, 12, 11, 10].find((size) => textWidth(shape, size, 'mono', true) <= w) ?? 10;
  let out = text({
    x,
    y: y0 + 13,
    text: fitText(shape, w, shapeSize, 'mono', true),
    size: shapeSize,
    weight: 600,
    font: 'mono',
    fill: d?.shapeText ? statusColors(ctx.p, v.change ?? 'affected').color : ctx.p.text,
    className: 'node-shape',
  });
  // The delta with the parameters' percentage when it fits, else signed counts only.
  const deltaText =
    !d || (!d.paramsText && !d.macsText)
      ? null
      : ([
          `${d.paramsText ?? '±0'} params · ${formatSignedCompact(d.macs)} MACs`,
          `${formatSignedCompact(d.params)} params · ${formatSignedCompact(d.macs)} MACs`,
        ].find((t) => textWidth(t, 11.5, 'sans', true) <= w) ??
        `${formatSignedCompact(d.params)} params`);
  const roomy = v.kind === 'inception';
  const base =
    v.params > 0 || v.macs > 0 ? `${v.paramsText} params · ${v.macsText} MACs` : 'no parameters';
  // A module node has two lines under its shape: the delta, when there is one, replaces the cost's MACs.
  const cost = !roomy && d?.paramsText ? `${v.paramsText} params (${d.paramsText})` : base;
  // Smaller type before an ellipsis: the cost is worth reading whole.
  const costSize = [11.5, 11, 10.5].find((size) => textWidth(cost, size, 'sans') <= w) ?? 10.5;
  out += text({
    x,
    y: y0 + 30,
    text: fitText(cost, w, costSize, 'sans'),
    size: costSize,
    fill: ctx.p.muted,
    className: 'node-cost',
  });
  if (roomy && deltaText) {
    const up = d!.params > 0 || (d!.params === 0 && d!.macs > 0);
    out += text({
      x,
      y: y0 + 46,
      text: fitText(deltaText, w, 11.5, 'sans'),
      size: 11.5,
      weight: 600,
      fill: up ? ctx.p.changed : ctx.p.ok,
      className: 'node-delta',
    });
  }
  return out;
}

/** The ×N mark of a folded run of identical blocks. */
function repeatBadge(
  ctx: Ctx,
  v: ModuleNodeView | InceptionNodeView,
): { label: string; fill: string; color: string }[] {
  return v.repeat?.folded
    ? [{ label: `×${v.repeat.count}`, fill: ctx.p.surface2, color: ctx.p.accent }]
    : [];
}

/** A folded run's line under its name: one block's figures (the ×N mark says how many; the node's cost line is the run's total). */
function repeatFigures(r: RepeatView): string {
  return `each ${r.perBlock.paramsText} params · ${r.perBlock.macsText} MACs`;
}

function moduleNode(ctx: Ctx, b: NodeBox, v: ModuleNodeView): string {
  const p = ctx.p;
  const invalid = v.issues.length > 0;
  const ghost = v.change === 'removed';
  const fill = ghost ? p.removedSoft : invalid ? p.dangerSoft : v.aux ? p.auxSoft : p.nodeBg;
  const stroke = ghost ? p.removed : invalid ? p.danger : v.aux ? p.aux : p.borderStrong;
  let out = rect(
    b.absX,
    ctx.dy + b.absY,
    b.width,
    b.height,
    8,
    fill,
    stroke,
    v.aux || ghost ? 'stroke-dasharray="5 3"' : '',
  );
  out += statusBar(ctx, b, v.change, 4);
  const badges = [
    ...repeatBadge(ctx, v),
    ...(v.aux ? [{ label: 'train only', fill: p.auxSoft, color: p.aux }] : []),
    ...changeBadges(ctx, v.change),
  ];
  out += header(ctx, b, v.id, 14, badges);
  const detail = [
    v.detail,
    ...v.counts.map((c) => (v.counts.length === 1 ? `${c.text} out` : `${c.label} ${c.text}`)),
  ]
    .filter(Boolean)
    .join(' · ');
  const sub = v.repeat?.folded
    ? repeatFigures(v.repeat)
    : `${v.title}${detail ? ` · ${detail}` : ''}`;
  out += text({
    x: b.absX + 10,
    y: ctx.dy + b.absY + 39,
    text: fitText(sub, b.width - 20, 11.5, 'sans'),
    size: 11.5,
    fill: p.muted,
  });
  out += stats(ctx, b, v, 45);
  return out;
}

function inceptionNode(ctx: Ctx, b: NodeBox, v: InceptionNodeView): string {
  const p = ctx.p;
  const invalid = v.issues.length > 0;
  const y = ctx.dy + b.absY;
  let out = rect(
    b.absX,
    y,
    b.width,
    b.height,
    8,
    invalid ? p.dangerSoft : v.open ? p.openBg : p.inceptionBg,
    invalid ? p.danger : p.borderStrong,
  );
  // The accent bar along the top edge, inside the rounded corners.
  out += `<path d="M${r(b.absX + 1)} ${r(y + 8)} Q${r(b.absX + 1)} ${r(y + 1)} ${r(b.absX + 8)} ${r(y + 1)} H${r(b.absX + b.width - 8)} Q${r(b.absX + b.width - 1)} ${r(y + 1)} ${r(b.absX + b.width - 1)} ${r(y + 8)}" fill="none" stroke="${invalid ? p.danger : p.accent}" stroke-width="3"/>`;
  out += statusBar(ctx, b, v.change, 10);
  const badges = [
    ...repeatBadge(ctx, v),
    ...changeBadges(ctx, v.change),
    ...(v.form === 'naive' ? [{ label: 'naive', fill: p.surface2, color: p.muted }] : []),
  ];
  out += header(ctx, { ...b, absY: b.absY + 2 }, v.id, 14, badges);
  const sub = v.repeat?.folded ? repeatFigures(v.repeat) : `${v.title} · stage ${v.stage || '—'}`;
  out += text({
    x: b.absX + 10,
    y: y + 41,
    text: fitText(sub, 216, 11.5, 'sans'),
    size: 11.5,
    fill: p.muted,
  });
  // The counts as the node shows them: a grid of three columns.
  const gridW = Math.min(b.width, 236) - 20;
  const cellW = (gridW - 6) / 3;
  v.counts.forEach((c, i) => {
    const cx = b.absX + 10 + (i % 3) * (cellW + 3);
    const cy = y + 50 + Math.floor(i / 3) * 33;
    const cellFill = c.invalid ? p.danger : c.changed ? p.warnSoft : p.surface2;
    out += rect(cx, cy, cellW, 30, 4, cellFill, c.changed && !c.invalid ? p.changed : 'none');
    out += text({
      x: cx + 4,
      y: cy + 11,
      text: fitText(c.label, cellW - 8, 10, 'sans'),
      size: 10,
      fill: c.invalid ? '#ffffff' : p.muted,
    });
    out += text({
      x: cx + 4,
      y: cy + 25,
      text: fitText(c.text === '' ? '?' : c.text, cellW - 8, 13, 'mono', true),
      size: 13,
      weight: 600,
      font: 'mono',
      fill: c.invalid ? '#ffffff' : c.changed ? p.changed : p.text,
      className: 'count',
    });
  });
  const rows = Math.ceil(v.counts.length / 3);
  out += stats(ctx, { ...b, width: Math.min(b.width, 236) }, v, 50 + rows * 33 + 4);
  return out;
}

function ioNode(ctx: Ctx, b: NodeBox, v: InputNodeView | OutputNodeView): string {
  const p = ctx.p;
  const train = v.kind === 'output' && v.trainOnly;
  const invalid = v.issues.length > 0;
  let out = rect(
    b.absX,
    ctx.dy + b.absY,
    b.width,
    b.height,
    20,
    invalid ? p.dangerSoft : p.surface2,
    invalid ? p.danger : train ? p.aux : p.borderStrong,
    train ? 'stroke-dasharray="5 3"' : '',
  );
  const title = v.kind === 'input' ? 'Input' : `Output ${v.name}`;
  // The two lines (34 px from the first top to the second baseline) centred in the pill, as the app draws them.
  const top = ctx.dy + b.absY + Math.max(0, (b.height - 46) / 2);
  out += text({
    x: b.absX + 14,
    y: top + 18,
    text: fitText(title, b.width - 28, 14, 'sans', true),
    size: 14,
    weight: 700,
    fill: p.text,
    className: 'node-id',
  });
  const second = invalid
    ? fitText(v.issues[0].message, b.width - 28, 11, 'sans')
    : fitText(v.shapeText, b.width - 28, 13, 'mono', true);
  out += text({
    x: b.absX + 14,
    y: top + 37,
    text: second,
    size: invalid ? 11 : 13,
    weight: invalid ? 400 : 600,
    font: invalid ? 'sans' : 'mono',
    fill: invalid ? p.danger : p.text,
  });
  return out;
}

function stepNode(ctx: Ctx, b: NodeBox, v: StepNodeView): string {
  const p = ctx.p;
  const x = b.absX + 9;
  const y = ctx.dy + b.absY;
  const w = b.width - 18;
  let out = rect(b.absX, y, b.width, b.height, 8, p.nodeBg, p.borderStrong);
  out += text({
    x,
    y: y + 19,
    text: fitText(v.title, w, 12.5, 'sans', true),
    size: 12.5,
    weight: 700,
    fill: p.text,
    className: 'node-id',
  });
  out += text({
    x,
    y: y + 35,
    text: fitText(v.detail || '—', w, 11.5, 'sans'),
    size: 11.5,
    fill: p.muted,
  });
  out += text({
    x,
    y: y + 53,
    text: fitText(v.shapeText, w, 13, 'mono', true),
    size: 13,
    weight: 600,
    font: 'mono',
    fill: p.text,
  });
  const cost =
    v.params > 0 ? `${v.paramsText} params` : v.paramsText === '—' ? '—' : 'no parameters';
  out += text({ x, y: y + 70, text: fitText(cost, w, 11.5, 'sans'), size: 11.5, fill: p.muted });
  return out;
}

function joinNode(ctx: Ctx, b: NodeBox, v: JoinNodeView): string {
  const p = ctx.p;
  const y = ctx.dy + b.absY + b.height / 2 + 4;
  let out = rect(b.absX, ctx.dy + b.absY, b.width, b.height, 16, p.surface2, p.borderStrong);
  const shape = fitText(v.shapeText, b.width / 2, 12, 'mono', true);
  out += text({
    x: b.absX + 12,
    y,
    text: fitText(v.title, b.width - 30 - textWidth(shape, 12, 'mono', true), 12, 'sans', true),
    size: 12,
    weight: 700,
    fill: p.text,
  });
  out += text({
    x: b.absX + b.width - 12,
    y,
    text: shape,
    size: 12,
    weight: 600,
    font: 'mono',
    anchor: 'end',
    fill: p.text,
  });
  return out;
}

function node(ctx: Ctx, b: NodeBox, v: NodeView): string {
  const inner =
    v.kind === 'module'
      ? moduleNode(ctx, b, v)
      : v.kind === 'inception'
        ? inceptionNode(ctx, b, v)
        : v.kind === 'step'
          ? stepNode(ctx, b, v)
          : v.kind === 'join'
            ? joinNode(ctx, b, v)
            : ioNode(ctx, b, v);
  return `<g id="node-${xmlText(v.id)}" class="node ${v.kind}">${inner}</g>`;
}

function titleBand(
  design: Design,
  analysis: Analysis,
  p: Palette,
  width: number,
  diff: DesignDiff | undefined,
  view: GraphView,
): string {
  const t = analysis.totals;
  const folded = view.nodes.flatMap((v) =>
    (v.kind === 'module' || v.kind === 'inception') && v.repeat?.folded ? [v.repeat.count] : [],
  );
  const name = fitText(design.name || 'Untitled design', width - 48, 18, 'sans', true);
  const facts = diff
    ? [
        `compared with ${diff.a?.name || 'A'}`,
        ...diff.totals
          .filter((x) => x.key === 'params' || x.key === 'macs')
          .map((x) => `${x.key === 'params' ? 'parameters' : 'MACs per image'} ${x.text}`),
        ...(['changed', 'affected', 'added', 'removed'] as const)
          .filter((k) => diff.counts[k])
          .map((k) => `${diff.counts[k]} ${k}`),
      ]
    : [
        `input ${formatBatchShape(analysis.input)}`,
        `${formatInt(t.params)} parameters (${formatInt(t.paramsEval)} on the eval path)`,
        `${formatCompact(t.macs)} MACs per image`,
        ...(design.preset ? [`from preset ${design.preset}`] : []),
        ...(folded.length
          ? [`runs of identical blocks drawn folded: ${folded.map((n) => `×${n}`).join(', ')}`]
          : []),
      ];
  return (
    text({ x: 24, y: 30, text: name, size: 18, weight: 700, fill: p.text, className: 'title' }) +
    text({
      x: 24,
      y: 49,
      text: fitText(facts.join(' · '), width - 48, 12, 'sans'),
      size: 12,
      fill: p.muted,
      className: 'subtitle',
    })
  );
}

/** The SVG of a laid-out graph view. */
export function renderGraphSvg(
  design: Design,
  analysis: Analysis,
  view: GraphView,
  layout: GraphLayout,
  options: GraphSvgOptions & { readonly diff?: DesignDiff } = {},
): string {
  const p = PALETTES[options.theme ?? 'light'];
  const withTitle = options.title ?? true;
  const dy = withTitle ? TITLE_HEIGHT : 0;
  const ctx: Ctx = { p, dy };
  const width = Math.ceil(Math.max(layout.width, withTitle ? 480 : 0));
  const height = Math.ceil(layout.height + dy);
  const byId = new Map(view.nodes.map((v) => [v.id, v]));
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${SANS}">`,
    `<title>${xmlText(design.name || 'Untitled design')}</title>`,
    `<desc>${xmlText(`The ${design.name || 'design'} network as Inception Explorer draws it: ${view.nodes.filter((n) => n.kind === 'module' || n.kind === 'inception').length} modules with their output shapes, parameters and MACs per image.`)}</desc>`,
    '<defs>',
    `<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="${p.edge}"/></marker>`,
    `<marker id="arrow-train" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="${p.aux}"/></marker>`,
    '</defs>',
    `<rect width="100%" height="100%" fill="${p.bg}"/>`,
  );
  if (withTitle) parts.push(titleBand(design, analysis, p, width, options.diff, view));
  // Stage bands behind everything, as the canvas draws them (renderer/styles/app.css .stage-band).
  for (const s of layout.stages) {
    parts.push(
      `<g class="stage-band" data-stage="${xmlText(s.stage)}">${rect(s.x, s.y + dy, s.width, s.height, 10, p.accent, p.accent, 'fill-opacity="0.04" stroke-opacity="0.22"')}${text({ x: s.x + 10, y: s.y + dy + 16, text: fitText(s.label, s.width - 20, 11, 'sans', true), size: 11, fill: p.muted, weight: 600 })}</g>`,
    );
  }

  // Opened modules first (their boxes hold children), then edges, then the other nodes and labels.
  const drawn = new Set<string>();
  for (const v of view.nodes) {
    const b = layout.nodes[v.id];
    if (b && v.parentId === null && (v.kind === 'inception' || v.kind === 'module') && v.open) {
      parts.push(node(ctx, b, v));
      drawn.add(v.id);
    }
  }
  const labels: string[] = [];
  parts.push('<g class="edges" fill="none">');
  for (const e of view.edges) {
    const route = layout.edges[e.id];
    if (!route || route.points.length < 2) continue;
    const pts = route.points.map((q) => ({ x: q.x, y: q.y + dy }));
    const train = e.trainOnly;
    const dashed = train || e.removed === true;
    parts.push(
      `<path d="${roundedPath(pts)}" stroke="${e.removed ? p.removed : train ? p.aux : p.edge}" stroke-width="1.5"${dashed ? ' stroke-dasharray="5 4"' : ''} marker-end="url(#${train ? 'arrow-train' : 'arrow'})" data-edge="${xmlText(e.id)}"/>`,
    );
    if (e.label && route.label) {
      labels.push(
        `<text x="${r(route.label.x)}" y="${r(route.label.y + dy + 4)}" font-size="11" font-family="${MONO}" text-anchor="middle" fill="${p.edgeLabel}" stroke="${p.bg}" stroke-width="4" stroke-linejoin="round" paint-order="stroke" class="edge-label">${xmlText(e.label)}</text>`,
      );
    }
  }
  parts.push('</g>');
  for (const v of view.nodes) {
    const b = layout.nodes[v.id];
    if (!b || drawn.has(v.id)) continue;
    parts.push(node(ctx, b, byId.get(v.id)!));
  }
  parts.push(`<g class="edge-labels">${labels.join('')}</g>`, '</svg>');
  return `${parts.join('\n')}\n`;
}

/**
 * The SVG of a design as the explorer shows it: edits against its preset marked, the opened
 * modules drawn with their branches.
 */
export async function graphSvg(
  design: Design,
  analysis: Analysis = analyze(design),
  options: GraphSvgOptions = {},
): Promise<string> {
  const compare = options.compareWith !== undefined;
  const diff: DesignDiff = compare
    ? compareDesigns(options.compareWith!, design, { b: analysis })
    : diffDesign(design, undefined, { b: analysis });
  const view = graphView(design, analysis, {
    diff,
    compare,
    opened: options.opened,
    fold: options.fold,
    unfolded: options.unfolded,
  });
  const layout = await layoutGraph(view);
  return renderGraphSvg(design, analysis, view, layout, {
    ...options,
    diff: compare ? diff : undefined,
  });
}
