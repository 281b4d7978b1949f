/**
 * The design file: versioned JSON validated by a schema. Loading never throws and never
 * returns half a design: a file is either a whole design or a list of errors with JSON paths.
 */
import { z } from 'zod';
import { MAX_MODULES, type Design } from '../model/types';
import { formatBytes, formatGot, formatInt } from '../model/format';
import { MAX_COUNT } from '../model/params';
import { safeJsonText } from '../export/escape';

export const DESIGN_FORMAT = 'inception-explorer/design';
export const DESIGN_VERSION = 1;
/** Larger files are refused before parsing. */
export const MAX_DESIGN_BYTES = 16 * 1024 * 1024;
/** Values beyond this are never a real design; smaller bad values load and are flagged by the analysis. */
const MAX_ABS_NUMBER = 1e9;

/** Keys that would reach Object.prototype, or that no design uses. */
const SAFE_KEY = /^(?!__)[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const safeKey = z
  .string()
  .regex(SAFE_KEY, 'must be a name of letters, digits and underscores (not starting with "__")');

const sane = z
  .number()
  .refine(Number.isFinite, 'must be a finite number')
  .refine((n) => Math.abs(n) <= MAX_ABS_NUMBER, {
    error: (iss) =>
      `${formatInt(Number(iss.input))} is far too large (filter counts are at most ${formatInt(MAX_COUNT)})`,
  });
const paramValue = z.union([sane, z.boolean(), z.string().max(64), z.array(sane).min(1).max(4)]);

const moduleSchema = z.strictObject({
  id: z.string().min(1).max(64),
  kind: z.string().min(1).max(64),
  inputs: z.array(z.string().min(1).max(64)).max(16),
  params: z
    .record(safeKey, paramValue)
    .refine((r) => Object.keys(r).length <= 64, 'has too many parameters'),
  stage: z.string().max(32).optional(),
  aux: z.boolean().optional(),
});

const designSchema = z.strictObject({
  format: z.literal(DESIGN_FORMAT),
  version: z.literal(DESIGN_VERSION),
  name: z.string().max(200),
  preset: z.string().max(64).nullable(),
  input: z.strictObject({ batch: sane, channels: sane, height: sane, width: sane }),
  classes: sane,
  aux: z.boolean(),
  modules: z.array(moduleSchema).max(MAX_MODULES),
  outputs: z.record(safeKey, z.string().max(64)),
  weights: z.strictObject({ path: z.string().min(1).max(4096) }).optional(),
});

export interface FileError {
  /** JSON path of the offending value, e.g. `$.modules[12].params.out_3x3`. */
  readonly path: string;
  readonly message: string;
}

export type LoadResult =
  | { readonly ok: true; readonly design: Design }
  | { readonly ok: false; readonly errors: readonly FileError[] };

function jsonPath(path: readonly PropertyKey[]): string {
  let s = '$';
  for (const p of path)
    s +=
      typeof p === 'number'
        ? `[${p}]`
        : SAFE_KEY.test(String(p))
          ? `.${String(p)}`
          : `[${JSON.stringify(String(p))}]`;
  return s;
}

/** Parses and validates a design file's text. */
export function parseDesign(text: string): LoadResult {
  if (typeof text !== 'string')
    return { ok: false, errors: [{ path: '$', message: 'The design file is not text.' }] };
  if (text.length > MAX_DESIGN_BYTES) {
    return {
      ok: false,
      errors: [
        {
          path: '$',
          message: `The file is ${formatBytes(text.length)}; design files are at most ${formatBytes(MAX_DESIGN_BYTES)}.`,
        },
      ],
    };
  }
  // A UTF-8 byte-order mark (Windows editors write one) is not part of the JSON.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (e) {
    return {
      ok: false,
      errors: [
        {
          path: '$',
          message: `The file is not valid JSON: ${jsonErrorText((e as Error).message)}.`,
        },
      ],
    };
  }
  return validateDesign(data);
}

/**
 * JSON.parse's message without the piece of the file it quotes (`Unexpected token 'r',
 * "root:x:0:0"... is not valid JSON`): a file that is not a design never shows its content.
 */
function jsonErrorText(message: string): string {
  return message
    .replace(
      /^Unexpected token '(.)', (?:"(?:[^"\\]|\\.)*"(?:\.\.\.)?|.*?) is not valid JSON$/s,
      (_m, ch: string) => `unexpected character ${JSON.stringify(ch)}`,
    )
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
    .slice(0, 200);
}

/** The value at a zod issue's path in the parsed JSON. */
function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let at = data;
  for (const key of path) {
    if (typeof at !== 'object' || at === null || !Object.prototype.hasOwnProperty.call(at, key))
      return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

/** "a number", "true or false", … for zod's expected types. */
const EXPECTED: Readonly<Record<string, string>> = {
  number: 'a number',
  string: 'text',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'an object',
};

function gotText(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value))
    return 'a number too large to hold (it reads as infinity)';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  return formatGot(value);
}

