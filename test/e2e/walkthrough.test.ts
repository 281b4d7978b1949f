/**
 * What a user trips over, end to end in Chromium at a 1280×720 window (the smallest common
 * laptop screen): the totals bar stays readable with deltas shown, and the Export dialog moves
 * from the PyTorch preview to the pictures and back without breaking the page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumSkipReason, openApp, type OpenApp } from './harness';

const node = (page: Page, id: string) => page.getByRole('group', { name: id, exact: true });

describe.skipIf(Boolean(chromiumSkipReason))('walkthrough at 1280×720 (Chromium)', () => {
  let app: OpenApp;

  beforeAll(async () => {
    app = await openApp({ viewport: { width: 1280, height: 720 } });
    await node(app.page, 'inception4c').waitFor({ timeout: 120_000 });
  }, 300_000);

  afterAll(async () => {
    await app?.close();
  });

  it('keeps every total and the design status inside the totals bar once deltas appear', async () => {
    const { page } = app;
    await node(page, 'inception4c').click();
    await page.getByLabel('3×3 (out_3x3) of inception4c').fill('300');
    const bar = page.locator('footer[aria-label="Totals"]');
    await bar.getByText('+66.3 K (+0.5 %)').waitFor();
    const box = (await bar.boundingBox())!;
    for (const part of [
      bar.getByText('Weights', { exact: true }),
      bar.getByText('51.4 MiB'),
      bar.getByText('✓ Valid design'),
    ]) {
      const b = (await part.boundingBox())!;
      expect(b.x + b.width, (await part.textContent()) ?? '').toBeLessThanOrEqual(
        box.x + box.width,
      );
      expect(b.y + b.height).toBeLessThanOrEqual(720);
    }
    expect(await bar.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await page.keyboard.press('Escape');
    await node(page, 'inception4b').focus();
    await page.keyboard.press('Control+z');
    await bar.getByText('13,389,064').waitFor();
  });

  it('switches the Export dialog from the PyTorch preview to SVG, PNG and back, then closes on Escape', async () => {
    const { page, pageErrors } = app;
    const before = pageErrors.length;
    await page.getByRole('button', { name: 'Export…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export GoogLeNet' });
    await dialog.getByLabel('PyTorch code preview').waitFor();
    await dialog.getByRole('radio', { name: /^Graph picture \(SVG\)/ }).check();
    await dialog.getByRole('img', { name: 'The graph of GoogLeNet' }).waitFor();
    await dialog.getByText(/^googlenet-graph\.svg · \d+ × \d+$/).waitFor();
    await dialog.getByRole('radio', { name: /^Graph picture \(PNG\)/ }).check();
    await dialog.getByText(/^googlenet-graph\.png · \d+ × \d+ pixels$/).waitFor();
    await dialog.getByRole('radio', { name: /^PyTorch code/ }).check();
    await dialog.getByLabel('PyTorch code preview').waitFor();
    expect(pageErrors.slice(before)).toEqual([]);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await node(page, 'inception4c').waitFor();
  });
});
