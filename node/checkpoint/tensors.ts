/**
 * The tensors every weights reader returns, whatever the file's format: float32 values with the
 * file's dtype and shape kept, so a later check can refuse an integer where a float belongs.
 */

/** Element types of weights files (safetensors' names; torch storages map onto them). */
export type WeightsDtype =
  'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** Bytes per element of each dtype. */
export const ELEMENT_BYTES: Readonly<Record<WeightsDtype, number>> = {
  F32: 4,
  F16: 2,
  BF16: 2,
  F64: 8,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** Floating-point dtypes, converted to float32 when read (F64 rounds to nearest). */
export const FLOAT_DTYPES: readonly WeightsDtype[] = ['F32', 'F16', 'BF16', 'F64'];
/** Integer dtypes whose values (counters such as num_batches_tracked) are kept as numbers. */
export const INT_DTYPES: readonly WeightsDtype[] = ['I64', 'I32', 'I16', 'I8', 'U8', 'BOOL'];

/** One tensor read from a weights file: its file dtype, its shape and its values as float32, row-major. */
export interface LoadedTensor {
  readonly dtype: WeightsDtype;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** Tensors by key, in the file's order. */
export type LoadedTensors = ReadonlyMap<string, LoadedTensor>;

/** Elements of a shape (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** A reader of element i (little-endian) of a dtype from a byte view. */
export function elementReader(dtype: WeightsDtype, bytes: Uint8Array): (i: number) => number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32':
      return (i) => v.getFloat32(i * 4, true);
    case 'F64':
      return (i) => v.getFloat64(i * 8, true);
    case 'F16':
      return (i) => halfToFloat(v.getUint16(i * 2, true));
    case 'BF16': {
      const scratch = new DataView(new ArrayBuffer(4));
      return (i) => {
        scratch.setUint32(0, v.getUint16(i * 2, true) << 16, true);
        return scratch.getFloat32(0, true);
      };
    }
    case 'I64':
      return (i) => Number(v.getBigInt64(i * 8, true));
    case 'I32':
      return (i) => v.getInt32(i * 4, true);
    case 'I16':
      return (i) => v.getInt16(i * 2, true);
    case 'I8':
      return (i) => v.getInt8(i);
    case 'U8':
      return (i) => v.getUint8(i);
    case 'BOOL':
      return (i) => (v.getUint8(i) ? 1 : 0);
  }
}

/**
 * The values of a strided view (PyTorch's storage offset and strides, in elements) as a new
 * row-major float32 array. The caller has checked that every index lies inside `bytes`.
 */
export function gather(
  dtype: WeightsDtype,
  bytes: Uint8Array,
  offset: number,
  shape: readonly number[],
  stride: readonly number[],
): Float32Array {
  const n = elementCount(shape);
  const out = new Float32Array(n);
  if (n === 0) return out;
  const read = elementReader(dtype, bytes);
  const contiguous = stride.every(
    (s, d) => shape[d] === 1 || s === elementCount(shape.slice(d + 1)),
  );
  if (contiguous && dtype === 'F32' && (bytes.byteOffset + offset * 4) % 4 === 0) {
    out.set(new Float32Array(bytes.buffer, bytes.byteOffset + offset * 4, n));
    return out;
  }
  if (contiguous) {
    for (let i = 0; i < n; i++) out[i] = read(offset + i);
    return out;
  }
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let at = offset;
  for (let i = 0; i < n; i++) {
    out[i] = read(at);
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      at += stride[d];
      if (index[d] < shape[d]) break;
      at -= stride[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}
