/**
 * A small, strict reader and writer for the safetensors format (8-byte little-endian header
 * length, a JSON header naming each tensor's dtype, shape and byte range, then the raw bytes).
 * No npm package for it is maintained well enough to depend on; the format is short and every
 * rule of its specification is checked here, so a damaged file never yields wrong numbers.
 */
import { errResult, okResult, type Result } from '../../core/run/types';
import { emptyRecord } from '../../core/model/records';

/** The dtypes of the safetensors specification and the bytes each element takes. */
export const DTYPE_BYTES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
} as const;
export type Dtype = keyof typeof DTYPE_BYTES;

/** One tensor of a file: its dtype, shape and a view of its bytes (little-endian). */
export interface RawTensor {
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

export interface SafetensorsFile {
  readonly tensors: ReadonlyMap<string, RawTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** A tensor to write: float32 values, or int64 values for counters such as num_batches_tracked. */
export type TensorToWrite =
  | { readonly dtype: 'F32'; readonly shape: readonly number[]; readonly data: Float32Array }
  | { readonly dtype: 'I64'; readonly shape: readonly number[]; readonly data: BigInt64Array };

/** Headers larger than this are refused (the reference implementation uses 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function isDtype(x: unknown): x is Dtype {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BYTES, x);
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** The header (a JSON object) and the data bytes after it, or what is wrong with the file's framing. */
function readHeader(
  bytes: Uint8Array,
  source: string,
): Result<{ header: Record<string, unknown>; data: Uint8Array }> {
  if (bytes.byteLength < 8) {
    return errResult(
      'weights.truncated',
      `${source} is ${bytes.byteLength} bytes long, too short to be a safetensors file (it needs at least an 8-byte header length).`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    return errResult(
      'weights.header',
      `${source} declares a ${headerLength}-byte header, more than the ${MAX_HEADER_BYTES} bytes a safetensors header may take; it is not a safetensors file or it is damaged.`,
    );
  }
  const n = Number(headerLength);
  if (8 + n > bytes.byteLength) {
    return errResult(
      'weights.truncated',
      `${source} is truncated: its header says ${n} bytes of header follow, but only ${bytes.byteLength - 8} bytes remain.`,
    );
  }
  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
    if (!text.trimStart().startsWith('{')) throw new Error('the header does not start with {');
    header = JSON.parse(text);
  } catch (e) {
    return errResult(
      'weights.header',
      `${source} has a header that is not valid UTF-8 JSON (${(e as Error).message}); it is not a safetensors file or it is damaged.`,
    );
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    return errResult(
      'weights.header',
      `${source} has a header that is not a JSON object; it is not a safetensors file.`,
    );
  }
  return okResult({ header: header as Record<string, unknown>, data: bytes.subarray(8 + n) });
}

/** One tensor's header entry checked (dtype, shape, data_offsets matching them, inside the data) and its bytes. */
function readTensor(
  name: string,
  entry: unknown,
  data: Uint8Array,
  source: string,
): Result<{ tensor: RawTensor; begin: number; end: number }> {
  if (entry === null || typeof entry !== 'object') {
    return errResult(
      'weights.header',
      `${source}: the header entry of tensor ${name} is not an object.`,
    );
  }
  const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (!isDtype(e.dtype)) {
    return errResult(
      'weights.header',
      `${source}: tensor ${name} has an unknown dtype ${JSON.stringify(e.dtype)}.`,
    );
  }
  if (!Array.isArray(e.shape) || !e.shape.every(isCount)) {
    return errResult(
      'weights.header',
      `${source}: tensor ${name} has a shape that is not a list of whole numbers: ${JSON.stringify(e.shape)}.`,
    );
  }
  const offsets = e.data_offsets;
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every(isCount) ||
    offsets[0] > offsets[1]
  ) {
    return errResult(
      'weights.header',
      `${source}: tensor ${name} has data_offsets that are not [begin, end] with begin ≤ end: ${JSON.stringify(offsets)}.`,
    );
  }
  const [begin, end] = offsets as [number, number];
  const expected = elementCount(e.shape) * DTYPE_BYTES[e.dtype];
  if (end - begin !== expected) {
    return errResult(
      'weights.header',
      `${source}: tensor ${name} (${e.dtype}, shape [${e.shape.join(', ')}]) should take ${expected} bytes but its data_offsets span ${end - begin}.`,
    );
  }
  if (end > data.byteLength) {
    return errResult(
      'weights.truncated',
      `${source} is truncated: tensor ${name} ends at byte ${end} of the data, but the file holds only ${data.byteLength} bytes of data.`,
    );
  }
  return okResult({
    tensor: { dtype: e.dtype, shape: [...e.shape], bytes: data.subarray(begin, end) },
    begin,
    end,
  });
}

/** The specification requires the byte buffer to be covered exactly, without overlaps or holes: what breaks that, or null. */
function coverageProblem(
  ranges: { name: string; begin: number; end: number }[],
  dataLength: number,
  source: string,
): string | null {
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const r of ranges) {
    if (r.begin < cursor)
      return `${source}: tensor ${r.name} overlaps the bytes of another tensor.`;
    if (r.begin > cursor)
      return `${source}: there are ${r.begin - cursor} unused bytes before tensor ${r.name}; the file is damaged.`;
    cursor = r.end;
  }
  if (cursor !== dataLength)
    return `${source} has ${dataLength - cursor} bytes after the last tensor that no tensor uses; the file is damaged.`;
  return null;
}

