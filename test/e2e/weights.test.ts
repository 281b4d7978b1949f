/**
 * Trained weights in the app, end to end in Chromium through `serve` at 1440×900 and 1280×720:
 * a weights file chosen in the host's dialog and one dropped on the window (a real drop event
 * carrying a File), a run on the cat photo showing the load summary, and inception4c's 5×5 branch
 * switched off with the before/after top-5 side by side and the branch dimmed on the graph.
 * Screenshots go to test-results/screenshots/e2e/.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { analyze } from '../../core/analysis/analyze';
import { presetDesign } from '../../core/presets';
import { seededStateDict, stateDictToSafetensors } from '../../node/engine/weights';
import { chromiumSkipReason, openApp, screenshotDir, type OpenApp } from './harness';

const SHOTS = screenshotDir('e2e');
const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
/**
 * The weights file the tests choose and drop: a PyTorch checkpoint (torch.save's zip format) saved
 * from nn.DataParallel, so every key carries `module.`, inside {'state_dict': …, 'epoch': …}, as
 * training scripts save them; the app reads it without Python and strips the prefix.
 */
const WEIGHTS_NAME = 'googlenet.pth';
const PYTHON = '/usr/bin/python3';

/** Python that rewrites a safetensors state_dict (argv[1]) as a DataParallel checkpoint (argv[2]). */
const TO_CHECKPOINT = `
import sys, torch
sys.path.insert(0, "tools/torch")
from reference_logits import read_safetensors
sd = read_safetensors(sys.argv[1])
torch.save({"epoch": 3, "state_dict": {"module." + k: v for k, v in sd.items()}}, sys.argv[2])
`;

/**
 * GoogLeNet weights that predict with conviction: the seeded initialization with the classifier
 * scaled up, so the top-5 has clear probabilities that move when a branch is switched off (no
 * trained file can be downloaded here).
 */
async function writeWeights(path: string): Promise<void> {
  const graph = analyze(presetDesign('googlenet')!).graph;
  const dict = new Map(seededStateDict(graph, 7));
  dict.set(
    'fc1.weight',
    dict.get('fc1.weight')!.map((v) => v * 600),
  );
  const plain = `${path}.safetensors`;
  await writeFile(plain, stateDictToSafetensors(dict, graph));
  await run(PYTHON, ['-c', TO_CHECKPOINT, plain, path], { cwd: ROOT });
  await rm(plain);
}

const node = (page: Page, id: string) => page.getByRole('group', { name: id, exact: true });

/** Runs on the cat photo and waits for the result (or fails with the app's message). */
async function runOnCat(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'Run' }).click();
  await page.getByLabel('Eval (main output)').check();
  await page.getByLabel('Input', { exact: true }).selectOption({ label: 'Sample: cat' });
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const summary = page.getByTestId('weights-summary');
  const failure = page.locator('.run-panel [role="alert"]');
  await Promise.race([
    summary.waitFor({ timeout: 600_000 }),
    failure
      .waitFor({ timeout: 600_000 })
      .then(async () => expect.fail(`The run failed: ${await failure.textContent()}`)),
  ]);
}

/** Drops a file on the window as a user's drag from the desktop does: dragenter, dragover, drop with a DataTransfer holding it. */
async function dropFile(page: Page, name: string, bytes: Buffer): Promise<void> {
  await page.evaluate(
    async ({ name, b64 }) => {
      const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([data], name));
      const target = document.querySelector('.react-flow') ?? document.body;
      for (const type of ['dragenter', 'dragover', 'drop'])
        target.dispatchEvent(
          new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }),
        );
    },
    { name, b64: bytes.toString('base64') },
  );
}

