/**
 * Training checkpoints on disk: one folder each, never overwritten, holding `weights.safetensors`
 * (the state_dict, PyTorch's names, running statistics included), `optimizer.safetensors`
 * (`<key>.momentum_buffer` / `.exp_avg` / `.exp_avg_sq`, and `step`), `design.json` (the design
 * file as the app saves it) and `checkpoint.json` (data, request, history, position in the data).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { analyze } from '../../../core/analysis/analyze';
import type { Design, Layer } from '../../../core/model/types';
import { MAX_DESIGN_BYTES, parseDesign, serializeDesign } from '../../../core/design/designFile';
import { errResult, okResult, type Result } from '../../../core/run/types';
import { checkTrainRequest } from '../../../core/train/request';
import type { CheckpointInfo, TrainHistory, TrainRequest } from '../../../core/train/types';
import { stateDictSpec } from '../../../core/weights/stateDict';
import { writeFileAtomic } from '../../host/atomicFile';
import { makeFolders } from '../../host/makeFolders';
import { readUserFile } from '../../host/userFiles';
import {
  float32Values,
  int64Values,
  parseSafetensors,
  writeSafetensors,
  type TensorToWrite,
} from '../safetensors';
import {
  stateDictFromSafetensors,
  stateDictToSafetensors,
  weightsFileLimit,
  type StateDict,
} from '../weights';
import type { OptimizerState } from './trainer';

export const CHECKPOINT_FORMAT = 'inception-explorer/checkpoint';
/** The folder under the app's home that holds every training's checkpoints. */
export const CHECKPOINTS_FOLDER = 'checkpoints';

/** Where the next step would read from: the epoch's seeded order and the step within it. */
export interface DataPosition {
  /** 0-based epoch whose order is shuffledIndices(trainCount, seed + epoch). */
  readonly epoch: number;
  /** Steps of that epoch already taken. */
  readonly stepInEpoch: number;
  /** Images the trainer has seen (its dropout stream's position). */
  readonly imagesSeen: number;
}

/** checkpoint.json. */
export interface CheckpointRecord {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: 1;
  readonly info: CheckpointInfo;
  /** The request without its design (design.json holds it). */
  readonly request: Omit<TrainRequest, 'design'>;
  readonly data: Readonly<Record<string, unknown>>;
  readonly engine: string;
  readonly position: DataPosition;
}

/** A checkpoint read back for `resume`. */
export interface LoadedCheckpoint {
  readonly record: CheckpointRecord;
  readonly design: Design;
  readonly weights: StateDict;
  readonly optimizer: OptimizerState;
}

/** A folder name from a design name: letters, digits, dashes. */
export function slug(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[-.]+|-+$/g, '')
      .slice(0, 60) || 'design'
  );
}

function optimizerToSafetensors(
  state: OptimizerState,
  optimizer: string,
  graph: readonly Layer[],
): Uint8Array {
  const shapes = new Map(stateDictSpec(graph).map((e) => [e.key, e.shape]));
  const tensors = new Map<string, TensorToWrite>();
  for (const [key, record] of state.slots)
    for (const [name, values] of Object.entries(record))
      tensors.set(`${key}.${name}`, {
        dtype: 'F32',
        shape: shapes.get(key) ?? [values.length],
        data: values,
      });
  tensors.set('step', { dtype: 'I64', shape: [], data: BigInt64Array.of(BigInt(state.step)) });
  return writeSafetensors(tensors, {
    optimizer,
    imagesSeen: String(state.imagesSeen ?? 0),
  });
}

/**
 * Writes a checkpoint into a new folder `<root>/<run>/<name>` (a suffix keeps an existing one).
 * Throws the file system's error (ENOSPC, EACCES, …): the caller words it.
 */
