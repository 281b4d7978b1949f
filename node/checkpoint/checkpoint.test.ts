/**
 * torch.save files read without Python: every value of the zip, legacy, nested and `.bin`
 * fixtures (written by tools/torch/make_checkpoint_fixtures.py with torch 1.13) against the
 * values torch printed, and a refusal with a code and the culprit's name for every hostile file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpoint } from './checkpoint';
import { unpickle } from './pickle';
import { readWeightsFile } from './weightsFile';

const dir = path.join(__dirname, '__fixtures__');
const fixture = (name: string) => new Uint8Array(readFileSync(path.join(dir, name)));
const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Record<
  string,
  { shape: number[]; values: number[]; dtype: string }
>;
const DTYPES: Record<string, string> = {
  'torch.float32': 'F32',
  'torch.float16': 'F16',
  'torch.bfloat16': 'BF16',
  'torch.float64': 'F64',
  'torch.int64': 'I64',
  'torch.int32': 'I32',
};

describe('readCheckpoint', () => {
  it.each([
    ['plain-zip.pth', 'zip', null],
    ['plain-legacy.pth', 'legacy', null],
    ['nested-zip.pt', 'zip', 'state_dict'],
    ['nested-legacy.pt', 'legacy', 'state_dict'],
    ['pytorch_model.bin', 'zip', null],
  ])('reads every value of %s exactly, as torch saved it', (name, format, key) => {
    const r = readWeightsFile(fixture(name), name);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.format).toBe(format);
    expect(r.value.stateDictKey).toBe(key);
    expect([...r.value.tensors.keys()]).toEqual(Object.keys(expected));
    for (const [k, want] of Object.entries(expected)) {
      const t = r.value.tensors.get(k)!;
      expect(t.shape, k).toEqual(want.shape);
      expect(t.dtype, k).toBe(DTYPES[want.dtype]);
      // float32 of float16/bfloat16/float64 is what `.float()` gives in torch; compare all.
      expect([...t.values], k).toEqual(want.values.map((v) => Math.fround(v)));
    }
  });

  it('reads views: a transposed tensor, a slice with a storage offset and two tensors on one storage', () => {
    const r = readCheckpoint(fixture('plain-zip.pth'), 'plain-zip.pth');
    if (!r.ok) throw new Error(r.error.message);
    const shared = r.value.tensors.get('shared.a')!.values;
    expect([...r.value.tensors.get('shared.b')!.values]).toEqual([...shared.slice(3)]);
    expect(r.value.tensors.get('fc.weight')!.shape).toEqual([5, 3]);
    expect(r.value.tensors.get('slice.weight')!.shape).toEqual([2, 3]);
  });

  it('ignores the optimizer state beside the state_dict and never reads its storages', () => {
    const read: string[] = [];
    const r = readCheckpoint(fixture('nested-zip.pt'), 'nested-zip.pt', {
      onStorageRead: (k) => read.push(k),
    });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.tensors.size).toBe(Object.keys(expected).length);
    // Storages of the state_dict: 10 (shared.a/shared.b share one); the optimizer's are not read.
    expect(new Set(read).size).toBe(read.length);
    expect(read.length).toBe(10);
  });

  describe.each(['zip', 'legacy'])('hostile %s pickles', (format) => {
    it.each([
      ['posix-system', 'posix.system'],
      ['builtins-exec', 'builtins.exec'],
      ['builtins-eval', 'builtins.eval'],
      ['os-popen', 'os.popen'],
      ['subprocess-popen', 'subprocess.Popen'],
      ['arbitrary-class', '__main__.Arbitrary'],
    ])('refuses %s, naming %s, before reading any storage', (file, culprit) => {
      const name = `hostile-${file}-${format}.pth`;
      const read: string[] = [];
      const r = readCheckpoint(fixture(name), name, { onStorageRead: (k) => read.push(k) });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.code).toBe('weights.unsafePickle');
      expect(r.error.message).toBe(
        `The checkpoint ${name} names ${culprit}, which is not a tensor, storage or container; it was not loaded and nothing in it was run.`,
      );
      expect(read).toEqual([]);
    });
  });

  it.each([
    ['overclaim-zip.pth', 'weights.truncated', 'storage 0 declares 1,000,000 F32 elements'],
    ['overclaim-legacy.pth', 'weights.truncated', 'storage 0 declares 1,000,000 F32 elements'],
    ['truncated-zip.pth', 'weights.truncated', 'no end-of-archive record'],
    ['truncated-legacy.pth', 'weights.truncated', 'only 20 bytes remain'],
    ['bomb-zip.pth', 'weights.tooLarge', 'archive/data.pkl inflates to more than the 400 bytes'],
    ['huge-entry-zip.pth', 'weights.tooLarge', 'archive/data.pkl declares 8,589,934,592 bytes'],
  ])('refuses %s with %s, naming the culprit', (name, code, text) => {
    const r = readWeightsFile(fixture(name), name);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(code);
    expect(r.error.message).toContain(name);
    expect(r.error.message).toContain(text);
  });

  it('refuses a state_dict over maxOutputBytes before converting it', () => {
    const r = readCheckpoint(fixture('plain-zip.pth'), 'p.pth', { maxOutputBytes: 100 });
    expect(r).toMatchObject({ ok: false, error: { code: 'weights.tooLarge' } });
  });

  it('says what a checkpoint without a state_dict holds', () => {
    // A legacy file whose main pickle is {'epoch': 3}.
    const legacy = Uint8Array.from([
      ...[0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e],
      ...[0x80, 0x02, 0x4d, 0xe9, 0x03, 0x2e],
      ...[0x80, 0x02, 0x7d, 0x2e],
      ...[0x80, 0x02, 0x7d, 0x8c, 5, ...new TextEncoder().encode('epoch'), 0x4b, 3, 0x73, 0x2e],
      ...[0x80, 0x02, 0x5d, 0x2e],
    ]);
    const r = readWeightsFile(legacy, 'e.pth');
    expect(r).toMatchObject({ ok: false, error: { code: 'weights.format' } });
    if (!r.ok)
      expect(r.error.message).toBe(
        'e.pth is a PyTorch checkpoint but holds no state_dict (a dict of tensors): it holds a dict with keys epoch.',
      );
  });

  it('refuses a file of no weights format', () => {
    const r = readWeightsFile(new TextEncoder().encode('not a weights file at all'), 'x.pth');
    expect(r).toMatchObject({ ok: false, error: { code: 'weights.format' } });
    if (!r.ok) expect(r.error.message).toContain('x.pth is not a weights file');
  });
});

describe('unpickle bounds', () => {
  const proto2 = (body: Uint8Array) => Uint8Array.from([0x80, 0x02, ...body, 0x2e]);

  it('refuses a million nested lists without deep recursion or large memory', () => {
    const n = 1_000_000;
    const body = new Uint8Array(2 * n - 1);
    body.fill(0x5d, 0, n); // EMPTY_LIST × n
    body.fill(0x61, n); // APPEND × (n - 1): each list into the one below it
    const bytes = new Uint8Array(body.length + 3);
    bytes.set([0x80, 0x02]);
    bytes.set(body, 2);
    bytes[bytes.length - 1] = 0x2e;
    const r = unpickle(bytes, 0, 'deep.pkl');
    expect(r).toMatchObject({ ok: false, error: { code: 'weights.tooLarge' } });
    if (!r.ok) expect(r.error.message).toContain('nests containers more than 1000 deep');
  });

  it('refuses a million nested MARKs', () => {
    const r = unpickle(proto2(new Uint8Array(1_000_000).fill(0x28)), 0, 'marks.pkl');
    expect(r).toMatchObject({ ok: false, error: { code: 'weights.tooLarge' } });
  });

  it('refuses a pickle that ends early and one with an unknown opcode', () => {
    expect(unpickle(Uint8Array.from([0x80, 0x02, 0x58, 9, 0, 0, 0]), 0, 't.pkl')).toMatchObject({
      ok: false,
      error: { code: 'weights.truncated' },
    });
    expect(unpickle(proto2(Uint8Array.of(0xff)), 0, 'u.pkl')).toMatchObject({
      ok: false,
      error: { code: 'weights.format' },
    });
  });

  it('refuses a global by INST and STACK_GLOBAL too', () => {
    const inst = new TextEncoder().encode('(ios\nsystem\n.');
    const r = unpickle(Uint8Array.from([0x80, 0x02, ...inst]), 0, 'i.pkl');
    expect(r).toMatchObject({ ok: false, error: { code: 'weights.unsafePickle' } });
    if (!r.ok) expect(r.error.message).toContain('names os.system');
    const sg = Uint8Array.from([
      0x80,
      0x04,
      0x8c,
      2,
      ...new TextEncoder().encode('os'),
      0x8c,
      6,
      ...new TextEncoder().encode('system'),
      0x93,
      0x2e,
    ]);
    const s = unpickle(sg, 0, 's.pkl');
    expect(s).toMatchObject({ ok: false, error: { code: 'weights.unsafePickle' } });
  });
});
