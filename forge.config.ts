/**
 * Electron Forge: the Vite plugin builds main, preload, the engine worker and the renderer; makers
 * produce a zip and a .deb; native modules (onnxruntime-node's addon and libonnxruntime for the
 * target platform only, tfjs-node's addon and libtensorflow) are shipped unpacked from the asar; the Electron fuses are locked down. Run with `npx electron-forge make`
 * (Forge 8 needs Node 22.13 or newer).
 */
import type { ForgeConfig } from '@electron-forge/shared-types';
import { MakerDeb } from '@electron-forge/maker-deb';
import { MakerZIP } from '@electron-forge/maker-zip';
import { FusesPlugin } from '@electron-forge/plugin-fuses';
import { VitePlugin } from '@electron-forge/plugin-vite';
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import { copyNativePackages, NATIVE_UNPACK_GLOB } from './node/build/nativeModules';

/** The engine's worker_threads entry, bundled to `.vite/build/engineWorker.cjs` beside main. */
export const ENGINE_WORKER_ENTRY = 'node/engine/engineWorker.ts';
/** The training job's worker_threads entry, bundled to `.vite/build/trainWorker.cjs` beside main. */
export const TRAIN_WORKER_ENTRY = 'node/engine/training/trainWorker.ts';

/** The fuses, exported so tests check them; every capability the app does not use is off. */
export const fuses = {
  version: FuseVersion.V1,
  // No `ELECTRON_RUN_AS_NODE`: the binary cannot be used as a plain Node interpreter.
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  // No NODE_OPTIONS and no --inspect: nothing can inject code or a debugger from outside.
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  // The app code is only ever read from the integrity-checked app.asar.
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  // The renderer is served from app://, so file:// needs no extra privileges.
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
} as const;

/** The Vite plugin's targets (exported for the end-to-end build, which runs Forge's own build worker). */
export const vitePluginConfig = {
  build: [
    { entry: 'electron/main/main.ts', config: 'vite.main.config.ts', target: 'main' as const },
    {
      entry: 'electron/preload/preload.ts',
      config: 'vite.preload.config.ts',
      target: 'preload' as const,
    },
    { entry: ENGINE_WORKER_ENTRY, config: 'vite.worker.config.ts', target: 'main' as const },
    { entry: TRAIN_WORKER_ENTRY, config: 'vite.worker.config.ts', target: 'main' as const },
  ],
  renderer: [{ name: 'main_window', config: 'vite.renderer.config.ts' }],
};

const config: ForgeConfig = {
  packagerConfig: {
    name: 'Inception Explorer',
    executableName: 'inception-explorer',
    appBundleId: 'org.inception-explorer.app',
    appCategoryType: 'public.app-category.education',
    asar: { unpack: NATIVE_UNPACK_GLOB },
    // Photos for runs and the class labels, read from `process.resourcesPath` when packaged.
    extraResource: ['assets/samples', 'assets/imagenet-classes.json'],
  },
  // onnxruntime-node ships prebuilt N-API binaries (ABI-stable across Node and Electron): no rebuild.
  rebuildConfig: { onlyModules: ['@tensorflow/tfjs-node'] },
  makers: [
    new MakerZIP({}, ['linux', 'darwin', 'win32']),
    new MakerDeb({
      options: {
        name: 'inception-explorer',
        productName: 'Inception Explorer',
        genericName: 'Neural network explorer',
        description: 'Explore, edit and run GoogLeNet (Inception v1) as a live node graph.',
        categories: ['Science', 'Education', 'Development'],
        section: 'science',
        maintainer: 'Inception Explorer developers',
        homepage: 'https://github.com/inception-explorer/inception-explorer',
      },
    }),
  ],
  hooks: {
    // The Vite plugin packages only .vite/; native packages cannot be bundled, so they are copied in.
    packageAfterCopy: async (_config, buildPath, _electronVersion, platform, arch) => {
      await copyNativePackages(import.meta.dirname, buildPath, undefined, platform, arch);
    },
  },
  plugins: [new VitePlugin(vitePluginConfig), new FusesPlugin(fuses)],
};

export default config;