export async function writeCheckpoint(args: {
  readonly root: string;
  readonly run: string;
  readonly name: string;
  readonly reason: CheckpointInfo['reason'];
  readonly request: TrainRequest;
  readonly graph: readonly Layer[];
  readonly weights: StateDict;
  readonly optimizer: OptimizerState;
  readonly data: Readonly<Record<string, unknown>>;
  readonly engine: string;
  readonly position: DataPosition;
  readonly epoch: number;
  readonly step: number;
  readonly top1: number | null;
  readonly history: TrainHistory;
  readonly classNames?: readonly string[];
}): Promise<CheckpointInfo> {
  let name = args.name;
  for (let i = 2; await stat(path.join(args.root, args.run, name)).catch(() => null); i++)
    name = `${args.name}-${i}`;
  const dir = path.join(args.root, args.run, name);
  await makeFolders(dir);
  const info: CheckpointInfo = {
    id: `${args.run}/${name}`,
    dir,
    weightsPath: path.join(dir, 'weights.safetensors'),
    designName: args.request.design.name,
    ...(args.classNames ? { classNames: args.classNames } : {}),
    epoch: args.epoch,
    step: args.step,
    top1: args.top1,
    savedAt: new Date().toISOString(),
    reason: args.reason,
    history: args.history,
  };
  const { design, ...request } = args.request;
  const record: CheckpointRecord = {
    format: CHECKPOINT_FORMAT,
    version: 1,
    info,
    request,
    data: args.data,
    engine: args.engine,
    position: args.position,
  };
  await writeFileAtomic(
    info.weightsPath,
    stateDictToSafetensors(args.weights, args.graph, { step: String(args.step) }),
  );
  await writeFileAtomic(
    path.join(dir, 'optimizer.safetensors'),
    optimizerToSafetensors(args.optimizer, args.request.optimizer, args.graph),
  );
  await writeFileAtomic(path.join(dir, 'design.json'), serializeDesign(design));
  // checkpoint.json last: a folder without it is an unfinished checkpoint that lists skip.
  await writeFileAtomic(path.join(dir, 'checkpoint.json'), JSON.stringify(record) + '\n');
  return info;
}

/** Largest checkpoint.json read (its history holds a point per 100 ms of training: hours fit). */
export const MAX_CHECKPOINT_JSON_BYTES = 64 * 1024 * 1024;

const whole = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const loss = z.number().nullable();
const historySchema = z.object({
  steps: z.array(
    z.object({
      step: whole,
      loss,
      losses: z.record(z.string(), loss),
      top1: z.number().min(0).max(1).optional(),
    }),
  ),
  epochs: z.array(
    z.object({
      epoch: whole,
      step: whole,
      loss,
      // null: JSON's NaN, an epoch without validation images (a folder too small to split).
      top1: z.number().min(0).max(1).nullable(),
      perClass: z.array(z.number().min(0).max(1).nullable()),
      confusion: z.array(z.array(whole)),
    }),
  ),
});
const recordSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  version: z.literal(1),
  info: z.object({
    id: z.string(),
    designName: z.string(),
    classNames: z.array(z.string().max(1000)).max(100_000).optional(),
    epoch: whole,
    step: whole,
    top1: z.number().min(0).max(1).nullable(),
    savedAt: z.string(),
    reason: z.enum(['epoch', 'cancel', 'final']),
    history: historySchema,
  }),
  request: z.object({
    data: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('fashion-mnist'), dir: z.string().optional() }),
      z.object({
        kind: z.literal('folder'),
        path: z.string(),
        validationFraction: z.number().optional(),
      }),
      z.object({ kind: z.literal('random') }),
    ]),
    epochs: z.number(),
    steps: z.number().optional(),
    limit: z.number().optional(),
    batch: z.number(),
    optimizer: z.enum(['sgd', 'adam']),
    // JSON writes a NaN or infinite learning rate as null; such a run stopped at its first step.
    lr: z.number().nullable(),
    momentum: z.number(),
    weightDecay: z.number(),
    auxWeight: z.number(),
    schedule: z.enum(['constant', 'step', 'cosine']),
    dropout: z.boolean(),
    seed: z.number(),
    engine: z.enum(['auto', 'onnxruntime', 'tfjs']).optional(),
    resume: z.string().optional(),
  }),
  data: z.record(z.string(), z.unknown()),
  engine: z.string(),
  position: z.object({ epoch: whole, stepInEpoch: whole, imagesSeen: whole }),
});

/**
 * Reads checkpoint.json's text into a record, checking every field a resume or the checkpoint
 * list uses (types, whole numbers from 0, the request's bounds of core/train/request.ts), so a
 * hand-edited or truncated file is named instead of failing later. `dir` is the folder it was read
 * from (the record's own `dir` and `weightsPath` are replaced by it). Errors: `train.checkpoint`
 * naming the first fields that are wrong.
 */