/**
 * Parses a safetensors file. Every problem is reported by name: a header that is not JSON, a
 * tensor whose byte range does not match its dtype and shape, ranges that overlap or leave
 * holes, and a file shorter than its header says (truncated).
 */
export function parseSafetensors(bytes: Uint8Array, source = 'the file'): Result<SafetensorsFile> {
  const framed = readHeader(bytes, source);
  if (!framed.ok) return framed;
  const { header, data } = framed.value;
  const tensors = new Map<string, RawTensor>();
  let metadata: Record<string, string> = emptyRecord();
  const ranges: { name: string; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (
        entry === null ||
        typeof entry !== 'object' ||
        Array.isArray(entry) ||
        Object.values(entry).some((v) => typeof v !== 'string')
      ) {
        return errResult(
          'weights.header',
          `${source} has a __metadata__ entry that is not an object of strings.`,
        );
      }
      metadata = { ...(entry as Record<string, string>) };
      continue;
    }
    const read = readTensor(name, entry, data, source);
    if (!read.ok) return read;
    ranges.push({ name, begin: read.value.begin, end: read.value.end });
    tensors.set(name, read.value.tensor);
  }
  const problem = coverageProblem(ranges, data.byteLength, source);
  if (problem) return errResult('weights.header', problem);
  return okResult({ tensors, metadata });
}

/** Serializes tensors in the given order, with the header padded to 8 bytes as the reference writer does. */
export function writeSafetensors(
  tensors: ReadonlyMap<string, TensorToWrite>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const header: Record<string, unknown> = emptyRecord();
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const size = elementCount(t.shape) * DTYPE_BYTES[t.dtype];
    if (t.data.length * DTYPE_BYTES[t.dtype] !== size) {
      throw new Error(
        `Tensor ${name} has ${t.data.length} values but its shape [${t.shape.join(', ')}] needs ${elementCount(t.shape)}.`,
      );
    }
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  let headerBytes = encoder.encode(json);
  const pad = (8 - (headerBytes.byteLength % 8)) % 8;
  if (pad) {
    json += ' '.repeat(pad);
    headerBytes = encoder.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const t of tensors.values()) {
    // Typed arrays are little-endian on every platform Node and Electron run on.
    const b = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(b, at);
    at += b.byteLength;
  }
  return out;
}

/** Reads a float32 tensor's values (copied, so the result is aligned and owned). */
export function float32Values(t: RawTensor): Float32Array {
  const out = new Float32Array(t.bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(t.bytes);
  return out;
}

/** Reads an int64 tensor's values. */
export function int64Values(t: RawTensor): BigInt64Array {
  const out = new BigInt64Array(t.bytes.byteLength / 8);
  new Uint8Array(out.buffer).set(t.bytes);
  return out;
}
