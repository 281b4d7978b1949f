/**
 * Schemas of every HostApi request payload (the argument list of each method). Electron main and
 * the browser host both validate what the renderer sends against these before any handler runs:
 * the renderer is untrusted input.
 */
import { z } from 'zod';
import { EXPORT_FORMAT_NAMES, type DesignFile, type HostApi, type HostMethod } from './contract';
import { BACKEND_NAMES, RUN_MODES, type RunInput, type RunRequest } from '../run/types';
import {
  DESIGN_FORMAT,
  DESIGN_VERSION,
  MAX_DESIGN_BYTES,
  validateDesign,
} from '../design/designFile';
import type { Design } from '../model/types';
import type { Ablation } from '../weights/ablation';
import type { TrainDataSource, TrainRequest } from '../train/types';
import { TRAIN_BOUNDS, TRAIN_REAL_BOUNDS } from '../train/request';

/** T with every `readonly` removed, deeply (tuples stay tuples); the contract's types are readonly, zod's are not. */
type Writable<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends object
    ? { -readonly [K in keyof T]: Writable<T[K]> }
    : T;

/** True when A and B are the same type apart from `readonly`: no member, key or union case more or less. */
export type SameType<A, B> =
  (<T>() => T extends Writable<A> ? 1 : 2) extends <T>() => T extends Writable<B> ? 1 : 2
    ? true
    : false;

/**
 * Returns `schema` unchanged; compiles only when the schema parses to exactly `T` (a narrower or a
 * wider schema asks for a second argument of type `never`, so the call fails to type-check).
 */
export const exactSchema =
  <T>() =>
  <S extends z.ZodType>(
    schema: S,
    ..._mismatch: SameType<z.output<S>, T> extends true ? [] : [never]
  ): S =>
    schema;

/** Longest path accepted from the renderer (Linux PATH_MAX). */
export const MAX_PATH_LENGTH = 4096;
/**
 * Largest exported file sent as bytes: inception-resnet-v2's ONNX model with its weights is
 * 213 MiB, Inception v4's 163 MiB; the browser host's binary body limit is this too.
 */
export const MAX_EXPORT_BYTES = 320 * 1024 * 1024;
/**
 * Largest exported content sent as a string (code, SVG, a base64 picture): at most 3 UTF-8 bytes a
 * character, so any string allowed here also fits MAX_EXPORT_BYTES once written. Binary files
 * (ONNX, PNG) travel as bytes, not as base64 strings.
 */
export const MAX_EXPORT_CHARS = Math.floor(MAX_EXPORT_BYTES / 3);
/** Run ids are short tokens the renderer makes up. */
const runId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "-" or "_"');

/** A checkpoint id of core/weights/pretrained.ts (the renderer may name only those, never a URL). */
const checkpointId = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a checkpoint id (letters, digits, ".", "-", "_")');

const path = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_PATH_LENGTH, `must be at most ${MAX_PATH_LENGTH} characters`)
  .refine((p) => !p.includes('\0'), 'must not contain a NUL character');

const designFile = exactSchema<DesignFile>()(
  z.strictObject({
    path: path.nullable(),
    text: z.string().max(MAX_DESIGN_BYTES, `must be at most ${MAX_DESIGN_BYTES} characters`),
  }),
);

/** A design object (as held by the renderer), checked and copied by the design file schema. */
const design = z.unknown().transform((value, ctx): Design => {
  const asFile =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? { format: DESIGN_FORMAT, version: DESIGN_VERSION, ...value }
      : value;
  const r = validateDesign(asFile);
  if (r.ok) return r.design;
  for (const e of r.errors)
    ctx.addIssue({ code: 'custom', message: `${e.path.replace(/^\$/, 'design')}: ${e.message}` });
  return z.NEVER;
});

const runInput = exactSchema<RunInput>()(
  z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('random') }),
    z.strictObject({
      kind: z.literal('sample'),
      name: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be a sample file name'),
    }),
    z.strictObject({ kind: z.literal('image'), path }),
  ]),
);

/** More switches than any module has branches times the modules of the largest network. */
const MAX_ABLATIONS = 1024;
/** A module id, step group or layer path: PyTorch attribute paths. */
const modulePath = z
  .string()
  .regex(
    /^[A-Za-z0-9_.]{1,256}$/,
    'must be a module, branch or layer name (letters, digits, "_", ".")',
  );
