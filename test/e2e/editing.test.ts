/**
 * Editing as a learner does, end to end in Chromium through the browser host: the inspector leads
 * with the selected module's figures (shapes, parameters, MACs, memory, per step, against the
 * preset); Insert after keeps the network's channels and names the module by its position; one
 * typed value is one undo step, and Ctrl+Z works the same in a field and outside it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumSkipReason, openApp, type OpenApp } from './harness';

const node = (page: Page, id: string) => page.getByRole('group', { name: id, exact: true });
const total = (page: Page) => page.getByTestId('total-params').textContent();

describe.skipIf(Boolean(chromiumSkipReason))('editing (Chromium, browser host)', () => {
  let app: OpenApp;

  beforeAll(async () => {
    app = await openApp({ viewport: { width: 1280, height: 720 } });
    await node(app.page, 'inception4c').waitFor({ timeout: 120_000 });
  }, 300_000);

  afterAll(async () => {
    await app?.close();
  });

  it("leads the inspector with the module's figures, per step and against the preset", async () => {
    const { page } = app;
    await node(page, 'inception4c').click();
    const figures = page.getByRole('region', { name: 'Figures of inception4c' });
    const value = (label: string) =>
      figures.locator('.figure', { has: page.getByText(label, { exact: true }) }).locator('dd');
    expect(await value('Output').textContent()).toBe('N=3 · 512×14×14');
    expect(await value('Input').textContent()).toBe('N=3 · 512×14×14');
    expect(await value('Parameters').textContent()).toBe('511,432'); // shared/spec/googlenet.md
    expect(await value('MACs / image').textContent()).toBe('99.9 M');
    expect(await value('Activations').textContent()).toMatch(/ MiB$/);
    const step = (title: string) =>
      figures.locator('tbody tr', {
        has: page.getByRole('rowheader', { name: title, exact: true }),
      });
    expect(await step('3×3').locator('td').first().textContent()).toBe('N=3 · 256×14×14');

    await page.getByLabel('3×3 (out_3x3) of inception4c').fill('300');
    expect(await value('Output').textContent()).toBe('N=3 · 556×14×14 (preset N=3 · 512×14×14)');
    expect(await value('Parameters').textContent()).toMatch(/^562,252 \+50\.8 K \(\+9\.9 %\)$/);
    expect(await step('3×3').locator('td').first().textContent()).toBe('N=3 · 300×14×14');
    expect(await step('3×3').locator('td').nth(1).textContent()).toContain('+50.8 K');
    await page.getByLabel('3×3 (out_3x3) of inception4c').blur();
    await page.keyboard.press('Control+z');
    expect(await value('Output').textContent()).toBe('N=3 · 512×14×14');
  });

  it('inserts after inception4e a module named inception4f that keeps 832 channels into inception5a', async () => {
    const { page } = app;
    await node(page, 'inception4e').click();
    await page.getByLabel('Insert after inception4e').selectOption({ label: 'Inception module' });
    await node(page, 'inception4f').waitFor();
    expect(await node(page, 'inception4f').getByTestId('shape').textContent()).toBe(
      'N=3 · 832×14×14',
    );
    expect(await node(page, 'inception5a').getByTestId('shape').textContent()).toBe(
      'N=3 · 832×7×7',
    );
    expect(await page.getByText('✓ Valid design').count()).toBe(1);
    // The new node is on screen (the view refit), not off to the side.
    const box = (await node(page, 'inception4f').boundingBox())!;
    const canvas = (await page.locator('.graph-frame').boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(canvas.x);
    expect(box.y + box.height).toBeLessThanOrEqual(canvas.y + canvas.height);
    await page.keyboard.press('Escape');
    await node(page, 'inception4b').focus();
    await page.keyboard.press('Control+z');
    await node(page, 'inception4f').waitFor({ state: 'detached' });
  });

  it('makes each typed value one undo step, and Ctrl+Z the same in a field and outside it', async () => {
    const { page } = app;
    const before = await total(page);
    await node(page, 'inception4c').click();
    const field = page.getByLabel('3×3 (out_3x3) of inception4c');
    // Five values without leaving the field: five steps.
    for (const v of ['300', '0', '-5', '1e9', '']) await field.fill(v);
    expect(await field.inputValue()).toBe('');
    await field.focus();
    const expected = ['1e9', '-5', '0', '300', '256'];
    for (const v of expected) {
      await page.keyboard.press('Control+z');
      expect(await field.inputValue()).toBe(v === '1e9' ? '1000000000' : v);
    }
    expect(await total(page)).toBe(before);
    // Redo in the field, then undo outside it: the same history.
    await page.keyboard.press('Control+Shift+z');
    expect(await field.inputValue()).toBe('300');
    await node(page, 'inception4b').focus();
    await page.keyboard.press('Control+z');
    expect(await field.inputValue()).toBe('256');
    // Typed key by key after selecting the text: one step.
    await field.focus();
    await field.selectText();
    await page.keyboard.type('320');
    expect(await field.inputValue()).toBe('320');
    await page.keyboard.press('Control+z');
    expect(await field.inputValue()).toBe('256');
    expect(await total(page)).toBe(before);
  });

  it('keeps "abc" in a count as typed and says what is wrong with it, in the labels the user sees', async () => {
    const { page } = app;
    await node(page, 'inception4c').click();
    const field = page.getByLabel('3×3 (out_3x3) of inception4c');
    const below = page.getByLabel('5×5 reduce (red_5x5) of inception4c');
    const offset = async () => {
      const [a, b] = [(await field.boundingBox())!, (await below.boundingBox())!];
      return { dx: Math.round(b.x - a.x), sameRow: Math.abs(b.y - a.y) < 4 };
    };
    const before = await offset();
    await field.fill('abc');
    expect(await field.inputValue()).toBe('abc');
    const error = page.locator('.field-error').first();
    expect(await error.textContent()).toContain('"abc"');
    expect(await error.textContent()).not.toContain('out_3x3');
    // The fields after it stay in their grid cells (no jump to another row or column).
    const after = await offset();
    expect(after.dx).toBe(before.dx);
    expect(after.sameRow).toBe(before.sameRow);
    await field.blur();
    await page.keyboard.press('Control+z');
  });
});
