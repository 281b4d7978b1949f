/**
 * A minimal safetensors writer for the export tests: an 8-byte little-endian header length, a
 * JSON header of dtype, shape and byte offsets, then the raw little-endian data.
 */
import type { StateEntry } from '../../core/weights/stateDict';

export interface NamedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array | BigInt64Array;
}

export function encodeSafetensors(tensors: readonly NamedTensor[]): Buffer {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of tensors) {
    const bytes = t.data.byteLength;
    header[t.name] = { dtype: t.data instanceof Float32Array ? 'F32' : 'I64', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([head, Buffer.from(json, 'utf8'), ...tensors.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))]);
}

/** A state_dict as safetensors: float32 tensors, int64 counters (`num_batches_tracked`). */
export function stateDictSafetensors(spec: readonly StateEntry[], values: ReadonlyMap<string, Float32Array>): Buffer {
  return encodeSafetensors(
    spec.map((e) => ({
      name: e.key,
      shape: e.shape,
      data: e.role === 'counter' ? BigInt64Array.from(values.get(e.key)!, (v) => BigInt(Math.round(v))) : values.get(e.key)!,
    })),
  );
}
