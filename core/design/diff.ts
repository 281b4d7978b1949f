/**
 * The diff of two designs, A (before) and B (after): which modules were added, removed, changed
 * (their kind or parameters differ) or affected (same parameters, different figures because
 * something upstream changed), each with its figures on both sides and their differences, the
 * changed design-wide settings, the totals before/after/Δ and, for members of the family whose
 * ids differ, a stage-by-stage summary.
 *
 * Modules match by id first; the modules left over are matched by position and kind between the
 * id-matched modules around them (a longest common subsequence of kinds), so an inserted module
 * shifts nothing else. What stays unmatched is added (only in B) or removed (only in A).
 *
 * The app's edit marks are this diff with A = the preset the design started from (`diffDesign`).
 */
import { analyze, type Analysis, type ModuleInfo, type Totals } from '../analysis/analyze';
import type { Design, ModuleSpec, ParamValue, Shape } from '../model/types';
import { formatBatchShape, formatBytes, formatCompact, formatDelta } from '../model/format';
import { presetDesign } from '../presets';
import { moduleDef } from '../modules/registry';

export interface ValueChange {
  /** A parameter name (`out_3x3`), `id` for a module matched by position under another name, or a setting (`input.height`, `classes`, `aux`). */
  readonly field: string;
  /** A's value; undefined when A left it at its default. */
  readonly from: ParamValue | undefined;
  /** B's value; undefined when B left it at its default. */
  readonly to: ParamValue | undefined;
}

/**
 * `added`: only in B. `removed`: only in A. `changed`: its kind, parameters or name differ.
 * `affected`: same kind and parameters, but different figures (input or output shape, parameters,
 * MACs or activation memory) because something upstream changed. `unchanged`: none of these.
 */
export type DiffStatus = 'added' | 'removed' | 'changed' | 'affected' | 'unchanged';

/** A module's figures on one side of the diff, as that design's own analysis computes them. */
export interface ModuleFigures {
  readonly id: string;
  readonly kind: string;
  readonly stage: string;
  readonly aux: boolean;
  /** Trainable parameters. */
  readonly params: number;
  /** Multiply-accumulates per image. */
  readonly macs: number;
  /** Bytes of the module's layer outputs for the whole batch (float32). */
  readonly activationBytes: number;
  /** N×C×H×W (or N×F); null when the module could not be computed. */
  readonly outputShape: Shape | null;
  readonly inputShapes: readonly Shape[];
  /** Ids of the modules feeding it, or `input`. */
  readonly inputs: readonly string[];
}

/** b − a of each figure; a side without the module counts as zero. */
export interface FigureDelta {
  readonly params: number;
  readonly macs: number;
  readonly activationBytes: number;
}

export interface ModuleDiff {
  /** B's id, or A's for a removed module. */
  readonly id: string;
  readonly status: DiffStatus;
  /** How it found its partner; null for added and removed modules. */
  readonly matchedBy: 'id' | 'position' | null;
  /** Parameter changes in the module's parameter order (`id` first when renamed); empty unless changed. */
  readonly params: readonly ValueChange[];
  /** Whether the kind differs (only possible when matched by id). */
  readonly kindChanged: boolean;
  /** Whether its inputs come from other modules than before (an insert or delete rewired it). */
  readonly rewired: boolean;
  readonly a: ModuleFigures | null;
  readonly b: ModuleFigures | null;
  readonly delta: FigureDelta;
  /** Whether the output shape differs (both sides present). */
  readonly shapeChanged: boolean;
}

export type TotalKey =
  | 'params'
  | 'paramsEval'
  | 'macs'
  | 'macsTrain'
  | 'activationBytesEval'
  | 'activationBytes'
  | 'weightBytes';

export interface TotalDelta {
  readonly key: TotalKey;
  readonly label: string;
  /** The label in a few words, for narrow tables: "Params, eval path". */
  readonly short: string;
  readonly unit: 'count' | 'bytes';
  readonly a: number;
  readonly b: number;
  /** b − a. */
  readonly delta: number;
  /** 100 · (b − a) / a; null when a is 0. */
  readonly percent: number | null;
  /** "+66.3 K (+0.5 %)", "+172 KiB (+0.3 %)", or "±0" when unchanged. */
  readonly text: string;
}

