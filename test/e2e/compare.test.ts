/**
 * Compare with… end to end (issue 14): the real app (`inception-explorer serve`) in Chromium at
 * 1440×900. An edited GoogLeNet (inception4c's 3×3 count 256 → 300, inception4b duplicated,
 * inception4e deleted) is compared with its preset: the graph marks changed, affected, added and
 * removed modules, the panel lists them in graph order with Δ figures and the totals, and a row
 * selects its module. Then GoogLeNet is compared with Inception v3 stage by stage. Screenshots go
 * to test-results/screenshots/e2e/compare-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumSkipReason, openApp, screenshotDir, type OpenApp } from './harness';
import { presetDesign, presetNames } from '../../core/presets';
import { deleteModule, duplicateModule, setParam } from '../../core/design/edit';
import { compareDesigns } from '../../core/design/diff';

const SHOTS = screenshotDir('e2e');
const fmt = (n: number) => n.toLocaleString('en-US');
const node = (page: Page, id: string) => page.getByRole('group', { name: id, exact: true });
const row = (page: Page, id: string) => page.getByTestId(`compare-row-${id}`);

// The same edits in core, for the expected figures.
const edited = deleteModule(
  duplicateModule(
    setParam(presetDesign('googlenet')!, 'inception4c', 'out_3x3', 300),
    'inception4b',
  ),
  'inception4e',
);
const expected = compareDesigns(presetDesign('googlenet')!, edited);

describe.skipIf(Boolean(chromiumSkipReason))(
  'Compare with… end to end (Chromium, 1440×900)',
  () => {
    let app: OpenApp;

    beforeAll(async () => {
      app = await openApp({ viewport: { width: 1440, height: 900 } });
      await app.page.emulateMedia({ colorScheme: 'light' });
      await node(app.page, 'inception4c').waitFor({ timeout: 60_000 });
    });

    afterAll(async () => {
      await app?.close();
    });

    it('compares an edited design with its preset: marks, Δ figures, totals, and rows that select', async () => {
      const { page } = app;
      await node(page, 'inception4c').click();
      await page.getByLabel('3×3 (out_3x3) of inception4c').fill('300');
      await node(page, 'inception4b').click();
      await page.getByRole('button', { name: 'Duplicate inception4b' }).click();
      await node(page, 'inception4e').click();
      await page.getByRole('button', { name: 'Delete inception4e' }).click();

      await page.getByRole('button', { name: 'Compare with…' }).click();
      await page.getByRole('heading', { name: 'Compare with…' }).waitFor();
      expect(await page.getByLabel('Compare with', { exact: true }).inputValue()).toBe('own');

      // The panel lists the changes in graph order, with the statuses core computes.
      const rows = page.getByRole('list', { name: 'Changes in graph order' }).locator('button');
      await expect
        .poll(() => rows.count())
        .toBe(expected.entries.filter((e) => e.status !== 'unchanged').length);
      const ids = await rows.evaluateAll((els) =>
        els.map((el) => el.getAttribute('data-testid')!.replace('compare-row-', '')),
      );
      expect(ids).toEqual(
        expected.entries.filter((e) => e.status !== 'unchanged').map((e) => e.id),
      );
      expect(ids).toEqual([
        'inception4b_2',
        'inception4c',
        'inception4d',
        'inception4e',
        'maxpool4',
        'inception5a',
      ]);
      expect(await row(page, 'inception4c').textContent()).toContain(
        'changedinception4c+50.8 K (+9.9 %) params',
      );
      expect(await row(page, 'inception4c').textContent()).toContain('out_3x3 256 → 300');
      expect(await row(page, 'inception4c').textContent()).toContain(
        'N=3 · 512×14×14 → N=3 · 556×14×14',
      );
      expect(await row(page, 'inception4d').textContent()).toContain('affected');
      expect(await row(page, 'inception4d').textContent()).toContain(
        'same parameters; input 3×512×14×14 → 3×556×14×14',
      );
      expect(await row(page, 'inception4b_2').textContent()).toContain('added');
      expect(await row(page, 'inception4e').textContent()).toContain('removed');

      // Totals: A, B and Δ as each design's own analysis gives them.
      const params = expected.totals.find((t) => t.key === 'params')!;
      const totalRow = page.getByTestId('compare-total-params');
      expect(await totalRow.textContent()).toContain(
        `${fmt(params.a)} → ${fmt(params.b)}−${fmt(-params.delta)}`,
      );

      // The graph marks each status and draws the removed module as a ghost.
      await expect
        .poll(() => node(page, 'inception4c').locator('.node').getAttribute('class'))
        .toContain('mark-changed');
      expect(await node(page, 'inception4d').locator('.badge-affected').textContent()).toBe(
        'affected',
      );
      expect(await node(page, 'inception4b_2').locator('.badge-added').textContent()).toBe('added');
      expect(await node(page, 'inception4e').locator('.badge-removed').textContent()).toBe(
        'removed',
      );
      expect(await node(page, 'inception4d').getByTestId('delta').textContent()).toBe(
        '+15.5 K params · +3.04 M MACs',
      );
      expect(await node(page, 'inception4c').getByTestId('shape').textContent()).toBe(
        'N=3 · 556×14×14',
      );

      // A row selects its module.
      await row(page, 'inception4d').click();
      await expect
        .poll(() => page.locator('.react-flow__node.selected').getAttribute('data-id'))
        .toBe('inception4d');
      // The row brought its module into view, close enough to read the status labels.
      await page.waitForTimeout(500);
      await page.screenshot({ path: join(SHOTS, 'compare-focus-light.png') });
      await page.getByRole('button', { name: 'Switch to dark theme' }).click();
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(SHOTS, 'compare-focus-dark.png') });
      await page.getByRole('button', { name: 'Switch to light theme' }).click();
      await page.getByRole('button', { name: 'Fit', exact: true }).click();
      await page.waitForTimeout(400);
      await page.screenshot({ path: join(SHOTS, 'compare-edited-light.png') });
      expect(app.pageErrors).toEqual([]);
    });

    it('compares GoogLeNet with another preset of the family stage by stage', async () => {
      const { page } = app;
      const other = presetNames.find((p) => p.startsWith('inception'));
      // Back to the preset as shipped.
      for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Undo' }).click();
      await expect.poll(() => page.getByTestId('total-params').textContent()).toBe(fmt(13_389_064));
      if (!other) return;
      await page.getByLabel('Compare with', { exact: true }).selectOption(`preset:${other}`);
      await page.getByRole('table', { name: 'Stage by stage' }).waitFor();
      const family = compareDesigns(presetDesign(other)!, presetDesign('googlenet')!);
      const stageRows = page.getByRole('table', { name: 'Stage by stage' }).locator('tbody tr');
      expect(await stageRows.count()).toBe(family.stages.length);
      expect(await stageRows.first().textContent()).toMatch(
        /^stem .* modules · .* MACs → .*stem conv1 … maxpool2/,
      );
      const params = family.totals.find((t) => t.key === 'params')!;
      expect(await page.getByTestId('compare-total-params').textContent()).toContain(
        `${fmt(params.a)} → ${fmt(params.b)}`,
      );
      await page.getByRole('button', { name: 'Fit', exact: true }).click();
      await page.getByRole('table', { name: 'Stage by stage' }).scrollIntoViewIfNeeded();
      await page.waitForTimeout(400);
      await page.screenshot({ path: join(SHOTS, 'compare-family-light.png') });
      // Stop comparing: the marks go back to edits against the preset (none).
      await page.getByRole('button', { name: 'Stop comparing' }).click();
      await expect
        .poll(() =>
          page.locator('.node.mark-changed, .node.mark-added, .node.mark-removed').count(),
        )
        .toBe(0);
      expect(app.pageErrors).toEqual([]);
    });
  },
);
