/**
 * Module parameter declarations and their validation. Each module template declares its
 * parameters with these descriptors; validation turns raw design values into typed values and
 * collects every problem with a message naming the module, the field and the bad value.
 */
import type { Issue, Pair, Padding4, ParamValue, Params } from './types';
import { formatGot, formatInt } from './format';
import { emptyRecord } from './records';

/** The largest filter count or feature count a design may use. */
export const MAX_COUNT = 65_536;

interface ParamBase {
  /** Short label for the inspector, e.g. "3×3 reduce". */
  readonly label: string;
  /** One sentence explaining the parameter. */
  readonly doc?: string;
  /**
   * `filters`: the counts a user edits most (shown on the node and first in the inspector);
   * `structure`: kernel, stride and the like; `flavor`: choices that mirror a reference
   * implementation (bias on/off, BN eps, attribute names) and rarely change.
   */
  readonly group: 'filters' | 'structure' | 'flavor';
}

export interface IntParam extends ParamBase {
  readonly type: 'int';
  readonly min: number;
  readonly max: number;
  readonly default: number;
}
export interface FloatParam extends ParamBase {
  readonly type: 'float';
  readonly min: number;
  readonly max: number;
  /** When true the minimum itself is not allowed (e.g. eps > 0). */
  readonly exclusiveMin?: boolean;
  readonly default: number;
}
export interface BoolParam extends ParamBase {
  readonly type: 'bool';
  readonly default: boolean;
}
export interface EnumParam extends ParamBase {
  readonly type: 'enum';
  readonly values: readonly string[];
  readonly default: string;
}
/** A size given as one number (square) or [height, width]. */
export interface PairParam extends ParamBase {
  readonly type: 'pair';
  readonly min: number;
  readonly max: number;
  readonly default: number | Pair;
}
/** Padding given as one number, [height, width] or [top, bottom, left, right]. */
export interface PaddingParam extends ParamBase {
  readonly type: 'padding';
  readonly max: number;
  readonly default: number | Pair | Padding4;
}
/** A feature count that may instead follow the design's class count (`"classes"`). */
export interface CountOrClassesParam extends ParamBase {
  readonly type: 'countOrClasses';
  readonly default: number | 'classes';
}

export type ParamDef =
  IntParam | FloatParam | BoolParam | EnumParam | PairParam | PaddingParam | CountOrClassesParam;
export type ParamDefs = Readonly<Record<string, ParamDef>>;

/** The typed value each descriptor resolves to. */
export type Resolved<D extends ParamDef> = D extends IntParam
  ? number
  : D extends FloatParam
    ? number
    : D extends BoolParam
      ? boolean
      : D extends EnumParam
        ? string
        : D extends PairParam
          ? Pair
          : D extends PaddingParam
            ? Padding4
            : D extends CountOrClassesParam
              ? number
              : never;
export type ResolvedParams<P extends ParamDefs> = { readonly [K in keyof P]: Resolved<P[K]> };

/** A filter count: a whole number from 1 to 65,536. */
export function count(label: string, defaultValue: number, doc?: string): IntParam {
  return {
    type: 'int',
    label,
    min: 1,
    max: MAX_COUNT,
    default: defaultValue,
    group: 'filters',
    doc,
  };
}

