/**
 * Trained-weights parity, end to end: checkpoints saved the way each reference library saves and
 * names them (tools/torch/make_reference_checkpoints.py: torchvision's zip and legacy pickles, a
 * DataParallel `module.` checkpoint, timm's safetensors and names, Cadene's legacy 1001-class
 * files), with batch-norm statistics calibrated on real photos so the output depends on the input,
 * are run by the command line on the cat photo (`run --preset P --weights F --image cat.jpg
 * --dump DIR`), and the logits are compared with the reference network loaded by its own library
 * (tools/torch/reference_logits.py) on the input the app dumped: within 1e-4 of their largest
 * magnitude (or 4 × PyTorch's own float32 error on the case, where that is larger). For torchvision's networks the reference runs transform_input=True on ImageNet-
 * normalized input, as torchvision's pretrained pipeline does; the app folds that rescaling into
 * its photo preparation, so the dumped input is turned back first.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { parseSafetensors, float32Values } from '../../node/engine/safetensors';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const ROOT = path.resolve(import.meta.dirname, '../..');
const CAT = path.join(ROOT, 'assets/samples/cat.jpg');
const hasTorch = await run(PYTHON, ['-c', 'import torch, torchvision'])
  .then(() => true)
  .catch(() => false);

interface Case {
  readonly file: string;
  readonly preset: string;
  /** torchvision's pretrained pipeline: transform_input on ImageNet-normalized input. */
  readonly torchvision?: boolean;
  /** Words the run's notes must hold (what the key mapping did). */
  readonly notes: readonly RegExp[];
}

const CASES: readonly Case[] = [
  {
    file: 'googlenet-torchvision.pth',
    preset: 'googlenet-torchvision',
    torchvision: true,
    notes: [/transform_input/],
  },
  {
    file: 'googlenet-torchvision-legacy.pth',
    preset: 'googlenet-torchvision',
    torchvision: true,
    notes: [/transform_input/],
  },
  {
    file: 'inception-v3-dataparallel.pth',
    preset: 'inception-v3',
    torchvision: true,
    notes: [/`module\.`/, /transform_input/],
  },
  { file: 'inception-v4-timm.safetensors', preset: 'inception-v4', notes: [/bicubic/] },
  { file: 'inception-v4-cadene-1001.pth', preset: 'inception-v4', notes: [/1001/] },
  { file: 'inception-resnet-v2-timm.pth', preset: 'inception-resnet-v2', notes: [] },
  {
    file: 'inception-resnet-v2-cadene-1001.pth',
    preset: 'inception-resnet-v2',
    notes: [/1001/, /last_linear/],
  },
  { file: 'bn-inception-cadene.pth', preset: 'bn-inception', notes: [/BGR/] },
];

let dir = '';
beforeAll(async () => {
  if (!hasTorch) return;
  dir = mkdtempSync(path.join(tmpdir(), 'reference-checkpoints-'));
  // Every file at once: one Python start, about 1–2 minutes on two cores.
  await run(PYTHON, [path.join(ROOT, 'tools/torch/make_reference_checkpoints.py'), dir], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
}, 600_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s), isTty: false });
  return { code, out, err };
}

describe.skipIf(!hasTorch)('reference checkpoints give the reference library’s logits', () => {
  it.each(CASES.map((c) => [c.file, c] as const))('%s', async (_, c) => {
    const checkpoint = path.join(dir, c.file);
    expect(existsSync(checkpoint)).toBe(true);
    const dump = mkdtempSync(path.join(dir, 'dump-'));
    const r = await cli(
      'run',
      '--preset',
      c.preset,
      '--weights',
      checkpoint,
      '--image',
      CAT,
      '--dump',
      dump,
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out) as {
      untrainedWeights: boolean;
      warnings: string[];
      weights?: { loaded: number; total: number; reinitialized: string[]; notes: string[] };
    };
    expect(result.untrainedWeights).toBe(false);
    expect(result.weights).toBeDefined();
    if (!result.weights) return;
    // Every tensor of the design came from the file.
    expect(result.weights.loaded).toBe(result.weights.total);
    expect(result.weights.reinitialized).toEqual([]);
    const notes = [...result.weights.notes, ...result.warnings].join('\n');
    for (const pattern of c.notes) expect(notes, c.file).toMatch(pattern);

    const args = [
      path.join(ROOT, 'tools/torch/reference_logits.py'),
      '--preset',
      c.preset,
      '--checkpoint',
      checkpoint,
      '--input',
      path.join(dump, 'input.safetensors'),
      ...(c.torchvision ? ['--transform-input', '--from-half-range'] : []),
    ];
    const ref = JSON.parse(
      (await run(PYTHON, args, { cwd: ROOT, maxBuffer: 64 << 20 })).stdout,
    ) as {
      logits: number[][];
      float32Error: number;
    };
    const outputs = parseSafetensors(readFileSync(path.join(dump, 'outputs.safetensors')), 'out');
    expect(outputs.ok).toBe(true);
    if (!outputs.ok) return;
    const got = float32Values(outputs.value.tensors.get('main')!);
    const want = ref.logits.flat();
    expect(got.length).toBe(want.length);
    const scale = Math.max(...want.map(Math.abs));
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    // 1e-4 of the largest logit, or 4 × PyTorch's own float32 error where a deep network's
    // rounding is larger than that (as in node/engine/familyParity.test.ts).
    const bound = Math.max(1e-4, 4 * ref.float32Error) * scale;
    expect(
      worst,
      `${c.file}: max |Δ| ${worst} of max |logit| ${scale} (PyTorch's float32 error ${ref.float32Error})`,
    ).toBeLessThanOrEqual(bound);
    // Calibrated statistics: the logits are not flat, so agreeing means something.
    const spread = Math.max(...want) - Math.min(...want);
    expect(spread).toBeGreaterThan(0.1 * scale);
  });
});
