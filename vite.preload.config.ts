/**
 * Vite config of the preload script (`.vite/build/preload.cjs`). The preload runs sandboxed, where
 * only `electron` can be required, so everything else it imports is bundled into one file.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  build: { target: 'chrome140', sourcemap: 'inline', minify: false },
});
