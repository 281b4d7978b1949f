/**
 * Reads the files `torch.save` writes, without Python: the zip format (PyTorch ≥ 1.6:
 * `<archive>/data.pkl` + `<archive>/data/<key>`) and the legacy format (magic number, protocol
 * 1001, sys_info, the main pickle, the storage keys, then each storage as an int64 element count
 * and raw bytes). Source: torch/serialization.py (`_save`, `_legacy_save`, `_load`).
 *
 * Order of work, so a hostile file costs nothing: the whole pickle is read first through the
 * allowlist unpickler (pickle.ts); only then are the storages the chosen state_dict needs located,
 * bounds-checked and converted. Storages no tensor of the state_dict uses (an optimizer's) are
 * never read.
 */
import { errResult, okResult, type Result } from '../../core/run/types';
import { PyDict, PyTuple, TensorRef, unpickle, type PyValue, type StorageRef } from './pickle';
import { ELEMENT_BYTES, elementCount, gather, type LoadedTensor } from './tensors';
import { looksLikeZip, readZipDirectory, zipEntryBytes } from './zip';

export interface CheckpointOptions {
  /** Most float32 bytes the returned tensors may take together (default 1 GiB). */
  readonly maxOutputBytes?: number;
  /** Most tensors accepted (default 100,000). */
  readonly maxTensors?: number;
  /** Called with each storage key as it is read; tests use it to see that nothing was. */
  readonly onStorageRead?: (key: string) => void;
}

