/**
 * The Train tab end to end (issue 23): the real app (`inception-explorer serve`, its real training
 * job in a worker) in Chromium. GoogLeNet as torchvision builds it, at 1×28×28 with 10 classes and
 * no aux heads, trains on a small Fashion-MNIST image folder (30 images per class, a fifth of them
 * validating) with batch 4 for 5 epochs (300 steps, on ONNX Runtime, the default engine): the loss curve gains points, pause holds it, resume moves it again,
 * cancel keeps a checkpoint, "Resume from here" continues from it to the end, the confusion matrix
 * opens a cell's images, and an edited design trained after it is compared with it on one chart.
 * Screenshots at 1440×900 and 1280×720, light and dark, go to test-results/screenshots/e2e/train-*.
 *
 * The folder is small so the test stays short; Fashion-MNIST's own validation (10,000 test
 * images) would take longer than the rest of the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { chromiumSkipReason, openApp, screenshotDir, type OpenApp } from './harness';
import { fashionSkipReason, writeFashionFolder } from './fashionFolder';

const SHOTS = screenshotDir('e2e');
const points = async (page: Page, chart: string) =>
  Number(await page.getByTestId(chart).getAttribute('data-points'));
const status = (page: Page) => page.getByTestId('train-status');
const pageScroll = (page: Page) => page.evaluate(() => document.scrollingElement!.scrollTop);

/** Screenshots at both sizes and both themes, `target` scrolled to the side panel's bottom. */
async function shots(page: Page, name: string, target: Locator) {
  for (const [width, height] of [
    [1440, 900],
    [1280, 720],
  ] as const) {
    await page.setViewportSize({ width, height });
    await target.evaluate((el) => el.scrollIntoView({ block: 'end' }));
    for (const theme of ['light', 'dark'] as const) {
      const toggle = page.getByRole('button', {
        name: theme === 'dark' ? 'Switch to dark theme' : 'Switch to light theme',
      });
      if (await toggle.count()) await toggle.click();
      await page.waitForTimeout(300);
      expect(await pageScroll(page)).toBe(0);
      await page.screenshot({ path: join(SHOTS, `train-${name}-${theme}-${width}x${height}.png`) });
    }
  }
  await page.setViewportSize({ width: 1440, height: 900 });
  const light = page.getByRole('button', { name: 'Switch to light theme' });
  if (await light.count()) await light.click();
}

