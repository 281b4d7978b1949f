/**
 * The rules of checkpoints' key names: which tensor of a checkpoint file feeds which state_dict entry
 * of a design. Pure and cheap (O(keys)); the engine reads the tensors, this only decides the names.
 *
 * Sources for the naming schemes: torchvision 0.14 `models/googlenet.py` and `models/inception.py`;
 * timm `models/inception_v3.py`, `inception_v4.py`, `inception_resnet_v2.py`; Cadene
 * pretrained-models.pytorch `models/inceptionv4.py`, `inceptionresnetv2.py`, `bninception.py`,
 * `torchvision_models.py`; see also shared/spec/family.md ("Trained weights").
 */
import type { ErrorInfo } from '../run/types';
import type { StateEntry } from './stateDict';

/** What a checkpoint holds for one key: its shape and dtype (`F32`, `I64`, …) as the file names it. */
export interface FileTensorInfo {
  readonly shape: readonly number[];
  readonly dtype: string;
}

/**
 * How a file tensor becomes the design's tensor. `dropBackgroundRow`: the file's classifier has
 * 1001 rows (TensorFlow's background class at row 0); drop row 0 of the `[1001, F]` weight or the
 * `[1001]` bias, so design class i is file class i + 1.
 */
export type TensorTransform = 'none' | 'dropBackgroundRow';

/** One design key fed from the file. */
export interface KeyAssignment {
  readonly designKey: string;
  readonly fileKey: string;
  readonly transform: TensorTransform;
}

/**
 * Why a design key gets nothing from the file: not there (`missing`), another shape (`shape`), another
 * class count (`classes`), or a bias that fits while its layer's weight does not (`partner`).
 */
export type UnmappedReason = 'missing' | 'shape' | 'classes' | 'partner';

/** A design key left with its own (initial) value. `fileKey`/`fileShape` are the file's candidate, if any. */
export interface UnmappedKey {
  readonly designKey: string;
  readonly designShape: readonly number[];
  readonly reason: UnmappedReason;
  readonly fileKey: string | null;
  readonly fileShape: readonly number[] | null;
  /** A full sentence, e.g. "`fc.weight`: the file's `fc.weight` is [1001, 2048]; the design needs [10, 2048]." */
  readonly message: string;
}

/** A module rename of one reference naming scheme into the design's, applied to the file's keys. */
export interface SchemeRename {
  /** e.g. `Cadene pretrainedmodels inceptionresnetv2 → timm` */
  readonly scheme: string;
  /** Module path in the file (`last_linear`) and in the design (`classif`). */
  readonly from: string;
  readonly to: string;
  /** How many file keys it renamed. */
  readonly keys: number;
}

/** The result of {@link mapCheckpoint}: everything it did, so runs and the UI can say so. */
export interface CheckpointMapping {
  /** Design keys fed from the file, in state_dict order. */
  readonly assignments: readonly KeyAssignment[];
  /** Prefix removed from (or put before) the file's keys to make them fit, or null. */
  readonly prefix: { readonly kind: 'strip' | 'add'; readonly prefix: string } | null;
  readonly renames: readonly SchemeRename[];
  /** A classifier matched by its shape under another module name (`head` → `fc`), or null. */
  readonly classifierMatch: { readonly fileModule: string; readonly designModule: string } | null;
  /** Design modules whose classifier rows were cut from 1001 to 1000 (dropBackgroundRow). */
  readonly backgroundRowDropped: readonly string[];
  /** Design `num_batches_tracked` counters the file lacks; they keep the design's values. */
  readonly countersKept: readonly string[];
  /** Design keys (not counters) the file does not feed, in state_dict order, each with its reason. */
  readonly unmapped: readonly UnmappedKey[];
  /** File keys that feed nothing, in file order (with the original, unstripped names). */
  readonly unusedFileKeys: readonly string[];
  /** Full sentences for the run's notes and the UI. */
  readonly notes: readonly string[];
  /**
   * The sentences of `notes` that say what the mapping did (prefix, renames, classifier, 1001 → 1000,
   * counters), without the closing counts of what it left out, which a load reports itself.
   */
  readonly actions: readonly string[];
}

