/**
 * Pan and zoom frame rate in the real app (the browser host in Debian's Chromium, headless, software
 * rendering): inception-resnet-v2 folded, then with every run of repeated blocks unfolded. Drives
 * wheel zooms and mouse-drag pans for a few seconds and times frames with requestAnimationFrame.
 * Prints fps, the p95 and longest frame and how many nodes are drawn; asserts nothing.
 * Run: npm run bench:panzoom [-- --rounds N --width W --height H --style CSS]
 * (--style injects a stylesheet, to try a cheaper style without rebuilding the app.)
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { chromiumSkipReason, openApp } from '../test/e2e/harness';
import { unfoldAll } from '../test/e2e/graphText';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '4' },
    width: { type: 'string', default: '1440' },
    height: { type: 'string', default: '900' },
    style: { type: 'string' },
  },
});
const ROUNDS = Number(values.rounds);
const print = (line: string) => process.stdout.write(`${line}\n`);

interface Drawn {
  nodes: number;
  modules: number;
  edges: number;
}

const drawn = (page: Page): Promise<Drawn> =>
  page.evaluate(() => ({
    nodes: document.querySelectorAll('.react-flow__node').length,
    modules: document.querySelectorAll('.react-flow__node-module, .react-flow__node-inception')
      .length,
    edges: document.querySelectorAll('.react-flow__edge').length,
  }));

const startRecording = (page: Page) =>
  // A string, not a function: tsx would wrap the named callback in a helper the page does not have.
  page.evaluate(`(() => {
    window.frames_ = [];
    window.zooms_ = [];
    window.recording_ = true;
    let last = performance.now();
    const tick = (t) => {
      window.frames_.push(t - last);
      last = t;
      if (window.recording_) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);

/** Stops recording; the first two intervals (the recorder's start) are left out. */
const stopRecording = (page: Page): Promise<number[]> =>
  page.evaluate('(() => { window.recording_ = false; return window.frames_.slice(2); })()');

/** Wheel zooms in and out (each notch changes the zoom), then mouse-drag pans, recording every frame interval of each. */
async function panAndZoom(page: Page): Promise<{ zoom: number[]; pan: number[]; range: number[] }> {
  await page.getByRole('button', { name: 'Fit view' }).click();
  await page.waitForTimeout(600);
  const box = (await page.locator('.react-flow__pane').boundingBox())!;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const zoom: number[] = [];
  const pan: number[] = [];
  const zooms: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await startRecording(page);
    // A wheel spun in and back out: 20 notches each way, one every 16 ms, dispatched in the page
    // (one round trip per notch from here would space them 100–200 ms apart on a loaded machine).
    await page.evaluate(`new Promise((done) => {
      const pane = document.querySelector('.react-flow__pane');
      let i = 0;
      const step = () => {
        window.zooms_.push(new DOMMatrix(getComputedStyle(document.querySelector('.react-flow__viewport')).transform).a);
        pane.dispatchEvent(new WheelEvent('wheel', { deltaY: i < 20 ? -50 : 50, clientX: ${cx}, clientY: ${cy}, bubbles: true, cancelable: true }));
        if (++i < 40) setTimeout(step, 16);
        else setTimeout(done, 300);
      };
      step();
    })`);
    zooms.push(...((await page.evaluate('window.zooms_')) as number[]));
    zoom.push(...(await stopRecording(page)));
    await startRecording(page);
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    // 60 moves in one go (no waits): a quick drag across the canvas and back.
    await page.mouse.move(cx - 300 * (round % 2 ? -1 : 1), cy - 180, { steps: 30 });
    await page.mouse.move(cx, cy, { steps: 30 });
    await page.mouse.up();
    await page.waitForTimeout(300);
    pan.push(...(await stopRecording(page)));
  }
  return { zoom, pan, range: [Math.min(...zooms), Math.max(...zooms)] };
}

function report(name: string, frames: number[]): void {
  const s = [...frames].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  const total = frames.reduce((a, b) => a + b, 0);
  print(
    `    ${name}: ${((1000 * frames.length) / total).toFixed(0)} fps over ${(total / 1000).toFixed(1)} s (${frames.length} frames); frame median ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms, longest ${s[s.length - 1].toFixed(1)} ms; ${frames.filter((f) => f > 20).length} over 20 ms`,
  );
}

async function measure(page: Page, name: string): Promise<void> {
  const { zoom, pan, range } = await panAndZoom(page);
  const d = await drawn(page);
  print(`  ${name}: ${d.nodes} nodes drawn (${d.modules} modules, ${d.edges} edges)`);
  report(`zoom (wheel, ${range.map((z) => z.toFixed(2)).join('–')})`, zoom);
  report('pan (drag)  ', pan);
}

async function main(): Promise<void> {
  if (chromiumSkipReason) throw new Error(chromiumSkipReason);
  const viewport = { width: Number(values.width), height: Number(values.height) };
  const app = await openApp({ viewport });
  try {
    const { page } = app;
    await page.locator('.react-flow__node').first().waitFor({ timeout: 240_000 });
    await page.getByLabel('Preset', { exact: true }).selectOption('inception-resnet-v2');
    await page.getByRole('group', { name: 'classif', exact: true }).waitFor({ timeout: 60_000 });
    if (values.style) await page.addStyleTag({ content: values.style });
    await page.waitForTimeout(800);
    print(
      `Pan and zoom, inception-resnet-v2, Chromium headless (software rendering), ${viewport.width}×${viewport.height}, ${ROUNDS} rounds of a wheel spun 20 notches in and out (16 ms apart), then a 60-step drag`,
    );
    await measure(page, 'folded');
    const runs = await unfoldAll(page);
    await page.getByRole('group', { name: 'repeat_1.19', exact: true }).waitFor();
    await measure(page, `every group unfolded (${runs} runs)`);
    print(`  machine: load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`);
    if (app.pageErrors.length) print(`  page errors: ${app.pageErrors.join(' | ')}`);
  } finally {
    await app.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