describe.skipIf(Boolean(chromiumSkipReason) || Boolean(fashionSkipReason))(
  'Train tab end to end (Chromium, real training job)',
  () => {
    let app: OpenApp;
    let home: string;

    beforeAll(async () => {
      home = await mkdtemp(join(tmpdir(), 'inception-explorer-train-e2e-'));
      await writeFashionFolder(join(home, 'datasets', 'fashion-small'), 30);
      app = await openApp({ home, viewport: { width: 1440, height: 900 } });
      await app.page.emulateMedia({ colorScheme: 'light' });
      await app.page.getByRole('tab', { name: 'Edit' }).waitFor({ timeout: 120_000 });
      // The first start builds the renderer for these sources (minutes on a busy machine).
    }, 480_000);

    afterAll(async () => {
      await app?.close();
      if (home) await rm(home, { recursive: true, force: true });
    });

    it('trains, pauses, resumes, cancels, resumes from the checkpoint, shows a cell, compares two designs', async () => {
      const { page } = app;
      // The design: googlenet-torchvision at 1×28×28, 10 classes, no aux heads.
      await page.getByLabel('Preset', { exact: true }).selectOption('googlenet-torchvision');
      await page.getByRole('group', { name: 'inception4c', exact: true }).waitFor();
      await page.getByLabel('Input height').fill('28');
      await page.getByLabel('Input width').fill('28');
      await page.getByLabel('Input channels').fill('1');
      await page.getByLabel('Classes', { exact: true }).fill('10');
      await page.getByLabel('Auxiliary heads (train mode)').uncheck();

      await page.getByRole('tab', { name: 'Train' }).click();
      // A wrong field is named before anything starts.
      await page.getByLabel('Epochs').fill('-5');
      await page.getByText('Epochs must be a whole number from 1 to 1,000; got "-5".').waitFor();
      expect(await page.getByRole('button', { name: 'Start' }).isDisabled()).toBe(true);
      await page.getByLabel('Epochs').fill('5');
      await page.getByLabel('Batch', { exact: true }).fill('4');
      await page.getByLabel('Optimizer').selectOption('adam');
      await page.getByLabel('Learning rate').fill('0.001');
      await page.getByLabel('Training data').selectOption('folder');
      const dialog = page.locator('dialog[data-host-dialog="folder"]');
      await dialog.waitFor();
      await dialog.getByRole('option', { name: 'fashion-small' }).click();
      await dialog.getByRole('button', { name: 'Open' }).click();
      await expect.poll(() => page.getByLabel('Training data').inputValue()).toBe('folder');

      await page.getByRole('button', { name: 'Start' }).click();
      // The curves move: the loss chart gains points as steps arrive.
      await expect.poll(() => points(page, 'loss-chart'), { timeout: 120_000 }).toBeGreaterThan(1);
      const first = await points(page, 'loss-chart');
      await expect
        .poll(() => points(page, 'loss-chart'), { timeout: 60_000 })
        .toBeGreaterThan(first);
      expect(await page.getByTestId('train-engine').textContent()).toMatch(
        /onnxruntime|ONNX Runtime/i,
      );
      expect(await page.getByLabel('Data notes').textContent()).toMatch(
        /fashion-small: 10 classes/,
      );

      // Pause holds the curve; Resume moves it again.
      await page.getByRole('button', { name: 'Pause' }).click();
      await expect.poll(() => status(page).textContent(), { timeout: 30_000 }).toContain('Paused');
      const held = await points(page, 'loss-chart');
      await page.waitForTimeout(2500);
      expect(await points(page, 'loss-chart')).toBe(held);
      await page.getByRole('button', { name: 'Resume' }).click();
      await expect
        .poll(() => points(page, 'loss-chart'), { timeout: 60_000 })
        .toBeGreaterThan(held);

      // Cancel stops within a step and keeps a checkpoint.
      await page.getByRole('button', { name: 'Cancel' }).click();
      await expect
        .poll(() => status(page).textContent(), { timeout: 60_000 })
        .toContain('Cancelled');
      const checkpoint = page.getByTestId('checkpoint').first();
      await checkpoint.waitFor({ timeout: 30_000 });
      expect(await checkpoint.textContent()).toMatch(/on cancel/);
      const cancelledAt = await points(page, 'loss-chart');

      // Resume from the checkpoint: the curve continues from its step to the end of epoch 5.
      await checkpoint.getByRole('button', { name: /^Resume training from/ }).click();
      await expect
        .poll(() => status(page).textContent(), { timeout: 180_000 })
        .toContain('Finished');
      expect(await points(page, 'loss-chart')).toBeGreaterThan(cancelledAt);
      expect(await status(page).textContent()).toMatch(/step 300 of 300/);
      expect(await points(page, 'accuracy-chart')).toBe(5);

      // The confusion matrix and one cell's images.
      const matrix = page.getByRole('table', { name: /^Confusion matrix after epoch 5/ });
      await matrix.waitFor();
      await shots(page, 'matrix', matrix);
      await shots(page, 'curves', page.getByTestId('accuracy-chart'));
      const cell = matrix.locator('button.confusion-cell:not([disabled])').first();
      await cell.click();
      const samples = page.getByRole('dialog');
      await samples.getByRole('img').first().waitFor({ timeout: 30_000 });
      expect(await samples.getByRole('img').count()).toBeGreaterThan(0);
      await page.screenshot({ path: join(SHOTS, 'train-samples-light-1440x900.png') });
      await samples.getByRole('button', { name: 'Close' }).click();

      // An edited design (inception4c's 3×3 count 208 → 64), trained one epoch.
      await page.getByRole('tab', { name: 'Edit' }).click();
      await page.getByRole('group', { name: 'inception4c', exact: true }).click();
      await page.getByLabel('3×3 (out_3x3) of inception4c').fill('64');
      await page.getByRole('tab', { name: 'Train' }).click();
      await page.getByLabel('Epochs').fill('1');
      await page.getByRole('button', { name: 'Start' }).click();
      await expect
        .poll(() => status(page).textContent(), { timeout: 180_000 })
        .toContain('Finished');

      // Compare: A is the first design's resumed training, B this design's own.
      await page.getByRole('tab', { name: 'Compare' }).click();
      const pickA = page.getByLabel('Training of A');
      await pickA.waitFor();
      const optionA = await pickA
        .locator('option')
        .filter({ hasText: /·/ })
        .nth(1)
        .getAttribute('value');
      await pickA.selectOption(optionA!);
      const chart = page.getByTestId('compare-chart');
      await chart.waitFor();
      expect(await points(page, 'compare-chart')).toBeGreaterThan(10);
      expect(await page.getByTestId('compare-top1-a').textContent()).toMatch(/%$/);
      expect(await page.getByTestId('compare-top1-b').textContent()).toMatch(/%$/);
      expect(await page.getByTestId('compare-top1-delta').textContent()).toMatch(/pp$/);
      // The chart and the accuracy-against-cost table below it, at the panel's bottom.
      await shots(page, 'compare', page.getByRole('table', { name: 'Accuracy against cost' }));
      expect(app.pageErrors).toEqual([]);
    }, 600_000);
  },
);