/** One design's figures for one stage: consecutive modules of the same `stage`, aux heads apart. */
export interface StageFigures {
  readonly stage: string;
  /** Module ids, in graph order. */
  readonly modules: readonly string[];
  readonly params: number;
  readonly macs: number;
  /** The stage's output: its last module on the eval path (or its last module). */
  readonly outputShape: Shape | null;
}

/** A row of the stage-by-stage summary: a stage of A beside the stage of B at the same place. */
export interface StageRow {
  readonly a: StageFigures | null;
  readonly b: StageFigures | null;
  readonly delta: { readonly modules: number; readonly params: number; readonly macs: number };
}

export interface DiffSide {
  readonly name: string;
  readonly preset: string | null;
}

export interface DesignDiff {
  /** The preset name of A when it is one (the app's edit marks), else A's preset field; null for an empty diff. */
  readonly base: string | null;
  readonly a: DiffSide | null;
  readonly b: DiffSide | null;
  /** Every module of both sides in B's graph order, a removed module right after its predecessor in A. */
  readonly entries: readonly ModuleDiff[];
  /** B's modules by id (every status but `removed`). */
  /** Module diffs by module id (a Map: ids are user text, e.g. `constructor`). */
  readonly byId: ReadonlyMap<string, ModuleDiff>;
  /** Modules only in A, in A's order. */
  readonly removed: readonly ModuleDiff[];
  /** Changed design-wide settings (input size, batch, classes, aux heads). */
  readonly settings: readonly ValueChange[];
  readonly totals: readonly TotalDelta[];
  /** Stage-by-stage summary (most useful when ids differ, across the family). */
  readonly stages: readonly StageRow[];
  readonly counts: Readonly<Record<DiffStatus, number>> & {
    readonly matchedById: number;
    readonly matchedByPosition: number;
  };
  /** True when anything differs. */
  readonly changed: boolean;
}

const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The preset design a design is compared against, or undefined when it names none (or an unknown one). */
export function baseDesign(design: Design): Design | undefined {
  return design.preset ? presetDesign(design.preset) : undefined;
}

const EMPTY_COUNTS = {
  added: 0,
  removed: 0,
  changed: 0,
  affected: 0,
  unchanged: 0,
  matchedById: 0,
  matchedByPosition: 0,
};

/** The diff of a design with nothing to compare against: no entries, no change. */
export const EMPTY_DIFF: DesignDiff = {
  base: null,
  a: null,
  b: null,
  entries: [],
  byId: new Map(),
  removed: [],
  settings: [],
  totals: [],
  stages: [],
  counts: EMPTY_COUNTS,
  changed: false,
};

/** Compares a design with `base` (by default the preset it names); the empty diff when there is none. */
export function diffDesign(
  design: Design,
  base: Design | undefined = baseDesign(design),
  analyses: { a?: Analysis; b?: Analysis } = {},
): DesignDiff {
  if (!base) return EMPTY_DIFF;
  return compareDesigns(base, design, analyses);
}

interface Side {
  readonly design: Design;
  readonly analysis: Analysis;
  /** The modules the analysis considers (aux heads dropped when off), analysis order first. */
  readonly specs: readonly ModuleSpec[];
  readonly info: ReadonlyMap<string, ModuleInfo>;
}

function side(design: Design, analysis: Analysis): Side {
  const byId = new Map<string, ModuleSpec>();
  for (const m of Array.isArray(design.modules) ? design.modules : [])
    if (!byId.has(m.id) && (design.aux || !m.aux)) byId.set(m.id, m);
  const info = new Map(analysis.modules.map((m) => [m.id, m]));
  const ordered = analysis.modules.map((m) => m.id).filter((id) => byId.has(id));
  const rest = [...byId.keys()].filter((id) => !info.has(id));
  return { design, analysis, specs: [...ordered, ...rest].map((id) => byId.get(id)!), info };
}

function figures(s: Side, spec: ModuleSpec): ModuleFigures {
  const m = s.info.get(spec.id);
  return {
    id: spec.id,
    kind: spec.kind,
    stage: m?.stage ?? spec.stage ?? '',
    aux: spec.aux === true,
    params: m?.params ?? 0,
    macs: m?.macs ?? 0,
    activationBytes: m?.activationBytes ?? 0,
    outputShape: m?.outputShape ?? null,
    inputShapes: m?.inputShapes ?? [],
    inputs: spec.inputs,
  };
}

