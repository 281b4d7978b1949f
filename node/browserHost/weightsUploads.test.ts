import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { saveWeightsUpload, uploadFileName } from './weightsUploads';

describe('weights uploads', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('makes safe unique names that keep the extension', () => {
    expect(uploadFileName('googlenet (1).PTH', 'abc123')).toBe('googlenet-1-abc123.pth');
    expect(uploadFileName('../../etc/passwd.pth', 'x')).toBe('passwd-x.pth');
    expect(uploadFileName('¿¿.safetensors', 'x')).toBe('weights-x.safetensors');
  });

  it('keeps the bytes under the uploads folder and refuses other files and empty ones', async () => {
    dir = await mkdtemp(join(tmpdir(), 'uploads-'));
    const r = await saveWeightsUpload(join(dir, 'uploads'), 'g.pth', Uint8Array.of(1, 2, 3));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.name).toBe('g.pth');
    expect(r.value.path.startsWith(join(dir, 'uploads', 'g-'))).toBe(true);
    expect([...(await readFile(r.value.path))]).toEqual([1, 2, 3]);
    const again = await saveWeightsUpload(join(dir, 'uploads'), 'g.pth', Uint8Array.of(4));
    expect(again.ok && again.value.path !== r.value.path).toBe(true);
    expect(await saveWeightsUpload(dir, 'cat.jpg', Uint8Array.of(1))).toMatchObject({
      ok: false,
      error: { code: 'weights.notWeightsFile' },
    });
    expect(await saveWeightsUpload(dir, 'g.pth', new Uint8Array(0))).toMatchObject({
      ok: false,
      error: { code: 'upload.empty' },
    });
  });
});
