/**
 * Where the engine worker's code is and how to start it: the one place that decides. The app's
 * build ships a bundled `engineWorker.js` beside the code that starts it; from a checkout (CLI,
 * tests, `npm start`) the TypeScript source runs through tsx.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

export interface WorkerEntry {
  /** Absolute path of the worker script. */
  readonly file: string;
  /** Whether it is TypeScript source, which needs the tsx loader. */
  readonly typescript: boolean;
}

/**
 * Resolves the worker entry relative to `fromDir` (default: this module's folder): the built
 * `<name>.js`, else the source `<name>.ts` (`trainWorker` is the training job's worker).
 */
export function resolveWorkerEntry(
  fromDir: string = path.dirname(fileURLToPath(import.meta.url)),
  name: 'engineWorker' | 'training/trainWorker' = 'engineWorker',
): WorkerEntry {
  const built = path.join(fromDir, `${path.basename(name)}.js`);
  if (existsSync(built)) return { file: built, typescript: false };
  return {
    file: path.join(fileURLToPath(new URL('.', import.meta.url)), `${name}.ts`),
    typescript: true,
  };
}

/**
 * Starts the worker. Node 20 does not apply `--import` loaders given in a worker's execArgv to
 * its entry module, so TypeScript source starts from a tiny bootstrap that registers tsx's hooks
 * in the worker's own thread and then imports the entry.
 */
export function startWorker(entry: WorkerEntry, options: WorkerOptions): Worker {
  if (!entry.typescript) return new Worker(entry.file, options);
  const tsxApi = tsxEsmApi();
  const main = pathToFileURL(entry.file).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(main)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** tsx's ESM API (its `tsx/esm/api` import target; require.resolve would give the CommonJS one). */
function tsxEsmApi(): string {
  const file = path.join(
    path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')),
    'dist',
    'esm',
    'api',
    'index.mjs',
  );
  if (!existsSync(file))
    throw new Error(`tsx's ESM API is not at ${file}; reinstall the dependencies (npm install).`);
  return pathToFileURL(file).href;
}

/** The assets folder (sample photos, class labels) of a checkout. */
export function defaultAssetsDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'assets');
}
