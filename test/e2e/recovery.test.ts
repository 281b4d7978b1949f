/**
 * Reloading or closing the tab of the browser host keeps unsaved work, end to end in Chromium:
 * the autosave becomes the recovery offer when the last page goes, and the next page brings the
 * edit back with the file it belonged to (or, with nothing unsaved, just reopens that file).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumSkipReason, openApp, type OpenApp } from './harness';

const node = (page: Page, id: string) => page.getByRole('group', { name: id, exact: true });
const count = (page: Page, id: string, label: string) =>
  node(page, id)
    .locator('.count', { has: page.getByText(label, { exact: true }) })
    .locator('dd');

async function ready(page: Page): Promise<void> {
  await node(page, 'inception5a').waitFor({ timeout: 120_000 });
}

async function edit5a(page: Page, value: string): Promise<void> {
  await node(page, 'inception5a').click();
  await page.getByLabel('1×1 (out_1x1) of inception5a').fill(value);
  await page.getByLabel('1×1 (out_1x1) of inception5a').blur();
  await page.waitForTimeout(2200); // the autosave runs 1.5 s after the last edit
}

describe.skipIf(Boolean(chromiumSkipReason))(
  'recovery after a reload or a closed tab (Chromium, browser host)',
  () => {
    let app: OpenApp;

    beforeAll(async () => {
      app = await openApp({ viewport: { width: 1280, height: 720 } });
      await ready(app.page);
    }, 300_000);

    afterAll(async () => {
      await app?.close();
    });

    it('offers an unsaved edit back after a reload, marked unsaved', async () => {
      const { page } = app;
      page.on('dialog', (d) => void d.accept()); // "Leave site?"
      await edit5a(page, '300');
      await page.reload();
      const dialog = page.getByRole('dialog', { name: 'Restore unsaved work?' });
      await dialog.waitFor({ timeout: 60_000 });
      expect(await dialog.textContent()).toContain('an unsaved design');
      await dialog.getByRole('button', { name: 'Restore' }).click();
      await dialog.waitFor({ state: 'detached' });
      expect(await count(page, 'inception5a', '1×1').textContent()).toBe('300');
      await page.getByRole('img', { name: 'unsaved changes' }).waitFor();
    });

    it('brings a saved file back with its edit after the tab is closed, then just reopens it once saved', async () => {
      let page = app.page;
      // Save the design as a file in the host's folder (the in-page file dialog).
      await page.getByRole('button', { name: 'Save as…' }).click();
      const save = page.locator('dialog[data-host-dialog="save"]');
      await save.getByLabel('File name').fill('my-net');
      await save.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Saved my-net.json.').waitFor();
      await edit5a(page, '320');
      await page.close({ runBeforeUnload: false });

      page = await app.context.newPage();
      await page.goto(app.serve.url);
      await ready(page);
      const dialog = page.getByRole('dialog', { name: 'Restore unsaved work?' });
      await dialog.waitFor({ timeout: 60_000 });
      expect(await dialog.textContent()).toContain('my-net.json');
      await dialog.getByRole('button', { name: 'Restore' }).click();
      expect(await count(page, 'inception5a', '1×1').textContent()).toBe('320');
      expect(await page.locator('.file-name').textContent()).toContain('my-net.json');
      await page.getByRole('img', { name: 'unsaved changes' }).waitFor();

      // Saved, then reloaded: nothing to restore, the file is simply open again.
      await page.keyboard.press('Control+s');
      await page.getByText('Saved my-net.json.').waitFor();
      await page.waitForTimeout(2200);
      page.on('dialog', (d) => void d.accept());
      await page.reload();
      await ready(page);
      await page.getByText('Opened my-net.json.').waitFor({ timeout: 30_000 });
      expect(await page.getByRole('dialog', { name: 'Restore unsaved work?' }).count()).toBe(0);
      expect(await count(page, 'inception5a', '1×1').textContent()).toBe('320');
      expect(await page.getByRole('img', { name: 'unsaved changes' }).count()).toBe(0);
    });
  },
);
