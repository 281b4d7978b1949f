/**
 * `train` on an image folder through the shared loop: per-class accuracy under the folder's class
 * names in each epoch's JSON, checkpoints in --out, --resume DIR continuing them, a progress bar on
 * a terminal, and a missing folder's code.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../command';
import { main } from '../main';

function capture(isTty = false): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    isTty,
    out(s: string) {
      io.stdout += s;
    },
    err(s: string) {
      io.stderr += s;
    },
  };
  return io;
}

const DESIGN = ['--preset', 'googlenet-torchvision', '--input', '1x32x32', '--no-aux'];
const COMMON = [...DESIGN, '--classes', '2', '--batch', '2', '--epochs', '2', '--backend', 'wasm'];

describe('train on an image folder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cli-train-'));
    for (const [cls, shade] of [
      ['dark', 30],
      ['light', 220],
    ] as const) {
      await mkdir(path.join(dir, 'images', cls), { recursive: true });
      for (let i = 0; i < 4; i++) {
        const png = new PNG({ width: 20, height: 20 });
        for (let p = 0; p < png.data.length; p++) png.data[p] = p % 4 === 3 ? 255 : shade + i;
        await writeFile(path.join(dir, 'images', cls, `${i}.png`), PNG.sync.write(png));
      }
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes checkpoints to --out and continues one with --resume DIR', async () => {
    const out = path.join(dir, 'out');
    const images = path.join(dir, 'images');
    const first = capture();
    const args = ['train', ...COMMON, '--data', images, '--validation-fraction', '0.25'];
    expect(await main([...args, '--steps', '2', '--out', out, '--json'], first), first.stderr).toBe(
      0,
    );
    const lines = first.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const final = lines.at(-1);
    expect(final).toMatchObject({ final: true, ok: true, steps: 2, cancelled: false });
    expect(Object.keys(lines[0].validation.perClass)).toEqual(['dark', 'light']);
    expect(lines[0].validation.count).toBe(2);
    expect(final.checkpoint.startsWith(out)).toBe(true);
    expect(await readdir(final.checkpoint)).toContain('optimizer.safetensors');

    const tty = capture(true);
    const resumed = [...args, '--steps', '4', '--out', out, '--resume', final.checkpoint];
    expect(await main(resumed, tty), tty.stderr).toBe(0);
    expect(tty.stdout).toMatch(/Resumed at step 2/);
    expect(tty.stdout).toMatch(/epoch 2: .*top-1/);
    expect(tty.stdout).toMatch(/per class: dark .* %, light .* %/);
    expect(tty.stderr).toMatch(/\[#+\.*\] epoch 2 step 4\/4/);
  }, 240_000);

  it('names a missing folder with its code', async () => {
    const io = capture();
    expect(await main(['train', ...COMMON, '--data', path.join(dir, 'nowhere')], io)).toBe(1);
    expect(io.stderr).toMatch(/\[data\.missing\] The image folder .*nowhere does not exist/);
  });
});
