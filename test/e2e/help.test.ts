/**
 * The learner's second hour, end to end in Chromium through `serve` (issue 22), at 1280×720 and
 * 1440×900, light and dark: every filter count on the default GoogLeNet view shows a label; `?`
 * opens the help sheet; a term's "?" opens its paragraph in place; after a run no module name is
 * cut; a notification is gone after 10 s; the wheel over the header or the inspector never moves
 * the page; switching the backend after a run keeps the result's label. Screenshots of the help sheet and of an explained term at both sizes (light).
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

/** The counts of the graph whose label is not drawn (no visible text in its dt). */
function unlabelledCounts(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.react-flow__node .count')]
      .filter((c) => {
        const dt = c.querySelector('dt');
        const shown = [...(dt?.querySelectorAll('span') ?? [])].filter(
          (s) => s.getClientRects().length > 0 && (s.textContent ?? '').trim() !== '',
        );
        return shown.length === 0;
      })
      .map((c) => c.closest('.react-flow__node')?.getAttribute('data-id') ?? '?'),
  );
}

/** Node names drawn narrower than their text (cut with an ellipsis). */
function cutNames(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.react-flow__node .node-id')]
      .filter((e) => e.scrollWidth > e.clientWidth + 1)
      .map((e) => e.textContent ?? ''),
  );
}

describe.skipIf(Boolean(chromiumSkipReason))('help, labels and a still page (Chromium)', () => {
  let serve: ServeHandle;
  let browser: Browser;

  beforeAll(async () => {
    serve = await startServe();
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  for (const [width, height] of [
    [1280, 720],
    [1440, 900],
  ] as const) {
    for (const colorScheme of ['light', 'dark'] as const) {
      it(`labels every count, opens help on ?, explains a term, keeps names whole after a run and the page still at ${width}×${height} (${colorScheme})`, async () => {
        const context = await browser.newContext({ viewport: { width, height }, colorScheme });
        const page = await context.newPage();
        try {
          await page.goto(serve.url);
          await node(page, 'inception4c').waitFor({ timeout: 120_000 });
          await page.waitForTimeout(500);
          expect(await unlabelledCounts(page)).toEqual([]);
          expect(await page.locator('.react-flow__node .count').count()).toBe(54);

          // The help sheet on "?".
          await page.locator('.react-flow').click({ position: { x: 5, y: 5 } });
          await page.keyboard.press('?');
          const sheet = page.getByRole('dialog', { name: 'Help' });
          await sheet.waitFor();
          expect(await sheet.getByText('Ctrl+Enter', { exact: true }).count()).toBe(1);
          await sheet.getByRole('note', { name: 'count_include_pad' }).waitFor();
          if (colorScheme === 'light')
            await page.screenshot({
              path: join(screenshotDir('e2e'), `help-sheet-${colorScheme}-${width}x${height}.png`),
            });
          await page.keyboard.press('Escape');
          await sheet.waitFor({ state: 'detached' });

          // A term explained where it appears: the "3×3 reduce" count of inception4c.
          await node(page, 'inception4c').click();
          await page
            .getByRole('button', { name: 'What is reduce (1×1 reduction)?' })
            .first()
            .click();
          const note = page.getByRole('note', { name: 'reduce (1×1 reduction)' });
          await note.waitFor();
          expect(await note.textContent()).toContain('dimension reduction');
          if (colorScheme === 'light')
            await page.screenshot({
              path: join(screenshotDir('e2e'), `term-reduce-${colorScheme}-${width}x${height}.png`),
            });

          // The wheel over the header and over the inspector never moves the page.
          for (const [x, y] of [
            [width / 3, 20],
            [width - 150, height / 2],
            [width - 150, height - 40],
          ]) {
            await page.mouse.move(x, y);
            await page.mouse.wheel(0, 3000);
          }
          await page.waitForTimeout(300);
          expect(await page.evaluate(() => document.scrollingElement!.scrollTop)).toBe(0);
          expect(
            await page.evaluate(() => document.documentElement.scrollHeight - window.innerHeight),
          ).toBeLessThanOrEqual(0);

          // After a run, the check marks leave every name whole.
          await page.getByRole('tab', { name: 'Run' }).click();
          await page.getByRole('button', { name: 'Run', exact: true }).click();
          await page
            .getByRole('img', { name: 'inception4c: measured shape matches' })
            .waitFor({ timeout: 300_000 });
          expect(await cutNames(page)).toEqual([]);
          expect(await page.getByTestId('output-shape-main').textContent()).toBe('N=3 · 1000');

          // Switching the backend after the run keeps the result's own label and marks it stale.
          const facts = page.locator('.run-panel .facts').first();
          const before = await facts.textContent();
          await page.getByLabel('Backend').selectOption('cpu');
          await page.getByTestId('stale-result').waitFor();
          expect(await page.getByTestId('stale-result').textContent()).toContain('the backend');
          expect(await facts.textContent()).toBe(before);
        } finally {
          await context.close();
        }
      }, 420_000);
    }
  }

  it('lets a notification fade within 10 s', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    try {
      await page.goto(serve.url);
      await node(page, 'inception4c').waitFor({ timeout: 120_000 });
      await page.getByRole('button', { name: 'Save as…' }).click();
      const save = page.locator('dialog[data-host-dialog="save"]');
      await save.getByLabel('File name').fill('faded');
      await save.getByRole('button', { name: 'Save' }).click();
      const toast = page.getByText('Saved faded.json.');
      await toast.waitFor();
      // Beside the zoom buttons, never over them.
      const [t, c] = await Promise.all([
        toast.boundingBox(),
        page.locator('.react-flow__controls').boundingBox(),
      ]);
      expect(t!.x).toBeGreaterThanOrEqual(c!.x + c!.width);
      await page.waitForTimeout(10_000);
      expect(await toast.count()).toBe(0);
    } finally {
      await context.close();
    }
  }, 240_000);
});
