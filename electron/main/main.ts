/**
 * Electron main: one secure window, the application menu, the host service behind one guarded IPC
 * wrapper, the engine worker's lifecycle, autosave and recovery, recent files and files opened by
 * the OS. The logic lives in Node-only modules (node/host, ./windowSecurity, ./menuTemplate,
 * ./electronDialogs) that receive Electron objects as parameters; this file only wires them.
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  protocol,
  screen,
  session,
  shell,
  webContents,
  type WebContents,
} from 'electron';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { MenuCommand } from '../../core/host/contract';
import { AutosaveStore } from '../../node/host/autosaveStore';
import { EVENT_CHANNELS } from '../../core/host/eventChannels';
import { createHostEngine, type HostEngine } from '../../node/host/hostEngine';
import { createHostRouter } from '../../node/host/hostRouter';
import { createHostService } from '../../node/host/hostService';
import { appUrlMatcher, registerHostIpc } from './ipcGuard';
import { designPathFromArgv } from './launchArgs';
import { RecentFiles } from '../../node/host/recentFiles';
import { loadWindowState, saveWindowState, type WindowState } from './windowState';
import { appProtocolFile, contentTypeOf } from './appProtocol';
import { electronDialogs } from './electronDialogs';
import { weightsCacheDir } from '../../node/weights/weightsCache';
import { aboutDetail, menuTemplate } from './menuTemplate';
import {
  APP_ORIGIN,
  APP_SCHEME,
  denyAllPermissions,
  installNavigationGuards,
  mainWindowOptions,
  windowCsp,
  withCsp,
} from './windowSecurity';

// Set by @electron-forge/plugin-vite for the renderer named `main_window`.
declare const MAIN_WINDOW_VITE_DEV_SERVER_URL: string | undefined;
declare const MAIN_WINDOW_VITE_NAME: string | undefined;

const devServerUrl =
  typeof MAIN_WINDOW_VITE_DEV_SERVER_URL === 'string' && MAIN_WINDOW_VITE_DEV_SERVER_URL
    ? MAIN_WINDOW_VITE_DEV_SERVER_URL
    : undefined;
const rendererDir = path.join(
  __dirname,
  '..',
  'renderer',
  typeof MAIN_WINDOW_VITE_NAME === 'string' ? MAIN_WINDOW_VITE_NAME : 'main_window',
);
const appUrl = devServerUrl ?? `${APP_ORIGIN}/index.html`;
const isAppUrl = appUrlMatcher([devServerUrl ?? APP_ORIGIN]);
const csp = windowCsp(devServerUrl);

// Tests and portable setups may move the profile; must happen before `ready` and the instance lock.
if (process.env.INCEPTION_EXPLORER_USER_DATA)
  app.setPath('userData', path.resolve(process.env.INCEPTION_EXPLORER_USER_DATA));

// A standard, secure scheme: relative URLs, module scripts (Vite's `crossorigin` tags) and fetch work as on https.
protocol.registerSchemesAsPrivileged([
  {
    scheme: APP_SCHEME,
    privileges: {
      standard: true,
      secure: true,
      supportFetchAPI: true,
      corsEnabled: true,
      codeCache: true,
    },
  },
]);

let mainWindow: BrowserWindow | null = null;
/** A file the OS, the command line or Open Recent asked for; the next Open takes it. */
let pendingOpen: string | null = designPathFromArgv(process.argv, process.cwd());
/** Commands waiting for the renderer to finish loading. */
let rendererReady = false;
const queuedCommands: MenuCommand[] = [];

function sendCommand(command: MenuCommand): void {
  if (!mainWindow || !rendererReady) {
    queuedCommands.push(command);
    return;
  }
  mainWindow.webContents.send(EVENT_CHANNELS.menuCommand, command);
}

function requestOpen(file: string): void {
  pendingOpen = file;
  if (mainWindow) {
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  }
  sendCommand('open');
}

