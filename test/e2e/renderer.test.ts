/**
 * The renderer end to end: the real app (`inception-explorer serve`) in Debian's Chromium. It finds
 * the nine inception modules with their shapes, edits inception4c's 3×3 count and reads the exact
 * new parameter total, undoes it, shows an invalid value, and runs a forward pass through the real
 * engine for the three 3×1000 outputs. Screenshots of both themes go to test-results/screenshots/e2e/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumSkipReason, openApp, screenshotDir, type OpenApp } from './harness';

const SHOTS = screenshotDir('e2e');

/** Output shapes of the nine modules at batch 3, 224×224 (shared/spec/googlenet.md). */
const NINE: readonly [string, string][] = [
  ['inception3a', 'N=3 · 256×28×28'],
  ['inception3b', 'N=3 · 480×28×28'],
  ['inception4a', 'N=3 · 512×14×14'],
  ['inception4b', 'N=3 · 512×14×14'],
  ['inception4c', 'N=3 · 512×14×14'],
  ['inception4d', 'N=3 · 528×14×14'],
  ['inception4e', 'N=3 · 832×14×14'],
  ['inception5a', 'N=3 · 832×7×7'],
  ['inception5b', 'N=3 · 1024×7×7'],
];

const PRESET_PARAMS = 13_389_064;
// inception4c.out_3x3 256 → 300 (Δ = 44): its 3×3 conv block gains 44 × (128·3·3 + 1 bias + 2 BN);
// inception4d then reads 44 more channels in its four 1×1 convs (112, 144, 32 and 64 filters).
const EDITED_PARAMS = PRESET_PARAMS + 44 * (128 * 9 + 1 + 2) + 44 * (112 + 144 + 32 + 64);
const fmt = (n: number) => n.toLocaleString('en-US');

const node = (page: Page, id: string) => page.getByRole('group', { name: id, exact: true });
const totalParams = (page: Page) => page.getByTestId('total-params');