/** Above this many cells a gap is matched greedily in order instead of by longest common subsequence. */
const LCS_LIMIT = 4_000_000;

/** Pairs of indexes into `a` and `b` whose keys match, as a longest common subsequence (greedy when too large). */
function alignByKey<T>(
  a: readonly T[],
  b: readonly T[],
  key: (x: T) => string,
): [number, number][] {
  const n = a.length;
  const m = b.length;
  if (!n || !m) return [];
  if (n * m > LCS_LIMIT) {
    const pairs: [number, number][] = [];
    let j = 0;
    for (let i = 0; i < n && j < m; i++) {
      const k = key(a[i]);
      let t = j;
      while (t < m && key(b[t]) !== k) t++;
      if (t < m) {
        pairs.push([i, t]);
        j = t + 1;
      }
    }
    return pairs;
  }
  const ka = a.map(key);
  const kb = b.map(key);
  const table = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * (m + 1) + j] =
        ka[i] === kb[j]
          ? table[(i + 1) * (m + 1) + j + 1] + 1
          : Math.max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1]);
    }
  }
  const pairs: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (ka[i] === kb[j]) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1]) i++;
    else j++;
  }
  return pairs;
}

/**
 * Matches B's modules to A's: by id first, then by position and kind among the modules left
 * between the same id-matched neighbours. Returns B id → A id and how each was matched.
 */
function matchModules(a: Side, b: Side): Map<string, { id: string; by: 'id' | 'position' }> {
  const match = new Map<string, { id: string; by: 'id' | 'position' }>();
  const aIds = new Set(a.specs.map((m) => m.id));
  for (const m of b.specs) if (aIds.has(m.id)) match.set(m.id, { id: m.id, by: 'id' });
  // The gap a leftover module sits in: the nearest id-matched module before it (by A's id).
  const gaps = (s: Side, anchorOf: (id: string) => string | undefined) => {
    const out = new Map<string, ModuleSpec[]>();
    let gap = '';
    for (const m of s.specs) {
      const anchor = anchorOf(m.id);
      if (anchor !== undefined) gap = anchor;
      else out.set(gap, [...(out.get(gap) ?? []), m]);
    }
    return out;
  };
  const gapsA = gaps(a, (id) => (match.has(id) ? id : undefined));
  const gapsB = gaps(b, (id) => match.get(id)?.id);
  for (const [gap, leftB] of gapsB) {
    const leftA = gapsA.get(gap);
    if (!leftA) continue;
    for (const [i, j] of alignByKey(leftA, leftB, (m) => `${m.kind}|${m.aux === true}`))
      match.set(leftB[j].id, { id: leftA[i].id, by: 'position' });
  }
  return match;
}

function paramChanges(was: ModuleSpec, now: ModuleSpec): ValueChange[] {
  const kindChanged = was.kind !== now.kind;
  // A parameter left out takes its kind's default, so choosing the default again (form back to
  // `reduced`) is no change.
  const def = kindChanged ? undefined : moduleDef(now.kind);
  const defs = def?.params;
  const effective = (params: ModuleSpec['params'], f: string) =>
    params[f] ?? (defs && Object.hasOwn(defs, f) ? defs[f].default : undefined);
  const wasParams = was.params ?? {};
  const nowParams = now.params ?? {};
  const order = [
    ...(defs ? Object.keys(defs) : []),
    ...Object.keys(wasParams),
    ...Object.keys(nowParams),
  ];
  const fields = [...new Set(order)].filter(
    (f) => Object.hasOwn(wasParams, f) || Object.hasOwn(nowParams, f),
  );
  const changes = fields
    .filter((f) => !sameValue(effective(wasParams, f), effective(nowParams, f)))
    .map((f) => ({ field: f, from: wasParams[f], to: nowParams[f] }));
  return was.id === now.id ? changes : [{ field: 'id', from: was.id, to: now.id }, ...changes];
}

const sameShapes = (x: readonly Shape[], y: readonly Shape[]) => sameValue(x, y);