if (!app.requestSingleInstanceLock()) {
  // Another window is open: it receives our argv through `second-instance`.
  app.quit();
} else {
  app.on('second-instance', (_event, argv, workingDirectory) => {
    const file = designPathFromArgv(argv, workingDirectory);
    if (file) requestOpen(file);
    else if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });
  // macOS delivers files opened from Finder here, possibly before `ready`.
  app.on('open-file', (event, file) => {
    event.preventDefault();
    requestOpen(file);
  });
  // Every web contents (including any a bug might create) gets the same guards.
  app.on('web-contents-created', (_event, contents) => {
    installNavigationGuards(contents, isAppUrl, (url) => void shell.openExternal(url));
  });
  void app.whenReady().then(start);
}

/** Denies every permission, gives every response the CSP and serves the built renderer over app://. */
function secureSession(): void {
  denyAllPermissions(session.defaultSession);
  // The dev server's responses get the CSP too (the app:// handler sets it itself).
  session.defaultSession.webRequest.onHeadersReceived((details, callback) =>
    callback({ responseHeaders: withCsp(details.responseHeaders, csp) }),
  );
  protocol.handle(APP_SCHEME, async (request) => {
    const file = appProtocolFile(request.url, rendererDir);
    if (!file) return new Response('Not found', { status: 404 });
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: {
          'Content-Type': contentTypeOf(file),
          'Content-Security-Policy': csp,
          'X-Content-Type-Options': 'nosniff',
        },
      });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}

/** Shows the About box with the versions and the engine's backend. */
async function showAbout(engine: HostEngine, appVersion: string): Promise<void> {
  const info = await engine.info();
  const options = {
    type: 'info' as const,
    title: 'About Inception Explorer',
    message: 'Inception Explorer',
    detail: aboutDetail({
      appVersion,
      versions: process.versions,
      backend: info.backend,
      backendNotes: info.notes,
    }),
    buttons: ['OK'],
  };
  if (mainWindow) await dialog.showMessageBox(mainWindow, options);
  else await dialog.showMessageBox(options);
}

/** Builds the application menu again (its Open Recent list changes). */
async function refreshMenu(
  recent: RecentFiles,
  engine: HostEngine,
  appVersion: string,
): Promise<void> {
  const recentFiles = await recent.list();
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate({
        send: (command) => {
          if (command === 'open') pendingOpen = null;
          sendCommand(command);
        },
        openRecent: requestOpen,
        showAbout: () => void showAbout(engine, appVersion),
        recentFiles,
        isMac: process.platform === 'darwin',
        dev: Boolean(devServerUrl),
      }),
    ),
  );
}

interface MainServices {
  readonly engine: HostEngine;
  readonly autosave: AutosaveStore;
  readonly recent: RecentFiles;
  readonly appVersion: string;
}

/** The host service behind the guarded IPC wrapper: what every renderer request does. */
function serveHostIpc(
  { engine, autosave, recent, appVersion }: MainServices,
  assetsDir: string,
): void {
  const service = createHostService({
    kind: 'electron',
    appVersion,
    versions: {
      app: appVersion,
      electron: process.versions.electron,
      chrome: process.versions.chrome,
      node: process.versions.node,
      v8: process.versions.v8,
    },
    dialogs: electronDialogs(
      dialog,
      () => mainWindow,
      () => {
        const file = pendingOpen;
        pendingOpen = null;
        return file;
      },
    ),
    engine,
    autosave,
    recent,
    recentWeights: new RecentFiles(path.join(app.getPath('userData'), 'recent-weights.json')),
    samplesDir: path.join(assetsDir, 'samples'),
    emitProgress: (ctx, progress) => {
      const target: WebContents | undefined = webContents.fromId(ctx.webContentsId);
      if (target && !target.isDestroyed()) target.send(EVENT_CHANNELS.runProgress, progress);
    },
    weightsDir: weightsCacheDir(),
    emitWeightsProgress: (ctx, progress) => {
      const target: WebContents | undefined = webContents.fromId(ctx.webContentsId);
      if (target && !target.isDestroyed()) target.send(EVENT_CHANNELS.weightsProgress, progress);
    },
    emitTrainEvent: (ctx, event) => {
      const target: WebContents | undefined = webContents.fromId(ctx.webContentsId);
      if (target && !target.isDestroyed()) target.send(EVENT_CHANNELS.trainEvent, event);
    },
    // The training worker is bundled beside main.cjs, as the engine's is (forge.config.ts).
    trainWorkerEntry: { file: path.join(__dirname, 'trainWorker.cjs'), typescript: false },
    onRecentChanged: (file) => {
      app.addRecentDocument(file);
      void refreshMenu(recent, engine, appVersion);
    },
  });
  registerHostIpc(
    ipcMain,
    createHostRouter(service, (method, error) =>
      console.error(`Inception Explorer: the request "${method}" failed:`, error),
    ),
    isAppUrl,
  );
}

