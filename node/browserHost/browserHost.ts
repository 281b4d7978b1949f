/**
 * The browser host, assembled: the same host service as Electron main (autosave, recent files,
 * samples, the engine) behind the HTTP/WebSocket server, with the renderer served beside it.
 * `inception-explorer serve` calls `runBrowserHost` and prints its URL.
 */
import { join, resolve } from 'node:path';
import type { Server } from 'node:http';
import { appHome, checkAppFolders } from '../host/appHome';
import type { Result } from '../../core/run/types';
import { AutosaveStore } from '../host/autosaveStore';
import type { EngineLike } from '../host/engineHost';
import { createHostRouter } from '../host/hostRouter';
import { createHostService } from '../host/hostService';
import { RecentFiles } from '../host/recentFiles';
import { browserDialogs, UPLOADS_FOLDER } from './browserDialogs';
import { saveWeightsUpload } from './weightsUploads';
import { startBrowserHost, type BrowserHost, type RendererMiddleware } from './browserHostServer';
import { ensureRendererBuild, REPO_ROOT, staticFiles, viteDevMiddleware } from './rendererAssets';

/** `INCEPTION_EXPLORER_HOME`, else `~/.inception-explorer`: designs/ and state/ live here. */
export const browserHostHome = appHome;

export interface RunBrowserHostOptions {
  readonly port: number;
  /** The designs folder (default `<home>/designs`). */
  readonly designsDir?: string;
  readonly home?: string;
  /** Serve the renderer through Vite's dev middleware instead of a cached build. */
  readonly dev?: boolean;
  /** A ready renderer: a folder of built files, or a middleware (tests). */
  readonly renderer?: RendererMiddleware;
  /** Creates the engine on first use, so the server is up before the worker starts. */
  readonly createEngine: () => EngineLike;
  readonly maxBodyBytes?: number;
  /** Largest weights upload (default MAX_WEIGHTS_UPLOAD_BYTES). */
  readonly maxUploadBytes?: number;
  readonly appVersion: string;
  /** Where progress messages go (stderr in the CLI: stdout carries only the URL line). */
  readonly log?: (line: string) => void;
}

export interface RunningBrowserHost {
  readonly host: BrowserHost;
  readonly designsDir: string;
  readonly stateDir: string;
  /**
   * Clean shutdown: clears the autosave (nothing to recover), stops the engine and the server.
   * Every step is tried; the server stops listening even when an earlier step throws (then the
   * first error is rethrown after).
   */
  stop(): Promise<void>;
}

/** The folders a browser host of `o` uses: its home, designs, state and weights. */
function hostFolders(o: Pick<RunBrowserHostOptions, 'home' | 'designsDir'>) {
  const home = resolve(o.home ?? browserHostHome());
  return {
    home,
    designsDir: resolve(o.designsDir ?? join(home, 'designs')),
    stateDir: join(home, 'state'),
    weightsDir: join(home, 'weights'),
  };
}

/**
 * Checks, before anything listens, that the home, designs, state and weights folders are folders
 * this user can write in (creating them when missing). Errors `home.notFolder`, `home.unwritable`
 * (node/host/appHome.ts), with a sentence naming the folder.
 */
export async function checkBrowserHostFolders(
  o: Pick<RunBrowserHostOptions, 'home' | 'designsDir'>,
): Promise<Result<void>> {
  const f = hostFolders(o);
  return checkAppFolders([
    { path: f.home, role: "the app's home folder (INCEPTION_EXPLORER_HOME)" },
    { path: f.designsDir, role: 'the designs folder' },
    { path: f.stateDir, role: 'the state folder (autosaves and recent files)' },
    { path: f.weightsDir, role: 'the weights cache' },
  ]);
}

/** An unusable home found at start: `code` and `message` as `checkBrowserHostFolders` gives them. */
export class BrowserHostStartError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Starts the browser host. Throws BrowserHostStartError when its folders are unusable (callers
 * that want the message as a value call `checkBrowserHostFolders` first, as `serve` does).
 */
