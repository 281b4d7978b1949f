/**
 * The diff of two designs (core/design/diff.ts) as the command line prints it, as the JSON
 * object scripts rely on, and as Markdown and CSV exports. Text from design files (names, ids,
 * parameter values) passes through the one escaping function of each target (core/export/escape).
 */
import type {
  DesignDiff,
  ModuleDiff,
  ModuleFigures,
  StageFigures,
  TotalDelta,
  ValueChange,
} from './diff';
import { idsMostlyShared, stageLabel } from './diff';
import type { ParamValue, Shape } from '../model/types';
import { formatBytes, formatInt, formatShape } from '../model/format';
import { csvCell, markdownCell, terminalText } from '../export/escape';

/** What the two sides are called in a report ("preset googlenet", "my-design.json"). */
export interface DiffLabels {
  readonly a: string;
  readonly b: string;
}

/** A signed whole number: "+66,308", "−15,488", "±0". */
export function formatSignedInt(d: number): string {
  return `${d > 0 ? '+' : d < 0 ? '−' : '±'}${formatInt(Math.abs(d))}`;
}

/** A signed percentage with two decimals: "+0.50 %"; "<0.01 %" for a tiny change; "new" from zero. */
export function formatPercent(percent: number | null, delta: number): string {
  if (delta === 0) return '±0 %';
  if (percent === null) return 'new';
  const abs = Math.abs(percent);
  const sign = percent > 0 ? '+' : '−';
  return abs < 0.005 ? `${sign}<0.01 %` : `${sign}${abs.toFixed(2)} %`;
}

function valueText(v: ParamValue | undefined): string {
  if (v === undefined) return 'default';
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  return String(v);
}

/** "out_3x3 256 → 300", "id fc1 → classifier", "kind inception → relu". */
export function changeText(c: ValueChange): string {
  return `${c.field} ${valueText(c.from)} → ${valueText(c.to)}`;
}

/** What changed in a module, in words (before any escaping). */
export function entrySummary(e: ModuleDiff): string {
  switch (e.status) {
    case 'added':
      return `added (${e.b!.kind}), fed by ${e.b!.inputs.join(', ')}`;
    case 'removed':
      return `removed (${e.a!.kind})`;
    case 'changed': {
      const kind = e.kindChanged ? [`kind ${e.a!.kind} → ${e.b!.kind}`] : [];
      return (
        [
          ...kind,
          ...e.params.filter((p) => !(e.kindChanged && p.field !== 'id')).map(changeText),
        ].join('; ') || 'kind changed'
      );
    }
    case 'affected': {
      const why =
        JSON.stringify(e.a!.inputShapes) !== JSON.stringify(e.b!.inputShapes)
          ? `input ${shapesText(e.a!.inputShapes)} → ${shapesText(e.b!.inputShapes)}`
          : 'its figures differ';
      return `same parameters; ${why}${e.rewired ? '; rewired' : ''}`;
    }
    case 'unchanged':
      return e.rewired ? 'same parameters and figures; rewired' : 'unchanged';
  }
}

const shapesText = (s: readonly Shape[]) => s.map((x) => formatShape(x)).join(' + ') || '—';

function figuresJson(f: ModuleFigures | null) {
  if (!f) return null;
  return {
    id: f.id,
    kind: f.kind,
    stage: f.stage,
    params: f.params,
    macs: f.macs,
    activationBytes: f.activationBytes,
    outputShape: f.outputShape,
    inputShapes: f.inputShapes,
    inputs: f.inputs,
  };
}

function totalsJson(totals: readonly TotalDelta[]) {
  const pick = (get: (t: TotalDelta) => number | null) =>
    Object.fromEntries(totals.map((t) => [t.key, get(t)]));
  return {
    a: pick((t) => t.a),
    b: pick((t) => t.b),
    delta: pick((t) => t.delta),
    percent: pick((t) => t.percent),
  };
}

function stageJson(s: StageFigures | null) {
  return (
    s && {
      stage: s.stage,
      modules: s.modules,
      params: s.params,
      macs: s.macs,
      outputShape: s.outputShape,
    }
  );
}