export function parseCheckpointRecord(text: string, dir: string): Result<CheckpointRecord> {
  const where = path.join(dir, 'checkpoint.json');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return errResult(
      'train.checkpoint',
      `${where} is not JSON (${(e as Error).message}); it is damaged or was cut short.`,
    );
  }
  const parsed = recordSchema.safeParse(json);
  if (!parsed.success)
    return errResult(
      'train.checkpoint',
      `${where} is not a checkpoint this app wrote: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(the file)'} ${i.message.toLowerCase()}`)
        .join('; ')}.`,
    );
  const r = parsed.data;
  const bounds = checkTrainRequest({ ...r.request, lr: r.request.lr ?? NaN } as TrainRequest);
  if (!bounds.ok)
    return errResult(
      'train.checkpoint',
      `${where}'s request is out of bounds: ${bounds.error.message}`,
    );
  return okResult({
    ...(r as unknown as CheckpointRecord),
    info: {
      ...(r.info as unknown as CheckpointInfo),
      dir,
      weightsPath: path.join(dir, 'weights.safetensors'),
    },
  });
}

/** Reads one file of a checkpoint folder: a regular file, at most `maxBytes` (a FIFO or /dev/zero in its place is refused). */
async function readCheckpointFile(
  dir: string,
  file: string,
  maxBytes: number,
): Promise<Result<Buffer>> {
  return readUserFile(path.join(dir, file), {
    maxBytes,
    noun: "The checkpoint's file",
    codePrefix: 'train.checkpoint',
  });
}

async function readRecord(dir: string): Promise<Result<CheckpointRecord>> {
  const text = await readCheckpointFile(dir, 'checkpoint.json', MAX_CHECKPOINT_JSON_BYTES);
  if (!text.ok) return text;
  return parseCheckpointRecord(text.value.toString('utf8'), dir);
}

/** Every complete checkpoint under `<home>/checkpoints`, newest first. */
export async function listCheckpoints(home: string): Promise<CheckpointInfo[]> {
  const root = path.join(home, CHECKPOINTS_FOLDER);
  const out: CheckpointInfo[] = [];
  const runs = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const run of runs.filter((e) => e.isDirectory())) {
    const names = await readdir(path.join(root, run.name), { withFileTypes: true }).catch(() => []);
    for (const n of names.filter((e) => e.isDirectory())) {
      // A folder without a readable checkpoint.json is unfinished (or not ours): not listed.
      const r = await readRecord(path.join(root, run.name, n.name));
      if (r.ok) out.push({ ...r.value.info, id: `${run.name}/${n.name}` });
    }
  }
  return out.sort((a, b) => b.savedAt.localeCompare(a.savedAt) || b.step - a.step);
}

/**
 * Resolves `ref` (a checkpoint id under `<home>/checkpoints`, or with `allowPath` a folder) and
 * reads it. Errors: `train.resume` naming what is missing or does not fit.
 */