function isWhole(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

function wholeRange(min: number, max: number): string {
  return `a whole number from ${formatInt(min)} to ${formatInt(max)}`;
}

/**
 * How messages name a parameter: by the label the app shows above its field ("3×3", "Built for
 * map size"), never by its design-file key (`out_3x3`, `in_size`), which scripts get from the
 * issue's `field` and its JSON path. Unknown keys are named as they are.
 */
export function paramLabel(defs: ParamDefs, field: string): string {
  return Object.prototype.hasOwnProperty.call(defs, field)
    ? (defs[field] as ParamDef).label
    : field;
}

export interface ResolveContext {
  readonly nodeId: string;
  readonly classes: number;
}

/**
 * Checks raw design values against declared parameters and returns typed values. Every
 * problem is collected; a parameter that is missing takes its default and is reported.
 */
export function resolveParams<P extends ParamDefs>(
  defs: P,
  raw: Params,
  ctx: ResolveContext,
  active: ReadonlySet<string> | null = null,
): { values: ResolvedParams<P>; issues: Issue[] } {
  const issues: Issue[] = [];
  const values: Record<string, unknown> = emptyRecord();
  const fail = (field: string, code: Issue['code'], rule: string, got: unknown) => {
    issues.push({
      code,
      nodeId: ctx.nodeId,
      field,
      message: `${ctx.nodeId}: ${paramLabel(defs, field)} must be ${rule}; got ${formatGot(got)}.`,
    });
  };
  for (const key of Object.keys(raw)) {
    if (!Object.prototype.hasOwnProperty.call(defs, key)) {
      issues.push({
        code: 'param.unknown',
        nodeId: ctx.nodeId,
        field: key,
        message: `${ctx.nodeId}: ${formatGot(key)} is not a parameter of this module; expected one of ${Object.keys(defs).join(', ')}.`,
      });
    }
  }
  for (const [key, def] of Object.entries(defs)) {
    const has = Object.prototype.hasOwnProperty.call(raw, key);
    const type = paramType(def);
    const fallback = type.fallback(def, ctx.classes);
    if (!has) {
      values[key] = fallback;
      continue;
    }
    const checked = type.check(def, raw[key], ctx.classes);
    if (checked.ok) values[key] = checked.value;
    else {
      if (active === null || active.has(key)) fail(key, checked.code, checked.rule, raw[key]);
      values[key] = fallback;
    }
  }
  return { values: values as ResolvedParams<P>, issues };
}

/** A raw value checked against its descriptor: the typed value, or the rule it breaks. */
export type CheckResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly code: 'param.range' | 'param.type'; readonly rule: string };

/** How the inspector edits a parameter: a text field whose text `parse` turns into a design value, a checkbox, or a choice. */
export type ParamEditor =
  | { readonly kind: 'text'; readonly numeric: boolean; parse(text: string): ParamValue }
  | { readonly kind: 'check' }
  | { readonly kind: 'choice'; readonly options: readonly string[] };

/** Everything one parameter type knows: how a value is checked, its default, and how it is edited. */
export interface ParamType<D extends ParamDef> {
  check(def: D, v: unknown, classes: number): CheckResult;
  /** The typed default. */
  fallback(def: D, classes: number): unknown;
  editor(def: D): ParamEditor;
}

const bad = (code: 'param.range' | 'param.type', rule: string): CheckResult => ({
  ok: false,
  code,
  rule,
});
const good = (value: unknown): CheckResult => ({ ok: true, value });
const rangeOrType = (v: unknown): 'param.range' | 'param.type' =>
  typeof v === 'number' ? 'param.range' : 'param.type';

/** Text as a design holds it: a number when it reads as one, else the text itself (the check then names the problem). */
export function parseNumberText(text: string): ParamValue {
  const t = text.trim();
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  return t;
}

/** "3" → 3; "3, 5" or "[3,5]" → [3, 5]; anything else stays text for the check to reject. */
export function parseListText(text: string): ParamValue {
  const parts = text
    .replace(/[[\]]/g, '')
    .split(/[\s,×x]+/)
    .filter(Boolean);
  if (parts.length >= 1 && parts.length <= 4 && parts.every((p) => Number.isFinite(Number(p)))) {
    const nums = parts.map(Number);
    return nums.length === 1 ? nums[0] : nums;
  }
  return text.trim();
}

const numberEditor: ParamEditor = { kind: 'text', numeric: true, parse: parseNumberText };
const listEditor: ParamEditor = { kind: 'text', numeric: false, parse: parseListText };