function moduleDiff(
  wasSpec: ModuleSpec | undefined,
  nowSpec: ModuleSpec | undefined,
  a: Side,
  b: Side,
  by: 'id' | 'position' | null,
  rewired: boolean,
): ModuleDiff {
  const fa = wasSpec ? figures(a, wasSpec) : null;
  const fb = nowSpec ? figures(b, nowSpec) : null;
  const delta = {
    params: (fb?.params ?? 0) - (fa?.params ?? 0),
    macs: (fb?.macs ?? 0) - (fa?.macs ?? 0),
    activationBytes: (fb?.activationBytes ?? 0) - (fa?.activationBytes ?? 0),
  };
  const id = (nowSpec ?? wasSpec)!.id;
  if (!wasSpec || !nowSpec) {
    return {
      id,
      status: nowSpec ? 'added' : 'removed',
      matchedBy: null,
      params: [],
      kindChanged: false,
      rewired: false,
      a: fa,
      b: fb,
      delta,
      shapeChanged: false,
    };
  }
  const kindChanged = wasSpec.kind !== nowSpec.kind;
  const params = paramChanges(wasSpec, nowSpec);
  const shapeChanged = !sameValue(fa!.outputShape, fb!.outputShape);
  const figuresDiffer =
    shapeChanged ||
    !sameShapes(fa!.inputShapes, fb!.inputShapes) ||
    delta.params !== 0 ||
    delta.macs !== 0 ||
    delta.activationBytes !== 0;
  const status: DiffStatus =
    kindChanged || params.length ? 'changed' : figuresDiffer ? 'affected' : 'unchanged';
  return {
    id,
    status,
    matchedBy: by,
    params,
    kindChanged,
    rewired,
    a: fa,
    b: fb,
    delta,
    shapeChanged,
  };
}

const TOTALS: readonly { key: TotalKey; label: string; short: string; unit: 'count' | 'bytes' }[] =
  [
    {
      key: 'params',
      label: 'Parameters (with aux heads)',
      short: 'Params, with aux',
      unit: 'count',
    },
    {
      key: 'paramsEval',
      label: 'Parameters, eval path (no aux heads)',
      short: 'Params, eval path',
      unit: 'count',
    },
    { key: 'macs', label: 'MACs per image, eval', short: 'MACs/image, eval', unit: 'count' },
    { key: 'macsTrain', label: 'MACs per image, train', short: 'MACs/image, train', unit: 'count' },
    {
      key: 'activationBytesEval',
      label: 'Activation memory, one eval pass (batch)',
      short: 'Activations, eval',
      unit: 'bytes',
    },
    {
      key: 'activationBytes',
      label: 'Activation memory, every layer output (train, batch)',
      short: 'Activations, train',
      unit: 'bytes',
    },
    {
      key: 'weightBytes',
      label: 'Weights size (float32, with buffers)',
      short: 'Weights',
      unit: 'bytes',
    },
  ];

/** A signed change of bytes with its percentage: "+172 KiB (+0.3 %)". */
function formatDeltaBytes(b: number, a: number): string {
  const d = b - a;
  if (d === 0) return '±0';
  const pct = formatDelta(b, a).match(/ \(.*\)$/)?.[0] ?? '';
  return `${d > 0 ? '+' : '−'}${formatBytes(Math.abs(d))}${pct}`;
}

/** The totals of B against those of A, each with a signed, readable delta. */
export function totalsDiff(a: Totals, b: Totals): TotalDelta[] {
  return TOTALS.map(({ key, label, short, unit }) => ({
    key,
    label,
    short,
    unit,
    a: a[key],
    b: b[key],
    delta: b[key] - a[key],
    percent: a[key] === 0 ? null : ((b[key] - a[key]) / a[key]) * 100,
    text: unit === 'bytes' ? formatDeltaBytes(b[key], a[key]) : formatDelta(b[key], a[key]),
  }));
}

/** A design's stages in graph order: runs of modules with the same `stage`, aux heads gathered apart at the end. */
export function stageFigures(analysis: Analysis): StageFigures[] {
  const groups: { stage: string; modules: ModuleInfo[] }[] = [];
  const aux: ModuleInfo[] = [];
  for (const m of analysis.modules) {
    if (m.aux) {
      aux.push(m);
      continue;
    }
    const last = groups[groups.length - 1];
    if (last && last.stage === m.stage) last.modules.push(m);
    else groups.push({ stage: m.stage, modules: [m] });
  }
  if (aux.length) groups.push({ stage: 'aux', modules: aux });
  return groups.map((g) => {
    const main = g.modules.filter((m) => m.evalPath);
    const out = (main.length ? main : g.modules)[(main.length ? main : g.modules).length - 1];
    return {
      stage: g.stage,
      modules: g.modules.map((m) => m.id),
      params: g.modules.reduce((s, m) => s + m.params, 0),
      macs: g.modules.reduce((s, m) => s + m.macs, 0),
      outputShape: g.stage === 'aux' ? null : out.outputShape,
    };
  });
}

