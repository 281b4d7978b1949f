/**
 * The browser host, assembled: the same host service as Electron main (autosave, recent files,
 * samples, the engine) behind the HTTP/WebSocket server, with the renderer served beside it.
 * `inception-explorer serve` calls `runBrowserHost` and prints its URL.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Server } from 'node:http';
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
export function browserHostHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.INCEPTION_EXPLORER_HOME || join(homedir(), '.inception-explorer'));
}

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
  /** Clean shutdown: clears the autosave (nothing to recover), stops the engine and the server. */
  stop(): Promise<void>;
}

export async function runBrowserHost(o: RunBrowserHostOptions): Promise<RunningBrowserHost> {
  const home = o.home ?? browserHostHome();
  const designsDir = resolve(o.designsDir ?? join(home, 'designs'));
  const stateDir = join(home, 'state');
  // Weights files: chosen from here in the in-page dialog, and where uploads land (uploads/).
  const weightsDir = join(home, 'weights');
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
    ),
    engine: lazyEngine,
    autosave,
    recent,
    recentWeights: new RecentFiles(join(stateDir, 'recent-weights.json')),
    samplesDir: join(REPO_ROOT, 'assets', 'samples'),
    roots: [designsDir, weightsDir],
    emitProgress: (_ctx, progress) => host.broadcast({ type: 'runProgress', progress }),
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
    // in Electron: when the last page has gone, its autosave becomes the recovery offer the next
    // page takes (and compares with the file it belonged to).
    onPageClosed: (openPages) => {
      if (openPages === 0) void autosave.offerOwnAutosave();
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
      await autosave.closeCleanly();
      await lazyEngine.dispose();
      await closeDev?.();
      await host.close();
    },
  };
}