describe.skipIf(Boolean(chromiumSkipReason))('renderer end to end (Chromium)', () => {
  let app: OpenApp;

  beforeAll(async () => {
    app = await openApp({ viewport: { width: 1440, height: 900 } });
    await app.page.emulateMedia({ colorScheme: 'light' });
    await node(app.page, 'inception4c').waitFor({ timeout: 60_000 });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('shows the nine inception modules with their output shapes and the parameter total', async () => {
    const { page } = app;
    for (const [id, shape] of NINE) {
      const n = node(page, id);
      await n.waitFor();
      expect(await n.getByTestId('shape').textContent(), id).toBe(shape);
    }
    expect(await totalParams(page).textContent()).toBe(fmt(PRESET_PARAMS));
    await page.screenshot({ path: join(SHOTS, 'graph-light.png') });
  });

  it('reaches modules from the keyboard: focus a node, Enter selects it for the inspector', async () => {
    const { page } = app;
    await node(page, 'inception4b').focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /^inception4b/ }).waitFor();
    expect(await page.getByLabel('3×3 (out_3x3) of inception4b').inputValue()).toBe('224');
    // Enter takes the user on to the module's first field.
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label')))
      .toBe('1×1 (out_1x1) of inception4b');
    await page.keyboard.press('Escape');
  });

  it("changes inception4c's 3×3 count and reads the exact new parameter total, then undoes it", async () => {
    const { page } = app;
    await node(page, 'inception4c').click();
    const field = page.getByLabel('3×3 (out_3x3) of inception4c');
    await field.fill('300');
    await expect.poll(() => totalParams(page).textContent()).toBe(fmt(EDITED_PARAMS));
    expect(await node(page, 'inception4c').getByTestId('shape').textContent()).toBe(
      'N=3 · 556×14×14',
    );
    expect(await page.getByRole('img', { name: 'unsaved changes' }).count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'edited-light.png') });
    // Undo from the keyboard, as a user would once out of the field.
    await node(page, 'inception4b').focus();
    await page.keyboard.press('Control+z');
    await expect.poll(() => totalParams(page).textContent()).toBe(fmt(PRESET_PARAMS));
    expect(await node(page, 'inception4c').getByTestId('shape').textContent()).toBe(
      'N=3 · 512×14×14',
    );
    await page.getByRole('button', { name: 'Redo' }).click();
    await expect.poll(() => totalParams(page).textContent()).toBe(fmt(EDITED_PARAMS));
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => totalParams(page).textContent()).toBe(fmt(PRESET_PARAMS));
  });

  it("shows core's message on an invalid node and disables Run with the reason", async () => {
    const { page } = app;
    await node(page, 'inception4c').click();
    await page.getByLabel('3×3 (out_3x3) of inception4c').fill('0');
    const message = 'inception4c: 3×3 must be a whole number from 1 to 65,536; got 0.';
    await expect
      .poll(() => node(page, 'inception4c').getByRole('alert').textContent())
      .toBe(message);
    expect(await node(page, 'inception4b').getByTestId('shape').textContent()).toBe(
      'N=3 · 512×14×14',
    );
    await page.screenshot({ path: join(SHOTS, 'invalid-light.png') });
    await page.getByRole('tab', { name: 'Run' }).click();
    expect(await page.getByRole('button', { name: 'Run', exact: true }).isDisabled()).toBe(true);
    expect(await page.locator('#run-blocker').textContent()).toBe(
      `Fix the design first (1 problem): ${message}`,
    );
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => totalParams(page).textContent()).toBe(fmt(PRESET_PARAMS));
    await page.getByRole('tab', { name: 'Edit' }).click();
  });

  it('looks right in the dark theme, with a module opened into its branches', async () => {
    const { page } = app;
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.getByRole('button', { name: 'Fit', exact: true }).click();
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(SHOTS, 'graph-dark.png') });
    await page.getByRole('button', { name: 'Open inception4c' }).click();
    await page.getByText('Concat', { exact: true }).first().waitFor();
    await page.getByRole('button', { name: 'Fit', exact: true }).click();
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(SHOTS, 'opened-dark.png') });
    await page.getByRole('button', { name: 'Close inception4c' }).click();
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
  });

  it('runs a forward pass in train mode and reads the three 3×1000 outputs', async () => {
    const { page } = app;
    await page.getByRole('tab', { name: 'Run' }).click();
    await page.getByLabel('Train (main + aux outputs)').check();
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const main = page.getByTestId('output-shape-main');
    const failure = page.locator('.run-panel [role="alert"]');
    await Promise.race([
      main.waitFor({ timeout: 300_000 }),
      failure
        .waitFor({ timeout: 300_000 })
        .then(async () => expect.fail(`The run failed: ${await failure.textContent()}`)),
    ]);
    for (const name of ['main', 'aux1', 'aux2'])
      expect(await page.getByTestId(`output-shape-${name}`).textContent(), name).toBe('N=3 · 1000');
    expect(
      await node(page, 'inception4c')
        .getByRole('img', { name: 'inception4c: measured shape matches' })
        .count(),
    ).toBe(1);
    // The input is shown beside the maps; a map opens large; 1×1 maps are listed, not drawn.
    await page.getByRole('img', { name: 'The input image' }).first().waitFor();
    expect(await page.getByRole('img', { name: 'avgpool feature map' }).count()).toBe(0);
    await page.getByText(/Not shown: avgpool, dropout/).waitFor();
    await page.getByRole('button', { name: 'Show the inception3a feature map large' }).click();
    const large = page.getByRole('dialog', { name: 'inception3a: N=3 · 256×28×28' });
    await large.getByRole('img', { name: 'inception3a feature map, large' }).waitFor();
    await large.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Fit', exact: true }).click();
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(SHOTS, 'run-light.png') });
    expect(app.pageErrors).toEqual([]);
  });
});
