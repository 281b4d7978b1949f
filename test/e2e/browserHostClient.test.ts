/**
 * The browser host's client (renderer/host/browserHost.ts) in real Chromium against the real
 * server: requests with the token, the in-page file dialogs, events over the WebSocket and the
 * menu's keyboard shortcuts. A minimal page hosts the client, so this does not depend on the app UI.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostApi, MenuCommand } from '../../core/host/contract';
import type { RunProgress } from '../../core/run/types';
import { serializeDesign } from '../../core/design/designFile';
import { presetDesign } from '../../core/presets';
import { createHostEngine } from '../../node/host/hostEngine';
import { runBrowserHost, type RunningBrowserHost } from '../../node/browserHost/browserHost';
import { chromiumSkipReason, launchChromium, repoRoot } from './harness';

declare global {
  interface Window {
    host: HostApi;
    seen: { progress: RunProgress[]; commands: MenuCommand[] };
  }
}

const text = serializeDesign(presetDesign('googlenet')!);

describe.skipIf(Boolean(chromiumSkipReason))(
  `browser host client in Chromium${chromiumSkipReason ? ` (skipped: ${chromiumSkipReason})` : ''}`,
  () => {
    let home: string;
    let running: RunningBrowserHost;
    let browser: Browser;
    let page: Page;
    const errors: string[] = [];

    beforeAll(async () => {
      home = await mkdtemp(join(tmpdir(), 'client-e2e-'));
      const bundle = await build({
        stdin: {
          contents: `import { createBrowserHost } from './renderer/host/browserHost';
          window.seen = { progress: [], commands: [] };
          window.host = createBrowserHost();
          window.host.onDidRunProgress((p) => window.seen.progress.push(p));
          window.host.onDidMenuCommand((c) => window.seen.commands.push(c));`,
          resolveDir: repoRoot,
          loader: 'ts',
        },
        bundle: true,
        format: 'esm',
        write: false,
        logLevel: 'silent',
      });
      const js = bundle.outputFiles[0].text;
      running = await runBrowserHost({
        port: 0,
        home,
        appVersion: '0.1.0',
        createEngine: () => createHostEngine(),
        renderer: (req, res, next) => {
          const path = new URL(req.url ?? '/', 'http://x').pathname;
          if (path === '/') {
            res.writeHead(200, { 'Content-Type': 'text/html' });
            res.end(
              '<!doctype html><title>client</title><input id="field"><script type="module" src="/client.js"></script>',
            );
          } else if (path === '/client.js') {
            res.writeHead(200, { 'Content-Type': 'text/javascript' });
            res.end(js);
          } else if (path === '/favicon.ico') {
            res.writeHead(204);
            res.end();
          } else next();
        },
      });
      browser = await launchChromium();
      page = await browser.newPage();
      page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(running.host.url);
      await page.waitForFunction(() => Boolean(window.host));
    });
    afterAll(async () => {
      await browser?.close();
      await running?.stop();
      await rm(home, { recursive: true, force: true });
    });

    it('calls the host with the token from the URL', async () => {
      expect(await page.evaluate(() => window.host.recentFiles())).toEqual({ ok: true, value: [] });
      expect(
        await page.evaluate((t) => window.host.autosave({ path: null, text: t }), text),
      ).toEqual({ ok: true });
    });

    it('saves through the in-page dialog into the designs folder', async () => {
      const saved = page.evaluate((t) => window.host.saveDesignAs({ path: null, text: t }), text);
      const dialog = page.locator('dialog[data-host-dialog="save"]');
      await dialog.waitFor();
      await expect.poll(() => dialog.getByLabel('File name').inputValue()).toBe('GoogLeNet.json');
      await dialog.getByLabel('File name').fill('my net');
      await dialog.getByRole('button', { name: 'Save' }).click();
      const path = join(running.designsDir, 'my net.json');
      expect(await saved).toEqual({ ok: true, value: { path } });
      expect(await readFile(path, 'utf8')).toBe(text);
      expect(await dialog.count()).toBe(0);
    });

    it('opens a design picked from the folder list, and cancelling opens nothing', async () => {
      await writeFile(join(running.designsDir, 'other.json'), text);
      const opened = page.evaluate(() => window.host.openDesign());
      const dialog = page.locator('dialog[data-host-dialog="open"]');
      await dialog.waitFor();
      expect(await dialog.getByRole('option').allTextContents()).toEqual([
        'my net.json',
        'other.json',
      ]);
      await dialog.getByRole('option', { name: 'other.json' }).click();
      await dialog.getByRole('button', { name: 'Open' }).click();
      expect(await opened).toEqual({
        ok: true,
        value: { path: join(running.designsDir, 'other.json'), text },
      });

      const cancelled = page.evaluate(() => window.host.openDesign());
      await dialog.waitFor();
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      expect(await cancelled).toEqual({ ok: true, value: null });
    });

    it('receives progress events over the WebSocket', async () => {
      running.host.broadcast({
        type: 'runProgress',
        progress: { runId: 'r', done: 3, total: 9, module: 'inception3a' },
      });
      await page.waitForFunction(() => window.seen.progress.length > 0);
      expect(await page.evaluate(() => window.seen.progress)).toEqual([
        { runId: 'r', done: 3, total: 9, module: 'inception3a' },
      ]);
    });

    it('turns the menu shortcuts into menu commands, leaving text undo to the field', async () => {
      await page.evaluate(() => (window.seen.commands = []));
      await page.locator('body').click();
      await page.keyboard.press('Control+s');
      await page.keyboard.press('Control+Shift+s');
      await page.keyboard.press('Control+z');
      await page.keyboard.press('Control+Enter');
      await page.locator('#field').focus();
      await page.keyboard.press('Control+z');
      expect(await page.evaluate(() => window.seen.commands)).toEqual([
        'save',
        'saveAs',
        'undo',
        'run',
      ]);
    });

    it('loads under the Content Security Policy without errors', () => {
      expect(errors).toEqual([]);
    });
  },
);