/** Keeps the window's last normal bounds and saves them on close; returns the latest. */
function trackWindowState(
  win: BrowserWindow,
  stateFile: string,
  initial: WindowState,
): () => WindowState {
  let lastState = initial;
  const captureState = (): void => {
    if (win.isDestroyed() || win.isMinimized() || win.isFullScreen()) return;
    const maximized = win.isMaximized();
    const b = maximized ? { ...lastState } : win.getBounds();
    lastState = { x: b.x, y: b.y, width: b.width, height: b.height, maximized };
  };
  win.on('resize', captureState);
  win.on('move', captureState);
  win.on('close', () => {
    captureState();
    void saveWindowState(stateFile, lastState);
  });
  return () => lastState;
}

/** Menu commands wait for the renderer to load; a renderer crash reloads it with its autosave offered back. */
function trackRenderer(win: BrowserWindow, autosave: AutosaveStore): void {
  win.on('closed', () => {
    mainWindow = null;
    rendererReady = false;
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.on('did-start-loading', () => {
    rendererReady = false;
  });
  win.webContents.on('did-finish-load', () => {
    rendererReady = true;
    for (const command of queuedCommands.splice(0))
      win.webContents.send(EVENT_CHANNELS.menuCommand, command);
  });
  win.webContents.on('render-process-gone', (_event, details) => {
    if (details.reason === 'clean-exit') return;
    void autosave.offerOwnAutosave().then(() => {
      if (!win.isDestroyed()) win.reload();
    });
  });
}

/** A clean quit clears the autosave (nothing to recover), stops the worker and saves the window state first. */
function quitCleanly(
  { engine, autosave }: MainServices,
  stateFile: string,
  windowState: () => WindowState,
): void {
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    event.preventDefault();
    quitting = true;
    void Promise.allSettled([
      autosave.closeCleanly(),
      engine.dispose(),
      saveWindowState(stateFile, windowState()),
    ]).then(() => app.quit());
  });
  app.on('window-all-closed', () => app.quit());
}

async function start(): Promise<void> {
  const userData = app.getPath('userData');
  secureSession();

  // The worker bundle sits beside main.cjs (forge.config.ts builds it); assets ship as resources.
  const assetsDir = app.isPackaged ? process.resourcesPath : path.join(app.getAppPath(), 'assets');
  const engine = createHostEngine(
    {
      workerEntry: { file: path.join(__dirname, 'engineWorker.cjs'), typescript: false },
      assetsDir,
    },
    (line) => console.warn(`Inception Explorer: ${line}`),
  );
  engine.start();
  const services: MainServices = {
    engine,
    autosave: await AutosaveStore.open(path.join(userData, 'autosave')),
    recent: new RecentFiles(path.join(userData, 'recent-files.json')),
    appVersion: app.getVersion(),
  };
  serveHostIpc(services, assetsDir);
  await refreshMenu(services.recent, engine, services.appVersion);

  const stateFile = path.join(userData, 'window-state.json');
  const state = await loadWindowState(
    stateFile,
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const win = new BrowserWindow(mainWindowOptions(state, path.join(__dirname, 'preload.cjs')));
  mainWindow = win;
  if (state.maximized) win.maximize();
  const windowState = trackWindowState(win, stateFile, state);
  trackRenderer(win, services.autosave);
  quitCleanly(services, stateFile, windowState);

  if (pendingOpen) sendCommand('open');
  await win
    .loadURL(appUrl)
    .catch((e: Error) =>
      console.error(`Inception Explorer: the window could not load ${appUrl}: ${e.message}`),
    );
}
