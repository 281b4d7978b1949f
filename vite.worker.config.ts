/**
 * Vite config of the worker_threads entries: the engine's (`.vite/build/engineWorker.cjs`) and the
 * training job's (`.vite/build/trainWorker.cjs`).
 * TensorFlow.js is bundled; tfjs-node's native addon stays external (copied into the package by
 * forge.config.ts); the WebAssembly binaries of the wasm backend are copied beside the bundle,
 * since node_modules is not packaged.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import { NATIVE_PACKAGES } from './node/build/nativeModules';

const require = createRequire(import.meta.url);

/** Emits tfjs-backend-wasm's .wasm files into the output folder. */
function copyTfjsWasm(): Plugin {
  return {
    name: 'inception-explorer:copy-tfjs-wasm',
    generateBundle() {
      const dir = dirname(
        require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'),
      );
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.wasm'))) {
        this.emitFile({ type: 'asset', fileName: name, source: readFileSync(join(dir, name)) });
      }
    },
  };
}

export default defineConfig({
  plugins: [copyTfjsWasm()],
  build: {
    target: 'node22',
    sourcemap: true,
    rollupOptions: { external: [...NATIVE_PACKAGES] },
  },
});
