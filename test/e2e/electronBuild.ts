/**
 * Builds the Electron app's bundles exactly as `electron-forge start/package` does, by running
 * the Forge Vite plugin's own build worker for each target of forge.config.ts (main, preload, the
 * engine worker, the renderer) into .vite/. Works on Node 20, where Forge's CLI itself refuses to run.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { vitePluginConfig } from '../../forge.config';
import { repoRoot } from './harness';

const worker = join(
  repoRoot,
  'node_modules',
  '@electron-forge',
  'plugin-vite',
  'dist',
  'subprocess-worker.js',
);

function runTarget(kind: 'build' | 'renderer', index: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker], {
      cwd: repoRoot,
      env: {
        ...process.env,
        FORGE_VITE_PROJECT_DIR: repoRoot,
        FORGE_VITE_KIND: kind,
        FORGE_VITE_INDEX: String(index),
        FORGE_VITE_CONFIG: JSON.stringify(vitePluginConfig),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (c: Buffer) => (log += c.toString()));
    child.stderr.on('data', (c: Buffer) => (log += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`Building ${kind} target ${index} failed (exit ${code}):\n${log}`)),
    );
  });
}

/** Builds every target into .vite/build and .vite/renderer; returns the main bundle's path. */
export async function buildElectronApp(): Promise<string> {
  createRequire(import.meta.url).resolve('@electron-forge/plugin-vite');
  for (let i = 0; i < vitePluginConfig.build.length; i++) await runTarget('build', i);
  for (let i = 0; i < vitePluginConfig.renderer.length; i++) await runTarget('renderer', i);
  return join(repoRoot, '.vite', 'build', 'main.cjs');
}
