/**
 * The family side by side: every preset with its reference, input size, depth, parameters (with
 * and without aux heads), MACs per image and activation memory, each at the preset's own input
 * size, from the same analysis every other figure comes from.
 */
import { analyze } from './analyze';
import { presets } from '../presets';
import { formatBytes, formatCompact, formatInt } from '../model/format';

export interface FamilyRow {
  readonly preset: string;
  readonly label: string;
  /** The preset's description, which names its reference. */
  readonly reference: string;
  /** [C, H, W]. */
  readonly input: readonly [number, number, number];
  /** Conv and linear layers on the eval path (the layers that hold weights, as a paper counts depth). */
  readonly depth: number;
  readonly modules: number;
  readonly params: number;
  readonly paramsEval: number;
  /** MACs per image on the eval path. */
  readonly macs: number;
  /** Bytes of every layer output of one eval pass at batch 1. */
  readonly activationBytes: number;
}

/** One row per preset, in the presets' order, each analyzed at batch 1 and its own input size. */
export function familyTable(): FamilyRow[] {
  return presets.map((p) => {
    const design = p.create();
    const a = analyze({ ...design, input: { ...design.input, batch: 1 } });
    const evalModules = new Set(a.modules.filter((m) => m.evalPath).map((m) => m.id));
    const depth = a.layers.filter(
      (l) => evalModules.has(l.module) && (l.kind === 'conv2d' || l.kind === 'linear'),
    ).length;
    return {
      preset: p.name,
      label: p.label,
      reference: p.description,
      input: [design.input.channels, design.input.height, design.input.width] as const,
      depth,
      modules: a.modules.length,
      params: a.totals.params,
      paramsEval: a.totals.paramsEval,
      macs: a.totals.macs,
      activationBytes: a.totals.activationBytesEval,
    };
  });
}

/** The table as aligned text columns. */
export function familyText(rows: readonly FamilyRow[]): string {
  const head = ['preset', 'input', 'depth', 'params', 'params (eval)', 'MACs', 'activations'];
  const body = rows.map((r) => [
    r.preset,
    r.input.join('×'),
    String(r.depth),
    formatInt(r.params),
    formatInt(r.paramsEval),
    `${formatInt(r.macs)} (${formatCompact(r.macs)})`,
    formatBytes(r.activationBytes),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [
    line(head),
    ...body.map(line),
    '',
    'depth: conv and linear layers on the eval path; MACs and activations per image at batch 1.',
    '',
  ].join('\n');
}
