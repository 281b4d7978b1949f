/**
 * Every modal of the app in Chromium at 1280×720: Export, the "Discard unsaved changes?"
 * confirmation, About (a menu command, delivered here as the server would send it over the page's
 * WebSocket) and a feature map shown large. Each is one native modal `<dialog>`: focus starts inside, Tab and
 * Shift+Tab stay inside, Escape closes it and focus goes back to what opened it. Screenshots of
 * each, light and dark, go to test-results/screenshots/e2e/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  chromiumSkipReason,
  launchChromium,
  screenshotDir,
  startServe,
  type ServeHandle,
} from './harness';

const SHOTS = screenshotDir('e2e');
const node = (page: Page, id: string) => page.getByRole('group', { name: id, exact: true });

/** Whether the focused element is inside `dialog`. */
const focusInside = (dialog: Locator) => dialog.evaluate((d) => d.contains(document.activeElement));

/** Checks the dialog is a native modal holding focus, and that 12 Tabs and 12 Shift+Tabs never leave it. */
async function expectModalHoldingFocus(page: Page, dialog: Locator): Promise<void> {
  expect(await dialog.evaluate((d) => d.tagName === 'DIALOG' && d.matches(':modal'))).toBe(true);
  expect(await focusInside(dialog)).toBe(true);
  for (const key of ['Tab', 'Shift+Tab']) {
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press(key);
      expect(await focusInside(dialog), `${key} ×${i + 1}`).toBe(true);
      seen.add(await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 80) ?? ''));
    }
    // It moves: the trap is not a focus stuck on one element.
    expect(seen.size, key).toBeGreaterThan(1);
  }
}

/** Screenshots the page light, then dark (Ctrl+Shift+L works under a dialog), then back to light. */
async function shootBothThemes(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `modal-${name}-light-1280x720.png`) });
  await page.keyboard.press('Control+Shift+L');
  await page.locator('html[data-theme="dark"]').waitFor();
  await page.screenshot({ path: join(SHOTS, `modal-${name}-dark-1280x720.png`) });
  await page.keyboard.press('Control+Shift+L');
  await page.locator('html[data-theme="light"]').waitFor();
}

/** For a dialog with one button: Tab and Shift+Tab keep focus inside. */
async function expectTabInside(page: Page, dialog: Locator): Promise<void> {
  expect(await dialog.evaluate((d) => d.tagName === 'DIALOG' && d.matches(':modal'))).toBe(true);
  for (const key of ['Tab', 'Tab', 'Shift+Tab', 'Shift+Tab']) {
    await page.keyboard.press(key);
    expect(await focusInside(dialog), key).toBe(true);
  }
}

/** Whether the element `opener` matches is the focused one. */
const focused = (opener: Locator) => opener.evaluate((el) => el === document.activeElement);

describe.skipIf(Boolean(chromiumSkipReason))(
  'modals are native dialogs (Chromium, 1280×720)',
  () => {
    let serve: ServeHandle;
    let browser: Browser;
    let page: Page;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      serve = await startServe();
      browser = await launchChromium();
      page = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
      // Keeps the page's WebSockets reachable, so a test can deliver a message as if the server sent it.
      await page.addInitScript(() => {
        const sockets: WebSocket[] = [];
        (window as unknown as { e2eSockets: WebSocket[] }).e2eSockets = sockets;
        window.WebSocket = class extends WebSocket {
          constructor(url: string | URL, protocols?: string | string[]) {
            super(url, protocols);
            sockets.push(this);
          }
        };
      });
      await page.goto(serve.url);
      await node(page, 'inception4c').waitFor({ timeout: 120_000 });
    }, 300_000);

    afterAll(async () => {
      await browser?.close();
      await serve?.stop();
    });

    it('Export: starts on the chosen format, keeps Tab inside, closes on Escape back to its button', async () => {
      const opener = page.getByRole('button', { name: 'Export…' });
      await opener.click();
      const dialog = page.getByRole('dialog', { name: 'Export GoogLeNet' });
      await dialog.getByLabel('PyTorch code preview').waitFor();
      expect(
        await dialog
          .getByRole('radio', { name: /^PyTorch code/ })
          .evaluate((el) => el === document.activeElement),
      ).toBe(true);
      await expectModalHoldingFocus(page, dialog);
      await shootBothThemes(page, 'export');
      // Save… stacks the host's file dialog on top: Escape closes only that one.
      await dialog.getByRole('button', { name: 'Save…' }).click();
      const save = page.locator('dialog[data-host-dialog="export"]');
      await save.waitFor();
      await page.keyboard.press('Escape');
      await save.waitFor({ state: 'detached' });
      expect(await dialog.isVisible()).toBe(true);
      expect(await focusInside(dialog)).toBe(true);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      expect(await focused(opener)).toBe(true);
    });

    it('Discard unsaved changes?: Cancel first, Escape keeps the edit and returns to the preset picker', async () => {
      await node(page, 'inception4c').click();
      await page.getByLabel('3×3 (out_3x3) of inception4c').fill('300');
      const picker = page.getByLabel('Preset', { exact: true });
      await picker.focus();
      await picker.selectOption('inception-v3');
      const dialog = page.getByRole('dialog', { name: 'Discard unsaved changes?' });
      await dialog.waitFor();
      expect(
        await dialog
          .getByRole('button', { name: 'Cancel' })
          .evaluate((el) => el === document.activeElement),
      ).toBe(true);
      await expectModalHoldingFocus(page, dialog);
      await shootBothThemes(page, 'discard');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      expect(await focused(picker)).toBe(true);
      expect(await page.getByLabel('3×3 (out_3x3) of inception4c').inputValue()).toBe('300');
      await page.getByRole('button', { name: 'Undo' }).click();
    });

    it('About: opened by a menu command, closed by a click on the backdrop', async () => {
      await page.evaluate(() => {
        const data = JSON.stringify({ type: 'menuCommand', command: 'about' });
        for (const ws of (window as unknown as { e2eSockets: WebSocket[] }).e2eSockets)
          ws.dispatchEvent(new MessageEvent('message', { data }));
      });
      const dialog = page.getByRole('dialog', { name: 'About Inception Explorer' });
      await dialog.getByText('Engine backend').waitFor();
      expect(await focusInside(dialog)).toBe(true);
      await expectTabInside(page, dialog);
      await shootBothThemes(page, 'about');
      await page.mouse.click(8, 360);
      await dialog.waitFor({ state: 'detached' });
      // The page behind is live again: a click there works.
      await node(page, 'inception4b').click();
      await page.getByLabel('3×3 (out_3x3) of inception4b').waitFor();
    });

    it('a feature map shown large: Close first, Escape back to the map it was opened from', async () => {
      await page.getByRole('tab', { name: 'Run' }).click();
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      const opener = page.getByRole('button', { name: 'Show the inception3a feature map large' });
      await opener.waitFor({ timeout: 300_000 });
      await opener.click();
      const dialog = page.getByRole('dialog', { name: /^inception3a: / });
      await dialog.getByRole('img', { name: 'inception3a feature map, large' }).waitFor();
      expect(
        await dialog
          .getByRole('button', { name: 'Close' })
          .evaluate((el) => el === document.activeElement),
      ).toBe(true);
      await expectTabInside(page, dialog);
      await shootBothThemes(page, 'feature-map');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      expect(await focused(opener)).toBe(true);
      expect(pageErrors).toEqual([]);
    }, 360_000);
  },
);
