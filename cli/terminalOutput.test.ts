/**
 * Issue 20, rule 7: text from outside (a design's name, module ids, file paths, an argument, the
 * keys and messages of a broken design file) reaches the terminal on one line, also inside output
 * that keeps the program's own line breaks, so it can never forge a line of its own, redraw one
 * with a carriage return, or send an escape sequence. Each command's output is split into lines and
 * no line may start with the forged text.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './main';
import type { CliIo } from './command';

function capture(): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    isTty: false,
    out: (s: string) => void (io.stdout += s),
    err: (s: string) => void (io.stderr += s),
  };
  return io;
}

/** What each hostile piece tries to print as a line of its own. */
const FORGED = 'FORGED: all checks passed';
/** Ways to start a new line, or overwrite the current one, on a terminal. */
const BREAKS = ['\n', '\r', '\r\n', '\u2028', '\u001bE', '\u001b[1A\u001b[2K', '\u0085'];

/** Nothing in the output starts a line with the forged text, and no raw control but the program's newlines is left. */
function expectNoForgedLine(text: string): void {
  for (const line of text.split('\n')) expect(line.startsWith(FORGED), line).toBe(false);
  expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
}

const tiny = {
  format: 'inception-explorer/design',
  version: 1,
  name: 'Tiny',
  preset: null,
  input: { batch: 1, channels: 3, height: 16, width: 16 },
  classes: 10,
  aux: false,
  modules: [
    { id: 'conv1', kind: 'conv2d', inputs: ['input'], params: { out_channels: 4, kernel: 3 } },
    { id: 'gap', kind: 'adaptiveAvgPool', inputs: ['conv1'], params: { output_size: 1 } },
    { id: 'fc', kind: 'linear', inputs: ['gap'], params: {} },
  ],
  outputs: { main: 'fc' },
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ie-terminal-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(BREAKS.map((b) => [JSON.stringify(b), b]))('a piece holding %s', (_shown, brk) => {
  const hostile = `x${brk}${FORGED}`;

  it("export: the design's name and the output path stay on the 'Wrote' line", async () => {
    const file = path.join(dir, `named${BREAKS.indexOf(brk)}.json`);
    await writeFile(file, JSON.stringify({ ...tiny, name: hostile }));
    const io = capture();
    const out = path.join(dir, `out${BREAKS.indexOf(brk)}${brk === '\n' ? '' : brk}.py`);
    expect(await main(['export', 'pytorch', file, '-o', out], io)).toBe(0);
    expect(io.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expectNoForgedLine(io.stderr);
    expect((await readFile(out, 'utf8')).length).toBeGreaterThan(0);
  });

  it("summary: a broken design file's keys and values stay inside their ✗ lines", async () => {
    const file = path.join(dir, `broken${BREAKS.indexOf(brk)}.json`);
    await writeFile(
      file,
      JSON.stringify({ ...tiny, [hostile]: 1, input: { ...tiny.input, batch: hostile } }),
    );
    const io = capture();
    expect(await main(['summary', file], io)).toBe(1);
    const lines = io.stderr.split('\n').filter(Boolean);
    expect(lines[0]).toMatch(/^inception-explorer summary: .* is not a valid design file:$/);
    for (const line of lines.slice(1)) expect(line).toMatch(/^ {2}✗ \[design\.schema\] /);
    expectNoForgedLine(io.stderr);
  });

  it('summary and diff: a missing file named with the piece stays on one line', async () => {
    const missing = path.join(dir, `missing${brk}${FORGED}.json`);
    for (const argv of [
      ['summary', missing],
      ['diff', missing, 'googlenet'],
    ]) {
      const io = capture();
      expect(await main(argv, io)).not.toBe(0);
      expect(io.stderr.split('\n').filter(Boolean), io.stderr).toHaveLength(1);
      expectNoForgedLine(io.stderr);
    }
  });

  it('an unknown option is quoted on the first line, and the usage follows as written', async () => {
    const io = capture();
    expect(await main(['summary', `--${hostile}`], io)).toBe(2);
    const [first, ...usage] = io.stderr.split('\n');
    expect(first).toMatch(/^inception-explorer summary: /);
    expect(usage.join('\n')).toContain('--preset NAME');
    expectNoForgedLine(io.stderr);
  });

  it('--set naming a module that is not there lists the modules on the same line', async () => {
    const io = capture();
    expect(await main(['summary', '--set', `${hostile}.out_3x3=3`], io)).toBe(2);
    expect(io.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expectNoForgedLine(io.stderr);
  });
});

it("run: the design's name heads the table on one line", async () => {
  const file = path.join(dir, 'run.json');
  await writeFile(file, JSON.stringify({ ...tiny, name: `Tiny\n${FORGED}\r${FORGED}` }));
  const io = capture();
  expect(await main(['run', file, '--seed', '1'], io)).toBe(0);
  expect(io.stdout.split('\n')[0]).toMatch(/^Tiny\\x0aFORGED: all checks passed\\x0dFORGED/);
  expectNoForgedLine(io.stdout);
  expectNoForgedLine(io.stderr);
}, 120_000);