export interface MapCheckpointOptions {
  /** The preset the design comes from (`inception-resnet-v2`, …), to pick its naming schemes; null: try every scheme. */
  readonly preset?: string | null;
}

interface SchemeTable {
  /** The design's naming: the reference whose keys the preset's state_dict has. */
  readonly design: string;
  /** Other references' names for the same network: module renames from their naming to the design's. */
  readonly schemes: readonly {
    readonly scheme: string;
    readonly renames: readonly (readonly [from: string, to: string])[];
  }[];
}

/**
 * Reference naming schemes by preset, as data. Only the differences are listed; everything else is
 * the same key for key (checked against the references' state_dicts, see tools/torch/make_reference_checkpoints.py):
 * - inception-v3 (torchvision): timm's `inception_v3` and its `tf_`/`adv_`/`gluon_` ports use
 *   torchvision's names (the tf ports' `fc` has 1001 rows, timm's `label_offset=1`); Cadene's
 *   `inceptionv3` is torchvision's network with `fc` renamed `last_linear` (AuxLogits.fc unchanged).
 * - inception-v4 (timm): Cadene's `inceptionv4` has the same names (`last_linear`, 1001 rows).
 * - inception-resnet-v2 (timm): Cadene's `inceptionresnetv2` calls the classifier `last_linear`
 *   (1001 rows) where timm says `classif`.
 * - bn-inception is Cadene's `bninception`; googlenet-torchvision is torchvision's `googlenet`;
 *   no other reference names them differently.
 * - The tutorial `googlenet` preset is not torchvision's network under other names (its convs have
 *   biases, its stem has one conv fewer), so no table maps torchvision's GoogLeNet onto it.
 */
const SCHEMES: ReadonlyMap<string, SchemeTable> = new Map(
  Object.entries({
    'inception-v3': {
      design: 'torchvision inception_v3',
      schemes: [
        {
          scheme: 'Cadene pretrainedmodels inceptionv3 → torchvision',
          renames: [['last_linear', 'fc']],
        },
      ],
    },
    'inception-resnet-v2': {
      design: 'timm inception_resnet_v2',
      schemes: [
        {
          scheme: 'Cadene pretrainedmodels inceptionresnetv2 → timm',
          renames: [['last_linear', 'classif']],
        },
      ],
    },
  } satisfies Record<string, SchemeTable>),
);

/** Prefixes wrappers put before every key: DataParallel, Lightning-style `model.`, and others seen in the wild. */
const COMMON_PREFIXES = [
  'module.',
  'model.',
  'net.',
  'main_branch.',
  'backbone.',
  'module.module.',
] as const;

const COUNTER_SUFFIX = '.num_batches_tracked';
const BACKGROUND_CLASSES = 1001;
const IMAGENET_CLASSES = 1000;

