/**
 * A small allowlist unpickler for the pickles inside PyTorch checkpoints (protocols 2–5).
 *
 * Why our own and not the `pickleparser` package: a checkpoint is untrusted input, and the only
 * safe unpickler is one that refuses every global outside a short list at the moment the opcode
 * names it, builds nothing callable, and bounds its own work. Writing the ~60 opcodes torch.save
 * can emit is short, needs no new dependency, and keeps every rule in one readable file.
 *
 * Nothing is ever executed: the allowed "functions" are recorded as data (`TensorRef`,
 * `StorageRef`, plain containers). The loop is iterative (no recursion), so nesting costs heap,
 * not stack, and both nesting and the stack are capped.
 */
import { errResult, okResult, type Result } from '../../core/run/types';

/** A tuple (lists are plain arrays; dicts are `PyDict`). */
export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}

/** A dict or `collections.OrderedDict`, keys in insertion order. */
export class PyDict {
  readonly map = new Map<unknown, PyValue>();
  constructor(readonly ordered = false) {}
}

/** A global the pickle named and the allowlist accepts (a storage type, a rebuild function). */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** The element types of torch storages, named as safetensors names dtypes. */
export const STORAGE_DTYPES = {
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  DoubleStorage: 'F64',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
} as const;
export type StorageDtype = (typeof STORAGE_DTYPES)[keyof typeof STORAGE_DTYPES];

/**
 * A persistent id `('storage', torch.FloatStorage, key, location, numel[, view_metadata])`:
 * the storage is not read here, only named. `offset` (elements) is non-zero for a legacy view.
 */
export class StorageRef {
  constructor(
    readonly dtype: StorageDtype,
    readonly key: string,
    readonly numel: number,
    readonly offset: number,
  ) {}
}

/** What `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)` describes, not read yet. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    /** Elements from the start of the storage. */
    readonly offset: number,
    readonly shape: readonly number[],
    /** Elements, one per dimension. */
    readonly stride: readonly number[],
  ) {}
}

export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | PyTuple
  | PyDict
  | PyGlobal
  | StorageRef
  | TensorRef;

const CALLABLE = new Set([
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'collections.OrderedDict',
  'torch.Size',
]);

/** Whether a global may appear in a checkpoint's pickle: tensor rebuilders, storage types, OrderedDict. */
export function allowedGlobal(module: string, name: string): boolean {
  if (module === 'torch' && Object.prototype.hasOwnProperty.call(STORAGE_DTYPES, name)) return true;
  return CALLABLE.has(`${module}.${name}`);
}

export interface UnpickleLimits {
  /** Deepest container nesting and deepest MARK stack accepted. */
  readonly maxDepth?: number;
  /** Most tensors one pickle may describe. */
  readonly maxTensors?: number;
}

export interface Unpickled {
  readonly value: PyValue;
  /** Byte after the STOP opcode (legacy files hold several pickles back to back). */
  readonly end: number;
  /** Every persistent id, in order. */
  readonly storages: readonly StorageRef[];
}

class Refusal {
  constructor(
    readonly code: string,
    readonly message: string,
  ) {}
}

/**
 * Python 2 module names that protocol-2 pickles written by Python 3 use (`_compat_pickle`'s
 * IMPORT_MAPPING, the part that matters here), so messages name what Python 3 would run.
 */
const PY2_MODULES: Readonly<Record<string, string>> = {
  __builtin__: 'builtins',
  commands: 'subprocess',
  copy_reg: 'copyreg',
  cPickle: 'pickle',
  exceptions: 'builtins',
  UserDict: 'collections',
};

const MARK = Symbol('mark');
type Slot = PyValue | typeof MARK;

/** Nesting depth of containers, tracked when they are filled (see the file comment). */
const depthOf = new WeakMap<object, number>();
const depth = (v: PyValue): number =>
  v !== null && typeof v === 'object' ? (depthOf.get(v) ?? 0) : 0;

function dictKey(k: PyValue): unknown {
  if (k instanceof PyTuple) return JSON.stringify(k.items.map((x) => String(x)));
  if (
    typeof k === 'bigint' &&
    k >= BigInt(Number.MIN_SAFE_INTEGER) &&
    k <= BigInt(Number.MAX_SAFE_INTEGER)
  )
    return Number(k);
  return k;
}

