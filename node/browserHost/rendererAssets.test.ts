import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgressLine, claimBuild, pruneBuilds } from './rendererAssets';

let cache: string;
const OLD_SERVED = 'aaaaaaaaaaaaaaaa';
const OLD_DEAD = 'bbbbbbbbbbbbbbbb';
const OLD_UNCLAIMED = 'cccccccccccccccc';
const CURRENT = 'dddddddddddddddd';
const LIVE_PID = 1001;
const DEAD_PID = 1002;

async function build(key: string): Promise<void> {
  await mkdir(join(cache, key), { recursive: true });
  await writeFile(join(cache, key, 'index.html'), '<!doctype html>');
}

beforeEach(async () => {
  cache = await mkdtemp(join(tmpdir(), 'renderer-cache-'));
  for (const key of [OLD_SERVED, OLD_DEAD, OLD_UNCLAIMED, CURRENT]) await build(key);
  await claimBuild(join(cache, OLD_SERVED), LIVE_PID);
  await claimBuild(join(cache, OLD_DEAD), DEAD_PID);
  await claimBuild(join(cache, CURRENT), DEAD_PID);
});
afterEach(async () => {
  await rm(cache, { recursive: true, force: true });
});

describe('pruneBuilds', () => {
  it('keeps the current build and any build a live server still serves; removes the rest', async () => {
    const removed = await pruneBuilds(cache, CURRENT, (pid) => pid === LIVE_PID);
    expect(removed.sort()).toEqual([OLD_DEAD, OLD_UNCLAIMED]);
    expect((await readdir(cache)).sort()).toEqual(
      [OLD_SERVED, `${OLD_SERVED}.users`, CURRENT, `${CURRENT}.users`].sort(),
    );
  });

  it('removes a build once the server that served it has gone', async () => {
    expect(await pruneBuilds(cache, CURRENT, () => false)).toContain(OLD_SERVED);
    expect(await readdir(cache)).not.toContain(OLD_SERVED);
  });
});

describe('buildProgressLine', () => {
  it('says how long the first build has run, how far it is and how long it takes', () => {
    expect(buildProgressLine(12_400, 850)).toBe(
      '  … 12 s, 850 modules transformed (a first build takes about 40 s)',
    );
    expect(buildProgressLine(5_000, 1)).toBe(
      '  … 5 s, 1 module transformed (a first build takes about 40 s)',
    );
  });
});