/**
 * The stable JSON of a diff (see README): `changes` lists every module that is not unchanged, in
 * graph order (`unchanged` names the rest; `rewired` those reading other modules than before), with `params` its parameter changes ({ field: { from, to } }, null = the kind's
 * default), `a`/`b` its figures on each side and `delta` b − a; `totals` has `a`, `b`, `delta`
 * and `percent` per total; `stages` the stage-by-stage summary.
 */
export function diffJson(diff: DesignDiff, labels?: DiffLabels) {
  return {
    a: { ...diff.a, source: labels?.a ?? null },
    b: { ...diff.b, source: labels?.b ?? null },
    matching: diff.counts,
    settings: diff.settings.map((s) => ({
      field: s.field,
      from: s.from ?? null,
      to: s.to ?? null,
    })),
    changes: diff.entries
      .filter((e) => e.status !== 'unchanged')
      .map((e) => ({
        id: e.id,
        status: e.status,
        matchedBy: e.matchedBy,
        kind: (e.b ?? e.a)!.kind,
        params: Object.fromEntries(
          e.params.map((p) => [p.field, { from: p.from ?? null, to: p.to ?? null }]),
        ),
        kindChanged: e.kindChanged,
        rewired: e.rewired,
        outputShape: { a: e.a?.outputShape ?? null, b: e.b?.outputShape ?? null },
        delta: e.delta,
        a: figuresJson(e.a),
        b: figuresJson(e.b),
      })),
    unchanged: diff.entries.filter((e) => e.status === 'unchanged').map((e) => e.id),
    /** Modules reading other modules than before (an insert or delete rewired them), whatever their status. */
    rewired: diff.entries.filter((e) => e.rewired).map((e) => e.id),
    totals: totalsJson(diff.totals),
    stages: diff.stages.map((r) => ({ a: stageJson(r.a), b: stageJson(r.b), delta: r.delta })),
  };
}

const totalValue = (t: TotalDelta, v: number) =>
  t.unit === 'bytes' ? formatBytes(v) : formatInt(v);
const totalDelta = (t: TotalDelta) =>
  t.unit === 'bytes'
    ? `${t.delta > 0 ? '+' : t.delta < 0 ? '−' : '±'}${formatBytes(Math.abs(t.delta))}`
    : formatSignedInt(t.delta);
const figure = (a: number | undefined, b: number | undefined, d: number) =>
  `${a === undefined ? '—' : formatInt(a)} → ${b === undefined ? '—' : formatInt(b)} (${formatSignedInt(d)})`;

