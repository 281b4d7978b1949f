/**
 * The main window's security settings, as data and small installers that receive Electron objects
 * as parameters (only types are imported from electron), so the checklist is tested in plain Node:
 * context isolation, sandbox, no Node integration, no webview, a CSP on every response, no
 * navigation away from the app, no new windows, no permissions, no remote content.
 */
import type {
  BrowserWindowConstructorOptions,
  Event,
  HandlerDetails,
  WebContents,
  WebContentsWillNavigateEventParams,
} from 'electron';
import { contentSecurityPolicy } from '../../node/host/contentSecurityPolicy';
import { MIN_WINDOW_SIZE, type WindowState } from './windowState';
import { emptyRecord } from '../../core/model/records';

/** The custom scheme the packaged renderer is served from (never file://). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'inception-explorer';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** Options of the one main window. */
export function mainWindowOptions(
  state: WindowState,
  preloadPath: string,
): BrowserWindowConstructorOptions {
  return {
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    width: state.width,
    height: state.height,
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    title: 'Inception Explorer',
    show: false,
    backgroundColor: '#1e1e1e',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      enableBlinkFeatures: undefined,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
    },
  };
}

/** The CSP the window's responses carry; in dev the Vite server's origin (and its HMR socket) is added. */
export function windowCsp(devServerUrl?: string): string {
  if (!devServerUrl) return contentSecurityPolicy();
  const origin = new URL(devServerUrl).origin;
  return contentSecurityPolicy({
    devServerOrigin: origin,
    connectOrigins: [origin.replace(/^http/, 'ws')],
  });
}

/** Headers of a response with the CSP set (replacing any the server sent). */
export function withCsp(
  headers: Record<string, string[]> | undefined,
  csp: string,
): Record<string, string[]> {
  const out: Record<string, string[]> = emptyRecord();
  for (const [k, v] of Object.entries(headers ?? {}))
    if (k.toLowerCase() !== 'content-security-policy') out[k] = v;
  out['Content-Security-Policy'] = [csp];
  out['X-Content-Type-Options'] = ['nosniff'];
  return out;
}

type WebContentsLike = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/**
 * Blocks navigation away from the app, new windows and webviews. Links to the web are never
 * opened in the app; `openExternal` (shell.openExternal) gets https links only, and only when given.
 */
export function installNavigationGuards(
  contents: WebContentsLike,
  isAppUrl: (url: string) => boolean,
  openExternal?: (url: string) => void,
): void {
  const refuse = (event: { preventDefault(): void }, url: string): void => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    if (openExternal && /^https:\/\//i.test(url)) openExternal(url);
  };
  contents.on('will-navigate', (event: Event<WebContentsWillNavigateEventParams>) =>
    refuse(event, event.url),
  );
  contents.on('will-redirect', (event: Event<WebContentsWillNavigateEventParams>) =>
    refuse(event, event.url),
  );
  contents.on('will-attach-webview', (event: Event) => event.preventDefault());
  contents.setWindowOpenHandler((details: HandlerDetails) => {
    if (openExternal && /^https:\/\//i.test(details.url)) openExternal(details.url);
    return { action: 'deny' };
  });
}

/** The app asks for no permissions (camera, notifications, ...): every request is refused. */
export function denyAllPermissions(session: {
  setPermissionRequestHandler(
    handler: (wc: unknown, permission: string, callback: (granted: boolean) => void) => void,
  ): void;
  setPermissionCheckHandler(handler: () => boolean): void;
}): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}
