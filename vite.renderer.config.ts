/**
 * Vite config of the renderer (the React app). `root` is renderer/, so both the Electron shell
 * (Forge's Vite plugin) and the browser host (`inception-explorer serve`) can build it or serve it
 * through Vite's middleware. JSX is compiled by Vite's esbuild (tsconfig `jsx: react-jsx`).
 */
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const repoRoot = import.meta.dirname;

export default defineConfig({
  root: resolve(repoRoot, 'renderer'),
  // Relative asset URLs: the same build loads from file:// (Electron) and http:// (browser host).
  base: './',
  build: {
    outDir: resolve(repoRoot, '.vite', 'renderer', 'main_window'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 4096,
  },
  server: { host: '127.0.0.1', strictPort: false, fs: { allow: [repoRoot] } },
  clearScreen: false,
  logLevel: 'warn',
});
