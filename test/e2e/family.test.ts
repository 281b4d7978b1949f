/**
 * The family presets in the app, end to end in Chromium through `serve` at 1440×900: each opens
 * from the preset picker with its reference's parameter total, its last module shown, and a run of
 * googlenet-paper and inception-resnet-v2 on a sample photo completes with 1000 logits, photos
 * prepared as the preset's reference expects. Screenshots go to test-results/screenshots/e2e/.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumSkipReason, openApp, screenshotDir, type OpenApp } from './harness';

const SHOTS = screenshotDir('e2e');
const node = (page: Page, id: string) => page.getByRole('group', { name: id, exact: true });

const FAMILY: readonly (readonly [preset: string, last: string, params: string])[] = [
  ['googlenet-paper', 'loss3_classifier', '13,378,280'],
  ['bn-inception', 'last_linear', '11,295,240'],
  ['inception-v4', 'last_linear', '42,679,816'],
  ['inception-resnet-v1', 'classif', '22,756,328'],
  ['inception-resnet-v2', 'classif', '55,843,464'],
];

const fit = async (page: Page) => {
  await page.getByRole('button', { name: 'Fit view' }).click();
  await page.waitForTimeout(500);
};

describe.skipIf(Boolean(chromiumSkipReason))('the Inception family presets at 1440x900 (Chromium)', () => {
  let app: OpenApp;

  beforeAll(async () => {
    app = await openApp({ viewport: { width: 1440, height: 900 } });
    await app.page.emulateMedia({ colorScheme: 'light' });
    await node(app.page, 'inception4c').waitFor({ timeout: 120_000 });
  }, 300_000);

  afterAll(async () => {
    await app?.close();
  });

  for (const [preset, last, params] of FAMILY) {
    it(`opens ${preset} from the preset picker with its reference's ${params} parameters`, async () => {
      const { page } = app;
      await page.locator('#tab-edit').click();
      await page.getByLabel('Preset', { exact: true }).selectOption(preset);
      await node(page, last).waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('total-params').textContent()).toBe(params);
      await fit(page);
      await page.screenshot({ path: join(SHOTS, `family-${preset}-light-1440x900.png`) });
      expect(app.pageErrors).toEqual([]);
    }, 120_000);
  }

  for (const [preset, last] of [FAMILY[0], FAMILY[4]]) {
    it(`runs ${preset} on a sample photo: 1000 logits, and says how the photo was prepared`, async () => {
      const { page } = app;
      await page.locator('#tab-edit').click();
      await page.getByLabel('Preset', { exact: true }).selectOption(preset);
      await node(page, last).waitFor({ timeout: 60_000 });
      await page.getByRole('tab', { name: 'Run' }).click();
      await page.getByLabel('Eval (main output)').check();
      const options = await page.getByLabel('Input', { exact: true }).locator('option').allTextContents();
      await page.getByLabel('Input', { exact: true }).selectOption({ label: options.find((o) => o.startsWith('Sample:'))! });
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      const main = page.getByTestId('output-shape-main');
      const failure = page.locator('.run-panel [role="alert"]');
      await Promise.race([main.waitFor({ timeout: 600_000 }), failure.waitFor({ timeout: 600_000 }).then(async () => expect.fail(`The run failed: ${await failure.textContent()}`))]);
      expect(await main.textContent()).toMatch(/^\d+×1000$/);
      expect(await page.locator('.run-panel').textContent()).toContain('prepared as this preset');
      await fit(page);
      await page.screenshot({ path: join(SHOTS, `family-${preset}-run-light-1440x900.png`) });
      expect(app.pageErrors).toEqual([]);
    }, 700_000);
  }
});
