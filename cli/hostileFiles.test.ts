/**
 * Every path the command line reads (a design FILE, --weights, --image) given a named pipe, a
 * character device (/dev/zero), a folder, an oversized picture, a damaged picture, and weights
 * holding NaN, infinities and negative variances: each is refused or reported in words, at once,
 * never hangs and never reads without a bound.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { main } from './main';
import type { CliIo } from './command';
import {
  float32Values,
  int64Values,
  parseSafetensors,
  writeSafetensors,
  type TensorToWrite,
} from '../node/engine/safetensors';

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

const tiny = {
  format: 'inception-explorer/design',
  version: 1,
  name: 'Tiny',
  preset: null,
  input: { batch: 1, channels: 3, height: 32, width: 32 },
  classes: 10,
  aux: false,
  modules: [
    {
      id: 'conv1',
      kind: 'convBlock',
      inputs: ['input'],
      params: { out_channels: 8, kernel: 3, stride: 2, padding: 1 },
    },
    { id: 'gap', kind: 'adaptiveAvgPool', inputs: ['conv1'], params: { output_size: 1 } },
    { id: 'fc', kind: 'linear', inputs: ['gap'], params: {} },
  ],
  outputs: { main: 'fc' },
};

/** A PNG that says it is width × height in its header (CRC fixed), with a tiny body. */
function pngClaiming(width: number, height: number): Buffer {
  const p = new PNG({ width: 2, height: 2 });
  p.data.fill(255);
  const b = Buffer.from(PNG.sync.write(p));
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  let c = ~0;
  for (const byte of b.subarray(12, 29)) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  b.writeInt32BE(~c, 29);
  return b;
}

let dir = '';
let design = '';
let fifo = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cli-hostile-'));
  design = path.join(dir, 'tiny.json');
  await writeFile(design, JSON.stringify(tiny));
  fifo = path.join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('special files for every path the command line reads', () => {
  const kinds = [
    ['a named pipe', () => fifo, /named pipe \(FIFO\)/],
    ['a character device', () => '/dev/zero', /character device/],
    ['a folder', () => dir, /is a folder/],
  ] as const;

  it.each(kinds)('a design FILE that is %s', async (_what, target, message) => {
    const io = capture();
    expect(await main(['summary', target()], io)).toBe(1);
    expect(io.stderr).toMatch(message);
  });

  it.each(kinds)(
    '--weights that is %s',
    async (_what, target, message) => {
      const io = capture();
      expect(await main(['run', design, '--weights', target(), '--backend', 'cpu'], io)).toBe(1);
      expect(io.stderr).toMatch(message);
    },
    60_000,
  );

  it.each(kinds)(
    '--image that is %s',
    async (_what, target, message) => {
      const io = capture();
      expect(await main(['run', design, '--image', target(), '--backend', 'cpu'], io)).toBe(1);
      expect(io.stderr).toMatch(message);
    },
    60_000,
  );
});

describe('pictures', () => {
  it('refuses a small PNG or JPEG that would decode to 20000×20000 pixels, before decoding it', async () => {
    const bomb = path.join(dir, 'bomb.png');
    await writeFile(bomb, pngClaiming(20000, 20000));
    const io = capture();
    expect(await main(['run', design, '--image', bomb, '--backend', 'cpu'], io)).toBe(1);
    expect(io.stderr).toContain(
      'bomb.png is 20,000×20,000 pixels (400 megapixels); images are at most 40 megapixels.',
    );
    const cat = await readFile(
      path.join(import.meta.dirname, '..', 'assets', 'samples', 'cat.jpg'),
    );
    // Patch the first start-of-frame marker's height and width.
    const jpg = Buffer.from(cat);
    for (let i = 2; i < jpg.length - 9;) {
      const marker = jpg[i + 1];
      if (marker >= 0xc0 && marker <= 0xc3) {
        jpg.writeUInt16BE(20000, i + 5);
        jpg.writeUInt16BE(20000, i + 7);
        break;
      }
      i += 2 + jpg.readUInt16BE(i + 2);
    }
    const big = path.join(dir, 'big.jpg');
    await writeFile(big, jpg);
    const j = capture();
    expect(await main(['run', design, '--image', big, '--backend', 'cpu'], j)).toBe(1);
    expect(j.stderr).toContain('big.jpg is 20,000×20,000 pixels');
  }, 60_000);

  it('says a damaged PNG or JPEG is damaged, in its own words', async () => {
    const cut = path.join(dir, 'cut.png');
    const p = new PNG({ width: 64, height: 64 });
    p.data.fill(90);
    const whole = PNG.sync.write(p);
    await writeFile(cut, whole.subarray(0, whole.length - 30));
    const io = capture();
    expect(await main(['run', design, '--image', cut, '--backend', 'cpu'], io)).toBe(1);
    expect(io.stderr).toMatch(
      /cut\.png looks like a PNG image but could not be decoded: the file is damaged or cut off \(PNG decoder: .+\)\./,
    );
    const cat = await readFile(
      path.join(import.meta.dirname, '..', 'assets', 'samples', 'cat.jpg'),
    );
    const broken = path.join(dir, 'broken.jpg');
    await writeFile(broken, Buffer.concat([cat.subarray(0, 200), Buffer.alloc(300, 0xff)]));
    const j = capture();
    expect(await main(['run', design, '--image', broken, '--backend', 'cpu'], j)).toBe(1);
    expect(j.stderr).toMatch(
      /broken\.jpg looks like a JPEG image but could not be decoded: the file is damaged or cut off/,
    );
  }, 60_000);
});

