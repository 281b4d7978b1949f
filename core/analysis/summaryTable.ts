/** The torchinfo-style summary of an analysis, as rows and as text, CSV and Markdown tables. */
import type { Analysis } from './analyze';
import { csvCell, markdownCell, terminalLines } from '../export/escape';
import { formatBytes, formatCompact, formatInt, formatShape } from '../model/format';

export interface SummaryRow {
  /** Module id, or for layer rows the layer's id inside its module (`branch2.0.conv`). */
  readonly id: string;
  /** The full id: the module id, or the layer's PyTorch module path (`inception3a.branch2.0.conv`). */
  readonly path: string;
  /** 0 for modules, 1 for their layers. */
  readonly depth: number;
  /** Module label or PyTorch class name. */
  readonly type: string;
  readonly settings: string;
  readonly outputShape: string;
  readonly params: number;
  readonly macs: number;
  /** Whether the row is part of the eval path. */
  readonly evalPath: boolean;
}

/** Rows for every module (and, when asked, every layer beneath it). */
export function summaryRows(a: Analysis, withLayers = false): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const layersByModule = new Map<string, Analysis['layers'][number][]>();
  for (const l of a.layers)
    layersByModule.set(l.module, [...(layersByModule.get(l.module) ?? []), l]);
  for (const m of a.modules) {
    rows.push({
      id: m.id,
      path: m.id,
      depth: 0,
      type: m.label,
      settings: '',
      outputShape: formatShape(m.outputShape),
      params: m.params,
      macs: m.macs,
      evalPath: m.evalPath,
    });
    if (!withLayers) continue;
    for (const l of layersByModule.get(m.id) ?? []) {
      if (l.id === m.id) continue;
      rows.push({
        id: l.id.slice(m.id.length + 1),
        path: l.id,
        depth: 1,
        type: l.torchName,
        settings: l.settings,
        outputShape: formatShape(l.outputShape),
        params: l.params,
        macs: l.macs,
        evalPath: m.evalPath,
      });
    }
  }
  return rows;
}

/** Totals as label/value lines. */
export function totalLines(a: Analysis): [string, string][] {
  const t = a.totals;
  return [
    ['Total params (with aux heads)', formatInt(t.params)],
    ['Eval-path params', formatInt(t.paramsEval)],
    ['BN running-stat values (buffers)', formatInt(t.buffers)],
    ['MACs per image, eval', `${formatInt(t.macs)} (${formatCompact(t.macs)})`],
    ['MACs per image, train', `${formatInt(t.macsTrain)} (${formatCompact(t.macsTrain)})`],
    ['Weights', formatBytes(t.weightBytes)],
    ['Activations, one eval pass', formatBytes(t.activationBytesEval)],
  ];
}

/** A plain-text table like torchinfo's, for a terminal: the design's ids and kinds are each escaped to one line. */
export function summaryText(a: Analysis, withLayers = false): string {
  const rows = summaryRows(a, withLayers);
  const name = (r: SummaryRow) =>
    terminalLines`${r.depth ? '  └ ' : ''}${r.id} (${r.type})${r.settings ? ` ${r.settings}` : ''}${!r.evalPath && r.depth === 0 ? ' [train]' : ''}`;
  const w0 = Math.max(24, ...rows.map((r) => name(r).length)) + 2;
  const w1 = Math.max(14, ...rows.map((r) => r.outputShape.length)) + 2;
  const w2 = Math.max(9, ...rows.map((r) => formatInt(r.params).length)) + 2;
  const w3 = Math.max(13, ...rows.map((r) => formatInt(r.macs).length)) + 2;
  const line = (a1: string, b: string, c: string, d: string) =>
    `${a1.padEnd(w0)}${b.padEnd(w1)}${c.padStart(w2)}${d.padStart(w3)}`;
  const rule = (ch: string) => ch.repeat(w0 + w1 + w2 + w3);
  const out = [rule('='), line('Layer (type)', 'Output shape', 'Params', 'MACs'), rule('=')];
  for (const r of rows)
    out.push(line(name(r), r.outputShape, formatInt(r.params), formatInt(r.macs)));
  out.push(rule('='));
  const lw = Math.max(...totalLines(a).map(([l]) => l.length)) + 2;
  out.push(`${'Input'.padEnd(lw)}${formatShape(a.input)}`);
  for (const [l, v] of totalLines(a)) out.push(`${l.padEnd(lw)}${v}`);
  // As the app's totals bar says: modules past a problem have no figures, so the sums miss them.
  if (a.modules.some((m) => !m.outputShape))
    out.push(
      `Totals are partial: modules shown with — have no figures until the problem${a.issues.length === 1 ? '' : 's'} below ${a.issues.length === 1 ? 'is' : 'are'} fixed.`,
    );
  out.push(rule('='));
  return `${out.join('\n')}\n`;
}

/** The summary as CSV (raw numbers, one row per module and layer). */
export function summaryCsv(a: Analysis, withLayers = true): string {
  const rows = summaryRows(a, withLayers);
  const head = ['id', 'depth', 'type', 'settings', 'output_shape', 'params', 'macs', 'eval_path'];
  // Full ids, so rows sorted in a spreadsheet still say which module a layer belongs to.
  const body = rows.map((r) =>
    [r.path, r.depth, r.type, r.settings, r.outputShape, r.params, r.macs, r.evalPath]
      .map((x) => csvCell(x))
      .join(','),
  );
  return `${[head.join(','), ...body].join('\n')}\n`;
}

/** The summary as a Markdown table with totals. */
export function summaryMarkdown(a: Analysis, withLayers = false): string {
  const rows = summaryRows(a, withLayers);
  const esc = markdownCell;
  const lines = ['| Layer | Type | Output shape | Params | MACs |', '|---|---|---|---:|---:|'];
  for (const r of rows)
    lines.push(
      `| ${r.depth ? '&nbsp;&nbsp;└ ' : ''}${esc(r.id)} | ${esc(r.type)}${r.settings ? ` ${esc(r.settings)}` : ''} | ${r.outputShape} | ${formatInt(r.params)} | ${formatInt(r.macs)} |`,
    );
  lines.push('', '| Total | |', '|---|---:|', `| Input | ${formatShape(a.input)} |`);
  for (const [l, v] of totalLines(a)) lines.push(`| ${l} | ${v} |`);
  return `${lines.join('\n')}\n`;
}

/** The stable JSON object scripts rely on (see README). */
export function summaryJson(a: Analysis) {
  return {
    input: a.input,
    totals: {
      params: a.totals.params,
      paramsEval: a.totals.paramsEval,
      macs: a.totals.macs,
      macsTrain: a.totals.macsTrain,
      buffers: a.totals.buffers,
      weightBytes: a.totals.weightBytes,
      activationBytesEval: a.totals.activationBytesEval,
    },
    outputs: a.outputs,
    nodes: a.modules.map((m) => ({
      id: m.id,
      kind: m.kind,
      stage: m.stage,
      aux: m.aux,
      outputShape: m.outputShape,
      params: m.params,
      buffers: m.buffers,
      macs: m.macs,
    })),
    layers: a.layers.map((l) => ({
      id: l.id,
      kind: l.kind,
      module: l.module,
      outputShape: l.outputShape,
      params: l.params,
      macs: l.macs,
    })),
    issues: a.issues.map((i) => ({
      code: i.code,
      nodeId: i.nodeId,
      field: i.field ?? null,
      message: i.message,
    })),
  };
}
