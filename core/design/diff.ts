/**
 * What changed in a design against the preset it started from: edited parameters per module,
 * added and removed modules, changed settings, and the totals as signed deltas
 * ("+1.2 M (+9 %)"). The renderer marks edited nodes with it; exports can print it.
 */
import type { Analysis, ModuleInfo, Totals } from '../analysis/analyze';
import type { Design, ModuleSpec, ParamValue } from '../model/types';
import { formatDelta } from '../model/format';
import { presetDesign } from '../presets';
import { moduleDef } from '../modules/registry';

export interface ValueChange {
  /** A parameter name (`out_3x3`) or a setting (`input.height`, `classes`, `aux`). */
  readonly field: string;
  /** The preset's value; undefined when the preset left it at its default. */
  readonly from: ParamValue | undefined;
  /** The design's value; undefined when the design removed it. */
  readonly to: ParamValue | undefined;
}

export interface ModuleChange {
  readonly id: string;
  /** `added`: not in the preset; `edited`: its kind or parameters differ. */
  readonly status: 'added' | 'edited';
  /** Parameter changes, in the module's parameter order (empty for added modules). */
  readonly params: readonly ValueChange[];
  /** Whether the module's kind differs from the preset's module of the same id. */
  readonly kindChanged: boolean;
}

export interface DesignDiff {
  /** The preset compared against, or null when the design has none (then nothing is a change). */
  readonly base: string | null;
  /** Changed modules by id (unchanged modules are absent). */
  readonly modules: Readonly<Record<string, ModuleChange>>;
  /** Modules of the preset the design no longer has, in preset order. */
  readonly removed: readonly string[];
  /** Modules whose inputs were rewired (by an insert or delete) without being edited themselves. */
  readonly rewired: readonly string[];
  /** Changed design-wide settings (input size, batch, classes, aux heads). */
  readonly settings: readonly ValueChange[];
  /** True when anything differs from the preset. */
  readonly changed: boolean;
}

const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The preset design a design is compared against, or undefined when it names none (or an unknown one). */
export function baseDesign(design: Design): Design | undefined {
  return design.preset ? presetDesign(design.preset) : undefined;
}

/** Compares a design with `base` (by default the preset it names). */
export function diffDesign(design: Design, base: Design | undefined = baseDesign(design)): DesignDiff {
  if (!base) return { base: null, modules: {}, removed: [], rewired: [], settings: [], changed: false };
  const baseById = new Map<string, ModuleSpec>(base.modules.map((m) => [m.id, m]));
  const ids = new Set(design.modules.map((m) => m.id));
  const modules: Record<string, ModuleChange> = {};
  const rewired: string[] = [];
  for (const m of design.modules) {
    const was = baseById.get(m.id);
    if (!was) {
      modules[m.id] = { id: m.id, status: 'added', params: [], kindChanged: false };
      continue;
    }
    const fields = [...new Set([...Object.keys(was.params), ...Object.keys(m.params)])];
    const kindChanged = was.kind !== m.kind;
    // A parameter left out takes its kind's default, so choosing the default again (form back to
    // `reduced`) is no change.
    const defs = kindChanged ? undefined : moduleDef(m.kind)?.params;
    const effective = (params: ModuleSpec['params'], f: string) => params[f] ?? (defs && Object.hasOwn(defs, f) ? defs[f].default : undefined);
    const params = fields.filter((f) => !sameValue(effective(was.params, f), effective(m.params, f))).map((f) => ({ field: f, from: was.params[f], to: m.params[f] }));
    if (params.length || kindChanged) modules[m.id] = { id: m.id, status: 'edited', params, kindChanged };
    else if (!sameValue(was.inputs, m.inputs)) rewired.push(m.id);
  }
  const removed = base.modules.filter((m) => !ids.has(m.id)).map((m) => m.id);
  const settings: ValueChange[] = [];
  for (const key of ['batch', 'channels', 'height', 'width'] as const) {
    if (!sameValue(base.input[key], design.input[key])) settings.push({ field: `input.${key}`, from: base.input[key], to: design.input[key] });
  }
  if (!sameValue(base.classes, design.classes)) settings.push({ field: 'classes', from: base.classes, to: design.classes });
  if (base.aux !== design.aux) settings.push({ field: 'aux', from: base.aux, to: design.aux });
  const changed = Object.keys(modules).length > 0 || removed.length > 0 || rewired.length > 0 || settings.length > 0;
  return { base: base.preset, modules, removed, rewired, settings, changed };
}

export type TotalKey = 'params' | 'paramsEval' | 'macs' | 'macsTrain';

export interface TotalDelta {
  readonly key: TotalKey;
  readonly label: string;
  readonly now: number;
  readonly base: number;
  /** now − base. */
  readonly delta: number;
  /** "+1.2 M (+9 %)", or "±0" when unchanged. */
  readonly text: string;
}

const TOTAL_LABELS: Readonly<Record<TotalKey, string>> = {
  params: 'Parameters (with aux heads)',
  paramsEval: 'Parameters, eval path',
  macs: 'MACs per image, eval',
  macsTrain: 'MACs per image, train',
};

/** The totals of `now` against those of `base`, each with a signed, readable delta. */
export function totalsDelta(now: Totals, base: Totals): TotalDelta[] {
  return (Object.keys(TOTAL_LABELS) as TotalKey[]).map((key) => ({
    key,
    label: TOTAL_LABELS[key],
    now: now[key],
    base: base[key],
    delta: now[key] - base[key],
    text: formatDelta(now[key], base[key]),
  }));
}

export interface ModuleDelta {
  readonly params: number;
  readonly macs: number;
  /** "+131 K (+26 %)" for parameters; null when unchanged or not comparable. */
  readonly paramsText: string | null;
  readonly macsText: string | null;
}

/**
 * A module's parameters and MACs against the preset's module of the same id. Null when the
 * preset has no such module or either side could not be computed (an invalid module).
 */
export function moduleDelta(now: ModuleInfo | undefined, base: ModuleInfo | undefined): ModuleDelta | null {
  if (!now || !base || !now.outputShape || !base.outputShape) return null;
  const params = now.params - base.params;
  const macs = now.macs - base.macs;
  return {
    params,
    macs,
    paramsText: params === 0 ? null : formatDelta(now.params, base.params),
    macsText: macs === 0 ? null : formatDelta(now.macs, base.macs),
  };
}

/** Per-module deltas of an analysis against the base analysis, by module id (unchanged modules absent). */
export function moduleDeltas(now: Analysis, base: Analysis): Readonly<Record<string, ModuleDelta>> {
  const baseById = new Map(base.modules.map((m) => [m.id, m]));
  const out: Record<string, ModuleDelta> = {};
  for (const m of now.modules) {
    const d = moduleDelta(m, baseById.get(m.id));
    if (d && (d.params !== 0 || d.macs !== 0)) out[m.id] = d;
  }
  return out;
}