describe('weights that are not numbers', () => {
  it('warns, naming the tensors, and reports outputs that are not finite instead of a top-5', async () => {
    const out = path.join(dir, 'dump');
    expect(
      await main(['run', design, '--backend', 'cpu', '--dump', out, '--json'], capture()),
    ).toBe(0);
    const parsed = parseSafetensors(await readFile(path.join(out, 'weights.safetensors')));
    if (!parsed.ok) throw new Error(parsed.error.message);
    const tensors = new Map<string, TensorToWrite>();
    for (const [key, t] of parsed.value.tensors) {
      const data = t.dtype === 'F32' ? float32Values(t).slice() : int64Values(t).slice();
      if (key === 'conv1.conv.weight') (data as Float32Array)[0] = Number.NaN;
      if (key === 'fc.bias') (data as Float32Array)[3] = Number.POSITIVE_INFINITY;
      if (key === 'conv1.batchnorm.running_var') (data as Float32Array)[2] = -1;
      tensors.set(key, { dtype: t.dtype as 'F32' | 'I64', shape: t.shape, data } as TensorToWrite);
    }
    const bad = path.join(dir, 'bad.safetensors');
    await writeFile(bad, writeSafetensors(tensors));
    const io = capture();
    expect(await main(['run', design, '--weights', bad, '--backend', 'cpu', '--json'], io)).toBe(0);
    const r = JSON.parse(io.stdout) as {
      warnings: string[];
      top5: Record<string, unknown>;
      stats: Record<string, { mean: number | null }>;
    };
    const text = r.warnings.join('\n');
    expect(text).toMatch(
      /hold NaN or infinite values in 2 tensors: conv1\.conv\.weight \(1 of 216\) and fc\.bias \(1 of 10\)/,
    );
    expect(text).toMatch(
      /negative batch-norm variances in conv1\.batchnorm\.running_var \(1 values\)/,
    );
    expect(text).toMatch(
      /The main output holds 10 values that are not finite \(NaN or ±Inf\) of 10, so it has no top-5 classes/,
    );
    expect(r.top5).toEqual({});
  }, 120_000);
});

describe('unbounded work', () => {
  it('refuses a PNG of billions of pixels before drawing it, and writes nothing', async () => {
    const modules: unknown[] = [
      {
        id: 'conv1',
        kind: 'convBlock',
        inputs: ['input'],
        params: { out_channels: 8, kernel: 3, stride: 1, padding: 1 },
      },
    ];
    for (let i = 0; i < 600; i++)
      modules.push({
        id: `m${i}`,
        kind: 'convBlock',
        inputs: [i ? `m${i - 1}` : 'conv1'],
        params: { out_channels: 8, kernel: 3, stride: 1, padding: 1 },
      });
    modules.push(
      { id: 'gap', kind: 'adaptiveAvgPool', inputs: ['m599'], params: { output_size: 1 } },
      { id: 'fc', kind: 'linear', inputs: ['gap'], params: {} },
    );
    const big = path.join(dir, 'long.json');
    await writeFile(big, JSON.stringify({ ...tiny, name: 'Long', modules }));
    const io = capture();
    const png = path.join(dir, 'long.png');
    expect(await main(['export', 'png', big, '-o', png, '--scale', '4'], io)).toBe(1);
    expect(io.stderr).toMatch(
      /the picture would be [\d,]+×[\d,]+ pixels \(\d+ megapixels\) at scale 4; PNG pictures are at most 64 megapixels/,
    );
    await expect(readFile(png)).rejects.toThrow();
  }, 60_000);

  it('refuses more engine workers than the machine has cores', async () => {
    const io = capture();
    expect(await main(['bench', design, '--workers', '200'], io)).toBe(2);
    expect(io.stderr).toMatch(
      /--workers 200 is more than this machine can run side by side: .+ at most \d+ here/,
    );
  });
});