function padTable(rows: readonly string[][], rightAlign: (col: number) => boolean): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => [...r[i]].length)));
  return rows.map((r) =>
    r
      .map((c, i) => (rightAlign(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('   ')
      .trimEnd(),
  );
}

function stageTableRows(diff: DesignDiff): string[][] {
  const side = (s: StageFigures | null) =>
    s
      ? [
          stageLabel(s),
          String(s.modules.length),
          formatInt(s.params),
          formatInt(s.macs),
          formatShape(s.outputShape),
        ]
      : ['—', '', '', '', ''];
  return diff.stages.map((r) => [
    ...side(r.a),
    ...side(r.b),
    formatSignedInt(r.delta.params),
    formatSignedInt(r.delta.macs),
  ]);
}

/** The diff as the command line prints it: the change list in graph order, then the totals (and stages across the family). */
export function diffText(
  diff: DesignDiff,
  labels: DiffLabels,
  options: { stages?: boolean } = {},
): string {
  const t = terminalText;
  const c = diff.counts;
  const out: string[] = [
    `A: ${t(labels.a)}${diff.a?.name ? ` (${t(diff.a.name)})` : ''}`,
    `B: ${t(labels.b)}${diff.b?.name ? ` (${t(diff.b.name)})` : ''}`,
    `Matched ${c.matchedById} module${c.matchedById === 1 ? '' : 's'} by id and ${c.matchedByPosition} by position and kind; ${c.changed} changed, ${c.affected} affected, ${c.added} added, ${c.removed} removed, ${c.unchanged} unchanged.`,
    '',
  ];
  if (diff.settings.length) {
    out.push('Settings:');
    for (const s of diff.settings) out.push(`  ${t(changeText(s))}`);
    out.push('');
  }
  const listed = diff.entries.filter((e) => e.status !== 'unchanged');
  if (listed.length) {
    out.push('Changes, in graph order:');
    const idWidth = Math.max(...listed.map((e) => [...e.id].length));
    for (const e of listed) {
      out.push(`  ${e.status.padEnd(9)} ${t(e.id).padEnd(idWidth)}   ${t(entrySummary(e))}`);
      const shape =
        e.a && e.b
          ? e.shapeChanged
            ? `output ${formatShape(e.a.outputShape)} → ${formatShape(e.b.outputShape)}`
            : `output ${formatShape(e.b.outputShape)}`
          : `output ${formatShape((e.b ?? e.a)!.outputShape)}`;
      out.push(
        `  ${''.padEnd(9)} ${''.padEnd(idWidth)}   params ${figure(e.a?.params, e.b?.params, e.delta.params)} · MACs ${figure(e.a?.macs, e.b?.macs, e.delta.macs)} · ${shape}`,
      );
    }
  } else out.push('No module differs.');
  out.push('');
  const rows = [
    ['Totals', 'A', 'B', 'Δ', 'Δ %'],
    ...diff.totals.map((x) => [
      x.label,
      totalValue(x, x.a),
      totalValue(x, x.b),
      totalDelta(x),
      formatPercent(x.percent, x.delta),
    ]),
  ];
  out.push(...padTable(rows, (i) => i > 0));
  if (options.stages ?? !idsMostlyShared(diff)) {
    out.push('', 'Stage by stage (the stages of A beside those of B at the same place):');
    out.push(
      ...padTable(
        [
          [
            'A stage',
            'modules',
            'params',
            'MACs',
            'output',
            'B stage',
            'modules',
            'params',
            'MACs',
            'output',
            'Δ params',
            'Δ MACs',
          ],
          ...stageTableRows(diff),
        ],
        (i) => [1, 2, 3, 6, 7, 8, 10, 11].includes(i),
      ).map((l) => t(l)),
    );
  }
  return `${out.join('\n')}\n`;
}

/** The diff as Markdown: matching, settings, changes, totals and the stage-by-stage summary (first, across the family). */
export function diffMarkdown(diff: DesignDiff, labels: DiffLabels): string {
  const m = markdownCell;
  const c = diff.counts;
  const lines: string[] = [
    `# Diff: ${m(labels.a)} → ${m(labels.b)}`,
    '',
    `- **A:** ${m(labels.a)}${diff.a?.name ? ` (${m(diff.a.name)})` : ''}`,
    `- **B:** ${m(labels.b)}${diff.b?.name ? ` (${m(diff.b.name)})` : ''}`,
    `- **Matching:** ${c.matchedById} modules by id, ${c.matchedByPosition} by position and kind; ${c.changed} changed, ${c.affected} affected, ${c.added} added, ${c.removed} removed, ${c.unchanged} unchanged.`,
    '',
  ];
  if (diff.settings.length) {
    lines.push('## Settings', '', '| Setting | A | B |', '|---|---|---|');
    for (const s of diff.settings)
      lines.push(`| ${m(s.field)} | ${m(valueText(s.from))} | ${m(valueText(s.to))} |`);
    lines.push('');
  }
  const stages = () => {
    lines.push(
      '## Stage by stage',
      '',
      '| A stage | Modules | Params | MACs | Output | B stage | Modules | Params | MACs | Output | Δ params | Δ MACs |',
      '|---|---:|---:|---:|---|---|---:|---:|---:|---|---:|---:|',
    );
    for (const r of stageTableRows(diff))
      lines.push(`| ${r.map((cell, i) => (i === 0 || i === 5 ? m(cell) : cell)).join(' | ')} |`);
    lines.push('');
  };
  // Across the family (ids mostly differ) the stages say more than the module list, so they come first.
  const acrossFamily = !idsMostlyShared(diff);
  if (acrossFamily) stages();
  lines.push('## Changes', '');
  const listed = diff.entries.filter((e) => e.status !== 'unchanged');
  if (listed.length) {
    lines.push(
      '| Module | Status | What changed | Params A → B | Δ params | MACs A → B | Δ MACs | Output shape A → B |',
      '|---|---|---|---:|---:|---:|---:|---|',
    );
    for (const e of listed) {
      const ab = (a: number | undefined, b: number | undefined) =>
        `${a === undefined ? '—' : formatInt(a)} → ${b === undefined ? '—' : formatInt(b)}`;
      lines.push(
        `| ${m(e.id)} | ${e.status} | ${m(entrySummary(e))} | ${ab(e.a?.params, e.b?.params)} | ${formatSignedInt(e.delta.params)} | ${ab(e.a?.macs, e.b?.macs)} | ${formatSignedInt(e.delta.macs)} | ${formatShape(e.a?.outputShape)} → ${formatShape(e.b?.outputShape)} |`,
      );
    }
  } else lines.push('No module differs.');
  lines.push('', '## Totals', '', '| | A | B | Δ | Δ % |', '|---|---:|---:|---:|---:|');
  for (const x of diff.totals)
    lines.push(
      `| ${x.label} | ${totalValue(x, x.a)} | ${totalValue(x, x.b)} | ${totalDelta(x)} | ${formatPercent(x.percent, x.delta)} |`,
    );
  if (!acrossFamily) {
    lines.push('');
    stages();
  }
  return `${lines.join('\n')}\n`;
}

const CSV_HEAD = [
  'section',
  'id',
  'status',
  'matched_by',
  'kind',
  'changes',
  'params_a',
  'params_b',
  'delta_params',
  'macs_a',
  'macs_b',
  'delta_macs',
  'activation_bytes_a',
  'activation_bytes_b',
  'delta_activation_bytes',
  'output_shape_a',
  'output_shape_b',
];

/**
 * The diff as CSV, one table: a `module` row for every module of either side (unchanged ones too),
 * a `stage` row per stage pair, and two `total` rows (eval path; with aux heads in train mode).
 */
export function diffCsv(diff: DesignDiff): string {
  const rows: (string | number)[][] = [CSV_HEAD];
  const num = (v: number | undefined) => (v === undefined ? '' : v);
  for (const e of diff.entries) {
    rows.push([
      'module',
      e.id,
      e.status,
      e.matchedBy ?? '',
      (e.b ?? e.a)!.kind,
      e.status === 'changed' || e.status === 'affected' ? entrySummary(e) : '',
      num(e.a?.params),
      num(e.b?.params),
      e.delta.params,
      num(e.a?.macs),
      num(e.b?.macs),
      e.delta.macs,
      num(e.a?.activationBytes),
      num(e.b?.activationBytes),
      e.delta.activationBytes,
      e.a ? formatShape(e.a.outputShape) : '',
      e.b ? formatShape(e.b.outputShape) : '',
    ]);
  }
  for (const r of diff.stages) {
    rows.push([
      'stage',
      `${r.a ? r.a.stage : '—'} / ${r.b ? r.b.stage : '—'}`,
      '',
      '',
      '',
      `${r.a?.modules.length ?? 0} → ${r.b?.modules.length ?? 0} modules`,
      num(r.a?.params),
      num(r.b?.params),
      r.delta.params,
      num(r.a?.macs),
      num(r.b?.macs),
      r.delta.macs,
      '',
      '',
      '',
      r.a ? formatShape(r.a.outputShape) : '',
      r.b ? formatShape(r.b.outputShape) : '',
    ]);
  }
  const tot = (k: TotalDelta['key']) => diff.totals.find((x) => x.key === k);
  for (const [id, p, mac, act] of [
    ['eval path', 'paramsEval', 'macs', 'activationBytesEval'],
    ['with aux heads', 'params', 'macsTrain', 'activationBytes'],
  ] as const) {
    const [tp, tm, ta] = [tot(p), tot(mac), tot(act)];
    if (!tp || !tm || !ta) continue;
    rows.push([
      'total',
      id,
      '',
      '',
      '',
      '',
      tp.a,
      tp.b,
      tp.delta,
      tm.a,
      tm.b,
      tm.delta,
      ta.a,
      ta.b,
      ta.delta,
      '',
      '',
    ]);
  }
  return `${rows.map((r) => r.map((x) => csvCell(x)).join(',')).join('\n')}\n`;
}
