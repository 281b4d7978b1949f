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
import {
  FLOAT_DTYPES,
  INT_DTYPES,
  type LoadedTensor,
  type LoadedTensors,
} from '../checkpoint/tensors';
import {
  mapCheckpoint,
  type CheckpointMapping,
  type FileTensorInfo,
} from '../../core/weights/checkpointKeys';

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

/** What loading a weights file did, for the run's notes, the Run panel and `--json`. */
export interface WeightsLoad {
  readonly dict: StateDict;
  /** Design tensors (batch-norm counters aside) whose values came from the file. */
  readonly loaded: number;
  /** Design tensors, batch-norm counters aside. */
  readonly total: number;
  /** Design tensors left at their initialization (fine-tuning): the file lacks them or holds another shape. */
  readonly reinitialized: readonly string[];
  /** Tensors of the file the design has no place for (the file's own names), not used. */
  readonly ignored: readonly string[];
  /** Sentences: what the key mapping did (prefix, renames, classifier, 1001 → 1000 classes) and what was left out. */
  readonly notes: readonly string[];
}

/** Weights loaded for fine-tuning: what came from the file, and which tensors were left at their initialization. */
export type FineTuneLoad = WeightsLoad;

/** How a weights file is fitted onto a design. */
export interface WeightsOptions {
  /** The design's preset, for its references' key names (core/weights/checkpointKeys.ts); null: try them all. */
  readonly preset?: string | null;
  /**
   * Fine-tuning: the values of design tensors the file does not fit (missing, another shape); they
   * are kept and named. Absent: every design tensor must come from the file.
   */
  readonly initial?: StateDict;
}

/**
 * Reads a weights file's bytes (safetensors or a PyTorch checkpoint, by content), maps its keys
 * onto the design's state_dict (prefixes, reference naming schemes, classifier, 1001 → 1000 classes:
 * core/weights/checkpointKeys.ts) and checks every tensor: missing, mis-shaped and wrongly typed
 * tensors are all reported, each by name, in one message (codes `weights.missing`, `weights.shape`,
 * `weights.dtype`, `weights.mismatch`, `weights.nothingLoaded`, and the readers' own).
 */
export function weightsFromBytes(
  bytes: Uint8Array,
  spec: readonly StateEntry[],
  source: string,
  options: WeightsOptions = {},
): Result<WeightsLoad> {
  const file = readWeightsFile(bytes, source, {
    maxOutputBytes: outputLimit(spec, options.initial ? FINE_TUNE_FACTOR : 1),
  });
  if (!file.ok) return file;
  return weightsFromTensors(file.value.tensors, spec, source, options);
}

/** `weightsFromBytes` on tensors already read from a file. */
export function weightsFromTensors(
  tensors: LoadedTensors,
  spec: readonly StateEntry[],
  source: string,
  options: WeightsOptions = {},
): Result<WeightsLoad> {
  const info = new Map<string, FileTensorInfo>();
  for (const [key, t] of tensors) info.set(key, { shape: t.shape, dtype: t.dtype });
  const mapping = mapCheckpoint(info, spec, { preset: options.preset ?? null });
  return fitTensors(
    mappedTensors(tensors, mapping),
    spec,
    source,
    options.initial ?? null,
    mapping,
  );
}

/**
 * The file's tensors under the design's keys, as `mapping` assigns them (a 1001-class classifier
 * loses its background row 0); design counters the file lacks (Cadene's and older checkpoints have
 * no num_batches_tracked) count 0, as a fresh batch norm does; eval mode does not read them.
 */
function mappedTensors(tensors: LoadedTensors, mapping: CheckpointMapping): LoadedTensors {
  const out = new Map<string, LoadedTensor>();
  for (const a of mapping.assignments) {
    const t = tensors.get(a.fileKey);
    if (!t) continue;
    out.set(a.designKey, a.transform === 'dropBackgroundRow' ? withoutBackgroundRow(t) : t);
  }
  // A file tensor under the design's name but of another shape (or class count) stays, so the
  // check names both shapes (strict) or leaves the design's value (fine-tuning).
  for (const u of mapping.unmapped) {
    if (u.fileKey === null || out.has(u.designKey)) continue;
    const t = tensors.get(u.fileKey);
    if (t) out.set(u.designKey, t);
  }
  for (const key of mapping.countersKept)
    if (!out.has(key)) out.set(key, { dtype: 'I64', shape: [], values: Float32Array.of(0) });
  return out;
}