for (const viewport of [
  { width: 1440, height: 900 },
  { width: 1280, height: 720 },
]) {
  const size = `${viewport.width}x${viewport.height}`;
  describe.skipIf(Boolean(chromiumSkipReason))(
    `trained weights in the app at ${size} (Chromium)`,
    () => {
      let app: OpenApp;
      let home: string;
      let elsewhere: string;

      beforeAll(async () => {
        home = await mkdtemp(join(tmpdir(), 'inception-explorer-weights-'));
        elsewhere = await mkdtemp(join(tmpdir(), 'inception-explorer-drop-'));
        await mkdir(join(home, 'weights'), { recursive: true });
        await writeWeights(join(home, 'weights', WEIGHTS_NAME));
        app = await openApp({ home, viewport });
        await app.page.emulateMedia({ colorScheme: 'light' });
        await node(app.page, 'inception4c').waitFor({ timeout: 120_000 });
      }, 300_000);

      afterAll(async () => {
        await app?.close();
        await rm(home, { recursive: true, force: true });
        await rm(elsewhere, { recursive: true, force: true });
      });

      it('chooses a weights file in the dialog, runs on the cat photo and says what loaded', async () => {
        const { page } = app;
        await page.getByRole('tab', { name: 'Run' }).click();
        await page.getByRole('button', { name: 'Choose…' }).click();
        const dialog = page.locator('dialog[data-host-dialog="weights"]');
        await dialog.waitFor();
        expect(
          await dialog.getByRole('button', { name: 'Upload from this computer…' }).count(),
        ).toBe(1);
        await dialog.getByRole('option', { name: WEIGHTS_NAME }).click();
        await dialog.getByRole('button', { name: 'Open' }).click();
        await expect.poll(() => page.getByTestId('weights-name').textContent()).toBe(WEIGHTS_NAME);
        await page.screenshot({ path: join(SHOTS, `weights-chosen-light-${size}.png`) });
        await runOnCat(page);
        const summary = (await page.getByTestId('weights-summary').textContent())!;
        expect(summary).toMatch(
          new RegExp(`Loaded (\\d+) of \\1 tensors from ${WEIGHTS_NAME.replace('.', '\\.')}`),
        );
        // The DataParallel prefix was stripped, and the summary says so.
        expect(summary).toContain('module.');
        await page.getByTestId('weights-summary').scrollIntoViewIfNeeded();
        await page.screenshot({ path: join(SHOTS, `weights-summary-light-${size}.png`) });
        expect(app.pageErrors).toEqual([]);
      }, 700_000);

      it('takes a weights file dropped on the window, and says what it accepts when something else is dropped', async () => {
        const { page } = app;
        await dropFile(page, 'notes.txt', Buffer.from('hello'));
        await page.getByText('notes.txt is not a weights file').waitFor();
        const bytes = await readFile(join(home, 'weights', WEIGHTS_NAME));
        await dropFile(page, `dropped-${WEIGHTS_NAME}`, bytes);
        await expect
          .poll(() => page.getByTestId('weights-name').textContent(), { timeout: 60_000 })
          .toMatch(/^dropped-googlenet-[0-9a-f]{6}\.pth$/);
        await runOnCat(page);
        // The summary of the run before stays on screen until this run's result replaces it.
        await expect
          .poll(() => page.getByTestId('weights-summary').textContent(), { timeout: 600_000 })
          .toContain('tensors from dropped-googlenet-');
        await page.getByTestId('weights-summary').scrollIntoViewIfNeeded();
        await page.screenshot({ path: join(SHOTS, `weights-dropped-light-${size}.png`) });
        expect(app.pageErrors).toEqual([]);
      }, 700_000);

      it("switches off inception4c's 5×5 branch and shows the top-5 before and after", async () => {
        const { page } = app;
        await node(page, 'inception4c').click();
        await page.locator('#tab-edit').click();
        const inspector = page.getByRole('region', { name: 'What-if for inception4c' });
        await inspector.getByText('What-if (trained weights)').click();
        await inspector.getByLabel('Switch off branch3 (5×5 reduce → 5×5)').check();
        await page.getByRole('button', { name: 'Open branches' }).click();
        await expect.poll(() => page.locator('[data-switched-off="true"]').count()).toBe(2);
        expect(await page.getByTestId('whatif-inception4c').count()).toBe(1);
        await runOnCat(page);
        const table = page.getByTestId('what-if-comparison');
        await table.waitFor();
        const text = (await table.textContent())!;
        expect(text).toContain('inception4c.branch3 switched off');
        expect(text).toMatch(/(↑ \+|↓ −|±)\d+\.\d pp|new in top-5|left top-5/);
        await table.scrollIntoViewIfNeeded();
        await page.screenshot({ path: join(SHOTS, `weights-what-if-light-${size}.png`) });
        expect(app.pageErrors).toEqual([]);
      }, 700_000);
    },
  );
}
