/** The options every design-taking command shares: FILE or --preset, --set, --input, --batch, --classes, --no-aux. */
import { stat } from 'node:fs/promises';
import type { ParseArgsConfig } from 'node:util';
import type { Design } from '../core/model/types';
import { MAX_DESIGN_BYTES, parseDesign } from '../core/design/designFile';
import { parseAssignment, setAux, setClasses, setInput, setParam } from '../core/design/edit';
import { DEFAULT_PRESET, presetDesign, presetNames } from '../core/presets';
import { readUserFile } from '../node/host/userFiles';
import { ownText, terminalLines, type OwnText } from '../core/export/escape';

export const designOptions = {
  preset: { type: 'string' },
  set: { type: 'string', multiple: true },
  input: { type: 'string' },
  batch: { type: 'string' },
  classes: { type: 'string' },
  'no-aux': { type: 'boolean' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const designUsage = `  FILE                      a design file (default: the preset)
  --preset NAME             start from a preset: ${presetNames.join(', ')} (default ${DEFAULT_PRESET})
  --set MODULE.PARAM=VALUE  edit a template parameter, e.g. --set inception4c.out_3x3=300 (repeatable)
  --input CxHxW             input channels × height × width, e.g. 3x299x299
  --batch N                 batch size
  --classes K               number of classes
  --no-aux                  drop the auxiliary heads`;

/**
 * The design, or what is wrong: `exitCode` 2 for bad arguments, 1 for a design file that cannot
 * be read or is not a valid design (each schema problem printed with the stable code
 * `design.schema` and its JSON path), as README's exit codes say.
 */
export type DesignArgsResult =
  | { ok: true; design: Design; source: string }
  | {
      ok: false;
      /** One line (a sentence that may quote anything: print it with `terminalLines`), or lines the program composed with every piece escaped. */
      message: string | OwnText;
      exitCode: 1 | 2;
    };

/** The stable code of a design file that does not match the schema (before any analysis). */
export const SCHEMA_ERROR_CODE = 'design.schema';

function wholeNumber(text: unknown): number | null {
  return typeof text === 'string' && /^\d+$/.test(text.trim()) ? Number(text.trim()) : null;
}

/** Reads (bounded, type-checked: see userFiles.ts) and validates a design file, or says what is wrong with it. */
export async function loadDesignFile(file: string): Promise<DesignArgsResult> {
  const read = await readUserFile(file, {
    maxBytes: MAX_DESIGN_BYTES,
    noun: 'The design file',
    codePrefix: 'file',
  });
  if (!read.ok) return { ok: false, exitCode: 1, message: read.error.message };
  const loaded = parseDesign(read.value.toString('utf8'));
  if (!loaded.ok) {
    return {
      ok: false,
      exitCode: 1,
      // The paths are the file's own keys and the messages quote its values: each is escaped.
      message: ownText(
        terminalLines`${file} is not a valid design file:\n${ownText(loaded.errors.map((e) => terminalLines`  ✗ [${SCHEMA_ERROR_CODE}] ${e.path}: ${e.message}`).join('\n'))}`,
      ),
    };
  }
  return { ok: true, design: loaded.design, source: file };
}

/** A design named on the command line: a design file when one exists at that path, else a preset name. */
export async function designFromName(name: string): Promise<DesignArgsResult> {
  const exists = await stat(name).then(
    () => true,
    () => false,
  );
  if (exists) return loadDesignFile(name);
  const preset = presetDesign(name);
  if (preset) return { ok: true, design: preset, source: `preset ${name}` };
  return {
    ok: false,
    exitCode: 2,
    message: `${JSON.stringify(name)} is neither a design file nor a preset; presets are ${presetNames.join(', ')}.`,
  };
}

/** Builds the design a command works on, or a message saying what is wrong with the arguments. */
export async function designFromArgs(
  values: Record<string, unknown>,
  positionals: readonly string[],
): Promise<DesignArgsResult> {
  if (positionals.length > 1)
    return {
      ok: false,
      exitCode: 2,
      message: `expected at most one design FILE; got ${positionals.length}: ${positionals.join(' ')}.`,
    };
  const file = positionals[0];
  let start: DesignArgsResult;
  if (file !== undefined) {
    if (values.preset !== undefined)
      return {
        ok: false,
        exitCode: 2,
        message: 'give either a design FILE or --preset, not both.',
      };
    start = await loadDesignFile(file);
  } else {
    const name = typeof values.preset === 'string' ? values.preset : DEFAULT_PRESET;
    const preset = presetDesign(name);
    if (!preset)
      return {
        ok: false,
        exitCode: 2,
        message: `unknown preset ${JSON.stringify(name)}; choose one of ${presetNames.join(', ')}.`,
      };
    start = { ok: true, design: preset, source: `preset ${name}` };
  }
  if (!start.ok) return start;
  return applyEditArgs(start.design, start.source, values);
}

/**
 * A C×H×W given as H×W×C (NumPy/PIL order, "224x224x3"): the corrected text, else null. It looks
 * so when the last number is a usual channel count (1–4) and the first is not, but equals or is
 * near the middle one.
 */
export function inputOrderHint(c: number, h: number, w: number): string | null {
  if (w >= 1 && w <= 4 && c > 4 && h > 4) return `${w}x${c}x${h}`;
  return null;
}

/** Applies --set, --input, --batch, --classes and --no-aux to a design. */
export function applyEditArgs(
  design: Design,
  source: string,
  values: Record<string, unknown>,
): DesignArgsResult {
  for (const text of (values.set as string[] | undefined) ?? []) {
    const a = parseAssignment(text);
    if (!a.ok) return { ok: false, exitCode: 2, message: a.message };
    if (!design.modules.some((m) => m.id === a.moduleId)) {
      return {
        ok: false,
        exitCode: 2,
        message: `--set ${text}: there is no module ${JSON.stringify(a.moduleId)}; modules are ${design.modules.map((m) => m.id).join(', ')}.`,
      };
    }
    design = setParam(design, a.moduleId, a.field, a.value);
  }
  if (values.input !== undefined) {
    const m = /^(\d+)x(\d+)x(\d+)$/i.exec(String(values.input).trim());
    if (!m)
      return {
        ok: false,
        exitCode: 2,
        message: `--input must look like 3x224x224 (channels × height × width); got ${JSON.stringify(values.input)}.`,
      };
    const guess = inputOrderHint(Number(m[1]), Number(m[2]), Number(m[3]));
    if (guess)
      return {
        ok: false,
        exitCode: 2,
        message: `--input is channels × height × width, so ${values.input} would be ${m[1]} channels of ${m[2]}×${m[3]}; did you mean ${guess}?`,
      };
    design = setInput(design, {
      channels: Number(m[1]),
      height: Number(m[2]),
      width: Number(m[3]),
    });
  }
  if (values.batch !== undefined) {
    const n = wholeNumber(values.batch);
    if (n === null)
      return {
        ok: false,
        exitCode: 2,
        message: `--batch must be a whole number; got ${JSON.stringify(values.batch)}.`,
      };
    design = setInput(design, { batch: n });
  }
  if (values.classes !== undefined) {
    const n = wholeNumber(values.classes);
    if (n === null)
      return {
        ok: false,
        exitCode: 2,
        message: `--classes must be a whole number; got ${JSON.stringify(values.classes)}.`,
      };
    design = setClasses(design, n);
  }
  if (values['no-aux']) design = setAux(design, false);
  return { ok: true, design, source };
}