/**
 * Stages of A beside stages of B: the aux groups together, the rest paired from both ends
 * inwards (stem with stem, head with head, the stages between by position); a member with more
 * stages leaves the extra middle ones without a partner.
 */
export function stageRows(a: readonly StageFigures[], b: readonly StageFigures[]): StageRow[] {
  const mainA = a.filter((s) => s.stage !== 'aux');
  const mainB = b.filter((s) => s.stage !== 'aux');
  const left: [StageFigures | null, StageFigures | null][] = [];
  const right: [StageFigures | null, StageFigures | null][] = [];
  let i = 0;
  let j = 0;
  let ie = mainA.length - 1;
  let je = mainB.length - 1;
  let front = true;
  while (i <= ie && j <= je) {
    if (front) left.push([mainA[i++], mainB[j++]]);
    else right.unshift([mainA[ie--], mainB[je--]]);
    front = !front;
  }
  const middle: [StageFigures | null, StageFigures | null][] = [
    ...mainA.slice(i, ie + 1).map((s) => [s, null] as [StageFigures, null]),
    ...mainB.slice(j, je + 1).map((s) => [null, s] as [null, StageFigures]),
  ];
  const auxA = a.find((s) => s.stage === 'aux') ?? null;
  const auxB = b.find((s) => s.stage === 'aux') ?? null;
  const rows = [
    ...left,
    ...middle,
    ...right,
    ...(auxA || auxB ? [[auxA, auxB] as [StageFigures | null, StageFigures | null]] : []),
  ];
  return rows.map(([x, y]) => ({
    a: x,
    b: y,
    delta: {
      modules: (y?.modules.length ?? 0) - (x?.modules.length ?? 0),
      params: (y?.params ?? 0) - (x?.params ?? 0),
      macs: (y?.macs ?? 0) - (x?.macs ?? 0),
    },
  }));
}

function settingChanges(a: Design, b: Design): ValueChange[] {
  const out: ValueChange[] = [];
  for (const key of ['batch', 'channels', 'height', 'width'] as const) {
    if (!sameValue(a.input?.[key], b.input?.[key]))
      out.push({ field: `input.${key}`, from: a.input?.[key], to: b.input?.[key] });
  }
  if (!sameValue(a.classes, b.classes))
    out.push({ field: 'classes', from: a.classes, to: b.classes });
  if (a.aux !== b.aux) out.push({ field: 'aux', from: a.aux, to: b.aux });
  return out;
}

/**
 * The diff of B against A (see the file comment). Pass the analyses when they are at hand;
 * otherwise both designs are analyzed here. Never throws on a design the analysis accepts.
 */
