/**
 * Issue 22's remaining must-shows, end to end in Chromium through `serve`, at 1280×720 (light)
 * and 1440×900 (dark): no module name is cut in Compare (graph and list); an eval run of
 * Inception v3 at 224×224 runs from the Run panel and says its aux head is off the eval path;
 * focus returns to the Run button after the run; Escape leaves a field; shapes read N=3 · C×H×W.
 * Screenshots of Compare and of the v3 run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { join } from 'node:path';
import {
  chromiumSkipReason,
  launchChromium,
  screenshotDir,
  startServe,
  type ServeHandle,
} from './harness';

const node = (page: Page, id: string) => page.getByRole('group', { name: id, exact: true });

/** Texts drawn narrower than their content (cut with an ellipsis) among `selector`'s elements. */
function cutTexts(page: Page, selector: string): Promise<string[]> {
  return page.evaluate(
    (sel) =>
      [...document.querySelectorAll<HTMLElement>(sel)]
        .filter((e) => e.getClientRects().length > 0 && e.scrollWidth > e.clientWidth + 1)
        .map((e) => e.textContent ?? ''),
    selector,
  );
}

/**
 * Opens `preset` from the picker, discarding what an earlier test left (the host keeps the last
 * design across pages), and waits for `nodeId`.
 */
async function openPreset(page: Page, preset: string, nodeId: string): Promise<void> {
  await page.locator('.react-flow__node').first().waitFor({ timeout: 120_000 });
  // Crash recovery looks at the last autosave once the page is up; let it settle first.
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(1500);
  await page.getByLabel('Preset', { exact: true }).selectOption(preset);
  const discard = page.getByRole('button', { name: 'Discard changes' });
  await page.waitForTimeout(300);
  if (await discard.isVisible().catch(() => false)) await discard.click();
  await node(page, nodeId).waitFor({ timeout: 60_000 });
}

describe.skipIf(Boolean(chromiumSkipReason))(
  'the second hour: Compare, runs that should run, focus (Chromium)',
  () => {
    let browser: Browser;

    beforeAll(async () => {
      browser = await launchChromium();
    }, 300_000);

    afterAll(async () => {
      await browser?.close();
    });

    for (const [width, height, colorScheme] of [
      [1280, 720, 'light'],
      [1440, 900, 'dark'],
    ] as const) {
      it(`keeps names whole in Compare at ${width}×${height} (${colorScheme})`, async () => {
        const context = await browser.newContext({ viewport: { width, height }, colorScheme });
        const page = await context.newPage();
        let own: ServeHandle | undefined;
        try {
          // Its own host, so no design autosaved by another test is recovered under it.
          own = await startServe();
          await page.goto(own.url);
          await openPreset(page, 'googlenet', 'inception4c');
          expect(await node(page, 'inception4c').getByTestId('shape').textContent()).toBe(
            'N=3 · 512×14×14',
          );
          await node(page, 'inception4c').click();
          await page.getByLabel('3×3 (out_3x3) of inception4c').fill('300');
          await page.getByRole('button', { name: 'Compare with…' }).click();
          await page.getByRole('heading', { name: 'Compare with…' }).waitFor();
          await page.waitForTimeout(500);
          expect(await cutTexts(page, '.react-flow__node .node-id')).toEqual([]);
          expect(await cutTexts(page, '[aria-label="Changes in graph order"] button *')).toEqual(
            [],
          );
          await page.screenshot({
            path: join(
              screenshotDir('e2e'),
              `second-hour-compare-${colorScheme}-${width}x${height}.png`,
            ),
          });
        } finally {
          await context.close();
          await own?.stop();
        }
      }, 300_000);

      it(`runs Inception v3 at 224×224 in eval mode from the Run panel, saying the aux head is off the eval path, at ${width}×${height} (${colorScheme})`, async () => {
        const context = await browser.newContext({ viewport: { width, height }, colorScheme });
        const page = await context.newPage();
        let own: ServeHandle | undefined;
        try {
          // Its own host, so no design autosaved by another test is recovered under it.
          own = await startServe();
          await page.goto(own.url);
          await openPreset(page, 'inception-v3', 'Mixed_7c');
          await page.getByLabel('Input height', { exact: true }).fill('224');
          await page.getByLabel('Input width', { exact: true }).fill('224');

          // Escape leaves the field (the value stays).
          await page.keyboard.press('Escape');

          expect(await page.evaluate(() => document.activeElement?.tagName)).not.toBe('INPUT');
          await page.getByRole('tab', { name: 'Run' }).click();

          const skips = page.getByTestId('run-skips');
          await skips.waitFor({ timeout: 60_000 });
          expect(await skips.textContent()).toContain(
            'AuxLogits is off the eval path (an aux head, which only train mode runs)',
          );
          const run = page.getByRole('button', { name: 'Run', exact: true });
          expect(await run.isEnabled()).toBe(true);
          await run.click();
          await page.getByTestId('output-shape-main').waitFor({ timeout: 300_000 });
          expect(await page.getByTestId('output-shape-main').textContent()).toBe('N=2 · 1000');
          const notes = page.getByRole('list', { name: 'Engine notes' });
          expect(await notes.textContent()).toContain('AuxLogits is off the eval path');
          // Focus is back on the Run button that started the run.
          await expect
            .poll(() => page.evaluate(() => document.activeElement?.textContent ?? ''))
            .toBe('Run');
          await page.screenshot({
            path: join(
              screenshotDir('e2e'),
              `second-hour-v3-224-eval-${colorScheme}-${width}x${height}.png`,
            ),
          });
          // Train mode runs the aux head, so it is refused with the layer named.
          await page.getByLabel('Train (main + aux outputs)').check();
          expect(await run.isEnabled()).toBe(false);
          expect(await page.locator('#run-blocker').textContent()).toContain(
            'AuxLogits: in conv1.conv, the 5×5 kernel does not fit',
          );
        } finally {
          await context.close();
          await own?.stop();
        }
      }, 420_000);
    }
  },
);
