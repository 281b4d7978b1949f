import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyNativePackages, runtimeClosure } from './nativeModules';

const repo = join(import.meta.dirname, '..', '..');

describe('native packages for the packaged app', () => {
  it('follows run-time dependencies (and skips packages that are not installed)', async () => {
    const closure = await runtimeClosure(['@tensorflow/tfjs-backend-cpu', 'not-an-installed-package'], repo);
    expect([...closure.keys()]).toEqual(expect.arrayContaining(['@tensorflow/tfjs-backend-cpu', 'seedrandom']));
    expect(closure.has('not-an-installed-package')).toBe(false);
    for (const dir of closure.values()) expect(dir.startsWith(join(repo, 'node_modules'))).toBe(true);
  });

  it('copies the closure into the build folder', async () => {
    const build = await mkdtemp(join(tmpdir(), 'forge-build-'));
    try {
      const copied = await copyNativePackages(repo, build, ['ws']);
      expect(copied).toEqual(['ws']);
      expect(await readdir(join(build, 'node_modules', 'ws'))).toContain('package.json');
      // tfjs-node is optional and absent here: packaging still succeeds, with nothing copied.
      expect(await copyNativePackages(repo, build, ['@tensorflow/tfjs-node'])).toEqual([]);
    } finally {
      await rm(build, { recursive: true, force: true });
    }
  });
});
