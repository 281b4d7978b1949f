/**
 * The shared end-to-end harness: starts the browser host (`inception-explorer serve`) on a free
 * loopback port with its own temporary home folder, and drives the real app in Debian's Chromium
 * through playwright-core. Every e2e test that needs the running app goes through here.
 *
 *   const app = await openApp();            // serve + chromium + page at the app URL
 *   await app.page.getByRole('button', ...);
 *   await app.close();                       // closes the browser, stops serve, removes the home
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** The repository root (this file is test/e2e/harness.ts). */
export const repoRoot = resolve(import.meta.dirname, '..', '..');

/**
 * Where a suite's screenshots go: test-results/screenshots/<suite>, which git ignores, so `npm test`
 * leaves the tree clean. `npm run screenshots:update` copies them over the committed ones in
 * test/<suite>/screenshots when a change to the pictures is meant.
 */
export function screenshotDir(suite: 'e2e' | 'export'): string {
  return join(repoRoot, 'test-results', 'screenshots', suite);
}

/** The line `serve` prints when it is ready: exactly one, `Inception Explorer: URL`. */
export const READY_LINE =
  /^Inception Explorer: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]+))$/m;

/** Where Chromium is: `CHROMIUM_PATH`, else Debian's binary (not the /usr/bin wrapper script). */
export const chromiumExecutable: string | null =
  [
    process.env.CHROMIUM_PATH,
    '/usr/lib/chromium/chromium',
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
  ].find((p): p is string => Boolean(p) && existsSync(p as string)) ?? null;

/** Why browser e2e tests cannot run here, or null when they can. Use with `it.skipIf(Boolean(reason))`. */
export const chromiumSkipReason: string | null = chromiumExecutable
  ? null
  : 'Chromium was not found (set CHROMIUM_PATH or install Debian chromium), so browser end-to-end tests are skipped.';

export interface ServeOptions {
  /** The home folder (designs/, exports/, state/); a fresh temporary folder when absent. */
  readonly home?: string;
  /** Extra `serve` arguments, e.g. ['--dev'] or ['--dir', folder]. */
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the ready line; the first start builds the renderer (default 240 s). */
  readonly timeoutMs?: number;
}

export interface ServeHandle {
  /** The full app URL including the token. */
  readonly url: string;
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  /** The home folder; designs are saved under `${home}/designs`. */
  readonly home: string;
  readonly child: ChildProcess;
  /** Everything serve printed so far (stdout and stderr). */
  output(): string;
  /** Stops serve (SIGTERM, then SIGKILL after 5 s) and removes a temporary home. */
  stop(): Promise<void>;
}

/** Starts `inception-explorer serve --port 0` and resolves once it prints its URL. */
export async function startServe(options: ServeOptions = {}): Promise<ServeHandle> {
  const ownHome = !options.home;
  const home = options.home ?? (await mkdtemp(join(tmpdir(), 'inception-explorer-e2e-')));
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'bin', 'inception-explorer.mjs'),
      'serve',
      '--port',
      '0',
      ...(options.args ?? []),
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, ...options.env, INCEPTION_EXPLORER_HOME: home, BROWSER: 'none' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (ownHome) await rm(home, { recursive: true, force: true });
  };
  const ready = await new Promise<RegExpExecArray>((done, fail) => {
    const timeoutMs = options.timeoutMs ?? 240_000;
    const timer = setTimeout(
      () => fail(new Error(`serve did not print its URL within ${timeoutMs} ms. Output:\n${log}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      log += chunk.toString();
      const match = READY_LINE.exec(log);
      if (match) {
        clearTimeout(timer);
        done(match);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => void (log += chunk.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(
        new Error(
          `serve exited (${signal ?? `code ${code}`}) before printing its URL. Output:\n${log}`,
        ),
      );
    });
  }).catch(async (e: unknown) => {
    await stop();
    throw e;
  });
  const port = Number(ready[2]);
  return {
    url: ready[1],
    origin: `http://127.0.0.1:${port}`,
    port,
    token: ready[3],
    home,
    child,
    output: () => log,
    stop,
  };
}

/** Launches headless Chromium (no sandbox: CI containers run as root). */
export async function launchChromium(): Promise<Browser> {
  if (!chromiumExecutable) throw new Error(chromiumSkipReason!);
  return chromium.launch({
    executablePath: chromiumExecutable,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

export interface OpenApp {
  readonly serve: ServeHandle;
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and uncaught page errors seen so far. */
  readonly pageErrors: string[];
  close(): Promise<void>;
}

/** Starts serve, launches Chromium and opens the app; `close()` undoes all three. */
export async function openApp(
  options: ServeOptions & { readonly viewport?: { width: number; height: number } } = {},
): Promise<OpenApp> {
  const serve = await startServe(options);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: options.viewport ?? { width: 1400, height: 900 },
      acceptDownloads: true,
    });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await page.goto(serve.url);
    const opened = browser;
    return {
      serve,
      browser: opened,
      context,
      page,
      pageErrors,
      close: async () => {
        await opened.close();
        await serve.stop();
      },
    };
  } catch (e) {
    await browser?.close();
    await serve.stop();
    throw e;
  }
}