/** A [1001, …] classifier tensor without row 0 (TensorFlow's background class): [1000, …]. */
function withoutBackgroundRow(t: LoadedTensor): LoadedTensor {
  const row = t.values.length / t.shape[0];
  return { ...t, shape: [t.shape[0] - 1, ...t.shape.slice(1)], values: t.values.subarray(row) };
}

/** The strict check of a weights file's bytes; the weights when every design tensor fits. */
export function stateDictFromSafetensors(
  bytes: Uint8Array,
  spec: readonly StateEntry[],
  source: string,
  preset: string | null = null,
): Result<StateDict> {
  const r = weightsFromBytes(bytes, spec, source, { preset });
  return r.ok ? okResult(r.value.dict) : r;
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
  preset: string | null = null,
): Result<FineTuneLoad> {
  return weightsFromBytes(bytes, spec, source, { preset, initial });
}

/**
 * Reads a weights file (bounded by the design's size) and fits it onto a layer graph: strictly,
 * or for fine-tuning when `options.initial` is given (see `weightsFromBytes`).
 */
export async function loadWeights(
  path: string,
  graph: readonly Layer[],
  options: WeightsOptions = {},
): Promise<Result<WeightsLoad>> {
  const spec = stateDictSpec(graph);
  const bytes = await readUserFile(path, {
    // A backbone file may hold a larger classifier than the design's.
    maxBytes: Math.min(
      weightsFileLimit(spec) * (options.initial ? FINE_TUNE_FACTOR : 1),
      MAX_WEIGHTS_FILE_BYTES,
    ),
    noun: 'The weights file',
    codePrefix: 'weights',
    codes: { notFound: 'weights.read' },
    limitNote: LIMIT_NOTE,
  });
  if (!bytes.ok) return bytes;
  return weightsFromBytes(bytes.value, spec, path, options);
}

/** How a weights file's keys fit a design, in full: for `run --json` when a load is refused. */
export interface WeightsFitReport {
  /** What the mapping did (prefix, renames, classifier, 1001 → 1000). */
  readonly actions: readonly string[];
  /** Every design tensor the file does not feed, each with its reason and the file's shape. */
  readonly unmapped: readonly {
    readonly key: string;
    readonly shape: readonly number[];
    readonly reason: string;
    readonly fileKey: string | null;
    readonly fileShape: readonly number[] | null;
    readonly message: string;
  }[];
  /** Every tensor of the file that feeds nothing (its own name). */
  readonly unused: readonly string[];
}

/**
 * Reads a weights file and maps its keys onto a graph's state_dict without loading, to list in full
 * what fits and what does not. Errors: the readers' (the file is not read as weights).
 */
export async function describeWeightsFit(
  path: string,
  graph: readonly Layer[],
  preset: string | null,
): Promise<Result<WeightsFitReport>> {
  const spec = stateDictSpec(graph);
  const bytes = await readUserFile(path, {
    maxBytes: Math.min(weightsFileLimit(spec) * FINE_TUNE_FACTOR, MAX_WEIGHTS_FILE_BYTES),
    noun: 'The weights file',
    codePrefix: 'weights',
    codes: { notFound: 'weights.read' },
    limitNote: LIMIT_NOTE,
  });
  if (!bytes.ok) return bytes;
  const file = readWeightsFile(bytes.value, path, {
    maxOutputBytes: outputLimit(spec, FINE_TUNE_FACTOR),
  });
  if (!file.ok) return file;
  const info = new Map<string, FileTensorInfo>();
  for (const [key, t] of file.value.tensors) info.set(key, { shape: t.shape, dtype: t.dtype });
  const mapping = mapCheckpoint(info, spec, { preset });
  return okResult({
    actions: mapping.actions,
    unmapped: mapping.unmapped.map((u) => ({
      key: u.designKey,
      shape: u.designShape,
      reason: u.reason,
      fileKey: u.fileKey,
      fileShape: u.fileShape,
      message: u.message,
    })),
    unused: mapping.unusedFileKeys,
  });
}

