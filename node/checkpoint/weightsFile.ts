/**
 * One entry point for every weights file the app reads: safetensors, torch.save zip and legacy
 * torch.save, told apart by their first bytes (never by the file's extension: `.pth`, `.pt` and
 * `.bin` are used for all of them).
 */
import { errResult, okResult, type Result } from '../../core/run/types';
import { DTYPE_BYTES, parseSafetensors } from '../engine/safetensors';
import { readCheckpoint, looksLikeCheckpoint, type CheckpointOptions } from './checkpoint';
import { gather, type LoadedTensor, type WeightsDtype } from './tensors';

export type WeightsFormat = 'safetensors' | 'zip' | 'legacy';

export interface WeightsFile {
  readonly format: WeightsFormat;
  /** Every tensor, float32 values with the file's dtype kept, in the file's order. */
  readonly tensors: ReadonlyMap<string, LoadedTensor>;
  /** For a checkpoint, the key its state_dict was under (`state_dict`, `model`, …); null otherwise. */
  readonly stateDictKey: string | null;
}

/** What the first bytes of a file say it is. */
export function weightsFormatOf(bytes: Uint8Array): WeightsFormat | null {
  if (looksLikeCheckpoint(bytes)) return bytes[0] === 0x50 ? 'zip' : 'legacy';
  // safetensors: an 8-byte little-endian header length, then a JSON object.
  if (bytes.byteLength >= 9 && bytes[8] === 0x7b) return 'safetensors';
  return null;
}

/**
 * Reads a weights file of any supported format into float32 tensors (F16, BF16 and F64 are
 * converted; integer tensors such as num_batches_tracked keep their values as numbers).
 * Errors: `weights.format` (none of the formats), and every error of `parseSafetensors` and
 * `readCheckpoint` (`weights.unsafePickle`, `weights.tooLarge`, `weights.truncated`, …).
 */
export function readWeightsFile(
  bytes: Uint8Array,
  source: string,
  options: CheckpointOptions = {},
): Result<WeightsFile> {
  const format = weightsFormatOf(bytes);
  if (format === 'zip' || format === 'legacy') {
    const r = readCheckpoint(bytes, source, options);
    if (!r.ok) return r;
    return okResult({ format, tensors: r.value.tensors, stateDictKey: r.value.stateDictKey });
  }
  if (format === null && bytes.byteLength >= 9) {
    return errResult(
      'weights.format',
      `${source} is not a weights file: it is neither safetensors (an 8-byte header length, then a JSON header) nor a PyTorch checkpoint (a zip archive or a legacy torch.save pickle).`,
    );
  }
  // Short files go to the safetensors parser, whose messages say how short they are.
  const parsed = parseSafetensors(bytes, source);
  if (!parsed.ok) return parsed;
  const max = options.maxOutputBytes;
  let total = 0;
  for (const t of parsed.value.tensors.values())
    total += (t.bytes.byteLength / DTYPE_BYTES[t.dtype]) * 4;
  if (max !== undefined && total > max)
    return errResult(
      'weights.tooLarge',
      `${source} holds ${total.toLocaleString('en-US')} bytes of float32 tensors, over the limit of ${max.toLocaleString('en-US')}; it was not read.`,
    );
  const tensors = new Map<string, LoadedTensor>();
  for (const [key, t] of parsed.value.tensors) {
    if (!isReadable(t.dtype))
      return errResult(
        'weights.dtype',
        `${source}: tensor ${key} is ${t.dtype}, a dtype weights are never stored in; it was not read.`,
      );
    const stride = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((n, x) => n * x, 1));
    tensors.set(key, {
      dtype: t.dtype,
      shape: t.shape,
      values: gather(t.dtype, t.bytes, 0, t.shape, stride),
    });
  }
  return okResult({ format: 'safetensors', tensors, stateDictKey: null });
}

const READABLE = new Set<string>([
  'F32',
  'F16',
  'BF16',
  'F64',
  'I64',
  'I32',
  'I16',
  'I8',
  'U8',
  'BOOL',
]);
const isReadable = (d: string): d is WeightsDtype => READABLE.has(d);
