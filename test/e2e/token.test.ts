/**
 * The browser host's page opened without its token says so at load (read-only, and how to get
 * the right URL) instead of looking fully working until Open, Save or Run fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumSkipReason, launchChromium, startServe, type ServeHandle } from './harness';

describe.skipIf(Boolean(chromiumSkipReason))(
  'a page without its token (Chromium, browser host)',
  () => {
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

    it('warns at load that the page is read-only and names the URL to open; the tokened URL shows no warning', async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
      const page = await context.newPage();
      await page.goto(`${serve.origin}/`);
      const warning = page.locator('.host-warning');
      await warning.waitFor({ timeout: 120_000 });
      const text = (await warning.textContent())!;
      expect(text).toContain('Read-only page.');
      expect(text).toContain('without its access token');
      expect(text).toContain('npx inception-explorer serve');
      expect(text).toContain('?token=');
      // The graph still shows: looking and editing work.
      await page.getByRole('group', { name: 'inception4c', exact: true }).waitFor();
      await page.getByRole('button', { name: 'Open…' }).click();
      await page
        .getByText(/without its access token/)
        .nth(1)
        .waitFor();
      await context.close();

      const good = await browser.newContext({ viewport: { width: 1280, height: 720 } });
      const ok = await good.newPage();
      await ok.goto(serve.url);
      await ok
        .getByRole('group', { name: 'inception4c', exact: true })
        .waitFor({ timeout: 120_000 });
      await ok.waitForTimeout(500);
      expect(await ok.locator('.host-warning').count()).toBe(0);
      await good.close();
    });
  },
);
