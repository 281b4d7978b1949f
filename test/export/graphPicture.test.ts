/**
 * The exported graph pictures in a real browser: the SVG opens in Debian's Chromium and shows
 * every module (the nine inception labels among them), no text runs out of its box, and both
 * PNG paths, the command line's (resvg) and the app's (a canvas, renderer/export/rasterize.ts),
 * look like Chromium's rendering of the same SVG. Screenshots go to test-results/screenshots/export/ (`npm run screenshots:update` commits them).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetDesign } from '../../core/presets';
import { setParam } from '../../core/design/edit';
import { graphSvg } from '../../core/export/graphSvg';
import { svgToPng } from '../../cli/commands/export';
import { chromiumExecutable, chromiumSkipReason, screenshotDir } from '../e2e/harness';
import { build } from 'esbuild';

const SCREENSHOTS = screenshotDir('export');
const INCEPTIONS = ['3a', '3b', '4a', '4b', '4c', '4d', '4e', '5a', '5b'].map(
  (s) => `inception${s}`,
);

interface Overflow {
  node: string;
  text: string;
  right: number;
  limit: number;
}

/** Texts whose box leaves their node's box (the first rect of each node group). */
async function overflows(page: Page): Promise<Overflow[]> {
  return page.evaluate(() => {
    const out: { node: string; text: string; right: number; limit: number }[] = [];
    for (const g of Array.from(document.querySelectorAll('g.node'))) {
      const box = g.querySelector('rect')!.getBBox();
      for (const t of Array.from(g.querySelectorAll('text'))) {
        const b = (t as SVGTextElement).getBBox();
        if (
          b.x + b.width > box.x + box.width + 0.5 ||
          b.x < box.x - 0.5 ||
          b.y < box.y - 0.5 ||
          b.y + b.height > box.y + box.height + 0.5
        ) {
          out.push({
            node: g.id,
            text: t.textContent ?? '',
            right: b.x + b.width,
            limit: box.x + box.width,
          });
        }
      }
    }
    return out;
  });
}

describe.skipIf(Boolean(chromiumSkipReason))('exported graph pictures in Chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'export-picture-'));
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: chromiumExecutable!,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
        '--disable-dev-shm-usage',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(svg: string, name: string): Promise<Page> {
    const file = join(dir, `${name}.svg`);
    writeFileSync(file, svg);
    const [, w, h] = /width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number);
    const page = await browser.newPage({ viewport: { width: w, height: h } });
    await page.goto(`file://${file}`);
    return page;
  }

  it('shows every module of GoogLeNet, the nine inception modules by name, with no text outside its box', async () => {
    const design = presetDesign('googlenet')!;
    const svg = await graphSvg(design);
    const page = await open(svg, 'graph');
    const labels = await page.locator('text.node-id').allTextContents();
    for (const id of INCEPTIONS) expect(labels).toContain(id);
    for (const m of design.modules) expect(labels).toContain(m.id);
    expect(await page.locator('text.edge-label').count()).toBe(23);
    expect(await overflows(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'graph.png') });
    await page.close();
  });

  it('keeps the text of an edited, opened, dark graph inside its boxes too', async () => {
    let d = setParam(presetDesign('googlenet-torchvision')!, 'inception4c', 'out_3x3', 300);
    d = setParam(d, 'inception3a', 'form', 'naive');
    const page = await open(
      await graphSvg(d, undefined, { theme: 'dark', opened: ['inception4c'] }),
      'opened',
    );
    const labels = await page.locator('text.node-id').allTextContents();
    for (const id of INCEPTIONS) expect(labels).toContain(id);
    expect(labels).toEqual(expect.arrayContaining(['1×1', '3×3 reduce', '3×3', 'pool proj']));
    expect(await overflows(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'graph-opened-dark.png') });
    await page.close();
  });

  /** Mean difference per channel, 0–255, of two same-sized pictures. */
  function meanDifference(a: PNG, b: PNG): number {
    expect([b.width, b.height]).toEqual([a.width, a.height]);
    let diff = 0;
    for (let i = 0; i < a.data.length; i += 4)
      for (let c = 0; c < 3; c++) diff += Math.abs(a.data[i + c] - b.data[i + c]);
    return diff / ((a.data.length / 4) * 3);
  }

  it('draws the PNGs of the command line (resvg) and of the app (canvas) like Chromium draws the SVG', async () => {
    const svg = await graphSvg(presetDesign('googlenet')!);
    const page = await open(svg, 'compare');
    const chrome = PNG.sync.read(await page.screenshot());
    await page.close();

    const pngBytes = await svgToPng(svg, 1);
    writeFileSync(join(SCREENSHOTS, 'graph-resvg.png'), pngBytes);
    // The same picture up to font rasterization.
    expect(meanDifference(chrome, PNG.sync.read(pngBytes))).toBeLessThan(4);

    // The app's rasterizer, compiled as the app's bundler would, run in a blank page.
    // Bundled with the core module it imports (the picture size rule), as Vite bundles it.
    const bundled = await build({
      entryPoints: [join(__dirname, '..', '..', 'renderer', 'export', 'rasterize.ts')],
      bundle: true,
      write: false,
      format: 'iife',
      globalName: 'rasterize',
      logLevel: 'silent',
    });
    const code = bundled.outputFiles[0].text;
    const blank = await browser.newPage();
    await blank.setContent('<!doctype html><title>rasterize</title>');
    await blank.addScriptTag({ content: code });
    const base64 = await blank.evaluate(
      (s) =>
        (
          window as unknown as {
            rasterize: { svgToPngBase64(svg: string, scale: number): Promise<string> };
          }
        ).rasterize.svgToPngBase64(s, 1),
      svg,
    );
    await blank.close();
    const canvasPng = Buffer.from(base64, 'base64');
    writeFileSync(join(SCREENSHOTS, 'graph-canvas.png'), canvasPng);
    expect(meanDifference(chrome, PNG.sync.read(canvasPng))).toBeLessThan(4);
  });
});