const ablation = exactSchema<Ablation>()(
  z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('branchOff'), module: modulePath, branch: modulePath }),
    z.strictObject({
      kind: z.literal('topFilters'),
      layer: modulePath,
      keep: z.number().int().min(1).max(65536),
    }),
  ]),
);

const runRequest = exactSchema<RunRequest>()(
  z.strictObject({
    design,
    mode: z.enum(RUN_MODES),
    batch: z.number().int().min(1).max(256).optional(),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1),
    input: runInput,
    weightsPath: path.optional(),
    reinitMismatched: z.boolean().optional(),
    ablations: z.array(ablation).max(MAX_ABLATIONS).optional(),
    timeoutMs: z
      .number()
      .int()
      .min(1)
      .max(24 * 60 * 60 * 1000)
      .optional(),
    featureMaps: z.union([z.boolean(), z.array(z.string().min(1).max(256)).max(10_000)]).optional(),
    moduleTimes: z.boolean().optional(),
    backend: z.enum(BACKEND_NAMES).optional(),
  }),
);

const exportRequest = exactSchema<Parameters<HostApi['exportFile']>[0]>()(
  z.strictObject({
    format: z.enum(EXPORT_FORMAT_NAMES),
    suggestedName: z
      .string()
      .min(1)
      .max(255)
      .refine(
        (n) => !/[/\\\0]/.test(n) && n !== '.' && n !== '..',
        'must be a file name without folders',
      ),
    content: z.union([
      z.string().max(MAX_EXPORT_CHARS, `must be at most ${MAX_EXPORT_CHARS} characters`),
      z
        .custom<Uint8Array>((b) => b instanceof Uint8Array, 'must be text or bytes')
        .refine(
          (b) => b.byteLength <= MAX_EXPORT_BYTES,
          `must be at most ${MAX_EXPORT_BYTES} bytes`,
        ),
    ]),
    base64: z.boolean().optional(),
  }),
);

const trainData = exactSchema<TrainDataSource>()(
  z.discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('fashion-mnist'),
      dir: path.optional(),
      download: z.boolean().optional(),
    }),
    z.strictObject({
      kind: z.literal('folder'),
      path,
      validationFraction: z.number().min(0).max(0.9).optional(),
    }),
    z.strictObject({ kind: z.literal('random') }),
  ]),
);
const whole = (field: keyof typeof TRAIN_BOUNDS) =>
  z.number().int().min(TRAIN_BOUNDS[field][0]).max(TRAIN_BOUNDS[field][1]);
const real = (field: keyof typeof TRAIN_REAL_BOUNDS) =>
  z.number().min(TRAIN_REAL_BOUNDS[field][0]).max(TRAIN_REAL_BOUNDS[field][1]);
/** A training request, every number bounded (core/train/request.ts). */
const trainRequest = exactSchema<TrainRequest>()(
  z.strictObject({
    design,
    data: trainData,
    epochs: whole('epochs'),
    steps: whole('steps').optional(),
    limit: whole('limit').optional(),
    batch: whole('batch'),
    optimizer: z.enum(['sgd', 'adam']),
    lr: real('lr'),
    momentum: real('momentum'),
    weightDecay: real('weightDecay'),
    auxWeight: real('auxWeight'),
    schedule: z.enum(['constant', 'step', 'cosine']),
    dropout: z.boolean(),
    seed: whole('seed'),
    engine: z.enum(['auto', 'onnxruntime', 'tfjs']).optional(),
    resume: z
      .string()
      .regex(
        /^[A-Za-z0-9._-]{1,128}\/[A-Za-z0-9._-]{1,128}$/,
        'must be a checkpoint id (run/name, as trainCheckpoints lists them)',
      )
      .refine((r) => !r.split('/').some((p) => p === '.' || p === '..'), 'must not name . or ..')
      .optional(),
  }),
);
/** A confusion-matrix row or column: class indices are below 100,000. */
const classIndex = z.number().int().min(0).max(99_999);