export function compareDesigns(
  aDesign: Design,
  bDesign: Design,
  analyses: { a?: Analysis; b?: Analysis } = {},
): DesignDiff {
  const a = side(aDesign, analyses.a ?? analyze(aDesign));
  const b = side(bDesign, analyses.b ?? analyze(bDesign));
  const match = matchModules(a, b);
  const aSpec = new Map(a.specs.map((m) => [m.id, m]));
  const bToA = (id: string) => (id === 'input' ? 'input' : (match.get(id)?.id ?? `+${id}`));
  const matchedA = new Set([...match.values()].map((x) => x.id));

  const entries: ModuleDiff[] = [];
  const byId = new Map<string, ModuleDiff>();
  // A removed module goes right after the nearest module before it in A that B still has.
  const removedAfter = new Map<string, ModuleSpec[]>();
  let anchor = '';
  for (const m of a.specs) {
    if (matchedA.has(m.id)) anchor = m.id;
    else removedAfter.set(anchor, [...(removedAfter.get(anchor) ?? []), m]);
  }
  const removed: ModuleDiff[] = [];
  const pushRemoved = (after: string) => {
    for (const m of removedAfter.get(after) ?? []) {
      const d = moduleDiff(m, undefined, a, b, null, false);
      removed.push(d);
      entries.push(d);
    }
  };
  pushRemoved('');
  for (const m of b.specs) {
    const partner = match.get(m.id);
    const was = partner ? aSpec.get(partner.id) : undefined;
    const rewired = was ? !sameValue(was.inputs, m.inputs.map(bToA)) : false;
    const d = moduleDiff(was, m, a, b, partner?.by ?? null, rewired);
    entries.push(d);
    byId.set(m.id, d);
    if (partner) pushRemoved(partner.id);
  }
  const aOrder = new Map(a.specs.map((m, i) => [m.id, i]));
  removed.sort((x, y) => aOrder.get(x.id)! - aOrder.get(y.id)!);

  const counts = { ...EMPTY_COUNTS };
  for (const e of entries) counts[e.status]++;
  for (const e of entries) if (e.matchedBy === 'id') counts.matchedById++;
  for (const e of entries) if (e.matchedBy === 'position') counts.matchedByPosition++;
  const settings = settingChanges(aDesign, bDesign);
  const outputsChanged = !sameValue(
    Object.entries(aDesign.outputs ?? {}).sort(),
    Object.entries(bDesign.outputs ?? {})
      .map(([k, v]) => [k, bToA(v)])
      .sort(),
  );
  const changed =
    entries.some((e) => e.status !== 'unchanged' || e.rewired) ||
    settings.length > 0 ||
    outputsChanged;
  return {
    base: aDesign.preset ?? null,
    a: { name: aDesign.name, preset: aDesign.preset ?? null },
    b: { name: bDesign.name, preset: bDesign.preset ?? null },
    entries,
    byId,
    removed,
    settings,
    totals: totalsDiff(a.analysis.totals, b.analysis.totals),
    stages: stageRows(stageFigures(a.analysis), stageFigures(b.analysis)),
    counts,
    changed,
  };
}

/** Whether most modules matched by id; when not (different members of the family), the stage summary says more than the module list. */
export function idsMostlyShared(diff: DesignDiff): boolean {
  const modules = diff.entries.length;
  return modules === 0 || diff.counts.matchedById * 2 >= modules;
}

/** "+50.8 K (+3.7 %)"-style texts of a module's Δparams and ΔMACs; null when zero or one side is missing. */
export function moduleDeltaText(d: ModuleDiff): { params: string | null; macs: string | null } {
  if (!d.a || !d.b) return { params: null, macs: null };
  return {
    params: d.delta.params === 0 ? null : formatDelta(d.b.params, d.a.params),
    macs: d.delta.macs === 0 ? null : formatDelta(d.b.macs, d.a.macs),
  };
}

/** Short label of a stage: "3 (inception3a … maxpool3)". */
export function stageLabel(s: StageFigures): string {
  const ids =
    s.modules.length === 1 ? s.modules[0] : `${s.modules[0]} … ${s.modules[s.modules.length - 1]}`;
  return `${s.stage || '—'} (${ids})`;
}

/** A signed count in a few characters: "+50.8 K", "−1.2 M", "±0". */
export function formatSignedCompact(d: number): string {
  return `${d > 0 ? '+' : d < 0 ? '−' : '±'}${formatCompact(Math.abs(d))}`;
}

/** A module's Δparams and ΔMACs for the graph, with readable texts; null when unchanged or one side is missing or not computed. */
export interface ModuleDelta {
  readonly params: number;
  readonly macs: number;
  /** "+131 K (+26 %)" for parameters; null when unchanged. */
  readonly paramsText: string | null;
  readonly macsText: string | null;
  /** "N=1 · 512×14×14 → N=1 · 556×14×14" when the output shape changed, else null. */
  readonly shapeText: string | null;
  /** The old output shape ("N=1 · 512×14×14") when it changed, else null. */
  readonly shapeFrom: string | null;
}

/** The graph's delta of one diff entry (see ModuleDelta). */
export function moduleDelta(d: ModuleDiff | undefined): ModuleDelta | null {
  if (!d || !d.a || !d.b || !d.a.outputShape || !d.b.outputShape) return null;
  if (d.delta.params === 0 && d.delta.macs === 0 && !d.shapeChanged) return null;
  const texts = moduleDeltaText(d);
  return {
    params: d.delta.params,
    macs: d.delta.macs,
    paramsText: texts.params,
    macsText: texts.macs,
    shapeText: d.shapeChanged
      ? `${formatBatchShape(d.a.outputShape)} → ${formatBatchShape(d.b.outputShape)}`
      : null,
    shapeFrom: d.shapeChanged ? formatBatchShape(d.a.outputShape) : null,
  };
}
