/**
 * The family presets in the app, end to end in Chromium through `serve` at 1440×900: each opens
 * from the preset picker with its reference's parameter total, its last module shown, and a run of
 * each (and torchvision's GoogLeNet for comparison) on a sample photo completes with 1000 logits,
 * photos prepared as the preset's reference expects and shown as they look. Screenshots go to
 * test-results/screenshots/e2e/.
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

describe.skipIf(Boolean(chromiumSkipReason))(
  'the Inception family presets at 1440x900 (Chromium)',
  () => {
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

    // A run of each preset on the cat photo (eval, onnxruntime when present): 1000 logits, the engine's
    // note naming the preparation the reference's weights expect, and the input picture showing the
    // photo as the user sees it: the same colours whether the network got RGB or BGR, [0, 1] or 0–255.
    const RUNS: readonly (readonly [preset: string, last: string, prepared: string | null])[] = [
      ['googlenet', 'inception5b', null], // torchvision's ImageNet normalization: no note, it is the default
      [
        'googlenet-torchvision',
        'fc',
        'ImageNet mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225), resize 256 → crop 224 (torchvision)',
      ],
      ['googlenet-paper', 'loss3_classifier', 'BGR in [0, 255] minus the means (104, 117, 123)'],
      ['bn-inception', 'last_linear', 'BGR in [0, 255] minus the means (104, 117, 128)'],
      ['inception-v4', 'last_linear', 'mean 0.5 and std 0.5 per channel (so [−1, 1]), crop 0.875'],
      [
        'inception-resnet-v1',
        'classif',
        'mean 0.5 and std 0.5 per channel (so [−1, 1]), crop 0.875',
      ],
      [
        'inception-resnet-v2',
        'classif',
        'mean 0.5 and std 0.5 per channel (so [−1, 1]), crop 0.8975',
      ],
    ];
    /** The input picture's mean R, G and B (0..255). */
    const pictureColour = (page: Page) =>
      page
        .getByRole('img', { name: 'The input image' })
        .first()
        .evaluate((c: HTMLCanvasElement) => {
          const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          const sum = [0, 0, 0];
          for (let i = 0; i < d.length; i += 4) for (let k = 0; k < 3; k++) sum[k] += d[i + k];
          return sum.map((v) => v / (d.length / 4));
        });
    let photoColour: number[] | null = null;

    for (const [preset, last, prepared] of RUNS) {
      it(`runs ${preset} on a sample photo: 1000 logits, prepared as its reference expects, the photo shown as it looks`, async () => {
        const { page } = app;
        await page.locator('#tab-edit').click();
        await page.getByLabel('Preset', { exact: true }).selectOption(preset);
        await node(page, last).waitFor({ timeout: 60_000 });
        await page.getByRole('tab', { name: 'Run' }).click();
        await page.getByLabel('Eval (main output)').check();
        await page.getByLabel('Input', { exact: true }).selectOption({ label: 'Sample: cat' });
        // Said before the run, beside the input.
        const hint = (await page
          .locator('.run-panel .field', { has: page.getByLabel('Input', { exact: true }) })
          .locator('.field-hint')
          .textContent())!;
        expect(hint).toContain(`Photos go in as ${preset}'s reference expects:`);
        expect(hint).toContain(prepared ?? 'RGB in [0, 1], ImageNet mean (0.485, 0.456, 0.406)');
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
        const notes = page.getByRole('list', { name: 'Engine notes' });
        if (prepared)
          expect(await notes.textContent()).toContain(
            `Images were prepared as this preset's reference weights expect: ${prepared.includes('BGR') ? '' : 'RGB in [0, 1], '}${prepared}`,
          );
        else
          expect(await page.locator('.run-panel').textContent()).not.toContain(
            'prepared as this preset',
          );
        // The photo as it looks: within a few levels of GoogLeNet's picture (crops differ a little), not with red and blue swapped.
        const picture = page.getByRole('img', { name: 'The input image' }).first();
        await picture.scrollIntoViewIfNeeded();
        await picture.screenshot({ path: join(SHOTS, `family-${preset}-run-input.png`) });
        const colour = await pictureColour(page);
        photoColour ??= colour;
        for (let k = 0; k < 3; k++)
          expect(
            Math.abs(colour[k] - photoColour[k]),
            `${preset} channel ${'RGB'[k]}: ${colour.map(Math.round).join(', ')} vs ${photoColour.map(Math.round).join(', ')}`,
          ).toBeLessThan(8);
        await fit(page);
        await page.screenshot({ path: join(SHOTS, `family-${preset}-run-light-1440x900.png`) });
        expect(app.pageErrors).toEqual([]);
      }, 700_000);
    }
  },
);