/** The argument tuple each request method takes, exactly as HostApi declares it. */
export const hostArgSchemas = {
  getInfo: exactSchema<Parameters<HostApi['getInfo']>>()(z.tuple([])),
  openDesign: exactSchema<Parameters<HostApi['openDesign']>>()(z.tuple([])),
  saveDesign: exactSchema<Parameters<HostApi['saveDesign']>>()(z.tuple([designFile])),
  saveDesignAs: exactSchema<Parameters<HostApi['saveDesignAs']>>()(z.tuple([designFile])),
  exportFile: exactSchema<Parameters<HostApi['exportFile']>>()(z.tuple([exportRequest])),
  autosave: exactSchema<Parameters<HostApi['autosave']>>()(z.tuple([designFile])),
  takeRecovery: exactSchema<Parameters<HostApi['takeRecovery']>>()(z.tuple([])),
  recentFiles: exactSchema<Parameters<HostApi['recentFiles']>>()(z.tuple([])),
  openRecent: exactSchema<Parameters<HostApi['openRecent']>>()(z.tuple([path])),
  listSamples: exactSchema<Parameters<HostApi['listSamples']>>()(z.tuple([])),
  chooseWeights: exactSchema<Parameters<HostApi['chooseWeights']>>()(z.tuple([])),
  grantDroppedWeights: exactSchema<Parameters<HostApi['grantDroppedWeights']>>()(z.tuple([path])),
  reuseWeights: exactSchema<Parameters<HostApi['reuseWeights']>>()(z.tuple([path])),
  run: exactSchema<Parameters<HostApi['run']>>()(z.tuple([runId, runRequest])),
  cancelRun: exactSchema<Parameters<HostApi['cancelRun']>>()(z.tuple([runId])),
  weightsList: exactSchema<Parameters<HostApi['weightsList']>>()(z.tuple([])),
  weightsFetch: exactSchema<Parameters<HostApi['weightsFetch']>>()(z.tuple([checkpointId])),
  cancelWeightsFetch: exactSchema<Parameters<HostApi['cancelWeightsFetch']>>()(
    z.tuple([checkpointId]),
  ),
  train: exactSchema<Parameters<HostApi['train']>>()(z.tuple([runId, trainRequest])),
  cancelTrain: exactSchema<Parameters<HostApi['cancelTrain']>>()(z.tuple([runId])),
  pauseTrain: exactSchema<Parameters<HostApi['pauseTrain']>>()(z.tuple([runId, z.boolean()])),
  trainCheckpoints: exactSchema<Parameters<HostApi['trainCheckpoints']>>()(z.tuple([])),
  trainSamples: exactSchema<Parameters<HostApi['trainSamples']>>()(
    z.tuple([runId, classIndex, classIndex, z.number().int().min(1).max(16)]),
  ),
  chooseDataFolder: exactSchema<Parameters<HostApi['chooseDataFolder']>>()(z.tuple([])),
} satisfies { readonly [M in HostMethod]: z.ZodType<Parameters<HostApi[M]>, unknown> };
// `satisfies` keeps the keys complete; exactSchema makes each schema's parsed type equal the contract's.

export type HostArgs<M extends HostMethod> = Parameters<HostApi[M]>;

export interface ArgIssue {
  /** Where in the argument list, e.g. `args[1].design.modules[3].params.out_3x3`. */
  readonly path: string;
  readonly message: string;
}

/** Validates the argument list of `method`; the parsed copy on success, every issue on failure. */
export function parseHostArgs<M extends HostMethod>(
  method: M,
  args: unknown,
): { ok: true; args: HostArgs<M> } | { ok: false; issues: ArgIssue[] } {
  const schema = hostArgSchemas[method] as unknown as z.ZodType<HostArgs<M>>;
  const r = schema.safeParse(args);
  if (r.success) return { ok: true, args: r.data };
  const issues = r.error.issues.slice(0, 20).map((i) => ({
    path: i.path.reduce<string>(
      (s, p) => (typeof p === 'number' ? `${s}[${p}]` : `${s}.${String(p)}`),
      'args',
    ),
    message: i.message,
  }));
  return { ok: false, issues };
}

/** One sentence describing why a payload was refused. */
export function describeArgIssues(method: string, issues: readonly ArgIssue[]): string {
  const shown = issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`);
  const more = issues.length > shown.length ? ` (and ${issues.length - shown.length} more)` : '';
  return `The request "${method}" was refused because its arguments are invalid: ${shown.join('; ')}${more}.`;
}
