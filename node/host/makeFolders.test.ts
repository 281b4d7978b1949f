/**
 * makeFolders makes missing parents once each and throws the file system's error, where Node's
 * recursive mkdir loops forever (under /proc); checkWritableFolder words each failure.
 */
import { mkdtemp, rm, stat, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkWritableFolder, makeFolders } from './makeFolders';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'ie-folders-'));
  await writeFile(path.join(root, 'file'), 'x');
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('makeFolders', () => {
  it('makes every missing parent, and accepts a folder that exists', async () => {
    const deep = path.join(root, 'a', 'b', 'c');
    await makeFolders(deep);
    expect((await stat(deep)).isDirectory()).toBe(true);
    await makeFolders(deep);
    await makeFolders(root);
  });

  it.each([
    ['/proc/x', 'ENOENT'],
    ['/proc/x/y/z', 'ENOENT'],
    ['/dev/null/x', 'ENOTDIR'],
    ['/dev/null', 'ENOTDIR'],
  ])('throws for %s (%s) instead of looping', async (dir, code) => {
    await expect(makeFolders(dir)).rejects.toMatchObject({ code });
  });

  it('throws ENOTDIR under a file', async () => {
    await expect(makeFolders(path.join(root, 'file', 'x'))).rejects.toMatchObject({
      code: 'ENOTDIR',
    });
  });
});

describe('checkWritableFolder', () => {
  it('makes the folder and leaves no probe file behind', async () => {
    const dir = path.join(root, 'out', 'runs');
    expect((await checkWritableFolder(dir, 'The folder', 'x.write')).ok).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  it.each([
    [
      '/proc/x',
      /The folder \/proc\/x cannot be used: it cannot be made there; choose another folder\./,
    ],
    ['/dev/null/x', /is a file, not a folder/],
    ['/proc/self', /The folder \/proc\/self cannot be used/],
  ])('names %s', async (dir, message) => {
    const r = await checkWritableFolder(dir, 'The folder', 'x.write');
    expect(!r.ok && r.error.code).toBe('x.write');
    expect(!r.ok && r.error.message).toMatch(message);
  });
});
