/**
 * Deterministic weight initialization, reproducible bit for bit in Python/numpy (see
 * tools/torch/weights.py): each value comes from a counter-based hash of (seed, tensor key,
 * index), so any tensor can be generated on its own, in any order, on any side.
 *
 * `pytorch` follows PyTorch's default initialization (Conv2d and Linear: kaiming-uniform with
 * a = √5, i.e. U(±1/√fan_in) for weights and biases; BatchNorm: γ = 1, β = 0, running mean 0,
 * running variance 1). `randomized` also draws the BatchNorm values (γ ∈ [0.5, 1.5),
 * β ∈ [−0.1, 0.1), mean ∈ [−0.1, 0.1), var ∈ [0.5, 1.5)), which parity tests need so that
 * normalization does real work.
 */
import type { TensorSpec } from '../model/types';

export type InitScheme = 'pytorch' | 'randomized';

/** lowbias32 (Chris Wellons): a fast, well-mixed 32-bit hash. */
export function hash32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** FNV-1a of a string's UTF-16 code units (keys are ASCII). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The stream base for a tensor: mixes the seed and the key. */
export function streamBase(seed: number, key: string): number {
  return hash32((fnv1a(key) ^ hash32(seed >>> 0)) >>> 0);
}

/** Uniform in [0, 1) for element i of a stream: 24 random bits, exact in float32. */
export function uniformAt(base: number, i: number): number {
  return (hash32((base + Math.imul(i, 0x9e3779b9)) >>> 0) >>> 8) / 16777216;
}

/** Fills `out` with U[lo, hi) for a stream. */
export function fillUniform(
  out: Float32Array,
  seed: number,
  key: string,
  lo: number,
  hi: number,
): Float32Array {
  const base = streamBase(seed, key);
  const span = hi - lo;
  for (let i = 0; i < out.length; i++) out[i] = lo + span * uniformAt(base, i);
  return out;
}

/**
 * Fills `out` with standard normal values by Box–Muller: element i uses uniforms 2i and 2i+1
 * of the stream (u1 is moved into (0, 1] so its log is finite).
 */
export function fillNormal(out: Float32Array, seed: number, key: string): Float32Array {
  const base = streamBase(seed, key);
  for (let i = 0; i < out.length; i++) {
    const u1 = 1 - uniformAt(base, 2 * i);
    const u2 = uniformAt(base, 2 * i + 1);
    out[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
  return out;
}

function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** fan_in of a weight tensor as PyTorch computes it: shape[1] × receptive field. */
export function fanIn(weightShape: readonly number[]): number {
  return weightShape.length < 2 ? weightShape[0] : weightShape[1] * size(weightShape.slice(2));
}

/**
 * Generates one state_dict tensor. `weightShape` is the shape of the layer's weight (for the
 * fan-in of biases). Counters (`num_batches_tracked`) are returned as a one-element array of 0.
 */
export function initTensor(
  spec: TensorSpec,
  weightShape: readonly number[],
  seed: number,
  scheme: InitScheme,
): Float32Array {
  const out = new Float32Array(Math.max(size(spec.shape), spec.shape.length === 0 ? 1 : 0));
  if (spec.role === 'counter') return out;
  const leaf = spec.key.slice(spec.key.lastIndexOf('.') + 1);
  const isBn =
    leaf === 'running_mean' ||
    leaf === 'running_var' ||
    (weightShape.length === 1 && (leaf === 'weight' || leaf === 'bias'));
  if (isBn) {
    if (scheme === 'pytorch') return out.fill(leaf === 'weight' || leaf === 'running_var' ? 1 : 0);
    const [lo, hi] = leaf === 'weight' || leaf === 'running_var' ? [0.5, 1.5] : [-0.1, 0.1];
    return fillUniform(out, seed, spec.key, lo, hi);
  }
  const bound = 1 / Math.sqrt(fanIn(weightShape));
  return fillUniform(out, seed, spec.key, -bound, bound);
}

/** A seeded standard-normal input tensor (N·C·H·W order), the same in Python. */
export function randomInput(shape: readonly number[], seed: number): Float32Array {
  return fillNormal(new Float32Array(size(shape)), seed, 'input');
}
