/**
 * Vite config of the Electron main process (merged by @electron-forge/plugin-vite with its own:
 * CommonJS output `.vite/build/main.cjs`, Electron and Node built-ins external).
 */
import { defineConfig } from 'vite';
import { NATIVE_PACKAGES } from './node/build/nativeModules';

export default defineConfig({
  build: {
    target: 'node22',
    sourcemap: true,
    rollupOptions: { external: [...NATIVE_PACKAGES] },
  },
});
