/**
 * Runs of identical consecutive modules (IRv2's 10 × Block35, 20 × Block17, 9 × Block8; v4's
 * 7 × Inception-B): the groups a folded view shows as one node marked ×N. Groups are computed from
 * the design each time, never stored, so folding is a view of the design: an edit to one block
 * that makes it differ splits the group exactly where it must, and an edit applied to the whole
 * group is one design change (one undo step).
 */
import type { Analysis } from '../analysis/analyze';
import type { Design, ModuleSpec, ParamValue } from '../model/types';
import { setParam } from './edit';

export interface RepeatGroup {
  /** The modules of the run, in order (at least two). */
  readonly ids: readonly string[];
  readonly kind: string;
  readonly count: number;
}

export interface RepeatFigures extends RepeatGroup {
  /** One block's parameters and MACs per image (every block of a group has the same). */
  readonly perBlock: { readonly params: number; readonly macs: number };
  readonly total: { readonly params: number; readonly macs: number };
}

/** Whether two modules are the same block: same kind, stage, aux flag and parameters (key order aside). */
function sameBlock(a: ModuleSpec, b: ModuleSpec): boolean {
  if (a.kind !== b.kind || a.stage !== b.stage || Boolean(a.aux) !== Boolean(b.aux)) return false;
  const ka = Object.keys(a.params).sort();
  const kb = Object.keys(b.params).sort();
  return (
    ka.length === kb.length &&
    ka.every((k, i) => k === kb[i] && JSON.stringify(a.params[k]) === JSON.stringify(b.params[k]))
  );
}

/** The runs of two or more identical modules, each reading only the one before it, which nothing else reads. */
export function repeatGroups(design: Design): RepeatGroup[] {
  const readers = new Map<string, number>();
  for (const m of design.modules)
    for (const i of m.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  for (const src of Object.values(design.outputs)) readers.set(src, (readers.get(src) ?? 0) + 1);
  const groups: RepeatGroup[] = [];
  let run: ModuleSpec[] = [];
  const close = () => {
    if (run.length >= 2)
      groups.push({ ids: run.map((m) => m.id), kind: run[0].kind, count: run.length });
    run = [];
  };
  for (const m of design.modules) {
    const prev = run[run.length - 1];
    const chained =
      prev !== undefined &&
      m.inputs.length === 1 &&
      m.inputs[0] === prev.id &&
      readers.get(prev.id) === 1;
    if (prev && chained && sameBlock(prev, m)) {
      run.push(m);
      continue;
    }
    close();
    run = [m];
  }
  close();
  return groups;
}

/** The groups with one block's and the whole run's parameters and MACs, from the design's analysis. */
export function repeatFigures(design: Design, analysis: Analysis): RepeatFigures[] {
  const info = new Map(analysis.modules.map((m) => [m.id, m]));
  return repeatGroups(design).map((g) => {
    const first = info.get(g.ids[0]);
    const sum = (k: 'params' | 'macs') => g.ids.reduce((s, id) => s + (info.get(id)?.[k] ?? 0), 0);
    return {
      ...g,
      perBlock: { params: first?.params ?? 0, macs: first?.macs ?? 0 },
      total: { params: sum('params'), macs: sum('macs') },
    };
  });
}

/** Sets one parameter on every block of a group: one design change, so one undo step. */
export function setGroupParam(
  design: Design,
  ids: readonly string[],
  field: string,
  value: ParamValue,
): Design {
  return ids.reduce((d, id) => setParam(d, id, field, value), design);
}