export async function runBrowserHost(o: RunBrowserHostOptions): Promise<RunningBrowserHost> {
  const { home, designsDir, stateDir, weightsDir } = hostFolders(o);
  const folders = await checkBrowserHostFolders(o);
  if (!folders.ok) throw new BrowserHostStartError(folders.error.code, folders.error.message);
  const log = o.log ?? (() => {});

  let renderer = o.renderer;
  let closeDev: (() => Promise<void>) | undefined;
  let devServer: Server | undefined;
  if (!renderer && !o.dev) renderer = staticFiles(await ensureRendererBuild({ log }));

  let engine: EngineLike | undefined;
  const getEngine = (): EngineLike => (engine ??= o.createEngine());
  const lazyEngine: EngineLike = {
    run: (...a) => getEngine().run(...a),
    cancel: (runId) => engine?.cancel(runId),
    info: () => getEngine().info(),
    dispose: () => engine?.dispose(),
  };

  const autosave = await AutosaveStore.open(stateDir);
  const recent = new RecentFiles(join(stateDir, 'recent.json'));
  const service = createHostService({
    kind: 'browser',
    appVersion: o.appVersion,
    versions: { app: o.appVersion, node: process.versions.node, v8: process.versions.v8 },
    dialogs: browserDialogs(
      designsDir,
      (clientId, request) => host.askPage(clientId, request),
      weightsDir,
      join(home, 'datasets'),
    ),
    engine: lazyEngine,
    autosave,
    recent,
    recentWeights: new RecentFiles(join(stateDir, 'recent-weights.json')),
    samplesDir: join(REPO_ROOT, 'assets', 'samples'),
    roots: [designsDir, weightsDir],
    emitProgress: (_ctx, progress) => host.broadcast({ type: 'runProgress', progress }),
    weightsDir,
    emitWeightsProgress: (_ctx, progress) => host.broadcast({ type: 'weightsProgress', progress }),
    pageOf: (ctx) => ctx.clientId ?? undefined,
    home,
    // One training per host: every page sees its curves.
    emitTrainEvent: (_ctx, event) => host.broadcast({ type: 'trainEvent', event }),
  });
  const dispatch = createHostRouter(service, (method, e) =>
    log(`The request "${method}" failed unexpectedly: ${(e as Error)?.stack ?? String(e)}`),
  );

  // In dev, Vite needs the server before it can serve; requests wait for it.
  let devReady: Promise<RendererMiddleware> | undefined;
  const middleware: RendererMiddleware =
    renderer ?? ((req, res, next) => void devReady!.then((m) => m(req, res, next)));
  const host: BrowserHost = await startBrowserHost({
    port: o.port,
    dispatch,
    renderer: middleware,
    maxBodyBytes: o.maxBodyBytes,
    maxUploadBytes: o.maxUploadBytes,
    uploadWeights: (name, bytes) =>
      saveWeightsUpload(join(weightsDir, UPLOADS_FOLDER), name, bytes),
    dev: o.dev,
    onServerCreated: (server) => void (devServer = server),
    // In a browser a reload or a closed tab ends the page without a clean quit, as a crash does
    // in Electron: that page's autosave becomes a recovery offer of its own, which the page takes
    // back when it reloads (same client id) or the next new page takes; other pages' work is untouched.
    onPageClosed: (clientId) => {
      if (clientId) void autosave.offerOwnAutosave(clientId);
    },
  });
  if (!renderer) {
    devReady = viteDevMiddleware(devServer!).then((d) => {
      closeDev = d.close;
      return d.middleware;
    });
    await devReady;
  }

  return {
    host,
    designsDir,
    stateDir,
    async stop() {
      // Each step runs even when one before it fails (a state folder removed or replaced by a
      // file meanwhile): the server must always stop listening. The first failure is reported.
      const failures: unknown[] = [];
      const step = async (work: () => Promise<void> | void): Promise<void> => {
        try {
          await work();
        } catch (e) {
          failures.push(e);
        }
      };
      await step(() => autosave.closeCleanly());
      await step(() => lazyEngine.dispose());
      await step(() => closeDev?.());
      await step(() => host.close());
      if (failures.length > 0) throw failures[0];
    },
  };
}
