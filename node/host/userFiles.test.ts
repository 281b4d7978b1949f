import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readUserFile, realPathInside } from './userFiles';

const limits = { maxBytes: 1024, noun: 'The file', codePrefix: 'file' };

describe('bounded reads of user-named paths', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'user-files-'));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    await writeFile(join(dir, 'small.txt'), 'hello');
    await writeFile(join(dir, 'big.bin'), Buffer.alloc(2048));
    await symlink('/dev/zero', join(dir, 'zero-link'));
    await symlink(join(dir, 'fifo'), join(dir, 'fifo-link'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads a regular file', async () => {
    expect(await readUserFile(join(dir, 'small.txt'), limits)).toEqual({
      ok: true,
      value: Buffer.from('hello'),
    });
  });

  it.each([
    ['a named pipe', 'fifo', 'file.notFile', /is a named pipe \(FIFO\), not a file/],
    ['a link to a named pipe', 'fifo-link', 'file.notFile', /named pipe/],
    [
      '/dev/zero through a link',
      'zero-link',
      'file.notFile',
      /character device \(such as \/dev\/zero\)/,
    ],
    ['a folder', '.', 'file.notFile', /is a folder, not a file/],
    [
      'a file over the limit',
      'big.bin',
      'file.tooLarge',
      /is 2\.0 KiB, over the limit of 1\.0 KiB/,
    ],
    ['a missing file', 'none', 'file.notFound', /does not exist/],
  ])('refuses %s before reading it', async (_what, name, code, message) => {
    const r = await readUserFile(join(dir, name), limits);
    expect(r).toMatchObject({
      ok: false,
      error: { code, message: expect.stringMatching(message) },
    });
  });

  it.each([['/dev/zero'], ['/dev/urandom'], ['/dev/null']])(
    'refuses the device %s',
    async (device) => {
      expect(await readUserFile(device, limits)).toMatchObject({
        ok: false,
        error: { code: 'file.notFile' },
      });
    },
  );

  it('stops at the bound when a file reports a size smaller than what it holds (/proc)', async () => {
    // /proc/self/maps reports size 0 but has content: the read still ends at the limit.
    const r = await readUserFile('/proc/self/maps', { ...limits, maxBytes: 16 });
    expect(r).toMatchObject({
      ok: false,
      error: {
        code: 'file.tooLarge',
        message: expect.stringMatching(/larger than the limit of 16 B/),
      },
    });
  });

  it('uses the codes a caller gives', async () => {
    expect(
      await readUserFile(join(dir, 'none'), {
        ...limits,
        codePrefix: 'weights',
        codes: { notFound: 'weights.read' },
      }),
    ).toMatchObject({ ok: false, error: { code: 'weights.read' } });
  });
});

describe('real containment', () => {
  let dir = '';
  let root = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'contain-'));
    root = join(dir, 'root');
    await mkdir(join(root, 'sub'), { recursive: true });
    await mkdir(join(dir, 'other'));
    await writeFile(join(root, 'a.json'), '{}');
    await writeFile(join(dir, 'other', 'b.json'), '{}');
    await symlink(join(dir, 'other'), join(root, 'abs-dir'));
    await symlink('../other', join(root, 'rel-dir'));
    await symlink('../../other/b.json', join(root, 'sub', 'rel-file.json'));
    await symlink('rel-dir', join(root, 'chained'));
    await symlink('a.json', join(root, 'alias.json'));
    await symlink(root, join(dir, 'root-link'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each([
    ['abs-dir/b.json', 'read'],
    ['rel-dir/b.json', 'read'],
    ['sub/rel-file.json', 'read'],
    ['chained/b.json', 'read'],
    ['abs-dir/new.json', 'write'],
    ['chained/new.json', 'write'],
    ['chained/deeper/new.json', 'write'],
  ] as const)('%s (%s) leads outside', async (path, mode) => {
    expect(await realPathInside(root, join(root, path), mode)).toEqual({
      ok: false,
      reason: 'outside',
    });
  });

  it('follows links that stay inside, and resolves a root that is itself a link', async () => {
    expect(await realPathInside(root, join(root, 'alias.json'), 'read')).toEqual({
      ok: true,
      path: join(root, 'a.json'),
    });
    expect(
      await realPathInside(join(dir, 'root-link'), join(dir, 'root-link', 'a.json'), 'read'),
    ).toEqual({ ok: true, path: join(root, 'a.json') });
    expect(await realPathInside(root, join(root, 'sub', 'new', 'x.json'), 'write')).toEqual({
      ok: true,
      path: join(root, 'sub', 'new', 'x.json'),
    });
  });

  it('refuses the folder itself and a write onto a folder', async () => {
    expect(await realPathInside(root, root, 'write')).toEqual({ ok: false, reason: 'outside' });
    expect(await realPathInside(root, root, 'read')).toEqual({ ok: false, reason: 'outside' });
    expect(await realPathInside(root, join(root, 'sub'), 'write')).toEqual({
      ok: false,
      reason: 'folder',
    });
  });
});
