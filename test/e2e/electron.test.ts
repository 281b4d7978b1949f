/**
 * The desktop app end to end through Playwright's `_electron`: it builds the bundles with Forge's
 * own Vite build worker, launches Electron on them and checks the window's security, the preload
 * bridge, the menu, a real host call, and that a design autosaved before the process is killed is
 * offered back on the next start. It runs where the Electron binary is installed and is reported
 * as skipped, with the reason, where it is not.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_METHODS, type HostApi } from '../../core/host/contract';
import { serializeDesign } from '../../core/design/designFile';
import { presetDesign } from '../../core/presets';
import { findElectronBinary } from '../../node/launch/startPlan';
import { buildElectronApp } from './electronBuild';
import { repoRoot } from './harness';

const electronBinary = findElectronBinary(repoRoot);
const hasDisplay =
  process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
const xvfb = ['/usr/bin/Xvfb', '/usr/local/bin/Xvfb'].find((p) => existsSync(p));

/** Why this suite cannot run here, or null. */
const skipReason = !electronBinary
  ? 'the Electron binary is not installed (node_modules/electron/dist is missing because its download is blocked here)'
  : !hasDisplay && !xvfb
    ? 'there is no display and no Xvfb to provide one'
    : null;

declare global {
  interface Window {
    inceptionExplorer?: HostApi;
  }
}

describe.skipIf(skipReason !== null)(
  `Electron app via Playwright _electron${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let userData: string;
    let display: ChildProcess | undefined;
    let env: Record<string, string>;
    let app: ElectronApplication;
    let page: Page;
    const launch = async (): Promise<void> => {
      app = await _electron.launch({
        executablePath: electronBinary!,
        args: ['.'],
        cwd: repoRoot,
        env,
      });
      page = await app.firstWindow();
      await page.waitForLoadState('domcontentloaded');
    };

    beforeAll(async () => {
      userData = await mkdtemp(join(tmpdir(), 'electron-e2e-'));
      env = { ...(process.env as Record<string, string>), INCEPTION_EXPLORER_USER_DATA: userData };
      if (!hasDisplay) {
        const number = 90 + Math.floor(Math.random() * 100);
        display = spawn(xvfb!, [`:${number}`, '-screen', '0', '1400x900x24', '-nolisten', 'tcp'], {
          stdio: 'ignore',
        });
        env.DISPLAY = `:${number}`;
        await new Promise((r) => setTimeout(r, 1000));
      }
      await buildElectronApp();
      await launch();
    }, 600_000);
    afterAll(async () => {
      await app?.close().catch(() => {});
      display?.kill();
      await rm(userData, { recursive: true, force: true });
    });

    it('opens one window on the app:// page', async () => {
      expect(app.windows()).toHaveLength(1);
      expect(page.url()).toBe('app://inception-explorer/index.html');
      expect(await page.title()).toBe('Inception Explorer');
      expect(
        await app.evaluate(
          ({ webContents }) =>
            webContents.getAllWebContents().filter((w) => w.getType() === 'webview').length,
        ),
      ).toBe(0);
    });

    it('exposes the host contract and nothing of Node or ipcRenderer', async () => {
      const seen = await page.evaluate(() => ({
        methods: Object.keys(window.inceptionExplorer ?? {}).sort(),
        require: typeof (window as unknown as { require?: unknown }).require,
        process: typeof (window as unknown as { process?: unknown }).process,
        module: typeof (window as unknown as { module?: unknown }).module,
        ipc: Object.values(window.inceptionExplorer ?? {}).some((v) => typeof v === 'object'),
      }));
      expect(seen).toEqual({
        methods: [
          ...HOST_METHODS,
          'onDidMenuCommand',
          'onDidRunProgress',
          'onDidWeightsProgress',
        ].sort(),
        require: 'undefined',
        process: 'undefined',
        module: 'undefined',
        ipc: false,
      });
      const info = await page.evaluate(() => window.inceptionExplorer!.getInfo());
      expect(info).toMatchObject({
        ok: true,
        value: {
          kind: 'electron',
          versions: { electron: expect.any(String) },
          backend: expect.stringMatching(/^(onnxruntime|tensorflow|wasm|cpu)$/),
        },
      });
    });

    it('enforces the CSP and blocks new windows and navigation', async () => {
      expect(
        await page.evaluate(() => {
          try {
            return String(eval('1 + 1'));
          } catch (e) {
            return (e as Error).name;
          }
        }),
      ).toBe('EvalError');
      expect(await page.evaluate(() => window.open('https://example.com/') === null)).toBe(true);
      await page.evaluate(() => void (location.href = 'https://example.com/'));
      await page.waitForTimeout(500);
      expect(page.url()).toBe('app://inception-explorer/index.html');
      expect(app.windows()).toHaveLength(1);
    });

    it('has the File, Edit, View, Run and Help menus', async () => {
      const labels = await app.evaluate(({ Menu }) =>
        Menu.getApplicationMenu()!.items.map((i) => i.label.replace('&', '')),
      );
      expect(labels).toEqual(expect.arrayContaining(['File', 'Edit', 'View', 'Run', 'Help']));
    });

    it('offers the autosaved design after the app is killed mid-edit', async () => {
      const text = serializeDesign({ ...presetDesign('googlenet')!, name: 'Killed mid-edit' });
      expect(
        await page.evaluate(
          (t) => window.inceptionExplorer!.autosave({ path: null, text: t }),
          text,
        ),
      ).toMatchObject({ ok: true });
      const pid = await app.evaluate(() => process.pid);
      process.kill(pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 1000));
      await launch();
      const recovered = await page.evaluate(() => window.inceptionExplorer!.takeRecovery());
      expect(recovered).toEqual({ ok: true, value: { path: null, text } });
    });
  },
);
