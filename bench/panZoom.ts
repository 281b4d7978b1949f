/**
 * Pan and zoom frame rate in the real app (the browser host in Debian's Chromium, headless, software
 * rendering): inception-resnet-v2 folded, then with every run of repeated blocks unfolded. Drives
 * wheel zooms and mouse-drag pans for a few seconds and times frames with requestAnimationFrame.
 * Prints fps, the p95 and longest frame and how many nodes are drawn; asserts nothing. First it
 * times an edit of the folded Block17 run (out_1x1 of all 20 blocks, one design change) from the
 * input event to the new parameter total on screen, and the main thread's CPU time for it (a trace).
 * Run: npm run bench:panzoom [-- --rounds N --edits N --width W --height H --style CSS]
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
    edits: { type: 'string', default: '40' },
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

/** Distribution of a list of milliseconds: median, p95, largest. */
function summary(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return `median ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms, largest ${s[s.length - 1].toFixed(1)} ms`;
}

/**
 * Edits the folded Block17 run (repeat_1.0 ×20): out_1x1 of all 20 blocks, alternating values, each
 * one design change. Per edit: wall time from the input event until the total parameter count on
 * screen changed, and until the next frame; the trace gives each input event's main-thread CPU time
 * (its wall time counts other processes on a busy machine too).
 */
async function foldedEdit(page: Page, edits: number): Promise<void> {
  await page.getByRole('group', { name: 'repeat_1.0', exact: true }).click();
  const label = 'out_1x1 of all 20 blocks from repeat_1.0';
  await page.getByLabel(new RegExp(`\\(out_1x1\\) of all 20 blocks from repeat_1\\.0$`)).waitFor();
  const browser = page.context().browser()!;
  await browser.startTracing(page, { categories: ['devtools.timeline'] });
  const times = (await page.evaluate(`(async () => {
    const input = [...document.querySelectorAll('input')].find((i) => (i.getAttribute('aria-label') || '').endsWith(${JSON.stringify(label.replace('out_1x1', '(out_1x1)'))}));
    const total = document.querySelector('[data-testid="total-params"]');
    const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
    const dom = [];
    const frame = [];
    for (let i = 0; i < ${edits}; i++) {
      const before = total.textContent;
      const t0 = performance.now();
      setValue.call(input, String(i % 2 === 0 ? 128 + (i % 7) : 192 + (i % 5)));
      input.dispatchEvent(new Event('input', { bubbles: true }));
      if (total.textContent === before) {
        await new Promise((done) => {
          const o = new MutationObserver(() => { if (total.textContent !== before) { o.disconnect(); done(); } });
          o.observe(total, { childList: true, characterData: true, subtree: true });
        });
      }
      dom.push(performance.now() - t0);
      await new Promise((r) => requestAnimationFrame(() => r()));
      frame.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 30));
    }
    return { dom, frame };
  })()`)) as { dom: number[]; frame: number[] };
  const trace = JSON.parse((await browser.stopTracing()).toString()) as {
    traceEvents: {
      ph: string;
      name: string;
      dur?: number;
      tdur?: number;
      args?: { data?: { type?: string } };
    }[];
  };
  const cpu = trace.traceEvents
    .filter((e) => e.ph === 'X' && e.name === 'EventDispatch' && e.args?.data?.type === 'input')
    .map((e) => (e.tdur ?? e.dur ?? 0) / 1000);
  const nodes = await drawn(page);
  print(
    `  folded edit (out_1x1 of all 20 Block17s, ${edits} edits, the first 5 left out; ${nodes.nodes} nodes drawn):`,
  );
  print(`    main-thread CPU per input event: ${summary(cpu.slice(5))}`);
  print(`    input → new total on screen (wall): ${summary(times.dom.slice(5))}`);
  print(`    input → next frame (wall): ${summary(times.frame.slice(5))}`);
  await page.keyboard.press('Escape');
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
    await foldedEdit(page, Number(values.edits));
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
