import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../core/analysis/analyze';
import { presetDesign } from '../../core/presets';
import { stateDictSpec } from '../../core/weights/stateDict';
import { parseSafetensors, writeSafetensors, type TensorToWrite } from './safetensors';
import {
  loadStateDict,
  seededStateDict,
  stateDictFromSafetensors,
  weightsFromBytes,
  fineTuneNote,
  stateDictToSafetensors,
} from './weights';

/** Builds a file from a raw header object and data bytes, to test what the writer never produces. */
function rawFile(
  header: unknown,
  data: Uint8Array = new Uint8Array(0),
  headerText?: string,
): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  return out;
}

function expectError(r: ReturnType<typeof parseSafetensors>, code: string, ...parts: string[]) {
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.error.code).toBe(code);
  for (const p of parts) expect(r.error.message).toContain(p);
}

describe('safetensors format', () => {
  it('round-trips float32 and int64 tensors with metadata, header padded to 8 bytes', () => {
    const tensors = new Map<string, TensorToWrite>([
      [
        'a.weight',
        { dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-7, -1e30]) },
      ],
      ['a.num_batches_tracked', { dtype: 'I64', shape: [], data: BigInt64Array.of(42n) }],
      ['empty', { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) }],
    ]);
    const bytes = writeSafetensors(tensors, { format: 'pt' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const r = parseSafetensors(bytes);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.metadata).toEqual({ format: 'pt' });
    const w = r.value.tensors.get('a.weight')!;
    expect(w.dtype).toBe('F32');
    expect(w.shape).toEqual([2, 3]);
    expect(Array.from(new Float32Array(w.bytes.slice().buffer))).toEqual(
      Array.from(Float32Array.from([1, -2, 3.5, 0, 1e-7, -1e30])),
    );
    const n = r.value.tensors.get('a.num_batches_tracked')!;
    expect(n.dtype).toBe('I64');
    expect(new BigInt64Array(n.bytes.slice().buffer)[0]).toBe(42n);
    expect(r.value.tensors.get('empty')!.shape).toEqual([0, 4]);
  });

  it('refuses a file shorter than its 8-byte length', () => {
    expectError(
      parseSafetensors(new Uint8Array(5), 'w.safetensors'),
      'weights.truncated',
      'w.safetensors',
      '5 bytes',
    );
  });

  it('refuses a header length beyond the file (truncated header)', () => {
    const bytes = rawFile(
      { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } },
      new Uint8Array(4),
    );
    expectError(
      parseSafetensors(bytes.subarray(0, 20), 'w.safetensors'),
      'weights.truncated',
      'truncated',
    );
  });

  it('refuses an absurd header length', () => {
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setBigUint64(0, 1n << 40n, true);
    expectError(parseSafetensors(bytes), 'weights.header', 'header');
  });

  it('refuses a header that is not JSON, or not an object', () => {
    expectError(
      parseSafetensors(rawFile(null, undefined, '{"a": [1, 2')),
      'weights.header',
      'not valid UTF-8 JSON',
    );
    expectError(parseSafetensors(rawFile(null, undefined, '[1, 2]   ')), 'weights.header');
    expectError(parseSafetensors(rawFile(null, undefined, '"text"  ')), 'weights.header');
  });

  it('names the tensor whose entry is malformed', () => {
    expectError(
      parseSafetensors(
        rawFile(
          { 'conv.weight': { dtype: 'F33', shape: [1], data_offsets: [0, 4] } },
          new Uint8Array(4),
        ),
      ),
      'weights.header',
      'conv.weight',
      'F33',
    );
    expectError(
      parseSafetensors(
        rawFile(
          { 'conv.weight': { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } },
          new Uint8Array(4),
        ),
      ),
      'weights.header',
      'conv.weight',
      'shape',
    );
    expectError(
      parseSafetensors(
        rawFile(
          { 'conv.weight': { dtype: 'F32', shape: [1], data_offsets: [4, 0] } },
          new Uint8Array(4),
        ),
      ),
      'weights.header',
      'conv.weight',
      'data_offsets',
    );
    expectError(
      parseSafetensors(
        rawFile(
          { 'conv.weight': { dtype: 'F32', shape: [2], data_offsets: [0, 4] } },
          new Uint8Array(4),
        ),
      ),
      'weights.header',
      'conv.weight',
      'should take 8 bytes',
    );
    expectError(
      parseSafetensors(rawFile({ 'conv.weight': 7 }, new Uint8Array(0))),
      'weights.header',
      'conv.weight',
    );
  });

  it('names the tensor whose bytes run past the end (truncated data)', () => {
    const full = writeSafetensors(
      new Map([['fc.bias', { dtype: 'F32', shape: [10], data: new Float32Array(10) }]]),
    );
    expectError(
      parseSafetensors(full.subarray(0, full.byteLength - 4), 'w.safetensors'),
      'weights.truncated',
      'fc.bias',
      'truncated',
    );
  });

  it('refuses overlapping tensors, holes and trailing bytes', () => {
    const overlap = {
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
    };
    expectError(
      parseSafetensors(rawFile(overlap, new Uint8Array(12))),
      'weights.header',
      'overlaps',
    );
    const hole = { a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } };
    expectError(
      parseSafetensors(rawFile(hole, new Uint8Array(8))),
      'weights.header',
      'unused bytes before tensor a',
    );
    const trailing = { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } };
    expectError(
      parseSafetensors(rawFile(trailing, new Uint8Array(12))),
      'weights.header',
      '8 bytes after the last tensor',
    );
  });

  it('refuses metadata that is not strings', () => {
    expectError(
      parseSafetensors(rawFile({ __metadata__: { step: 3 } })),
      'weights.header',
      '__metadata__',
    );
  });
});