/** The behaviour of every parameter type; a new type is one entry here (its editor kind is drawn by the inspector). */
export const paramTypes: {
  readonly [T in ParamDef['type']]: ParamType<Extract<ParamDef, { type: T }>>;
} = {
  int: {
    check: (d, v) =>
      isWhole(v) && v >= d.min && v <= d.max
        ? good(v)
        : bad(rangeOrType(v), wholeRange(d.min, d.max)),
    fallback: (d) => d.default,
    editor: () => numberEditor,
  },
  float: {
    check(d, v) {
      const ok =
        typeof v === 'number' &&
        Number.isFinite(v) &&
        (d.exclusiveMin ? v > d.min : v >= d.min) &&
        v <= d.max;
      return ok
        ? good(v)
        : bad(
            rangeOrType(v),
            `a number ${d.exclusiveMin ? 'above' : 'from'} ${d.min} ${d.exclusiveMin ? 'and at most' : 'to'} ${d.max}`,
          );
    },
    fallback: (d) => d.default,
    editor: () => numberEditor,
  },
  bool: {
    check: (_d, v) => (typeof v === 'boolean' ? good(v) : bad('param.type', 'true or false')),
    fallback: (d) => d.default,
    editor: () => ({ kind: 'check' }),
  },
  enum: {
    check: (d, v) =>
      typeof v === 'string' && d.values.includes(v)
        ? good(v)
        : bad('param.type', `one of ${d.values.map((x) => JSON.stringify(x)).join(', ')}`),
    fallback: (d) => d.default,
    editor: (d) => ({ kind: 'choice', options: d.values }),
  },
  pair: {
    check(d, v) {
      const pair = toPair(v);
      return pair && pair.every((x) => x >= d.min && x <= d.max)
        ? good(pair)
        : bad(
            pair ? 'param.range' : 'param.type',
            `${wholeRange(d.min, d.max)}, or a [height, width] pair of them`,
          );
    },
    fallback: (d) => toPair(d.default),
    editor: () => listEditor,
  },
  padding: {
    check(d, v) {
      const pad = toPadding(v);
      return pad && pad.every((x) => x >= 0 && x <= d.max)
        ? good(pad)
        : bad(
            pad ? 'param.range' : 'param.type',
            `${wholeRange(0, d.max)}, or a [height, width] or [top, bottom, left, right] list of them`,
          );
    },
    fallback: (d) => toPadding(d.default),
    editor: () => listEditor,
  },
  countOrClasses: {
    check(_d, v, classes) {
      if (v === 'classes') return good(classes);
      return isWhole(v) && v >= 1 && v <= MAX_COUNT
        ? good(v)
        : bad(rangeOrType(v), `${wholeRange(1, MAX_COUNT)} or "classes"`);
    },
    fallback: (d, classes) => (d.default === 'classes' ? classes : d.default),
    editor: () => ({
      kind: 'text',
      numeric: false,
      parse: (t) => (t.trim() === 'classes' ? 'classes' : parseNumberText(t)),
    }),
  },
};

/** The behaviour of a descriptor's type. */
export function paramType(def: ParamDef): ParamType<ParamDef> {
  return paramTypes[def.type] as ParamType<ParamDef>;
}

/** 3 → [3, 3]; [3, 5] → [3, 5]; anything else → null. */
export function toPair(v: unknown): Pair | null {
  if (isWhole(v)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every(isWhole)) return [v[0], v[1]];
  return null;
}

/** 1 → [1, 1, 1, 1]; [1, 2] → [1, 1, 2, 2]; [t, b, l, r] as is; anything else → null. */
export function toPadding(v: unknown): Padding4 | null {
  if (isWhole(v)) return [v, v, v, v];
  if (Array.isArray(v) && v.every(isWhole)) {
    if (v.length === 2) return [v[0], v[0], v[1], v[1]];
    if (v.length === 4) return [v[0], v[1], v[2], v[3]];
  }
  return null;
}