describe.skipIf(Boolean(chromiumSkipReason))(
  'inception-resnet-v2 folded: repeated blocks as one ×N node (Chromium, 1440x900)',
  () => {
    let app: OpenApp;
    const total = async (page: Page) =>
      Number((await page.getByTestId('total-params').textContent())!.replace(/,/g, ''));
    const drawnModules = (page: Page) =>
      page.locator('.react-flow__node-module, .react-flow__node-inception').count();

    beforeAll(async () => {
      app = await openApp({ viewport: { width: 1440, height: 900 } });
      await app.page.emulateMedia({ colorScheme: 'light' });
      await node(app.page, 'inception4c').waitFor({ timeout: 120_000 });
    }, 300_000);

    afterAll(async () => {
      await app?.close();
    });

    it('opens folded, edits all 20 Block17s at once, makes one differ, and undoes both', async () => {
      const { page } = app;
      await page.locator('#tab-edit').click();
      await page.getByLabel('Preset', { exact: true }).selectOption('inception-resnet-v2');
      await node(page, 'classif').waitFor({ timeout: 60_000 });
      await fit(page);
      // 53 modules; the 10/20/9 runs fold into one node each: 53 - 9 - 19 - 8 = 17 drawn.
      expect(await drawnModules(page)).toBe(17);
      expect(await node(page, 'repeat_1.1').count()).toBe(0);
      const b17 = node(page, 'repeat_1.0');
      expect(
        await b17.getByRole('button', { name: 'Unfold 20 blocks from repeat_1.0' }).textContent(),
      ).toBe('×20');
      expect(await b17.getByTestId('repeat-figures').textContent()).toMatch(/^each: /);
      expect(await b17.locator('.node-cost').textContent()).toMatch(/^all 20: /);
      const before = await total(page);
      expect(before).toBe(55_843_464);

      // The folded node's inspector edits every block: out_1x1 192 → 128 in each Block17. Per block:
      // branch0's 1×1 conv from 1088 channels loses 64 filters (1088·64 weights + 64 BN weights and
      // 64 BN biases), and the 1×1 projection back to 1088 reads 64 fewer channels (64·1088 weights).
      await b17.click();
      const field = page.getByLabel(/\(out_1x1\) of all 20 blocks from repeat_1\.0$/);
      await field.fill('128');
      await field.blur();
      const perBlock = 1088 * 64 + 64 + 64 + 64 * 1088;
      expect(perBlock).toBe(139_392);
      await expect.poll(() => total(page)).toBe(before - 20 * perBlock);
      expect(await total(page)).toBe(53_055_624);
      expect(await drawnModules(page)).toBe(17);

      // One block made different: repeat_1.7's out_1x1 128 → 100 splits the run into 7 + 1 + 12.
      await page.getByLabel('Block to make differ').selectOption('repeat_1.7');
      await page.getByRole('button', { name: 'Edit this block only' }).click();
      const one = page.getByLabel(/\(out_1x1\) of repeat_1\.7$/);
      await one.fill('100');
      await one.blur();
      const perFilter = 1088 + 2 + 1088;
      await expect.poll(() => total(page)).toBe(53_055_624 - 28 * perFilter);
      await expect
        .poll(() =>
          node(page, 'repeat_1.8')
            .getByRole('button', { name: 'Unfold 12 blocks from repeat_1.8' })
            .textContent(),
        )
        .toBe('×12');

      // Each edit is one undo step: the split first, then the whole-run edit.
      await page.getByRole('button', { name: 'Undo' }).click();
      await expect.poll(() => total(page)).toBe(53_055_624);
      await page.getByRole('button', { name: 'Undo' }).click();
      await expect.poll(() => total(page)).toBe(55_843_464);
      expect(app.pageErrors).toEqual([]);
    }, 180_000);

    it('shows IRv2 folded and unfolded at 1440x900 and 1280x720, light and dark', async () => {
      const { page } = app;
      await page.locator('#tab-edit').click();
      await page.getByLabel('Preset', { exact: true }).selectOption('googlenet');
      await node(page, 'inception4c').waitFor({ timeout: 60_000 });
      await page.getByLabel('Preset', { exact: true }).selectOption('inception-resnet-v2');
      await node(page, 'classif').waitFor({ timeout: 60_000 });
      const runs = ['repeat.0', 'repeat_1.0', 'repeat_2.0'];
      for (const [width, height] of [
        [1440, 900],
        [1280, 720],
      ] as const) {
        await page.setViewportSize({ width, height });
        for (const colorScheme of ['light', 'dark'] as const) {
          if (colorScheme === 'dark')
            await page.getByRole('button', { name: 'Switch to dark theme' }).click();
          await fit(page);
          await page.evaluate(() => window.scrollTo(0, 0));
          await page.screenshot({
            path: join(SHOTS, `family-irv2-folded-${colorScheme}-${width}x${height}.png`),
          });
          const folded = await drawnModules(page);
          // Unfolded from the inspector (the ×N mark on the node does the same at full detail).
          for (const id of runs) {
            await fit(page);
            // Tab-and-Enter selection: works for a node the clamped fit leaves off-screen (the pane pans to it).
            await node(page, id).focus();
            await page.keyboard.press('Enter');
            await page
              .locator('.repeat-group')
              .getByRole('button', { name: 'Unfold', exact: true })
              .click({ timeout: 5000 });
            await page.waitForTimeout(600);
          }
          await node(page, 'repeat_1.19').waitFor();
          await fit(page);
          await page.evaluate(() => window.scrollTo(0, 0));
          await page.screenshot({
            path: join(SHOTS, `family-irv2-unfolded-${colorScheme}-${width}x${height}.png`),
          });
          const unfolded = await drawnModules(page);
          expect(folded).toBe(17);
          expect(unfolded).toBeGreaterThan(folded);
          for (const [i, id] of runs.entries()) {
            await fit(page);
            // Tab-and-Enter selection: works for a node the clamped fit leaves off-screen (the pane pans to it).
            await node(page, id).focus();
            await page.keyboard.press('Enter');
            await page
              .getByRole('button', { name: `Fold ${[10, 20, 9][i]} blocks`, exact: true })
              .click({ timeout: 5000 });
            await page.waitForTimeout(600);
          }
          await expect.poll(() => node(page, 'repeat_1.19').count()).toBe(0);
          if (colorScheme === 'dark')
            await page.getByRole('button', { name: 'Switch to light theme' }).click();
        }
      }
      expect(app.pageErrors).toEqual([]);
    }, 300_000);
  },
);