const fmtShape = (s: readonly number[] | null): string => (s ? `[${s.join(', ')}]` : 'absent');
const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);
const count = (n: number, one: string, many = `${one}s`): string =>
  `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const moduleOf = (key: string): string => key.slice(0, Math.max(0, key.lastIndexOf('.')));

/** The longest dotted prefix (ending in `.`) that every key starts with; '' if none. Never a whole key. */
function commonDottedPrefix(keys: readonly string[]): string {
  if (keys.length === 0) return '';
  let parts = moduleOf(keys[0]!).split('.');
  for (const k of keys) {
    const p = moduleOf(k).split('.');
    let i = 0;
    while (i < parts.length && i < p.length && parts[i] === p[i]) i++;
    parts = parts.slice(0, i);
    if (parts.length === 0 || parts[0] === '') return '';
  }
  return parts.length > 0 && parts[0] !== '' ? `${parts.join('.')}.` : '';
}

type Rewrite = { kind: 'strip' | 'add'; prefix: string } | null;

function rewrite(key: string, r: Rewrite): string {
  if (!r) return key;
  if (r.kind === 'add') return r.prefix + key;
  return key.startsWith(r.prefix) ? key.slice(r.prefix.length) : key;
}

/** The prefix rewrite of the file's keys that makes the most design keys match by name (none unless strictly more). */
function choosePrefix(
  fileKeys: readonly string[],
  design: ReadonlyMap<string, StateEntry>,
): Rewrite {
  const hits = (r: Rewrite): number => {
    let n = 0;
    for (const k of fileKeys) if (design.has(rewrite(k, r))) n++;
    return n;
  };
  const candidates: Rewrite[] = [];
  const seen = new Set<string>();
  const push = (kind: 'strip' | 'add', prefix: string): void => {
    if (prefix === '' || seen.has(`${kind}:${prefix}`)) return;
    seen.add(`${kind}:${prefix}`);
    candidates.push({ kind, prefix });
  };
  push('strip', commonDottedPrefix(fileKeys));
  for (const p of COMMON_PREFIXES) if (fileKeys.some((k) => k.startsWith(p))) push('strip', p);
  const designKeys = [...design.keys()];
  push('add', commonDottedPrefix(designKeys));
  for (const p of COMMON_PREFIXES)
    if (designKeys.length > 0 && designKeys.every((k) => k.startsWith(p))) push('add', p);
  let best: Rewrite = null;
  let bestHits = hits(null);
  for (const c of candidates) {
    const h = hits(c);
    if (h > bestHits) [best, bestHits] = [c, h];
  }
  return best;
}

/** The design's main classifier: the last 2-D `.weight` in state_dict order with a matching 1-D bias. */
function designClassifier(
  spec: readonly StateEntry[],
): { module: string; rows: number; cols: number } | null {
  for (let i = spec.length - 1; i >= 0; i--) {
    const e = spec[i]!;
    if (e.role !== 'param' || !e.key.endsWith('.weight') || e.shape.length !== 2) continue;
    const module = moduleOf(e.key);
    const bias = spec.find((b) => b.key === `${module}.bias`);
    if (bias && sameShape(bias.shape, [e.shape[0]!]))
      return { module, rows: e.shape[0]!, cols: e.shape[1]! };
    return null;
  }
  return null;
}

/**
 * Maps a checkpoint's keys onto a design's state_dict entries, conservatively and deterministically:
 * 1. a prefix is stripped from (or added to) the file's keys only if that makes more design keys match
 *    by name: the keys' longest common dotted prefix, `module.` (DataParallel), `model.`, `net.`,
 *    `main_branch.`, `backbone.`, `module.module.`;
 * 2. the preset's reference naming schemes rename modules (`last_linear` → `classif`, …);
 * 3. a classifier under another module name is matched by shape, only if it is the one unused
 *    file module with a `[C, F]` weight and `[C]` bias fitting the design's unfed classifier;
 * 4. a `[1001, …]` classifier feeds a `[1000, …]` one by dropping row 0 (TensorFlow's background).
 * Never maps two file keys onto one design key. Missing `num_batches_tracked` counters are kept.
 *
 * @param file the checkpoint's keys with shapes and dtypes, in file order (any text; `__proto__` is harmless)
 * @param spec the design's entries from `stateDictSpec`
 * @returns the mapping; design keys left out are in `unmapped`, file keys left over in `unusedFileKeys`.
 *   It never fails: see {@link checkpointMappingError} for when a load should refuse it.
 */
export function mapCheckpoint(
  file: ReadonlyMap<string, FileTensorInfo>,
  spec: readonly StateEntry[],
  options: MapCheckpointOptions = {},
): CheckpointMapping {
  const design = new Map<string, StateEntry>();
  for (const e of spec) design.set(e.key, e);
  const fileKeys = [...file.keys()];
  const notes: string[] = [];

  // 1. Prefix.
  const prefix = choosePrefix(fileKeys, design);
  const nameOf = new Map<string, string>(); // file key → candidate design name
  for (const k of fileKeys) nameOf.set(k, rewrite(k, prefix));
  if (prefix?.kind === 'strip') {
    const n = fileKeys.filter((k) => k.startsWith(prefix.prefix)).length;
    const why =
      prefix.prefix === 'module.'
        ? ' (a DataParallel checkpoint)'
        : prefix.prefix === 'module.module.'
          ? ' (a DataParallel checkpoint saved twice wrapped)'
          : '';
    const of =
      n === fileKeys.length
        ? `all ${count(n, 'key')}`
        : `${count(n, 'key')} of ${fileKeys.length.toLocaleString('en-US')}`;
    notes.push(`Stripped the prefix \`${prefix.prefix}\` from ${of}${why}.`);
  } else if (prefix?.kind === 'add') {
    notes.push(
      `Put the prefix \`${prefix.prefix}\` before all ${count(fileKeys.length, 'key')} of the checkpoint, as the design names them.`,
    );
  } else {
    const lcp = commonDottedPrefix(fileKeys);
    if (lcp !== '' && fileKeys.length > 1 && !fileKeys.some((k) => design.has(k)))
      notes.push(
        `The checkpoint's keys all start with \`${lcp}\`, but stripping it matches no more of the design's keys, so it was kept.`,
      );
  }

  // 2. Naming schemes: rename a module only where the file has it and the design has the target instead.
  const renames: SchemeRename[] = [];
  const own = options.preset ? SCHEMES.get(options.preset) : undefined;
  const tables = options.preset ? (own ? [own] : []) : [...SCHEMES.values()];
  const designModules = new Set<string>();
  for (const e of spec) {
    const m = moduleOf(e.key);
    for (let i = m.indexOf('.'); ; i = m.indexOf('.', i + 1)) {
      designModules.add(i < 0 ? m : m.slice(0, i));
      if (i < 0) break;
    }
  }
  const fedNames = new Set<string>();
  for (const k of fileKeys) if (design.has(nameOf.get(k)!)) fedNames.add(nameOf.get(k)!);
  for (const table of tables) {
    for (const { scheme, renames: rules } of table.schemes) {
      for (const [from, to] of rules) {
        if (designModules.has(from) || !designModules.has(to)) continue;
        const hit = fileKeys.filter((k) => nameOf.get(k)!.startsWith(`${from}.`));
        const targets = hit.map((k) => to + nameOf.get(k)!.slice(from.length));
        if (hit.length === 0 || targets.some((t) => fedNames.has(t))) continue;
        hit.forEach((k, i) => nameOf.set(k, targets[i]!));
        targets.forEach((t) => fedNames.add(t));
        renames.push({ scheme, from, to, keys: hit.length });
        notes.push(
          `Renamed the checkpoint's \`${from}\` to the design's \`${to}\` (${scheme}: ${from} → ${to}).`,
        );
      }
    }
  }

  // 3. Claim design keys by name; a second file key for one design key loses (an untransformed exact name wins).
  const claimed = new Map<string, string>(); // design key → file key
  const conflicts: string[] = [];
  const byExactFirst = [...fileKeys].sort(
    (a, b) => Number(nameOf.get(b) === b) - Number(nameOf.get(a) === a),
  );
  for (const k of byExactFirst) {
    const name = nameOf.get(k)!;
    if (!design.has(name)) continue;
    if (claimed.has(name)) conflicts.push(k);
    else claimed.set(name, k);
  }
  if (conflicts.length > 0)
    notes.push(
      `${count(conflicts.length, 'checkpoint key')} would feed a design key already fed by another and ${conflicts.length === 1 ? 'was' : 'were'} left unused: ${conflicts.map((k) => `\`${k}\``).join(', ')}.`,
    );

  // 4. Classifier by shape under another name.
  let classifierMatch: CheckpointMapping['classifierMatch'] = null;
  const head = designClassifier(spec);
  if (head && !claimed.has(`${head.module}.weight`) && !claimed.has(`${head.module}.bias`)) {
    const used = new Set(claimed.values());
    const rowsOk = (r: number): boolean =>
      r === head.rows || (head.rows === IMAGENET_CLASSES && r === BACKGROUND_CLASSES);
    const found: { wKey: string; bKey: string; fileModule: string }[] = [];
    for (const k of fileKeys) {
      if (used.has(k) || !k.endsWith('.weight')) continue;
      const w = file.get(k)!;
      const bKey = `${k.slice(0, -'.weight'.length)}.bias`;
      const b = file.get(bKey);
      if (w.shape.length !== 2 || w.shape[1] !== head.cols || !rowsOk(w.shape[0]!)) continue;
      if (!b || used.has(bKey) || !sameShape(b.shape, [w.shape[0]!])) continue;
      found.push({ wKey: k, bKey, fileModule: moduleOf(nameOf.get(k)!) });
    }
    if (found.length === 1) {
      const f = found[0]!;
      claimed.set(`${head.module}.weight`, f.wKey);
      claimed.set(`${head.module}.bias`, f.bKey);
      nameOf.set(f.wKey, `${head.module}.weight`);
      nameOf.set(f.bKey, `${head.module}.bias`);
      classifierMatch = { fileModule: f.fileModule, designModule: head.module };
      notes.push(
        `Matched the checkpoint's classifier \`${f.fileModule}\` to the design's \`${head.module}\` by its shape ([${file.get(f.wKey)!.shape.join(', ')}] weight and bias).`,
      );
    } else if (found.length > 1) {
      notes.push(
        `The design's classifier \`${head.module}\` is not in the checkpoint, and ${found.length} of its modules have a fitting shape (${found.map((f) => `\`${f.fileModule}\``).join(', ')}), so none was taken.`,
      );
    }
  }

  // 5. Shapes, 1001 → 1000, counters.
  const assignments: KeyAssignment[] = [];
  const unmapped: UnmappedKey[] = [];
  const countersKept: string[] = [];
  const dropped = new Set<string>();
  const feeding = new Set<string>();
  for (const e of spec) {
    const fileKey = claimed.get(e.key) ?? null;
    const info = fileKey === null ? null : file.get(fileKey)!;
    if (info === null || fileKey === null) {
      if (e.role === 'counter' || e.key.endsWith(COUNTER_SUFFIX)) countersKept.push(e.key);
      else
        unmapped.push({
          designKey: e.key,
          designShape: e.shape,
          reason: 'missing',
          fileKey: null,
          fileShape: null,
          message: `\`${e.key}\` ${fmtShape(e.shape)} is not in the checkpoint.`,
        });
      continue;
    }
    if (sameShape(info.shape, e.shape)) {
      assignments.push({ designKey: e.key, fileKey, transform: 'none' });
      feeding.add(fileKey);
      continue;
    }
    const isHeadTensor =
      /\.(weight|bias)$/.test(e.key) && e.shape.length <= 2 && e.role === 'param';
    const background =
      isHeadTensor &&
      e.shape[0] === IMAGENET_CLASSES &&
      info.shape[0] === BACKGROUND_CLASSES &&
      sameShape(info.shape.slice(1), e.shape.slice(1));
    if (background) {
      assignments.push({ designKey: e.key, fileKey, transform: 'dropBackgroundRow' });
      feeding.add(fileKey);
      dropped.add(moduleOf(e.key));
      continue;
    }
    const classes =
      isHeadTensor &&
      info.shape[0] !== e.shape[0] &&
      sameShape(info.shape.slice(1), e.shape.slice(1));
    unmapped.push({
      designKey: e.key,
      designShape: e.shape,
      reason: classes ? 'classes' : 'shape',
      fileKey,
      fileShape: info.shape,
      message: classes
        ? `\`${e.key}\`: the checkpoint's \`${fileKey}\` has ${info.shape[0]} classes ${fmtShape(info.shape)}; the design has ${e.shape[0]} ${fmtShape(e.shape)}.`
        : `\`${e.key}\`: the checkpoint's \`${fileKey}\` is ${fmtShape(info.shape)}; the design needs ${fmtShape(e.shape)}.`,
    });
  }
  // Half a layer is not the checkpoint's layer: a bias that fits goes unloaded when its weight does not.
  const unfit = new Set(
    unmapped
      .filter((u) => u.reason !== 'missing' && u.designKey.endsWith('.weight'))
      .map((u) => moduleOf(u.designKey)),
  );
  const order = new Map(spec.map((e, i) => [e.key, i]));
  for (const a of assignments.filter(
    (x) => x.designKey.endsWith('.bias') && unfit.has(moduleOf(x.designKey)),
  )) {
    const m = moduleOf(a.designKey);
    assignments.splice(assignments.indexOf(a), 1);
    feeding.delete(a.fileKey);
    unmapped.push({
      designKey: a.designKey,
      designShape: design.get(a.designKey)!.shape,
      reason: 'partner',
      fileKey: a.fileKey,
      fileShape: file.get(a.fileKey)!.shape,
      message: `\`${a.designKey}\` fits, but \`${m}.weight\` does not, so the layer keeps its initial values.`,
    });
  }
  unmapped.sort((x, y) => order.get(x.designKey)! - order.get(y.designKey)!);
  for (const m of dropped)
    notes.push(
      `The checkpoint's classifier for \`${m}\` has 1001 classes (TensorFlow's, with a background class at row 0); row 0 was dropped, so output i is ImageNet class i (the file's class i + 1).`,
    );
  if (countersKept.length > 0 && assignments.length > 0)
    notes.push(
      `The checkpoint has no \`num_batches_tracked\` counters for ${count(countersKept.length, 'batch-norm layer')} (older PyTorch did not save them); the design's values are kept.`,
    );

  const unusedFileKeys = fileKeys.filter((k) => !feeding.has(k));
  // What the mapping did, before the sentences that sum up what it could not do.
  const actions = [...notes];
  const mappedParams = assignments.length;
  if (mappedParams === 0)
    notes.push(
      fileKeys.length === 0
        ? 'The checkpoint holds no tensors.'
        : `None of the checkpoint's ${count(fileKeys.length, 'key')} fit the design's ${count(spec.length, 'key')} (e.g. \`${fileKeys[0]}\` against \`${spec[0]?.key ?? '—'}\`).`,
    );
  else if (unmapped.length > 0)
    notes.push(
      `${count(unmapped.length, 'design key')} of ${spec.length.toLocaleString('en-US')} ${unmapped.length === 1 ? 'gets' : 'get'} nothing from the checkpoint: ${unmapped
        .slice(0, 3)
        .map((u) => `\`${u.designKey}\``)
        .join(', ')}${unmapped.length > 3 ? ', …' : ''}.`,
    );
  if (unusedFileKeys.length > 0 && mappedParams > 0)
    notes.push(
      `${count(unusedFileKeys.length, 'checkpoint key')} ${unusedFileKeys.length === 1 ? 'is' : 'are'} not used: ${unusedFileKeys
        .slice(0, 3)
        .map((k) => `\`${k}\``)
        .join(', ')}${unusedFileKeys.length > 3 ? ', …' : ''}.`,
    );

  return {
    assignments,
    prefix,
    renames,
    classifierMatch,
    backgroundRowDropped: [...dropped],
    countersKept,
    unmapped,
    unusedFileKeys,
    notes,
    actions,
  };
}

/**
 * Whether a load should refuse a mapping. Strict loading refuses any unmapped design key
 * (`weights.unmapped`); with `reinitMismatched` the unmapped keys keep their initial values, but a
 * mapping that feeds nothing is still refused (`weights.nothingMapped`), so it never silently loads nothing.
 * @returns null when the load may go ahead.
 */
export function checkpointMappingError(
  mapping: CheckpointMapping,
  options: { readonly reinitMismatched: boolean },
): ErrorInfo | null {
  if (mapping.assignments.length === 0)
    return {
      code: 'weights.nothingMapped',
      message:
        `No tensor of the checkpoint fits the design, so nothing would be loaded. ${mapping.notes.at(-1) ?? ''}`.trim(),
    };
  if (mapping.unmapped.length > 0 && !options.reinitMismatched) {
    const n = mapping.unmapped.length;
    return {
      code: 'weights.unmapped',
      message: `${count(n, 'tensor')} of the design ${n === 1 ? 'is' : 'are'} not in the checkpoint or ${n === 1 ? 'does' : 'do'} not fit: ${mapping.unmapped
        .slice(0, 3)
        .map((u) => u.message)
        .join(
          ' ',
        )}${n > 3 ? ` …and ${n - 3} more.` : ''} Use --reinit-mismatched to keep their initial values.`,
    };
  }
  return null;
}