describe('weights as a state_dict', () => {
  const design = presetDesign('googlenet')!;
  const graph = analyze(design).graph;
  const spec = stateDictSpec(graph);
  const weights = seededStateDict(graph, 3);
  const bytes = stateDictToSafetensors(weights, graph);
  let dir = '';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'engine-weights-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Rewrites the file with one tensor changed, removed or added. */
  function edited(edit: (m: Map<string, TensorToWrite>) => void): Uint8Array {
    const parsed = parseSafetensors(bytes);
    if (!parsed.ok) throw new Error(parsed.error.message);
    const m = new Map<string, TensorToWrite>();
    for (const [k, t] of parsed.value.tensors) {
      m.set(
        k,
        t.dtype === 'I64'
          ? { dtype: 'I64', shape: t.shape, data: new BigInt64Array(t.bytes.slice().buffer) }
          : { dtype: 'F32', shape: t.shape, data: new Float32Array(t.bytes.slice().buffer) },
      );
    }
    edit(m);
    return writeSafetensors(m);
  }

  it('uses the PyTorch state_dict keys, F32 values and I64 batch counters', () => {
    const parsed = parseSafetensors(bytes);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const t = parsed.value.tensors;
    expect(t.get('conv1.conv.weight')).toMatchObject({ dtype: 'F32', shape: [64, 3, 7, 7] });
    expect(t.get('inception3a.branch2.1.batchnorm.running_mean')).toMatchObject({
      dtype: 'F32',
      shape: [128],
    });
    expect(t.get('aux1.fc2.bias')).toMatchObject({ dtype: 'F32', shape: [1000] });
    expect(t.get('conv1.batchnorm.num_batches_tracked')).toMatchObject({ dtype: 'I64', shape: [] });
    expect([...t.keys()]).toEqual(spec.map((e) => e.key));
  });

  it('round-trips every tensor exactly', () => {
    const back = stateDictFromSafetensors(bytes, spec, 'w.safetensors');
    expect(back.ok).toBe(true);
    if (!back.ok) return;
    expect(back.value.size).toBe(weights.size);
    // Compared as bytes: exact, and far quicker than element-wise deep equality.
    const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    const differing = [...weights]
      .filter(([k, v]) => !bytesOf(v).equals(bytesOf(back.value.get(k)!)))
      .map(([k]) => k);
    expect(differing).toEqual([]);
  });

  it('names a missing tensor', () => {
    const r = stateDictFromSafetensors(
      edited((m) => m.delete('inception4c.branch3.1.conv.weight')),
      spec,
      'w.safetensors',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('weights.missing');
    expect(r.error.message).toContain('inception4c.branch3.1.conv.weight');
    expect(r.error.message).toContain('w.safetensors');
  });

  it('loads a file with a tensor the design has no place for, and names it as not used', async () => {
    const bytes = edited((m) =>
      m.set('fc9.weight', { dtype: 'F32', shape: [2], data: new Float32Array(2) }),
    );
    const r = weightsFromBytes(bytes, spec, 'w.safetensors');
    expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
    if (!r.ok) return;
    expect(r.value.ignored).toEqual(['fc9.weight']);
    expect(r.value.loaded).toBe(r.value.total);
    expect(fineTuneNote(r.value, 'w.safetensors').join(' ')).toContain(
      'Not used (the design has no place for them): fc9.weight.',
    );
  });

  it('names a mis-shaped tensor with both shapes', () => {
    const r = stateDictFromSafetensors(
      edited((m) =>
        m.set('fc1.weight', { dtype: 'F32', shape: [10, 1024], data: new Float32Array(10240) }),
      ),
      spec,
      'w.safetensors',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('weights.shape');
    expect(r.error.message).toContain(
      'fc1.weight has shape [10, 1024] but this design needs [1000, 1024]',
    );
  });

  it('names a tensor of the wrong dtype, floats and counters alike', () => {
    const asF64 = edited((m) => {
      const w = m.get('conv1.conv.bias')!;
      m.set('conv1.conv.bias', { dtype: 'I64', shape: w.shape, data: new BigInt64Array(64) });
    });
    const r = stateDictFromSafetensors(asF64, spec, 'w.safetensors');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain('conv1.conv.bias is I64 but must be F32');
    const counter = stateDictFromSafetensors(
      edited((m) =>
        m.set('conv1.batchnorm.num_batches_tracked', {
          dtype: 'F32',
          shape: [],
          data: new Float32Array(1),
        }),
      ),
      spec,
      'w.safetensors',
    );
    expect(counter.ok).toBe(false);
    if (!counter.ok)
      expect(counter.error.message).toContain(
        'conv1.batchnorm.num_batches_tracked is F32 but must be I64',
      );
  });

  it('reports several problems at once', () => {
    const r = stateDictFromSafetensors(
      edited((m) => {
        m.delete('conv2.conv.weight');
        m.set('fc1.weight', { dtype: 'F32', shape: [10, 1024], data: new Float32Array(10240) });
      }),
      spec,
      'w.safetensors',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('weights.mismatch');
    expect(r.error.message).toContain('conv2.conv.weight');
    expect(r.error.message).toContain('fc1.weight has shape [10, 1024]');
  });

  it('loads a file from disk, and names the file when it is missing or truncated', async () => {
    const file = path.join(dir, 'weights.safetensors');
    await writeFile(file, bytes);
    const ok = await loadStateDict(file, graph);
    expect(ok.ok).toBe(true);
    const missing = await loadStateDict(path.join(dir, 'nope.safetensors'), graph);
    expect(missing).toMatchObject({ ok: false, error: { code: 'weights.read' } });
    if (!missing.ok) expect(missing.error.message).toContain('nope.safetensors does not exist');
    const cut = path.join(dir, 'cut.safetensors');
    await writeFile(cut, bytes.subarray(0, bytes.byteLength - 1000));
    const truncated = await loadStateDict(cut, graph);
    expect(truncated).toMatchObject({ ok: false, error: { code: 'weights.truncated' } });
    if (!truncated.ok)
      expect(truncated.error.message).toMatch(
        /cut\.safetensors is truncated: tensor \S+ ends at byte/,
      );
  });
});