export interface Checkpoint {
  readonly format: 'zip' | 'legacy';
  /** The state_dict's tensors, by key, in the file's order. */
  readonly tensors: ReadonlyMap<string, LoadedTensor>;
  /** The top-level key the state_dict was found under (`state_dict`, `model`, …), or null for a bare one. */
  readonly stateDictKey: string | null;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 ** 3;
/** Largest data.pkl read; a state_dict's pickle is a few hundred KB. */
const MAX_PICKLE_BYTES = 256 * 1024 ** 2;
/** Keys a training script stores its state_dict under, tried in this order. */
export const STATE_DICT_KEYS = [
  'state_dict',
  'model_state_dict',
  'model',
  'net',
  'network',
  'state',
  'module',
  'model_ema',
  'ema',
  'params',
] as const;

// 0x1950a86a20f9469cfc6c, pickled as LONG1 with 10 little-endian bytes.
const LEGACY_MAGIC = [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
const LEGACY_MAGIC_NUMBER = 0x1950a86a20f9469cfc6cn;

/** Whether bytes start like a legacy torch.save file: a protocol-2 pickle of the magic number. */
export function looksLikeLegacyCheckpoint(bytes: Uint8Array): boolean {
  return (
    bytes.byteLength >= 14 &&
    bytes[0] === 0x80 &&
    bytes[1] === 0x02 &&
    LEGACY_MAGIC.every((b, i) => bytes[2 + i] === b)
  );
}

/** Whether bytes are a torch.save file (zip or legacy), by content. */
export function looksLikeCheckpoint(bytes: Uint8Array): boolean {
  return looksLikeZip(bytes) || looksLikeLegacyCheckpoint(bytes);
}

/**
 * Reads the state_dict of a torch.save file (zip or legacy, detected by content) as float32
 * tensors. Errors (values, never throws): `weights.format` (not a checkpoint, no state_dict),
 * `weights.unsafePickle` (a global outside the allowlist, refused before any storage is read),
 * `weights.tooLarge` (over `maxOutputBytes`, too many tensors, too deep), `weights.truncated`
 * (a storage or entry past the end of the file).
 */
export function readCheckpoint(
  bytes: Uint8Array,
  source: string,
  options: CheckpointOptions = {},
): Result<Checkpoint> {
  if (looksLikeZip(bytes)) return readZipCheckpoint(bytes, source, options);
  if (looksLikeLegacyCheckpoint(bytes)) return readLegacyCheckpoint(bytes, source, options);
  return errResult(
    'weights.format',
    `${source} is not a PyTorch checkpoint: it starts neither like a zip archive nor like a legacy torch.save pickle.`,
  );
}

/** Storage bytes by key, as each format lays them out. */
type StorageBytes = (ref: StorageRef) => Result<Uint8Array>;

function readZipCheckpoint(
  bytes: Uint8Array,
  source: string,
  options: CheckpointOptions,
): Result<Checkpoint> {
  const dir = readZipDirectory(bytes, source);
  if (!dir.ok) return dir;
  const pkl = dir.value.filter((e) => /^[^/]+\/data\.pkl$/.test(e.name));
  if (pkl.length !== 1)
    return errResult(
      'weights.format',
      `${source} is a zip archive but not a PyTorch checkpoint: it holds ${pkl.length === 0 ? 'no' : 'more than one'} <archive>/data.pkl.`,
    );
  const prefix = pkl[0].name.slice(0, -'data.pkl'.length);
  const byName = new Map(dir.value.map((e) => [e.name, e]));
  const order = byName.get(`${prefix}byteorder`);
  if (order) {
    const b = zipEntryBytes(bytes, order, source, 16);
    if (!b.ok) return b;
    const text = new TextDecoder().decode(b.value);
    if (text !== 'little')
      return errResult(
        'weights.format',
        `${source} was saved on a ${text}-endian machine; only little-endian checkpoints are read.`,
      );
  }
  const pickle = zipEntryBytes(bytes, pkl[0], source, MAX_PICKLE_BYTES);
  if (!pickle.ok) return pickle;
  const main = unpickle(pickle.value, 0, source, { maxTensors: options.maxTensors });
  if (!main.ok) return main;
  const maxStorage = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const storage: StorageBytes = (ref) => {
    const entry = byName.get(`${prefix}data/${ref.key}`);
    if (!entry)
      return errResult(
        'weights.truncated',
        `${source} lacks the storage ${ref.key} its pickle names (entry ${prefix}data/${ref.key}); the file is damaged.`,
      );
    // A float64 storage may take twice the float32 bytes it yields.
    const b = zipEntryBytes(bytes, entry, source, 2 * maxStorage);
    if (!b.ok) return b;
    const need = ref.numel * ELEMENT_BYTES[ref.dtype];
    if (b.value.byteLength < need)
      return errResult(
        'weights.truncated',
        `${source}: storage ${ref.key} declares ${ref.numel.toLocaleString('en-US')} ${ref.dtype} elements (${need.toLocaleString('en-US')} bytes) but its entry holds ${b.value.byteLength.toLocaleString('en-US')} bytes.`,
      );
    return okResult(b.value);
  };
  return materialize(main.value.value, storage, 'zip', source, options);
}

function readLegacyCheckpoint(
  bytes: Uint8Array,
  source: string,
  options: CheckpointOptions,
): Result<Checkpoint> {
  const magic = unpickle(bytes, 0, source);
  if (!magic.ok) return magic;
  if (magic.value.value !== LEGACY_MAGIC_NUMBER)
    return errResult('weights.format', `${source} is a pickle but not a torch.save file.`);
  const protocol = unpickle(bytes, magic.value.end, source);
  if (!protocol.ok) return protocol;
  if (protocol.value.value !== 1001)
    return errResult(
      'weights.format',
      `${source} is a legacy torch.save file of protocol ${String(protocol.value.value)}; only protocol 1001 is read.`,
    );
  const sysInfo = unpickle(bytes, protocol.value.end, source);
  if (!sysInfo.ok) return sysInfo;
  const info = sysInfo.value.value;
  if (info instanceof PyDict && info.map.get('little_endian') === false)
    return errResult(
      'weights.format',
      `${source} was saved on a big-endian machine; only little-endian checkpoints are read.`,
    );
  const main = unpickle(bytes, sysInfo.value.end, source, { maxTensors: options.maxTensors });
  if (!main.ok) return main;
  const keysPickle = unpickle(bytes, main.value.end, source);
  if (!keysPickle.ok) return keysPickle;
  const keys = keysPickle.value.value;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string'))
    return errResult(
      'weights.format',
      `${source}: the list of storage keys after the main pickle is not a list of names.`,
    );
  // Each root storage's element type comes from the persistent ids that name it.
  const dtypes = new Map<string, StorageRef['dtype']>();
  for (const r of main.value.storages) dtypes.set(r.key, r.dtype);
  const located = new Map<string, Uint8Array>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = keysPickle.value.end;
  for (const key of keys as string[]) {
    const dtype = dtypes.get(key);
    if (!dtype)
      return errResult(
        'weights.format',
        `${source} lists storage ${key}, which its pickle never names; the file is damaged.`,
      );
    if (pos + 8 > bytes.byteLength)
      return errResult(
        'weights.truncated',
        `${source} is truncated: storage ${key}'s element count lies past the end of the file.`,
      );
    const count = view.getBigInt64(pos, true);
    pos += 8;
    const size = count * BigInt(ELEMENT_BYTES[dtype]);
    if (count < 0n || size > BigInt(bytes.byteLength - pos))
      return errResult(
        'weights.truncated',
        `${source}: storage ${key} declares ${count.toLocaleString('en-US')} ${dtype} elements (${size.toLocaleString('en-US')} bytes) but only ${(bytes.byteLength - pos).toLocaleString('en-US')} bytes remain in the file.`,
      );
    located.set(key, bytes.subarray(pos, pos + Number(size)));
    pos += Number(size);
  }
  const storage: StorageBytes = (ref) => {
    const b = located.get(ref.key);
    if (!b)
      return errResult(
        'weights.truncated',
        `${source} lacks the storage ${ref.key} its pickle names; the file is damaged.`,
      );
    const root = b.byteLength / ELEMENT_BYTES[ref.dtype];
    if (ref.offset + ref.numel > root)
      return errResult(
        'weights.truncated',
        `${source}: a view of storage ${ref.key} spans elements ${ref.offset}–${ref.offset + ref.numel} of its ${root}.`,
      );
    return okResult(b);
  };
  return materialize(main.value.value, storage, 'legacy', source, options);
}

const isStateDict = (v: PyValue): v is PyDict =>
  v instanceof PyDict &&
  v.map.size > 0 &&
  [...v.map].every(([k, x]) => typeof k === 'string' && x instanceof TensorRef);

/** The state_dict inside a checkpoint's top-level object, and the key it is under. */
function findStateDict(top: PyValue): { dict: PyDict; key: string | null } | null {
  if (isStateDict(top)) return { dict: top, key: null };
  if (!(top instanceof PyDict)) return null;
  for (const k of STATE_DICT_KEYS) {
    const v = top.map.get(k);
    if (v !== undefined && isStateDict(v)) return { dict: v, key: k };
  }
  for (const [k, v] of top.map)
    if (typeof k === 'string' && isStateDict(v)) return { dict: v, key: k };
  return null;
}

function describe(top: PyValue): string {
  if (top instanceof PyDict) {
    const keys = [...top.map.keys()].slice(0, 8).map(String);
    return `a dict with keys ${keys.join(', ')}${top.map.size > 8 ? ', …' : ''}`;
  }
  if (top instanceof TensorRef) return 'a single tensor';
  if (Array.isArray(top)) return 'a list';
  if (top instanceof PyTuple) return 'a tuple';
  return `a ${top === null ? 'None' : typeof top}`;
}

function materialize(
  top: PyValue,
  storage: StorageBytes,
  format: Checkpoint['format'],
  source: string,
  options: CheckpointOptions,
): Result<Checkpoint> {
  const found = findStateDict(top);
  if (!found)
    return errResult(
      'weights.format',
      `${source} is a PyTorch checkpoint but holds no state_dict (a dict of tensors): it holds ${describe(top)}.`,
    );
  const entries = [...found.dict.map] as [string, TensorRef][];
  const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  let total = 0;
  for (const [, t] of entries) total += elementCount(t.shape) * 4;
  if (total > max)
    return errResult(
      'weights.tooLarge',
      `${source} holds ${total.toLocaleString('en-US')} bytes of float32 tensors in its state_dict, over the limit of ${max.toLocaleString('en-US')}; it was not read.`,
    );
  const tensors = new Map<string, LoadedTensor>();
  const seen = new Set<string>();
  for (const [key, t] of entries) {
    const ref = t.storage;
    const b = storage(ref);
    if (!b.ok) return b;
    if (!seen.has(ref.key)) {
      seen.add(ref.key);
      options.onStorageRead?.(ref.key);
    }
    const n = elementCount(t.shape);
    let last = t.offset;
    for (let d = 0; d < t.shape.length; d++) last += (t.shape[d] - 1) * t.stride[d];
    if (n > 0 && last >= ref.numel)
      return errResult(
        'weights.truncated',
        `${source}: tensor ${key} (shape [${t.shape.join(', ')}], offset ${t.offset}) reaches element ${last} of storage ${ref.key}, which holds ${ref.numel}.`,
      );
    tensors.set(key, {
      dtype: ref.dtype,
      shape: t.shape,
      values: gather(ref.dtype, b.value, ref.offset + t.offset, t.shape, t.stride),
    });
  }
  return okResult({ format, tensors, stateDictKey: found.key });
}
