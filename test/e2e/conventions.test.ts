/**
 * Counting conventions in the real app (issue 22), in Chromium through `serve`, at 1280×720 and
 * 1440×900, light and dark: the totals bar's select switches to another tool's figure, labelled
 * by the tool, with every figure of the bar still on one line inside the window (the longest,
 * the BN-folded parameter count, included); the choice survives a reload and never marks the
 * design unsaved. Screenshots of the bar with ptflops chosen (light and dark, both sizes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { join } from 'node:path';
import { analyze } from '../../core/analysis/analyze';
import { conventionRows } from '../../core/analysis/conventions';
import { presetDesign } from '../../core/presets';
import {
  chromiumSkipReason,
  launchChromium,
  screenshotDir,
  startServe,
  type ServeHandle,
} from './harness';

const design = presetDesign('googlenet')!;
const expected = (id: 'ptflops' | 'onnx-folded') =>
  conventionRows(analyze(design), [id], design.input.batch)[0];

/** Parts of the totals bar drawn outside it or cut (wider than their box). */
function clippedTotals(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const bar = document.querySelector<HTMLElement>('footer.totals')!;
    const box = bar.getBoundingClientRect();
    const out: string[] = [];
    if (bar.scrollWidth > bar.clientWidth + 1) out.push('footer.totals overflows');
    for (const e of bar.querySelectorAll<HTMLElement>('dt, dd, select')) {
      const r = e.getBoundingClientRect();
      if (r.right > box.right + 1 || r.left < box.left - 1 || e.scrollWidth > e.clientWidth + 1)
        out.push(e.textContent ?? e.tagName);
    }
    if (box.right > window.innerWidth) out.push('footer.totals is wider than the window');
    return out;
  });
}

describe.skipIf(Boolean(chromiumSkipReason))('counting conventions (Chromium)', () => {
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
      it(`switches the totals bar to a tool's figure, on one line, at ${width}×${height} (${colorScheme})`, async () => {
        const context = await browser.newContext({ viewport: { width, height }, colorScheme });
        const page = await context.newPage();
        try {
          await page.goto(serve.url);
          // The totals bar is a footer inside the window's layout (no contentinfo landmark in Chromium).
          const bar = page.locator('footer.totals');
          await page.getByRole('group', { name: 'inception4c', exact: true }).waitFor({
            timeout: 120_000,
          });
          const select = bar.getByRole('combobox', { name: 'Counting convention' });
          const figure = bar.getByTestId('total-convention');
          expect(await select.inputValue()).toBe('torchvision');

          await select.selectOption('ptflops');
          const ptflops = expected('ptflops');
          expect(await figure.textContent()).toBe(ptflops.printed);
          expect(await figure.getAttribute('aria-label')).toBe(`ptflops: ${ptflops.printed}`);
          expect(await clippedTotals(page)).toEqual([]);
          await bar.screenshot({
            path: join(
              screenshotDir('e2e'),
              `totals-ptflops-${colorScheme}-${width}x${height}.png`,
            ),
          });

          // The longest figure still fits.
          await select.selectOption('onnx-folded');
          expect(await figure.textContent()).toBe(expected('onnx-folded').printed);
          expect(await clippedTotals(page)).toEqual([]);

          // A view setting: remembered across a reload, and the design is not marked unsaved.
          expect(await page.getByText('●').count()).toBe(0);
          await page.reload();
          await page.getByRole('group', { name: 'inception4c', exact: true }).waitFor();
          expect(await select.inputValue()).toBe('onnx-folded');
          await select.selectOption('torchvision');
        } finally {
          await context.close();
        }
      }, 240_000);
    }
  }
});
