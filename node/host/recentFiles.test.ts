import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecentFiles } from './recentFiles';

describe('recent files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recent-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists files newest first, once each, at most the limit, and survives a restart', async () => {
    const files = await Promise.all(
      ['a', 'b', 'c', 'd'].map(async (n) => {
        const p = join(dir, `${n}.json`);
        await writeFile(p, '{}');
        return p;
      }),
    );
    const recent = new RecentFiles(join(dir, 'recent.json'), 3);
    for (const f of files) await recent.add(f);
    await recent.add(files[1]);
    expect(await recent.list()).toEqual([files[1], files[3], files[2]]);
    expect(await new RecentFiles(join(dir, 'recent.json'), 3).list()).toEqual([
      files[1],
      files[3],
      files[2],
    ]);
    expect(await recent.has(files[3])).toBe(true);
    expect(await recent.has(files[0])).toBe(false);
  });

  it('hides files that no longer exist and tolerates a damaged list', async () => {
    const recent = new RecentFiles(join(dir, 'recent.json'));
    await recent.add(join(dir, 'gone.json'));
    expect(await recent.list()).toEqual([]);
    await writeFile(join(dir, 'recent.json'), '[1, 2');
    expect(await recent.list()).toEqual([]);
  });
});
