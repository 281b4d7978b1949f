/**
 * Every preset exported in the app as ONNX, PyTorch, SVG and PNG (issue 20 rule 3: the limits of
 * the page, the browser host and the writer agree, so Inception v4's 163 MB and IRv2's 213 MB ONNX
 * models are saved too), end to end in Chromium through `serve`: each preset is opened from the
 * preset picker, each format saved through the Export dialog and the host's in-page file dialog
 * into the host's folder, and each written file checked for its header and a plausible size.
 * Afterwards the folder holds exactly the named exports: no temporary file is left anywhere under
 * the host's home (issue 20: nothing written anywhere but the named output). One page for all.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetDesign, presetNames } from '../../core/presets';
import { chromiumSkipReason, openApp, type OpenApp } from './harness';

/** Each format: its radio's label, the file's suffix, and a check of the written bytes. */
const FORMATS: readonly {
  readonly radio: RegExp;
  readonly suffix: string;
  readonly minBytes: number;
  check(bytes: Buffer): boolean;
}[] = [
  {
    radio: /^PyTorch code/,
    suffix: '.py',
    minBytes: 2_000,
    check: (b) => /^class \w+\(nn\.Module\):/m.test(b.toString('utf8')),
  },
  {
    radio: /^Graph picture \(SVG\)/,
    suffix: '-graph.svg',
    minBytes: 10_000,
    check: (b) => /^(<\?xml[^>]*>\s*)?<svg[\s>]/.test(b.toString('utf8')),
  },
  {
    radio: /^Graph picture \(PNG\)/,
    suffix: '-graph.png',
    minBytes: 10_000,
    check: (b) => b.subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])),
  },
  {
    radio: /^ONNX model/,
    suffix: '.onnx',
    // At least the float32 weights of the smallest preset (GoogLeNet's 6.6 M parameters).
    minBytes: 20_000_000,
    // A ModelProto starts with field 1 (ir_version, varint: tag 0x08) and names its producer.
    check: (b) => b[0] === 0x08 && b.subarray(0, 256).includes('inception-explorer'),
  },
];

/** Every file under `dir`, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (!e.isDirectory()) out.push(relative(dir, join(e.parentPath, e.name)));
  return out.sort();
}

describe.skipIf(Boolean(chromiumSkipReason))(
  'every preset exported in the app as ONNX, PyTorch, SVG and PNG (Chromium)',
  () => {
    let app: OpenApp;
    let before: string[] = [];
    const written: string[] = [];

    beforeAll(async () => {
      app = await openApp({ viewport: { width: 1400, height: 900 } });
      await app.page
        .getByRole('group', { name: 'inception4c', exact: true })
        .waitFor({ timeout: 120_000 });
      before = await filesUnder(app.serve.home);
    }, 300_000);

    afterAll(async () => {
      await app?.close();
    });

    for (const preset of presetNames) {
      it(`saves ${preset} in the four formats into the host's folder`, async () => {
        const { page } = app;
        const name = presetDesign(preset)!.name;
        await page.locator('#tab-edit').click();
        await page.getByLabel('Preset', { exact: true }).selectOption(preset);
        const opener = page.getByRole('button', { name: 'Export…' });
        await opener.click();
        const dialog = page.getByRole('dialog', { name: `Export ${name}`, exact: true });
        await dialog.waitFor({ timeout: 60_000 });
        for (const format of FORMATS) {
          const fileName = `${preset}${format.suffix}`;
          await dialog.getByRole('radio', { name: format.radio }).check();
          const save = dialog.getByRole('button', { name: 'Save…' });
          // The file is made first (the ONNX model of IRv2 takes a while): Save is enabled then.
          await expect.poll(() => save.isEnabled(), { timeout: 240_000, interval: 500 }).toBe(true);
          await save.click();
          const hostDialog = page.locator('dialog[data-host-dialog="export"]');
          await hostDialog.waitFor();
          await hostDialog.getByLabel('File name').fill(fileName);
          await hostDialog.getByRole('button', { name: 'Export', exact: true }).click();
          await dialog
            .getByText(`Saved to ${join(app.serve.home, 'designs', fileName)}.`)
            .waitFor({ timeout: 240_000 });
          written.push(fileName);
          const path = join(app.serve.home, 'designs', fileName);
          const size = (await stat(path)).size;
          expect(size, fileName).toBeGreaterThanOrEqual(format.minBytes);
          const head = await readFile(path).then((b) =>
            format.suffix === '.onnx' ? b.subarray(0, 4096) : b,
          );
          expect(format.check(head), `${fileName} starts as a ${format.suffix} file`).toBe(true);
        }
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'detached' });
        expect(app.pageErrors).toEqual([]);
      }, 600_000);
    }

    it('leaves exactly the named exports in the folder and no temporary file anywhere', async () => {
      expect(written.length).toBe(presetNames.length * FORMATS.length);
      const designs = await readdir(join(app.serve.home, 'designs'));
      expect(designs.sort()).toEqual([...written].sort());
      // Outside the folder only what was there before the exports, and the host's own state
      // (autosaves, recent files): nothing that looks like a temporary or partial file.
      const after = await filesUnder(app.serve.home);
      const elsewhere = after.filter((f) => !f.startsWith('designs/') && !before.includes(f));
      expect(elsewhere.filter((f) => /\.tmp$|\.part$|~$|\.partial$/i.test(f))).toEqual([]);
      expect(elsewhere.every((f) => f.startsWith('state/'))).toBe(true);
    });
  },
);