export async function loadCheckpoint(
  home: string,
  ref: string,
  allowPath: boolean,
): Promise<Result<LoadedCheckpoint>> {
  const byId = /^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/.test(ref) && !ref.split('/').includes('..');
  const dir = byId
    ? path.join(home, CHECKPOINTS_FOLDER, ref)
    : allowPath
      ? path.resolve(ref)
      : null;
  if (!dir)
    return errResult(
      'train.resume',
      `"${ref}" is not a checkpoint id (run/name, e.g. 2026-12-07T04-10-00-googlenet/epoch-2).`,
    );
  const got = await readRecord(dir);
  if (!got.ok)
    return errResult(
      'train.resume',
      got.error.code === 'train.checkpoint.notFound'
        ? `No checkpoint ${ref} was found (${path.join(dir, 'checkpoint.json')} is missing).`
        : `The checkpoint ${ref} cannot be resumed: ${got.error.message}`,
    );
  const record = got.value;
  const designRead = await readCheckpointFile(dir, 'design.json', MAX_DESIGN_BYTES);
  if (!designRead.ok)
    return errResult('train.resume', `The checkpoint ${ref}: ${designRead.error.message}`);
  const parsed = parseDesign(designRead.value.toString('utf8'));
  if (!parsed.ok)
    return errResult(
      'train.resume',
      `The checkpoint ${ref}'s design.json cannot be read: ${parsed.errors.map((e) => e.message).join(' ')}`,
    );
  const design = parsed.design;
  const analysis = analyze(design);
  if (!analysis.valid)
    return errResult(
      'train.resume',
      `The checkpoint ${ref}'s design.json is not a valid design: ${analysis.issues
        .slice(0, 3)
        .map((i) => i.message)
        .join(' ')}`,
    );
  const spec = stateDictSpec(analysis.graph);
  // The weights and the optimizer's slots (two per tensor at most) of this design, no more.
  const weightsRead = await readCheckpointFile(dir, 'weights.safetensors', weightsFileLimit(spec));
  if (!weightsRead.ok)
    return errResult('train.resume', `The checkpoint ${ref}: ${weightsRead.error.message}`);
  const optRead = await readCheckpointFile(
    dir,
    'optimizer.safetensors',
    2 * weightsFileLimit(spec),
  );
  if (!optRead.ok)
    return errResult('train.resume', `The checkpoint ${ref}: ${optRead.error.message}`);
  const bytes = new Uint8Array(weightsRead.value);
  const optBytes = new Uint8Array(optRead.value);
  const weights = stateDictFromSafetensors(bytes, spec, 'weights.safetensors');
  if (!weights.ok)
    return errResult('train.resume', `The checkpoint ${ref}: ${weights.error.message}`);
  const opt = parseSafetensors(optBytes, 'optimizer.safetensors');
  if (!opt.ok) return errResult('train.resume', `The checkpoint ${ref}: ${opt.error.message}`);
  const slots = new Map<string, Record<string, Float32Array>>();
  let step = 0;
  for (const [name, t] of opt.value.tensors) {
    if (name === 'step') {
      step = t.dtype === 'I64' && t.shape.length === 0 ? Number(int64Values(t)[0]) : -1;
      if (!Number.isSafeInteger(step) || step < 0)
        return errResult(
          'train.resume',
          `The checkpoint ${ref}: optimizer.safetensors's step must be one int64 from 0; it is not.`,
        );
      continue;
    }
    const dot = name.lastIndexOf('.');
    if (dot <= 0 || t.dtype !== 'F32')
      return errResult(
        'train.resume',
        `The checkpoint ${ref}: optimizer.safetensors holds ${JSON.stringify(name)}, which is not a float32 <key>.<slot> of an optimizer's state.`,
      );
    const key = name.slice(0, dot);
    slots.set(key, { ...(slots.get(key) ?? {}), [name.slice(dot + 1)]: float32Values(t) });
  }
  return okResult({
    record,
    design,
    weights: weights.value,
    optimizer: {
      step,
      slots,
      imagesSeen: wholeOr(opt.value.metadata?.imagesSeen, record.position.imagesSeen),
    },
  });
}

/** `text` as a whole number from 0, else `fallback`. */
function wholeOr(text: string | undefined, fallback: number): number {
  const n = Number(text);
  return text !== undefined && /^\d+$/.test(text) && Number.isSafeInteger(n) ? n : fallback;
}

/**
 * What differs between the data a checkpoint was trained on (its record's `data`) and the data a
 * resume loaded: the image counts (another count is another shuffled order, so the resumed steps
 * would not continue the run), and for an image folder its classes (names and order) and
 * validation fraction. Empty when the resume may continue exactly; each entry is a phrase such as
 * "training images (1,000 then, 998 now)". Fashion-MNIST's folder may move: its files are fixed.
 */
export function dataMismatch(
  then: Readonly<Record<string, unknown>>,
  now: Readonly<Record<string, unknown>>,
): string[] {
  const out: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const fields: [string, string][] = [
    ['kind', 'data source'],
    ['trainCount', 'training images'],
    ['validationCount', 'validation images'],
    ['classNames', 'classes'],
    ['validationFraction', 'validation fraction'],
  ];
  for (const [key, noun] of fields)
    if (!same(then[key], now[key]))
      out.push(
        key === 'classNames'
          ? `${noun} (${(then[key] as unknown[] | undefined)?.length ?? 0} then, ${(now[key] as unknown[] | undefined)?.length ?? 0} now, or renamed)`
          : `${noun} (${JSON.stringify(then[key] ?? null)} then, ${JSON.stringify(now[key] ?? null)} now)`,
      );
  return out;
}
