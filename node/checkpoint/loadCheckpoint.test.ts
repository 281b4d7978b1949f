/**
 * PyTorch checkpoints through the engine's loading path (node/engine/weights.ts): the same key,
 * shape and dtype checks as safetensors, every value compared with what torch saved, and
 * fine-tuning that would load nothing refused.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TensorRole } from '../../core/model/types';
import type { StateEntry } from '../../core/weights/stateDict';
import {
  fineTuneStateDict,
  stateDictFromSafetensors,
  weightsFromBytes,
  weightsFileLimit,
  MAX_WEIGHTS_FILE_BYTES,
} from '../engine/weights';

const dir = path.join(__dirname, '__fixtures__');
const fixture = (name: string) => new Uint8Array(readFileSync(path.join(dir, name)));
const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Record<
  string,
  { shape: number[]; values: number[] }
>;

const entry = (key: string, shape: number[], role: TensorRole = 'param'): StateEntry => ({
  key,
  shape,
  role,
  layer: key.split('.')[0],
  weightShape: shape,
});
/** A design-like state_dict with the fixtures' keys except `mask.int` (an int32 tensor). */
const spec: StateEntry[] = Object.entries(expected)
  .filter(([k]) => k !== 'mask.int')
  .map(([k, v]) => entry(k, v.shape, k.endsWith('num_batches_tracked') ? 'counter' : 'param'));

describe('checkpoints through loadStateDict’s checks', () => {
  it.each(['plain-zip.pth', 'plain-legacy.pth', 'nested-zip.pt', 'nested-legacy.pt'])(
    'loads %s and names mask.int as not used by the design',
    (name) => {
      const strict = weightsFromBytes(fixture(name), spec, name);
      expect(strict.ok).toBe(true);
      if (strict.ok) expect(strict.value.ignored).toEqual(['mask.int']);
      const withMask = [...spec, entry('mask.int', [3])];
      const dtype = stateDictFromSafetensors(fixture(name), withMask, name);
      expect(dtype).toMatchObject({ ok: false, error: { code: 'weights.dtype' } });
      if (!dtype.ok) expect(dtype.error.message).toContain('mask.int is I32 but must be F32');

      const r = fineTuneStateDict(fixture(name), spec, name, new Map());
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value.ignored).toEqual(['mask.int']);
      expect(r.value.reinitialized).toEqual([]);
      for (const e of spec) {
        const want = expected[e.key].values.map((v) => Math.fround(v));
        expect([...r.value.dict.get(e.key)!], e.key).toEqual(
          e.role === 'counter' ? [want[0]] : want,
        );
      }
    },
  );

  it('refuses fine-tuning from a file none of whose tensors fit (weights.nothingLoaded)', () => {
    const other = [entry('features.0.weight', [8, 3, 3, 3]), entry('classifier.weight', [10, 8])];
    const initial = new Map([
      ['features.0.weight', new Float32Array(216)],
      ['classifier.weight', new Float32Array(80)],
    ]);
    const r = fineTuneStateDict(fixture('plain-zip.pth'), other, 'plain-zip.pth', initial);
    expect(r).toMatchObject({ ok: false, error: { code: 'weights.nothingLoaded' } });
    if (!r.ok) {
      expect(r.error.message).toContain('None of the 11 tensors in plain-zip.pth fit this design');
      expect(r.error.message).toContain('conv.weight');
      expect(r.error.message).toContain('features.0.weight');
    }
  });

  it('refuses a hostile checkpoint with weights.unsafePickle on the loading path too', () => {
    const r = stateDictFromSafetensors(fixture('hostile-posix-system-zip.pth'), spec, 'h.pth');
    expect(r).toMatchObject({ ok: false, error: { code: 'weights.unsafePickle' } });
  });

  it('bounds files at 4 times the design’s float32 bytes plus a header allowance', () => {
    const bytes = spec.reduce(
      (a, e) => a + e.shape.reduce((n, d) => n * d, 1) * (e.role === 'counter' ? 8 : 4),
      0,
    );
    expect(weightsFileLimit(spec)).toBe(4 * bytes + 16 * 1024 ** 2);
    expect(weightsFileLimit([entry('huge', [2 ** 31])])).toBe(MAX_WEIGHTS_FILE_BYTES);
  });
});
