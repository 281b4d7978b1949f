#!/usr/bin/env node
// Measures the renderer in real Chromium and prints the figures:
//   1. edit → numbers: the time from typing a new 3×3 count into inception4c until the total
//      parameter count on screen has changed (synchronous work), and until the next frame;
//   2. pan and zoom with every inception module opened: frame intervals while panning and zooming.
// Usage: node bench/renderer-frame.mjs [--url URL] [--edits N]
// Without --url it starts `inception-explorer serve` on a free port and stops it afterwards.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '..');
/** Prints one line of the benchmark's report on stdout. */
const print = (line) => process.stdout.write(`${line}\n`);
const { values } = parseArgs({
  options: { url: { type: 'string' }, edits: { type: 'string', default: '60' } },
});
const EDITS = Number(values.edits);
const CHROMIUM = [
  process.env.CHROMIUM_PATH,
  '/usr/lib/chromium/chromium',
  '/usr/bin/chromium',
].find((p) => p && existsSync(p));
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

async function startServe() {
  const home = await mkdtemp(join(tmpdir(), 'inception-explorer-bench-'));
  const child = spawn(
    process.execPath,
    [join(root, 'bin', 'inception-explorer.mjs'), 'serve', '--port', '0'],
    {
      cwd: root,
      env: { ...process.env, INCEPTION_EXPLORER_HOME: home, BROWSER: 'none' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  const url = await new Promise((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`serve printed no URL within 240 s:\n${log}`)),
      240_000,
    );
    const onData = (chunk) => {
      log += chunk;
      const m = /^Inception Explorer: (http:\S+)$/m.exec(log);
      if (m) {
        clearTimeout(timer);
        done(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c) => (log += c));
    child.once('exit', (code) =>
      fail(new Error(`serve exited (${code}) before printing its URL:\n${log}`)),
    );
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      await rm(home, { recursive: true, force: true });
    },
  };
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { median: at(0.5), p95: at(0.95), max: s[s.length - 1], n: s.length };
};
const ms = (x) => `${x.toFixed(2)} ms`;

if (!CHROMIUM) {
  console.error(
    'renderer-frame: Chromium was not found (set CHROMIUM_PATH or install Debian chromium).',
  );
  process.exit(2);
}
const server = values.url ? { url: values.url, stop: async () => {} } : await startServe();
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: CHROMIUM_ARGS,
});
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(server.url);
  const node = page.getByRole('group', { name: 'inception4c', exact: true });
  await node.waitFor({ timeout: 120_000 });
  await node.click();
  await page.getByLabel('3×3 (out_3x3) of inception4c').waitFor();

  // 1. Edit → numbers on screen. A trace gives the CPU time of each input event besides the wall
  //    time, which other processes on a busy machine inflate.
  await browser.startTracing(page, { categories: ['devtools.timeline'] });
  const edit = await page.evaluate(async (n) => {
    const input = document.querySelector('input[aria-label="3×3 (out_3x3) of inception4c"]');
    const total = document.querySelector('[data-testid="total-params"]');
    const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
    const dom = [];
    const frame = [];
    for (let i = 0; i < n; i++) {
      const before = total.textContent;
      const t0 = performance.now();
      setValue.call(input, String(257 + (i % 2 === 0 ? i : -i + 300)));
      input.dispatchEvent(new Event('input', { bubbles: true }));
      if (total.textContent === before) {
        await new Promise((done) => {
          const o = new MutationObserver(() => {
            if (total.textContent !== before) {
              o.disconnect();
              done();
            }
          });
          o.observe(total, { childList: true, characterData: true, subtree: true });
        });
      }
      dom.push(performance.now() - t0);
      await new Promise((r) => requestAnimationFrame(() => r()));
      frame.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 20));
    }
    return { dom, frame };
  }, EDITS);
  const trace = JSON.parse((await browser.stopTracing()).toString()).traceEvents;
  const inputEvents = trace.filter(
    (e) => e.ph === 'X' && e.name === 'EventDispatch' && e.args?.data?.type === 'input',
  );
  const cpuStats = stats(inputEvents.slice(5).map((e) => (e.tdur ?? e.dur) / 1000));
  const domStats = stats(edit.dom.slice(5));
  const frameStats = stats(edit.frame.slice(5));

  // 2. Pan and zoom with every inception module opened.
  for (const id of [
    'inception3a',
    'inception3b',
    'inception4a',
    'inception4b',
    'inception4c',
    'inception4d',
    'inception4e',
    'inception5a',
    'inception5b',
  ]) {
    await page.getByRole('button', { name: `Open ${id}`, exact: true }).click();
  }
  await page
    .waitForFunction(() => document.querySelectorAll('.node-join.out').length === 9, null, {
      timeout: 120_000,
    })
    .catch(async (e) => {
      const opened = await page.evaluate(() => document.querySelectorAll('.node-join.out').length);
      throw new Error(`Only ${opened} of 9 modules opened within 120 s: ${e.message}`);
    });
  await page.getByRole('button', { name: 'Fit', exact: true }).click();
  await page.waitForTimeout(500);
  const nodeCount = await page.locator('.react-flow__node').count();
  const edgeCount = await page.locator('.react-flow__edge').count();
  await page.evaluate(() => {
    window.__frames = [];
    let last = performance.now();
    window.__recording = true;
    const tick = (t) => {
      window.__frames.push(t - last);
      last = t;
      if (window.__recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const box = await page.locator('.react-flow__pane').boundingBox();
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 12; i++) {
      await page.mouse.move(cx, cy);
      await page.mouse.wheel(0, -120);
      await page.waitForTimeout(16);
    }
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    for (let i = 0; i < 40; i++) {
      await page.mouse.move(cx - i * 12, cy - i * 6);
      await page.waitForTimeout(8);
    }
    await page.mouse.up();
    for (let i = 0; i < 12; i++) {
      await page.mouse.wheel(0, 120);
      await page.waitForTimeout(16);
    }
  }
  const frames = await page.evaluate(() => {
    window.__recording = false;
    return window.__frames.slice(2);
  });
  const f = stats(frames);
  const slow = frames.filter((x) => x > 20).length;

  print('Inception Explorer renderer, GoogLeNet, Chromium headless (software rendering), 1440×900');
  print(`Edit → numbers on screen (inception4c out_3x3, ${domStats.n} edits):`);
  print(
    `  until the total changed   median ${ms(domStats.median)}  p95 ${ms(domStats.p95)}  max ${ms(domStats.max)}   (target < 16 ms)`,
  );
  print(
    `  until the next frame      median ${ms(frameStats.median)}  p95 ${ms(frameStats.p95)}  max ${ms(frameStats.max)}`,
  );
  print(
    `  CPU time of the edit      median ${ms(cpuStats.median)}  p95 ${ms(cpuStats.p95)}  max ${ms(cpuStats.max)}   (thread time of the input event: analysis + render + commit)`,
  );
  print(
    `  machine load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores (wall times grow with it)`,
  );
  print(
    `Pan and zoom, all nine modules opened (${nodeCount} nodes, ${edgeCount} edges, ${f.n} frames):`,
  );
  print(
    `  frame interval            median ${ms(f.median)}  p95 ${ms(f.p95)}  max ${ms(f.max)}   ≈ ${(1000 / f.median).toFixed(0)} fps median; ${slow} frames over 20 ms`,
  );
} finally {
  await browser.close();
  await server.stop();
}