/**
 * A sentence for one schema issue: zod's own words for most, ours where zod's are bare
 * ("Invalid input" for a value no branch of a union takes, a wrong type, infinity).
 */
function schemaMessage(issue: z.core.$ZodIssue, data: unknown): string {
  const value = valueAt(data, issue.path);
  if (issue.code === 'invalid_union') {
    return `must be a number, true or false, a text of at most 64 characters, or a list of 1 to 4 numbers; got ${gotText(value)}.`;
  }
  if (issue.code === 'invalid_type') {
    const expected = EXPECTED[issue.expected] ?? issue.expected;
    return `must be ${expected}; got ${value === undefined ? 'nothing' : gotText(value)}.`;
  }
  return issue.message;
}

/** Paths of `__proto__` keys anywhere in parsed JSON: a hostile file, refused outright. */
function protoKeys(
  data: unknown,
  path: PropertyKey[] = [],
  found: string[] = [],
  depth = 0,
): string[] {
  if (found.length >= 10 || depth > 16 || typeof data !== 'object' || data === null) return found;
  for (const key of Object.keys(data)) {
    if (key === '__proto__') found.push(jsonPath([...path, key]));
    else
      protoKeys(
        (data as Record<string, unknown>)[key],
        [...path, Array.isArray(data) ? Number(key) : key],
        found,
        depth + 1,
      );
  }
  return found;
}

/** Validates already-parsed JSON as a design. */
export function validateDesign(data: unknown): LoadResult {
  const hostile = protoKeys(data);
  if (hostile.length)
    return {
      ok: false,
      errors: hostile.map((path) => ({
        path,
        message: 'The key "__proto__" is not allowed in a design file.',
      })),
    };
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, errors: [{ path: '$', message: 'A design file holds one JSON object.' }] };
  }
  const o = data as Record<string, unknown>;
  if (o.format !== DESIGN_FORMAT) {
    return {
      ok: false,
      errors: [
        {
          path: '$.format',
          message: `This is not an Inception Explorer design file: "format" must be "${DESIGN_FORMAT}".`,
        },
      ],
    };
  }
  if (o.version !== DESIGN_VERSION) {
    const v = typeof o.version === 'number' ? `version ${o.version}` : 'of an unknown version';
    return {
      ok: false,
      errors: [
        {
          path: '$.version',
          message:
            `This design file is ${v}; this app reads version ${DESIGN_VERSION}. ${typeof o.version === 'number' && o.version > DESIGN_VERSION ? 'Update Inception Explorer to open it.' : ''}`.trim(),
        },
      ],
    };
  }
  const r = designSchema.safeParse(data);
  if (!r.success) {
    const errors = r.error.issues
      .slice(0, 50)
      .map((i) => ({ path: jsonPath(i.path), message: schemaMessage(i, data) }));
    return { ok: false, errors };
  }
  const d = r.data;
  const design: Design = {
    name: d.name,
    preset: d.preset,
    input: { ...d.input },
    classes: d.classes,
    aux: d.aux,
    modules: d.modules.map((m) => ({
      id: m.id,
      kind: m.kind,
      inputs: [...m.inputs],
      params: { ...m.params },
      ...(m.stage !== undefined ? { stage: m.stage } : {}),
      ...(m.aux !== undefined ? { aux: m.aux } : {}),
    })),
    outputs: { ...d.outputs },
    ...(d.weights ? { weights: { path: d.weights.path } } : {}),
  };
  return { ok: true, design };
}

/** Serializes a design as a design file: stable key order, two-space indent, trailing newline. */
export function serializeDesign(design: Design): string {
  const file = {
    format: DESIGN_FORMAT,
    version: DESIGN_VERSION,
    name: design.name,
    preset: design.preset,
    input: {
      batch: design.input.batch,
      channels: design.input.channels,
      height: design.input.height,
      width: design.input.width,
    },
    classes: design.classes,
    aux: design.aux,
    modules: design.modules.map((m) => ({
      id: m.id,
      kind: m.kind,
      inputs: m.inputs,
      params: m.params,
      ...(m.stage !== undefined ? { stage: m.stage } : {}),
      ...(m.aux !== undefined ? { aux: m.aux } : {}),
    })),
    outputs: design.outputs,
    ...(design.weights ? { weights: { path: design.weights.path } } : {}),
  };
  // Stable key order and a two-space indent keep diffs between saves small.
  // Controls, bidi characters and the like are written as \u escapes: the same JSON, safe to print.
  const lines = safeJsonText(JSON.stringify(file, null, 2));
  return `${lines}\n`;
}

/** The JSON path in a design file of an analysis issue's node and field. */
export function issuePath(design: Design, nodeId: string, field?: string): string {
  if (nodeId === 'design') return field ? `$.${field}` : '$';
  const i = design.modules.findIndex((m) => m.id === nodeId);
  if (i < 0) return '$';
  if (!field) return `$.modules[${i}]`;
  if (field === 'id' || field === 'kind' || field === 'inputs') return `$.modules[${i}].${field}`;
  return `$.modules[${i}].params.${field}`;
}
