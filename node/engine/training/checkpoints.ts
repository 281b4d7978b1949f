/**
 * Training checkpoints on disk: one folder each, never overwritten, holding `weights.safetensors`
 * (the state_dict, PyTorch's names, running statistics included), `optimizer.safetensors`
 * (`<key>.momentum_buffer` / `.exp_avg` / `.exp_avg_sq`, and `step`), `design.json` (the design
 * file as the app saves it) and `checkpoint.json` (data, request, history, position in the data).
 */
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { analyze } from '../../../core/analysis/analyze';
import type { Design, Layer } from '../../../core/model/types';
import { parseDesign, serializeDesign } from '../../../core/design/designFile';
import { errResult, okResult, type Result } from '../../../core/run/types';
import type { CheckpointInfo, TrainHistory, TrainRequest } from '../../../core/train/types';
import { stateDictSpec } from '../../../core/weights/stateDict';
import { writeFileAtomic } from '../../host/atomicFile';
import {
  float32Values,
  int64Values,
  parseSafetensors,
  writeSafetensors,
  type TensorToWrite,
} from '../safetensors';
import { stateDictFromSafetensors, stateDictToSafetensors, type StateDict } from '../weights';
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
}): Promise<CheckpointInfo> {
  let name = args.name;
  for (let i = 2; await stat(path.join(args.root, args.run, name)).catch(() => null); i++)
    name = `${args.name}-${i}`;
  const dir = path.join(args.root, args.run, name);
  await mkdir(dir, { recursive: true });
  const info: CheckpointInfo = {
    id: `${args.run}/${name}`,
    dir,
    weightsPath: path.join(dir, 'weights.safetensors'),
    designName: args.request.design.name,
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

async function readRecord(dir: string): Promise<CheckpointRecord | null> {
  try {
    const r = JSON.parse(
      await readFile(path.join(dir, 'checkpoint.json'), 'utf8'),
    ) as CheckpointRecord;
    return r?.format === CHECKPOINT_FORMAT
      ? { ...r, info: { ...r.info, dir, weightsPath: path.join(dir, 'weights.safetensors') } }
      : null;
  } catch {
    return null;
  }
}

/** Every complete checkpoint under `<home>/checkpoints`, newest first. */
export async function listCheckpoints(home: string): Promise<CheckpointInfo[]> {
  const root = path.join(home, CHECKPOINTS_FOLDER);
  const out: CheckpointInfo[] = [];
  const runs = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const run of runs.filter((e) => e.isDirectory())) {
    const names = await readdir(path.join(root, run.name), { withFileTypes: true }).catch(() => []);
    for (const n of names.filter((e) => e.isDirectory())) {
      const r = await readRecord(path.join(root, run.name, n.name));
      if (r) out.push({ ...r.info, id: `${run.name}/${n.name}` });
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
  const record = await readRecord(dir);
  if (!record)
    return errResult(
      'train.resume',
      `No checkpoint ${ref} was found (${path.join(dir, 'checkpoint.json')} is missing or not a checkpoint).`,
    );
  let designText: string;
  try {
    designText = await readFile(path.join(dir, 'design.json'), 'utf8');
  } catch {
    return errResult('train.resume', `The checkpoint ${ref} has no design.json.`);
  }
  const parsed = parseDesign(designText);
  if (!parsed.ok)
    return errResult(
      'train.resume',
      `The checkpoint ${ref}'s design.json cannot be read: ${parsed.errors.map((e) => e.message).join(' ')}`,
    );
  const design = parsed.design;
  const analysis = analyze(design);
  let bytes: Uint8Array;
  let optBytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path.join(dir, 'weights.safetensors')));
    optBytes = new Uint8Array(await readFile(path.join(dir, 'optimizer.safetensors')));
  } catch (e) {
    return errResult(
      'train.resume',
      `The checkpoint ${ref} cannot be read (${(e as Error).message}).`,
    );
  }
  const weights = stateDictFromSafetensors(
    bytes,
    stateDictSpec(analysis.graph),
    'weights.safetensors',
  );
  if (!weights.ok)
    return errResult('train.resume', `The checkpoint ${ref}: ${weights.error.message}`);
  const opt = parseSafetensors(optBytes, 'optimizer.safetensors');
  if (!opt.ok) return errResult('train.resume', `The checkpoint ${ref}: ${opt.error.message}`);
  const slots = new Map<string, Record<string, Float32Array>>();
  let step = 0;
  for (const [name, t] of opt.value.tensors) {
    if (name === 'step') {
      step = Number(int64Values(t)[0]);
      continue;
    }
    const dot = name.lastIndexOf('.');
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
      imagesSeen: Number(opt.value.metadata?.imagesSeen ?? record.position.imagesSeen),
    },
  });
}