/** The run's notes of a load: what the mapping did, what fine-tuning left initialized, what was not used. */
export function fineTuneNote(load: WeightsLoad, source: string): string[] {
  const notes: string[] = [...load.notes];
  if (load.reinitialized.length) {
    notes.push(
      `Loaded ${load.loaded} of ${load.total} tensors from ${source}; ${load.reinitialized.length} tensor${load.reinitialized.length === 1 ? '' : 's'} left at the seeded initialization because the file lacks them or holds another shape: ${listSome(load.reinitialized, 8)}.`,
    );
  } else
    notes.push(
      `Loaded all ${load.total} tensors of the design from ${source}; none was left initialized.`,
    );
  if (load.ignored.length)
    notes.push(`Not used (the design has no place for them): ${listSome(load.ignored, 8)}.`);
  return notes;
}

function fitTensors(
  tensors: LoadedTensors,
  spec: readonly StateEntry[],
  source: string,
  initial: StateDict | null,
  mapping: CheckpointMapping,
): Result<WeightsLoad> {
  const missing = spec.filter((e) => !tensors.has(e.key)).map((e) => e.key);
  const reinitialized: string[] = [];
  const problems: { code: string; text: string }[] = [];
  if (initial) reinitialized.push(...missing);
  else if (missing.length)
    problems.push({
      code: 'weights.missing',
      text: `${missing.length} tensor${missing.length === 1 ? ' is' : 's are'} missing: ${listSome(missing)}`,
    });
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
    if (!counter) fromFile++;
  }
  // File tensors that fit nothing, those named above as another shape aside.
  const offered = new Set(mapping.unmapped.map((u) => u.fileKey));
  const ignored = mapping.unusedFileKeys.filter((k) => !offered.has(k));
  const mappingNotes = mapping.actions.length ? ` (${mapping.actions.join(' ')})` : '';
  if (problems.length) {
    const code = problems.length === 1 ? problems[0].code : 'weights.mismatch';
    const hint = problems.some((p) => p.code === 'weights.shape' || p.code === 'weights.missing')
      ? ' To load a pretrained backbone under a new classifier, use --reinit-mismatched (the app does this itself and marks the modules that start from fresh weights).'
      : '';
    const unused = ignored.length
      ? ` The file's tensors that fit nothing: ${listSome(ignored)}.`
      : '';
    return errResult(
      code,
      `The weights in ${source} do not fit this design: ${problems.map((p) => p.text).join('; ')}.${unused}${hint}${mappingNotes}`,
    );
  }
  const params = spec.filter((e) => e.role !== 'counter').length;
  if (fromFile === 0 && params > 0) {
    // A load that takes nothing from the file would silently run seeded weights: refuse it.
    const fileKeys = [...ignored];
    return errResult(
      'weights.nothingLoaded',
      `None of the ${fileKeys.length} tensor${fileKeys.length === 1 ? '' : 's'} in ${source} fit this design (by name and shape), so nothing would be loaded: the file has ${fileKeys.length ? listSome(fileKeys, 3) : 'no tensors'}; the design needs ${listSome(
        spec.map((e) => e.key),
        3,
      )}.${mappingNotes}`,
    );
  }
  if (initial) {
    // No layer is half from the file: a bias that fits goes with its weight that does not.
    for (const key of [...reinitialized]) {
      if (!key.endsWith('.weight')) continue;
      const bias = `${key.slice(0, -'weight'.length)}bias`;
      if (out.has(bias) && !reinitialized.includes(bias)) {
        out.delete(bias);
        reinitialized.push(bias);
        fromFile--;
      }
    }
    for (const key of reinitialized) {
      const v = initial.get(key);
      if (v) out.set(key, v);
    }
  }
  const spare = reinitialized.filter((k) => !out.has(k));
  if (spare.length)
    return errResult('weights.missing', `No initialization for ${listSome(spare)}.`);
  return okResult({
    dict: out,
    loaded: fromFile,
    total: params,
    reinitialized,
    ignored,
    notes: mapping.actions,
  });
}

/** Reads and checks a weights file (safetensors or a PyTorch checkpoint) for a layer graph: every tensor must fit. */
export async function loadStateDict(
  path: string,
  graph: readonly Layer[],
  preset: string | null = null,
): Promise<Result<StateDict>> {
  const r = await loadWeights(path, graph, { preset });
  return r.ok ? okResult(r.value.dict) : r;
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
