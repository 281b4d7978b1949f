/**
 * How the browser host serves the renderer without a manual build step: by default it builds the
 * renderer once with Vite's `build()` into a cache keyed by a hash of the sources (later starts
 * reuse it) and serves the files; with `--dev` it runs Vite in middleware mode (edits reload live).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { writeFileAtomic } from '../host/atomicFile';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { extname, join, relative, resolve, sep } from 'node:path';
import { isProcessAlive } from '../host/autosaveStore';
import type { RendererMiddleware } from './browserHostServer';

/** The repository root (this file is node/browserHost/rendererAssets.ts). */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const DEFAULT_CACHE_DIR = join(
  REPO_ROOT,
  'node_modules',
  '.cache',
  'inception-explorer',
  'renderer',
);

/** What the renderer build reads: its sources, core/, the Vite config and the dependency lock. */
const INPUTS = [
  'renderer',
  'core',
  'assets',
  'vite.renderer.config.ts',
  'package-lock.json',
  'tsconfig.json',
];
const SKIP = /(\.test\.tsx?$|__fixtures__|__snapshots__|(^|[\\/])\.)/;

async function hashInputs(root: string): Promise<string> {
  const hash = createHash('sha256');
  const visit = async (rel: string): Promise<void> => {
    const abs = join(root, rel);
    let s;
    try {
      s = await stat(abs);
    } catch {
      return;
    }
    if (s.isDirectory()) {
      for (const name of (await readdir(abs)).sort())
        if (!SKIP.test(name)) await visit(join(rel, name));
    } else if (s.isFile()) {
      hash
        .update(rel.split(sep).join('/'))
        .update('\0')
        .update(await readFile(abs))
        .update('\0');
    }
  };
  for (const input of INPUTS) await visit(input);
  return hash.digest('hex').slice(0, 16);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface RendererBuildOptions {
  readonly root?: string;
  readonly cacheDir?: string;
  /** Where Vite's messages go (never stdout: serve prints exactly one line there). */
  readonly log?: (line: string) => void;
  /** How often a build in progress logs how far it is, milliseconds (default 5000). */
  readonly progressEveryMs?: number;
}

/** Records that this process serves the build in `outDir`, so another start's pruning keeps it. */
export async function claimBuild(outDir: string, pid: number = process.pid): Promise<void> {
  await mkdir(`${outDir}.users`, { recursive: true });
  await writeFileAtomic(join(`${outDir}.users`, String(pid)), '');
}

/**
 * Removes builds other than `keep` that no live process serves: older builds are dead weight, but
 * deleting one a running server still serves would leave its page a 404 on the next reload.
 * Returns the removed build keys.
 */
export async function pruneBuilds(
  cacheDir: string,
  keep: string,
  isAlive: (pid: number) => boolean = isProcessAlive,
): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(cacheDir)) {
    if (!/^[0-9a-f]{16}$/.test(name) || name === keep) continue;
    const users = await readdir(join(cacheDir, `${name}.users`)).catch((): string[] => []);
    if (users.some((u) => /^\d+$/.test(u) && isAlive(Number(u)))) continue;
    await rm(join(cacheDir, name), { recursive: true, force: true });
    await rm(join(cacheDir, `${name}.users`), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** One progress line of a renderer build: "… 12 s, 850 modules transformed". */
export function buildProgressLine(elapsedMs: number, modules: number): string {
  return `  … ${Math.round(elapsedMs / 1000)} s, ${modules} module${modules === 1 ? '' : 's'} transformed (a first build takes about 40 s)`;
}

/**
 * Returns a folder holding the built renderer for the current sources, building it when the cache
 * has none. Concurrent starts share one build through a lock folder (a dead owner's lock is taken over).
 */
export async function ensureRendererBuild(o: RendererBuildOptions = {}): Promise<string> {
  const root = o.root ?? REPO_ROOT;
  const cacheDir = o.cacheDir ?? DEFAULT_CACHE_DIR;
  const configFile = join(root, 'vite.renderer.config.ts');
  try {
    await stat(join(root, 'renderer', 'index.html'));
  } catch {
    throw new Error(
      `The renderer is missing: ${join(root, 'renderer', 'index.html')} does not exist.`,
    );
  }
  const key = await hashInputs(root);
  const outDir = join(cacheDir, key);
  const lock = `${outDir}.lock`;
  await mkdir(cacheDir, { recursive: true });
  for (;;) {
    if (
      await stat(join(outDir, 'index.html')).then(
        () => true,
        () => false,
      )
    ) {
      await claimBuild(outDir);
      return outDir;
    }
    try {
      await mkdir(lock);
    } catch {
      const owner = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => 'NaN'));
      if (Number.isInteger(owner) && !isProcessAlive(owner))
        await rm(lock, { recursive: true, force: true });
      else await sleep(500);
      continue;
    }
    try {
      await writeFileAtomic(join(lock, 'pid'), String(process.pid));
      const tmp = `${outDir}.tmp-${process.pid}`;
      await rm(tmp, { recursive: true, force: true });
      o.log?.('Building the renderer once for the browser host (later starts reuse it)…');
      const { build, createLogger } = await import('vite');
      // Only errors reach the user; Vite's progress lines and dependency warnings are noise here.
      const logger = createLogger('error');
      const ignore = (): void => {};
      logger.info = ignore;
      logger.warn = ignore;
      logger.warnOnce = ignore;
      logger.error = (msg: string) => o.log?.(msg);
      const started = Date.now();
      // A first build takes about 40 s: say every few seconds how far it is, so it is not silence.
      let modules = 0;
      const ticker = setInterval(
        () => o.log?.(buildProgressLine(Date.now() - started, modules)),
        o.progressEveryMs ?? 5000,
      );
      try {
        await build({
          configFile,
          root: join(root, 'renderer'),
          logLevel: 'error',
          customLogger: logger,
          build: { outDir: tmp, emptyOutDir: true, sourcemap: false },
          plugins: [
            {
              name: 'inception-explorer-build-progress',
              transform() {
                modules++;
                return null;
              },
            },
          ],
        });
      } finally {
        clearInterval(ticker);
      }
      await rename(tmp, outDir);
      await claimBuild(outDir);
      o.log?.(`Built the renderer in ${Math.round((Date.now() - started) / 1000)} s.`);
      await pruneBuilds(cacheDir, key);
      return outDir;
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }
}

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Serves files of `dir`; unknown paths without an extension get index.html (the app is one page). */
export function staticFiles(dir: string): RendererMiddleware {
  const root = resolve(dir);
  return (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      next();
      return;
    }
    const file = resolve(root, `.${pathname}`);
    const rel = relative(root, file);
    if (rel.startsWith('..') || pathname.includes('\0')) {
      next();
      return;
    }
    const serve = (path: string, fallback: boolean): void => {
      stat(path).then(
        (s) => {
          if (s.isDirectory()) return serve(join(path, 'index.html'), false);
          if (!s.isFile()) return next();
          const type = MIME[extname(path).toLowerCase()] ?? 'application/octet-stream';
          const hashed = /[-.][A-Za-z0-9_-]{8,}\.(js|css|wasm|woff2|png|svg)$/.test(path);
          res.writeHead(200, {
            'Content-Type': type,
            'Content-Length': s.size,
            'Cache-Control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
          });
          if (req.method === 'HEAD') res.end();
          else createReadStream(path).pipe(res);
        },
        () => (fallback && !extname(pathname) ? serve(join(root, 'index.html'), false) : next()),
      );
    };
    serve(file, true);
  };
}

/** Vite in middleware mode (for `serve --dev`): returns the middleware and a close function. */
export async function viteDevMiddleware(
  server: Server,
  root = REPO_ROOT,
): Promise<{ middleware: RendererMiddleware; close(): Promise<void> }> {
  const { createServer } = await import('vite');
  const vite = await createServer({
    configFile: join(root, 'vite.renderer.config.ts'),
    root: join(root, 'renderer'),
    appType: 'spa',
    logLevel: 'error',
    server: { middlewareMode: true, hmr: { server } },
  });
  return {
    middleware: vite.middlewares as unknown as RendererMiddleware,
    close: () => vite.close(),
  };
}