/**
 * Unpickles one pickle starting at `start`, refusing any global outside the allowlist
 * (`weights.unsafePickle`, naming it) at the opcode that names it, before anything else is built
 * or read. Errors: `weights.unsafePickle`, `weights.truncated`, `weights.format`, `weights.tooLarge`.
 */
export function unpickle(
  bytes: Uint8Array,
  start: number,
  source: string,
  limits: UnpickleLimits = {},
): Result<Unpickled> {
  try {
    return okResult(run(bytes, start, source, limits));
  } catch (e) {
    if (e instanceof Refusal) return errResult(e.code, e.message);
    throw e;
  }
}

function run(bytes: Uint8Array, start: number, source: string, limits: UnpickleLimits): Unpickled {
  const maxDepth = limits.maxDepth ?? 1000;
  const maxTensors = limits.maxTensors ?? 100_000;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: false });
  const latin1 = new TextDecoder('latin1');
  const stack: Slot[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  const storages: StorageRef[] = [];
  let tensors = 0;
  let pos = start;

  const bad = (what: string) =>
    new Refusal(
      'weights.format',
      `${source} is not a readable PyTorch checkpoint: ${what} (pickle byte ${pos}).`,
    );
  const need = (n: number) => {
    if (n < 0 || pos + n > bytes.byteLength)
      throw new Refusal(
        'weights.truncated',
        `${source} is truncated: its pickle needs ${n} more bytes at byte ${pos}, but the data ends at byte ${bytes.byteLength}.`,
      );
  };
  const take = (n: number) => {
    need(n);
    const b = bytes.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const u8 = () => (need(1), bytes[pos++]);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(bytes.byteLength)) throw bad(`a length of ${v} bytes, longer than the file`);
    return Number(v);
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) need(bytes.byteLength - pos + 1);
    const s = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw bad('an opcode found no value on the stack');
    return v;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw bad('an opcode found no value on the stack');
    return v;
  };
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) throw bad('a MARK is missing');
    const items = stack.splice(m) as PyValue[];
    items.shift();
    return items;
  };
  const push = (v: PyValue) => stack.push(v);
  const nest = (container: object, items: readonly PyValue[]) => {
    let d = depthOf.get(container) ?? 1;
    for (const x of items) d = Math.max(d, depth(x) + 1);
    if (d > maxDepth)
      throw new Refusal(
        'weights.tooLarge',
        `${source} nests containers more than ${maxDepth} deep in its pickle; a checkpoint never does, so it was not loaded.`,
      );
    depthOf.set(container, d);
  };
  const global = (rawModule: string, name: string): PyGlobal => {
    const module = PY2_MODULES[rawModule] ?? rawModule;
    if (!allowedGlobal(module, name))
      throw new Refusal(
        'weights.unsafePickle',
        `The checkpoint ${source} names ${module}.${name}, which is not a tensor, storage or container; it was not loaded and nothing in it was run.`,
      );
    return new PyGlobal(module, name);
  };
  const int = (v: PyValue, what: string): number => {
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
      throw bad(`${what} is not a whole number`);
    return n;
  };
  const ints = (v: PyValue, what: string): number[] => {
    const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
    if (!items) throw bad(`${what} is not a tuple`);
    return items.map((x) => int(x, what));
  };
  const setItems = (d: PyValue, kv: PyValue[]) => {
    if (!(d instanceof PyDict)) throw bad('SETITEMS on something that is not a dict');
    if (kv.length % 2) throw bad('SETITEMS with an odd number of values');
    for (let i = 0; i < kv.length; i += 2) d.map.set(dictKey(kv[i]), kv[i + 1]);
    nest(d, kv);
  };
  const persistent = (pid: PyValue): StorageRef => {
    // ('storage', storage_type, key, location, numel[, view_metadata])
    const t = pid instanceof PyTuple ? pid.items : null;
    if (!t || t[0] !== 'storage' || t.length < 5)
      throw bad('a persistent id that is not a torch storage');
    const type = t[1];
    if (!(type instanceof PyGlobal) || type.module !== 'torch')
      throw bad('a storage whose type is not a torch storage type');
    const dtype = STORAGE_DTYPES[type.name as keyof typeof STORAGE_DTYPES];
    if (!dtype) throw bad(`a storage of type ${type.qualified}`);
    const key = typeof t[2] === 'string' ? t[2] : String(t[2]);
    const numel = int(t[4], 'a storage size');
    let ref = new StorageRef(dtype, key, numel, 0);
    const viewMeta = t[5];
    if (viewMeta instanceof PyTuple) {
      // Legacy views: (view_key, offset, view_size) into the root storage.
      ref = new StorageRef(
        dtype,
        key,
        int(viewMeta.items[2], 'a view size'),
        int(viewMeta.items[1], 'a view offset'),
      );
    }
    storages.push(ref);
    return ref;
  };
  const call = (fn: PyValue, args: PyValue): PyValue => {
    if (!(fn instanceof PyGlobal)) throw bad('REDUCE calls something that is not a function');
    const a = args instanceof PyTuple ? args.items : null;
    if (!a) throw bad(`REDUCE of ${fn.qualified} with arguments that are not a tuple`);
    switch (fn.qualified) {
      case 'torch._utils._rebuild_tensor_v2':
      case 'torch._utils._rebuild_tensor': {
        const [storage, offset, size, stride] = a;
        if (!(storage instanceof StorageRef)) throw bad(`${fn.name} of something not a storage`);
        if (++tensors > maxTensors)
          throw new Refusal(
            'weights.tooLarge',
            `${source} describes more than ${maxTensors.toLocaleString('en-US')} tensors; it was not loaded.`,
          );
        const shape = ints(size, 'a tensor size');
        const strides = ints(stride, 'a tensor stride');
        if (shape.length !== strides.length)
          throw bad('a tensor whose size and stride differ in length');
        return new TensorRef(storage, int(offset, 'a storage offset'), shape, strides);
      }
      case 'torch._utils._rebuild_parameter':
      case 'torch._utils._rebuild_parameter_with_state':
        if (!(a[0] instanceof TensorRef)) throw bad(`${fn.name} of something not a tensor`);
        return a[0];
      case 'collections.OrderedDict': {
        const d = new PyDict(true);
        const pairs = a[0];
        if (Array.isArray(pairs))
          for (const p of pairs) {
            if (!(p instanceof PyTuple) || p.items.length !== 2)
              throw bad('OrderedDict of non-pairs');
            setItems(d, [...p.items]);
          }
        return d;
      }
      case 'torch.Size':
        return new PyTuple(a[0] instanceof PyTuple ? a[0].items : []);
      default:
        // A storage type called as a function: never needed by torch.save.
        throw new Refusal(
          'weights.unsafePickle',
          `The checkpoint ${source} calls ${fn.qualified}, which torch.save never does; it was not loaded and nothing in it was run.`,
        );
    }
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw bad('a pickle protocol newer than 5');
        break;
      case 0x95: // FRAME
        pos += 8;
        break;
      case 0x2e: {
        // STOP
        const v = pop();
        return { value: v, end: pos, storages };
      }
      case 0x28: // MARK
        if (marks.length >= maxDepth)
          throw new Refusal(
            'weights.tooLarge',
            `${source} opens more than ${maxDepth} nested groups in its pickle; a checkpoint never does, so it was not loaded.`,
          );
        marks.push(stack.length);
        stack.push(MARK);
        break;
      case 0x30: // POP
        if (stack[stack.length - 1] === MARK) popMark();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4a: // BININT
        need(4);
        push(view.getInt32(pos, true));
        pos += 4;
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x8a: // LONG1
      case 0x8b: {
        // LONG4
        const n = op === 0x8a ? u8() : u32();
        const b = take(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        if (n && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        push(
          v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
            ? Number(v)
            : v,
        );
        break;
      }
      case 0x49: {
        // INT (text): "I01\n" is True in protocol 0
        const s = line();
        if (s === '01') push(true);
        else if (s === '00') push(false);
        else if (/^-?\d+$/.test(s)) push(Number(s));
        else throw bad('an INT that is not a number');
        break;
      }
      case 0x4c: {
        // LONG (text)
        const s = line().replace(/L$/, '');
        if (!/^-?\d+$/.test(s)) throw bad('a LONG that is not a number');
        push(BigInt(s));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x46: // FLOAT (text)
        push(Number(line()));
        break;
      case 0x58: // BINUNICODE
        push(utf8.decode(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(utf8.decode(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        push(utf8.decode(take(u64())));
        break;
      case 0x54: // BINSTRING
        push(latin1.decode(take(u32())));
        break;
      case 0x55: // SHORT_BINSTRING
        push(latin1.decode(take(u8())));
        break;
      case 0x56: // UNICODE (raw-unicode-escape, text)
      case 0x53: // STRING (text, quoted)
        push(line());
        break;
      case 0x42: // BINBYTES
        push(take(u32()));
        break;
      case 0x43: // SHORT_BINBYTES
        push(take(u8()));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        push(take(u64()));
        break;
      case 0x29: // EMPTY_TUPLE
        push(new PyTuple([]));
        break;
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: {
        // TUPLE3
        const n = op - 0x84;
        const items: PyValue[] = [];
        for (let i = 0; i < n; i++) items.unshift(pop());
        const t = new PyTuple(items);
        nest(t, items);
        push(t);
        break;
      }
      case 0x74: {
        // TUPLE
        const items = popMark();
        const t = new PyTuple(items);
        nest(t, items);
        push(t);
        break;
      }
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x6c: {
        // LIST
        const items = popMark();
        nest(items, items);
        push(items);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        const l = top();
        if (!Array.isArray(l)) throw bad('APPEND to something that is not a list');
        l.push(v);
        nest(l, [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const l = top();
        if (!Array.isArray(l)) throw bad('APPENDS to something that is not a list');
        for (const x of items) l.push(x);
        nest(l, items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const d = new PyDict();
        setItems(d, popMark());
        push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const kv = popMark();
        setItems(top(), kv);
        break;
      }
      case 0x8f: // EMPTY_SET
        push([]);
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (!Array.isArray(s)) throw bad('ADDITEMS to something that is not a set');
        s.push(...items);
        nest(s, items);
        break;
      }
      case 0x91: {
        // FROZENSET
        const items = popMark();
        nest(items, items);
        push(items);
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x70: // PUT (text)
        memo.set(Number(line()), top());
        break;
      case 0x68: // BINGET
      case 0x6a: // LONG_BINGET
      case 0x67: {
        // GET (text)
        const i = op === 0x68 ? u8() : op === 0x6a ? u32() : Number(line());
        if (!memo.has(i)) throw bad(`a memo entry ${i} that was never stored`);
        push(memo.get(i)!);
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string')
          throw bad('STACK_GLOBAL of something that is not a name');
        push(global(module, name));
        break;
      }
      case 0x69: {
        // INST "module\nname\n": names a class and calls it
        const module = line();
        const g = global(module, line());
        push(call(g, new PyTuple(popMark())));
        break;
      }
      case 0x6f: {
        // OBJ: class and arguments after a MARK
        const items = popMark();
        const cls = items.shift();
        if (cls === undefined) throw bad('OBJ with no class');
        push(call(cls, new PyTuple(items)));
        break;
      }
      case 0x81: {
        // NEWOBJ cls args
        const args = pop();
        push(call(pop(), args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX cls args kwargs
        pop();
        const args = pop();
        push(call(pop(), args));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        push(call(pop(), args));
        break;
      }
      case 0x62: {
        // BUILD: only the state of an OrderedDict (its _metadata) or of a tensor, kept as data
        pop();
        const target = top();
        if (!(target instanceof PyDict) && !(target instanceof TensorRef))
          throw new Refusal(
            'weights.unsafePickle',
            `The checkpoint ${source} sets the state of an object that is not a dict or tensor; it was not loaded and nothing in it was run.`,
          );
        break;
      }
      case 0x51: // BINPERSID
        push(persistent(pop()));
        break;
      case 0x50: // PERSID (text)
        throw bad('a text persistent id, which torch.save never writes');
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: // EXT4
        throw new Refusal(
          'weights.unsafePickle',
          `The checkpoint ${source} names a global through the copyreg extension registry (opcode EXT), which is not a tensor, storage or container; it was not loaded and nothing in it was run.`,
        );
      case 0x97: // NEXT_BUFFER
      case 0x98: // READONLY_BUFFER
        throw bad('out-of-band buffers, which torch.save never writes');
      default:
        throw bad(`an unknown pickle opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}
