/**
 * Weights of a design keyed by PyTorch state_dict names: seeded initialization (core/weights),
 * strict loading from safetensors or PyTorch checkpoints (read in node/checkpoint), and export to safetensors so a run can be reproduced in PyTorch.
 */
import type { Layer } from '../../core/model/types';
import { errResult, okResult, type Result } from '../../core/run/types';
import { stateDictSpec, type StateEntry } from '../../core/weights/stateDict';
import { initTensor, type InitScheme } from '../../core/weights/init';
import { readUserFile } from '../host/userFiles';
import { writeSafetensors, type TensorToWrite } from './safetensors';
import { readWeightsFile } from '../checkpoint/weightsFile';
import { FLOAT_DTYPES, INT_DTYPES, type LoadedTensors } from '../checkpoint/tensors';

/** float32 values by state_dict key; counters (num_batches_tracked) hold one value. */
export type StateDict = ReadonlyMap<string, Float32Array>;

/** Largest weights file read into memory (a GoogLeNet state_dict is about 54 MB). */
export const MAX_WEIGHTS_FILE_BYTES = 4 * 1024 ** 3;
/** Room for a header (safetensors JSON, a checkpoint's pickle and zip directory) and small extra entries. */
const HEADER_ALLOWANCE_BYTES = 16 * 1024 ** 2;
/**
 * How many times the design's float32 bytes a file may take: a checkpoint may hold float64
 * tensors (2×) or an optimizer's state beside the weights (SGD momentum 2×, Adam 3×).
 */
const FILE_FACTOR = 4;
/** Fine-tuning files may hold more than the design (a 1000-class classifier under a 10-class design). */
const FINE_TUNE_FACTOR = 2;
const LIMIT_NOTE =
  ", 4 times this design's float32 tensors (room for float64 tensors or an optimizer's state in a checkpoint) and a header";

/** The design's tensor data in float32 (int64 counters), in bytes. */
function designBytes(spec: readonly StateEntry[]): number {
  return spec.reduce(
    (a, e) => a + e.shape.reduce((n, d) => n * d, 1) * (e.role === 'counter' ? 8 : 4),
    0,
  );
}

/**
 * The largest file that can hold the weights of this state_dict: 4 times its tensor data (float32,
 * and int64 counters) plus a header allowance, at most MAX_WEIGHTS_FILE_BYTES. Anything larger is
 * refused before it is read.
 */
export function weightsFileLimit(spec: readonly StateEntry[]): number {
  return Math.min(FILE_FACTOR * designBytes(spec) + HEADER_ALLOWANCE_BYTES, MAX_WEIGHTS_FILE_BYTES);
}

/** Float32 bytes a file's state_dict may yield: the design's, times `factor`, plus an allowance. */
function outputLimit(spec: readonly StateEntry[], factor: number): number {
  return factor * designBytes(spec) + HEADER_ALLOWANCE_BYTES;
}

/**
 * What is wrong with loaded weights that still fit the design: tensors holding NaN or ±Inf, and
 * batch-norm `running_var` with negative values (PyTorch would output NaN for both). One warning
 * per kind, naming the tensors.
 */
export function weightWarnings(weights: StateDict, source: string): string[] {
  const nonFinite: string[] = [];
  const negativeVar: string[] = [];
  for (const [key, values] of weights) {
    let bad = 0;
    let negative = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) bad++;
      else if (v < 0) negative++;
    }
    if (bad)
      nonFinite.push(
        `${key} (${bad.toLocaleString('en-US')} of ${values.length.toLocaleString('en-US')})`,
      );
    if (negative && key.endsWith('.running_var'))
      negativeVar.push(`${key} (${negative.toLocaleString('en-US')} values)`);
  }
  const out: string[] = [];
  if (nonFinite.length) {
    out.push(
      `The weights in ${source} hold NaN or infinite values in ${nonFinite.length} tensor${nonFinite.length === 1 ? '' : 's'}: ${listSome(nonFinite)}; outputs computed from them are not numbers either.`,
    );
  }
  if (negativeVar.length) {
    out.push(
      `The weights in ${source} have negative batch-norm variances in ${listSome(negativeVar)}; a variance cannot be negative, so eval mode computes the square root of a negative number (NaN in PyTorch).`,
    );
  }
  return out;
}

/** Deterministic weights, the same as tools/torch/weights.py computes. */
export function seededStateDict(
  graph: readonly Layer[],
  seed: number,
  scheme: InitScheme = 'pytorch',
): StateDict {
  const out = new Map<string, Float32Array>();
  for (const e of stateDictSpec(graph)) out.set(e.key, initTensor(e, e.weightShape, seed, scheme));
  return out;
}

