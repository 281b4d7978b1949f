/**
 * Electron's security checklist (electronjs.org/docs/latest/tutorial/security) as tests over the
 * main process settings: what the window is created with, the CSP, the navigation and window-open
 * handlers, permissions, the IPC registration in main.ts, and the fuses in forge.config.ts.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FuseV1Options } from '@electron/fuses';
import { minimatch } from 'minimatch';
import { describe, expect, it } from 'vitest';
import forgeConfig, { fuses } from '../../forge.config';
import { NATIVE_UNPACK_GLOB } from '../../node/build/nativeModules';
import { appUrlMatcher } from './ipcGuard';
import {
  APP_ORIGIN,
  denyAllPermissions,
  installNavigationGuards,
  mainWindowOptions,
  windowCsp,
  withCsp,
} from './windowSecurity';

const repo = join(import.meta.dirname, '..', '..');
const mainSource = readFileSync(join(repo, 'electron', 'main', 'main.ts'), 'utf8');

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([k, ...v]) => [k, v]),
  );
}

class FakeContents extends EventEmitter {
  openHandler?: (details: { url: string }) => { action: string };
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
    this.openHandler = handler;
  }
}

function navigate(
  contents: FakeContents,
  event: 'will-navigate' | 'will-redirect',
  url: string,
): boolean {
  let prevented = false;
  contents.emit(event, { url, preventDefault: () => void (prevented = true) });
  return prevented;
}

describe('Electron security checklist', () => {
  const options = mainWindowOptions(
    { width: 1200, height: 800, maximized: false },
    '/app/.vite/build/preload.cjs',
  );
  const prefs = options.webPreferences!;

  it('isolates the renderer: context isolation, sandbox, no Node integration anywhere', () => {
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs.preload).toBe('/app/.vite/build/preload.cjs');
  });

  it('keeps web security on and experimental features, webviews and insecure content off', () => {
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.experimentalFeatures).toBe(false);
    expect(prefs.enableBlinkFeatures).toBeUndefined();
    expect(prefs.navigateOnDragDrop).toBe(false);
  });

  it('sets a strict Content Security Policy with no remote content', () => {
    const d = directives(windowCsp());
    expect(d.get('default-src')).toEqual(["'none'"]);
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(d.get('connect-src')).toEqual(["'self'"]);
    for (const [name, sources] of d) {
      for (const s of sources)
        expect(s, `${name} ${s}`).not.toMatch(/^(\*|https?:|'unsafe-eval'|ws:)$/);
    }
    // In development only the local Vite server is added.
    const dev = directives(windowCsp('http://localhost:5173/'));
    expect(dev.get('script-src')).toEqual(["'self'", 'http://localhost:5173']);
    expect(dev.get('connect-src')).toEqual([
      "'self'",
      'ws://localhost:5173',
      'http://localhost:5173',
    ]);
  });

  it('puts the CSP on every response, replacing one a server sent', () => {
    const headers = withCsp(
      { 'content-security-policy': ['default-src *'], 'Content-Type': ['text/html'] },
      windowCsp(),
    );
    expect(headers['Content-Security-Policy']).toEqual([windowCsp()]);
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['Content-Type']).toEqual(['text/html']);
  });

  it('blocks navigation away from the app, webviews and new windows', () => {
    const contents = new FakeContents();
    const external: string[] = [];
    installNavigationGuards(contents as never, appUrlMatcher([APP_ORIGIN]), (url) =>
      external.push(url),
    );
    expect(navigate(contents, 'will-navigate', 'app://inception-explorer/index.html')).toBe(false);
    expect(navigate(contents, 'will-navigate', 'https://example.com/')).toBe(true);
    expect(navigate(contents, 'will-navigate', 'http://example.com/')).toBe(true);
    expect(navigate(contents, 'will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(navigate(contents, 'will-redirect', 'https://evil.example/')).toBe(true);
    let webviewPrevented = false;
    contents.emit('will-attach-webview', { preventDefault: () => void (webviewPrevented = true) });
    expect(webviewPrevented).toBe(true);
    expect(contents.openHandler!({ url: 'https://pytorch.org/' })).toEqual({ action: 'deny' });
    expect(contents.openHandler!({ url: 'app://inception-explorer/index.html' })).toEqual({
      action: 'deny',
    });
    expect(contents.openHandler!({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    // Only https links leave the app, and only to the system browser.
    expect(external).toEqual([
      'https://example.com/',
      'https://evil.example/',
      'https://pytorch.org/',
    ]);
  });

  it('refuses every permission request', () => {
    let request:
      ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void) | undefined;
    let check: (() => boolean) | undefined;
    denyAllPermissions({
      setPermissionRequestHandler: (h) => void (request = h),
      setPermissionCheckHandler: (h) => void (check = h),
    });
    const answers: boolean[] = [];
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal'])
      request!(null, p, (g) => answers.push(g));
    expect(answers).toEqual([false, false, false, false]);
    expect(check!()).toBe(false);
  });

  it('registers IPC only through the guarded wrapper and guards every web contents (main.ts)', () => {
    expect(mainSource).toMatch(/registerHostIpc\(\s*ipcMain,/);
    expect(mainSource).not.toMatch(/ipcMain\.(handle|handleOnce|on|once)\(/);
    expect(mainSource).toMatch(/app\.requestSingleInstanceLock\(\)/);
    expect(mainSource).toMatch(/app\.on\('web-contents-created'[\s\S]*installNavigationGuards/);
    expect(mainSource).toMatch(/denyAllPermissions\(session\.defaultSession\)/);
    expect(mainSource).toMatch(/new BrowserWindow\(mainWindowOptions\(/);
    // The window loads the app (app:// or the local dev server), never a remote page or file://.
    expect(mainSource).toMatch(/loadURL\(appUrl\)/);
    expect(mainSource).not.toMatch(/loadFile\(|file:\/\//);
  });

  it('locks the Electron fuses down in forge.config.ts', () => {
    expect(fuses[FuseV1Options.RunAsNode]).toBe(false);
    expect(fuses[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(fuses[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    expect(fuses[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(fuses[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
    expect(fuses[FuseV1Options.EnableCookieEncryption]).toBe(true);
    expect(fuses[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false);
    const plugins = forgeConfig.plugins ?? [];
    expect(plugins.map((p) => (p as { name?: string }).name)).toEqual(
      expect.arrayContaining(['vite', 'fuses']),
    );
  });

  it('packages into an asar with native binaries unpacked', () => {
    const asar = forgeConfig.packagerConfig?.asar as { unpack: string };
    expect(asar.unpack).toBe(NATIVE_UNPACK_GLOB);
    const unpacked = (p: string) => minimatch(p, NATIVE_UNPACK_GLOB, { dot: true });
    expect(unpacked('node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node')).toBe(true);
    expect(unpacked('node_modules/@tensorflow/tfjs-node/deps/lib/libtensorflow.so.2')).toBe(true);
    expect(
      unpacked('node_modules/@tensorflow/tfjs-node/deps/lib/libtensorflow_framework.so.2.9.1'),
    ).toBe(true);
    expect(unpacked('.vite/build/main.cjs')).toBe(false);
  });
});
