import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  copyNativePackages,
  keepInPackage,
  NATIVE_PACKAGES,
  runtimeClosure,
} from './nativeModules';

const repo = join(import.meta.dirname, '..', '..');

describe('native packages for the packaged app', () => {
  it('follows run-time dependencies (and skips packages that are not installed)', async () => {
    const closure = await runtimeClosure(
      ['@tensorflow/tfjs-backend-cpu', 'not-an-installed-package'],
      repo,
    );
    expect([...closure.keys()]).toEqual(
      expect.arrayContaining(['@tensorflow/tfjs-backend-cpu', 'seedrandom']),
    );
    expect(closure.has('not-an-installed-package')).toBe(false);
    for (const dir of closure.values())
      expect(dir.startsWith(join(repo, 'node_modules'))).toBe(true);
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

  it("ships onnxruntime-node with only the target platform's binaries and without its install-time dependencies", async () => {
    expect(NATIVE_PACKAGES).toContain('onnxruntime-node');
    expect(
      keepInPackage(
        'onnxruntime-node',
        join('bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime.so.1'),
        'linux',
        'x64',
      ),
    ).toBe(true);
    expect(
      keepInPackage(
        'onnxruntime-node',
        join('bin', 'napi-v6', 'win32', 'x64', 'onnxruntime.dll'),
        'linux',
        'x64',
      ),
    ).toBe(false);
    expect(
      keepInPackage(
        'onnxruntime-node',
        join('bin', 'napi-v6', 'linux', 'arm64', 'libonnxruntime.so.1'),
        'linux',
        'x64',
      ),
    ).toBe(false);
    expect(keepInPackage('onnxruntime-node', join('dist', 'index.js'), 'linux', 'x64')).toBe(true);
    const build = await mkdtemp(join(tmpdir(), 'forge-build-'));
    try {
      const copied = await copyNativePackages(repo, build, ['onnxruntime-node'], 'linux', 'x64');
      expect(copied.sort()).toEqual(['onnxruntime-common', 'onnxruntime-node']);
      const bin = join(build, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6');
      expect(await readdir(bin)).toEqual(['linux']);
      expect(await readdir(join(bin, 'linux'))).toEqual(['x64']);
      const mb = Number(
        execFileSync('du', ['-sm', join(build, 'node_modules')], { encoding: 'utf8' }).split(
          '\t',
        )[0],
      );
      expect(mb).toBeLessThan(80);
    } finally {
      await rm(build, { recursive: true, force: true });
    }
  });
});