const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;
const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** Lists a few items in a sentence: "a, b and 3 more". */
function listSome(items: readonly string[], limit = 5): string {
  if (items.length <= limit)
    return items.length > 1
      ? `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
      : items.join('');
  return `${items.slice(0, limit).join(', ')} and ${items.length - limit} more`;
}

/**
 * Checks a weights file (safetensors or a PyTorch checkpoint, by content) against the design's
 * state_dict and returns the weights. Every tensor is checked: missing, unexpected, mis-shaped and
 * wrongly typed tensors are all reported, each by name, in one message.
 */
export function stateDictFromSafetensors(
  bytes: Uint8Array,
  spec: readonly StateEntry[],
  source: string,
): Result<StateDict> {
  const file = readWeightsFile(bytes, source, { maxOutputBytes: outputLimit(spec, 1) });
  if (!file.ok) return file;
  return stateDictFromTensors(file.value.tensors, spec, source);
}

/**
 * The strict check on tensors already read from a file: each key of `spec` must be there with
 * its shape, float tensors in a floating-point dtype (converted to float32), counters in an
 * integer one. A key mapping (prefixes, renames between references) goes before this call.
 */
export function stateDictFromTensors(
  tensors: LoadedTensors,
  spec: readonly StateEntry[],
  source: string,
): Result<StateDict> {
  const r = fitTensors(tensors, spec, source, null);
  return r.ok ? okResult(r.value.dict) : r;
}

/** Weights loaded for fine-tuning: what came from the file, and which tensors were left at their initialization. */
export interface FineTuneLoad {
  readonly dict: StateDict;
  /** Tensors of the design the file lacks or holds in another shape (a new classifier), left initialized. */
  readonly reinitialized: readonly string[];
  /** Tensors of the file the design has no place for, not used. */
  readonly ignored: readonly string[];
}

/**
 * Loads the tensors of a file that fit the design and keeps `initial`'s values for those that do
 * not (missing from the file, or another shape): PyTorch's fine-tuning recipe of loading a
 * pretrained backbone under a new classifier. Wrong dtypes are still refused, and so is a file of
 * which no tensor fits (`weights.nothingLoaded`).
 */
export function fineTuneStateDict(
  bytes: Uint8Array,
  spec: readonly StateEntry[],
  source: string,
  initial: StateDict,
): Result<FineTuneLoad> {
  const file = readWeightsFile(bytes, source, {
    maxOutputBytes: outputLimit(spec, FINE_TUNE_FACTOR),
  });
  if (!file.ok) return file;
  return fineTuneFromTensors(file.value.tensors, spec, source, initial);
}

/** `fineTuneStateDict` on tensors already read (and key-mapped) from a file. */
export function fineTuneFromTensors(
  tensors: LoadedTensors,
  spec: readonly StateEntry[],
  source: string,
  initial: StateDict,
): Result<FineTuneLoad> {
  return fitTensors(tensors, spec, source, initial);
}

/** Reads a weights file for fine-tuning (see `fineTuneStateDict`); `initial` fills what does not fit. */
export async function loadFineTuneStateDict(
  path: string,
  graph: readonly Layer[],
  initial: StateDict,
): Promise<Result<FineTuneLoad>> {
  const spec = stateDictSpec(graph);
  const bytes = await readUserFile(path, {
    // A backbone file may hold a larger classifier than the design's.
    maxBytes: Math.min(weightsFileLimit(spec) * FINE_TUNE_FACTOR, MAX_WEIGHTS_FILE_BYTES),
    noun: 'The weights file',
    codePrefix: 'weights',
    codes: { notFound: 'weights.read' },
    limitNote: LIMIT_NOTE,
  });
  if (!bytes.ok) return bytes;
  return fineTuneStateDict(bytes.value, spec, path, initial);
}

/** One line for a run's notes: which tensors fine-tuning left initialized and which it did not use. */
export function fineTuneNote(load: FineTuneLoad, source: string): string[] {
  const notes: string[] = [];
  if (load.reinitialized.length) {
    notes.push(
      `Loaded ${source} except ${load.reinitialized.length} tensor${load.reinitialized.length === 1 ? '' : 's'} left at the seeded initialization because the file lacks them or holds another shape: ${listSome(load.reinitialized, 8)}.`,
    );
  } else notes.push(`Every tensor of the design came from ${source}; none was left initialized.`);
  if (load.ignored.length)
    notes.push(`Not used (the design has no place for them): ${listSome(load.ignored, 8)}.`);
  return notes;
}

function fitTensors(
  tensors: LoadedTensors,
  spec: readonly StateEntry[],
  source: string,
  initial: StateDict | null,
): Result<FineTuneLoad> {
  const expected = new Map(spec.map((e) => [e.key, e]));
  const missing = spec.filter((e) => !tensors.has(e.key)).map((e) => e.key);
  const extra = [...tensors.keys()].filter((k) => !expected.has(k));
  const reinitialized: string[] = [];
  const problems: { code: string; text: string }[] = [];
  if (initial) reinitialized.push(...missing);
  else if (missing.length)
    problems.push({
      code: 'weights.missing',
      text: `${missing.length} tensor${missing.length === 1 ? ' is' : 's are'} missing: ${listSome(missing)}`,
    });
  if (extra.length && !initial) {
    problems.push({
      code: 'weights.unexpected',
      text: `${extra.length} tensor${extra.length === 1 ? ' is' : 's are'} not part of this design: ${listSome(extra)}`,
    });
  }
  const out = new Map<string, Float32Array>();
  let fromFile = 0;
  for (const e of spec) {
    const t = tensors.get(e.key);
    if (!t) continue;
    const counter = e.role === 'counter';
    if (counter ? !INT_DTYPES.includes(t.dtype) : !FLOAT_DTYPES.includes(t.dtype)) {
      problems.push({
        code: 'weights.dtype',
        text: counter
          ? `${e.key} is ${t.dtype} but must be I64 (an integer counter)`
          : `${e.key} is ${t.dtype} but must be F32 (F16, BF16 and F64 are converted; convert others with tensor.float() before saving)`,
      });
      continue;
    }
    if (!sameShape(t.shape, e.shape)) {
      if (initial) reinitialized.push(e.key);
      else
        problems.push({
          code: 'weights.shape',
          text: `${e.key} has shape ${shapeText(t.shape)} but this design needs ${shapeText(e.shape)}`,
        });
      continue;
    }
    out.set(e.key, counter ? Float32Array.of(t.values[0] ?? 0) : t.values);
    fromFile++;
  }
  if (problems.length) {
    const code = problems.length === 1 ? problems[0].code : 'weights.mismatch';
    const hint = problems.some((p) => p.code === 'weights.shape' || p.code === 'weights.missing')
      ? ' To load a pretrained backbone under a new classifier, use --reinit-mismatched (the Run tab\'s "Start what does not fit afresh").'
      : '';
    return errResult(
      code,
      `The weights in ${source} do not fit this design: ${problems.map((p) => p.text).join('; ')}.${hint}`,
    );
  }
  if (initial && fromFile === 0 && spec.length > 0) {
    // Fine-tuning that loads nothing would silently train seeded weights: refuse it.
    const fileKeys = [...tensors.keys()];
    return errResult(
      'weights.nothingLoaded',
      `None of the ${fileKeys.length} tensor${fileKeys.length === 1 ? '' : 's'} in ${source} fit this design (by name and shape), so nothing would be loaded: the file has ${fileKeys.length ? listSome(fileKeys, 3) : 'no tensors'}; the design needs ${listSome(
        spec.map((e) => e.key),
        3,
      )}.`,
    );
  }
  if (initial) {
    for (const key of reinitialized) {
      const v = initial.get(key);
      if (v) out.set(key, v);
    }
  }
  const spare = reinitialized.filter((k) => !out.has(k));
  if (spare.length)
    return errResult('weights.missing', `No initialization for ${listSome(spare)}.`);
  return okResult({ dict: out, reinitialized, ignored: initial ? extra : [] });
}

/** Reads and checks a weights file (safetensors or a PyTorch checkpoint) for a layer graph. */
export async function loadStateDict(
  path: string,
  graph: readonly Layer[],
): Promise<Result<StateDict>> {
  const spec = stateDictSpec(graph);
  const bytes = await readUserFile(path, {
    maxBytes: weightsFileLimit(spec),
    noun: 'The weights file',
    codePrefix: 'weights',
    codes: { notFound: 'weights.read' },
    limitNote: LIMIT_NOTE,
  });
  if (!bytes.ok) return bytes;
  return stateDictFromSafetensors(bytes.value, spec, path);
}

/** Serializes weights with PyTorch's dtypes: float32 tensors, and int64 num_batches_tracked counters. */
export function stateDictToSafetensors(
  weights: StateDict,
  graph: readonly Layer[],
  metadata: Record<string, string> = {},
): Uint8Array {
  const tensors = new Map<string, TensorToWrite>();
  for (const e of stateDictSpec(graph)) {
    const v = weights.get(e.key);
    if (!v) throw new Error(`The weights have no tensor ${e.key}.`);
    tensors.set(
      e.key,
      e.role === 'counter'
        ? { dtype: 'I64', shape: e.shape, data: BigInt64Array.of(BigInt(Math.round(v[0] ?? 0))) }
        : { dtype: 'F32', shape: e.shape, data: v },
    );
  }
  return writeSafetensors(tensors, { format: 'pt', ...metadata });
}
