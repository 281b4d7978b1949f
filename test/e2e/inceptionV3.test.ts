/**
 * Inception v3 in the app, end to end in Chromium through `serve`, at 1440×900 and 1280×720, light
 * and dark: it opens from the preset picker with torchvision's parameter total, Mixed_7b opens
 * into its steps with the 1×3 and 3×1 convolutions side by side, an edit updates the totals, and a
 * run on a sample photo completes with 1000 logits. Screenshots go to test-results/screenshots/e2e/.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumSkipReason, openApp, screenshotDir, type OpenApp } from './harness';
import { measureGraphText } from './graphText';

const SHOTS = screenshotDir('e2e');
const node = (page: Page, id: string) => page.getByRole('group', { name: id, exact: true });
const V3_PARAMS = '27,161,264';

const fit = async (page: Page) => {
  await page.getByRole('button', { name: 'Fit view' }).click();
  await page.waitForTimeout(500);
};

for (const viewport of [
  { width: 1440, height: 900 },
  { width: 1280, height: 720 },
]) {
  const size = `${viewport.width}x${viewport.height}`;
  describe.skipIf(Boolean(chromiumSkipReason))(`Inception v3 at ${size} (Chromium)`, () => {
    let app: OpenApp;

    beforeAll(async () => {
      app = await openApp({ viewport });
      await app.page.emulateMedia({ colorScheme: 'light' });
      await node(app.page, 'inception4c').waitFor({ timeout: 120_000 });
    }, 300_000);

    afterAll(async () => {
      await app?.close();
    });

    it("opens from the preset picker with the mixed modules collapsed and torchvision's totals", async () => {
      const { page } = app;
      await page.getByLabel('Preset', { exact: true }).selectOption('inception-v3');
      await node(page, 'Mixed_7c').waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('total-params').textContent()).toBe(V3_PARAMS);
      for (const [id, shape] of [
        ['Mixed_5b', 'N=2 · 256×35×35'],
        ['Mixed_6a', 'N=2 · 768×17×17'],
        ['Mixed_7c', 'N=2 · 2048×8×8'],
      ]) {
        expect(await node(page, id).getByTestId('shape').textContent(), id).toBe(shape);
        expect(await page.getByRole('button', { name: `Open ${id}` }).count(), id).toBe(1);
      }
      await fit(page);
      await page.screenshot({ path: join(SHOTS, `v3-graph-light-${size}.png`) });
    });

    it('opens Mixed_7b with the 1×3 and 3×1 convolutions side by side', async () => {
      const { page } = app;
      await page.getByRole('button', { name: 'Open Mixed_7b' }).click();
      const a = page.locator('.react-flow__node[data-id="Mixed_7b::branch3x3_2a"]');
      const b = page.locator('.react-flow__node[data-id="Mixed_7b::branch3x3_2b"]');
      await a.waitFor();
      await fit(page);
      const [ba, bb] = [(await a.boundingBox())!, (await b.boundingBox())!];
      // Side by side: the same row, not overlapping.
      expect(Math.abs(ba.y - bb.y)).toBeLessThan(2);
      expect(ba.x + ba.width <= bb.x || bb.x + bb.width <= ba.x).toBe(true);
      expect(await a.textContent()).toContain('1×3');
      expect(await b.textContent()).toContain('3×1');
      await page.getByRole('button', { name: 'Switch to dark theme' }).click();
      await page.waitForTimeout(200);
      await page.screenshot({ path: join(SHOTS, `v3-opened-dark-${size}.png`) });
      await page.getByRole('button', { name: 'Switch to light theme' }).click();
      await page.getByRole('button', { name: 'Close Mixed_7b' }).click();
    });

    it('updates the totals when a count is edited, and undoes it', async () => {
      const { page } = app;
      await node(page, 'Mixed_6b').click();
      await page.getByLabel('7×7 channels (channels_7x7) of Mixed_6b').fill('64');
      const total = page.getByTestId('total-params');
      await expect.poll(async () => total.textContent()).not.toBe(V3_PARAMS);
      // channels_7x7 128 → 64 in Mixed_6b (1×1, 1×7, 7×1 and the double branch's 1×1, 7×1, 1×7, 7×1, 1×7).
      const c7 = (c: number) =>
        768 * c +
        2 * c +
        (c * c * 7 + 2 * c) +
        c * 192 * 7 +
        (768 * c + 2 * c) +
        3 * (c * c * 7 + 2 * c) +
        c * 192 * 7;
      const expected = 27_161_264 - c7(128) + c7(64);
      expect(await total.textContent()).toBe(expected.toLocaleString('en-US'));
      await page.screenshot({ path: join(SHOTS, `v3-edited-light-${size}.png`) });
      await page.keyboard.press('Escape');
      await node(page, 'Mixed_6a').focus();
      await page.keyboard.press('Control+z');
      await expect.poll(async () => total.textContent()).toBe(V3_PARAMS);
    });

    it('runs on a sample photo: 1000 logits, and every module measured as the analysis said', async () => {
      const { page } = app;
      await page.getByRole('tab', { name: 'Run' }).click();
      await page.getByLabel('Eval (main output)').check();
      await page
        .getByLabel('Input', { exact: true })
        .selectOption({ label: 'Sample: cat' })
        .catch(async () => {
          const options = await page
            .getByLabel('Input', { exact: true })
            .locator('option')
            .allTextContents();
          await page
            .getByLabel('Input', { exact: true })
            .selectOption({ label: options.find((o) => o.startsWith('Sample:'))! });
        });
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      const main = page.getByTestId('output-shape-main');
      const failure = page.locator('.run-panel [role="alert"]');
      await Promise.race([
        main.waitFor({ timeout: 600_000 }),
        failure
          .waitFor({ timeout: 600_000 })
          .then(async () => expect.fail(`The run failed: ${await failure.textContent()}`)),
      ]);
      expect(await main.textContent()).toMatch(/^N=\d+ · 1000$/);
      expect(
        await node(page, 'Mixed_7c')
          .getByRole('img', { name: 'Mixed_7c: measured shape matches' })
          .count(),
      ).toBe(1);
      await page.getByRole('button', { name: 'Switch to dark theme' }).click();
      await fit(page);
      await page.screenshot({ path: join(SHOTS, `v3-run-dark-${size}.png`) });
      await page.getByRole('button', { name: 'Switch to light theme' }).click();
      expect(app.pageErrors).toEqual([]);
    }, 700_000);

    it('draws no graph text under 9 px at the fitted zoom, closed and with Mixed_7b opened', async () => {
      const { page } = app;
      await fit(page);
      const fitted = await measureGraphText(page);
      expect(fitted.small).toEqual([]);
      expect(fitted.checked).toBeGreaterThan(60);
      // The eleven mixed modules and the aux head, each with its title and counts.
      expect(fitted.titles).toHaveLength(12);
      // A 6 ×3, B 3, C 5 ×4, D 3, E 6 ×2, the aux head 2.
      expect(fitted.counts).toHaveLength(58);
      await page.getByRole('button', { name: 'Open Mixed_7b' }).click();
      await page.locator('.react-flow__node[data-id="Mixed_7b::branch3x3_2a"]').waitFor();
      await page.waitForTimeout(600);
      const opened = await measureGraphText(page);
      expect(opened.small).toEqual([]);
      // The dark theme draws the same text.
      await page.getByRole('button', { name: 'Switch to dark theme' }).click();
      await page.waitForTimeout(200);
      expect((await measureGraphText(page)).small).toEqual([]);
      await page.getByRole('button', { name: 'Close Mixed_7b' }).click();
      await page.waitForTimeout(600);
      const darkClosed = await measureGraphText(page);
      expect(darkClosed.small).toEqual([]);
      expect(darkClosed.titles).toHaveLength(12);
      await page.getByRole('button', { name: 'Switch to light theme' }).click();
    });
  });
}
