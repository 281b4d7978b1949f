/** The run and bench commands end to end (real worker threads on WebAssembly), on a small design. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main';
import type { CliIo } from '../command';
import { parseSafetensors } from '../../node/engine/safetensors';
import { analyze } from '../../core/analysis/analyze';
import { presetDesign } from '../../core/presets';
import { seededStateDict, stateDictToSafetensors } from '../../node/engine/weights';

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

const design = {
  format: 'inception-explorer/design',
  version: 1,
  name: 'Tiny',
  preset: null,
  input: { batch: 2, channels: 3, height: 32, width: 32 },
  classes: 1000,
  aux: true,
  modules: [
    {
      id: 'conv1',
      kind: 'convBlock',
      inputs: ['input'],
      params: { out_channels: 8, kernel: 3, stride: 2, padding: 1 },
    },
    {
      id: 'inc',
      kind: 'inception',
      inputs: ['conv1'],
      params: { out_1x1: 4, red_3x3: 4, out_3x3: 4, red_5x5: 2, out_5x5: 2, out_1x1pool: 2 },
    },
    {
      id: 'aux1',
      kind: 'auxHead',
      inputs: ['inc'],
      params: { pool: 'adaptive', pool_size: 2, in_size: 2, conv_out: 4, hidden: 8 },
      aux: true,
    },
    { id: 'gap', kind: 'adaptiveAvgPool', inputs: ['inc'], params: { output_size: 1 } },
    { id: 'fc', kind: 'linear', inputs: ['gap'], params: {} },
  ],
  outputs: { main: 'fc', aux1: 'aux1' },
};

let dir = '';
let file = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cli-run-'));
  file = path.join(dir, 'tiny.json');
  await writeFile(file, JSON.stringify(design));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('inception-explorer run', () => {
  it('prints the documented JSON: backend, output shapes, modules with measured and expected shapes, total time', async () => {
    const io = capture();
    expect(await main(['run', file, '--mode', 'train', '--backend', 'wasm', '--json'], io)).toBe(0);
    const out = JSON.parse(io.stdout);
    expect(out.backend).toBe('wasm');
    expect(out.outputs).toEqual({ main: [2, 1000], aux1: [2, 1000] });
    expect(out.modules.map((m: { id: string }) => m.id)).toEqual([
      'conv1',
      'inc',
      'aux1',
      'gap',
      'fc',
    ]);
    for (const m of out.modules) {
      expect(m.shape).toEqual(m.expectedShape);
      expect(Number.isFinite(m.ms) && m.ms >= 0, `ms of ${m.id}: ${m.ms}`).toBe(true);
    }
    expect(out.modules[1].shape).toEqual([2, 12, 16, 16]);
    // The pass's time includes each module's: no module took longer than the whole run.
    expect(out.totalMs).toBeGreaterThanOrEqual(
      Math.max(...out.modules.map((m: { ms: number }) => m.ms)),
    );
    expect(out.untrainedWeights).toBe(true);
    expect(out.top5.main).toHaveLength(5);
    expect(io.stderr).toBe('');
  });

  it('prints a table, with a progress bar only on a terminal', async () => {
    const tty = capture(true);
    expect(await main(['run', file, '--backend', 'wasm'], tty)).toBe(0);
    expect(tty.stdout).toContain('backend wasm');
    expect(tty.stdout).toMatch(/inc\s+2×12×16×16\s+ok/);
    expect(tty.stdout).toContain('untrained weights: meaningless');
    expect(tty.stderr).toContain('4/4'); // eval mode runs the 4 modules of the main path
    const pipe = capture(false);
    expect(await main(['run', file, '--backend', 'wasm'], pipe)).toBe(0);
    expect(pipe.stderr).toBe('');
  });

  it('--dump writes weights, input and outputs as safetensors with PyTorch names', async () => {
    const out = path.join(dir, 'dump');
    const io = capture();
    expect(
      await main(
        [
          'run',
          file,
          '--mode',
          'train',
          '--no-dropout',
          '--seed',
          '4',
          '--backend',
          'wasm',
          '--dump',
          out,
          '--json',
        ],
        io,
      ),
    ).toBe(0);
    const read = async (name: string) => {
      const r = parseSafetensors(await readFile(path.join(out, name)), name);
      if (!r.ok) throw new Error(r.error.message);
      return r.value.tensors;
    };
    const weights = await read('weights.safetensors');
    expect(weights.get('conv1.conv.weight')).toMatchObject({ dtype: 'F32', shape: [8, 3, 3, 3] });
    expect(weights.get('inc.branch2.1.batchnorm.running_mean')).toMatchObject({
      dtype: 'F32',
      shape: [4],
    });
    expect(weights.get('aux1.fc2.bias')).toMatchObject({ dtype: 'F32', shape: [1000] });
    expect(weights.get('conv1.batchnorm.num_batches_tracked')).toMatchObject({
      dtype: 'I64',
      shape: [],
    });
    expect((await read('input.safetensors')).get('input')).toMatchObject({
      dtype: 'F32',
      shape: [2, 3, 32, 32],
    });
    const outputs = await read('outputs.safetensors');
    expect([...outputs.keys()].sort()).toEqual(['aux1', 'main']);
    expect(outputs.get('main')).toMatchObject({ dtype: 'F32', shape: [2, 1000] });

    // The dumped weights load back and give the same outputs.
    const again = capture();
    expect(
      await main(
        [
          'run',
          file,
          '--mode',
          'train',
          '--no-dropout',
          '--seed',
          '4',
          '--weights',
          path.join(out, 'weights.safetensors'),
          '--backend',
          'wasm',
          '--dump',
          path.join(dir, 'dump2'),
          '--json',
        ],
        again,
      ),
    ).toBe(0);
    expect(JSON.parse(again.stdout).untrainedWeights).toBe(false);
    const second = parseSafetensors(await readFile(path.join(dir, 'dump2', 'outputs.safetensors')));
    if (!second.ok) throw new Error(second.error.message);
    expect(
      Buffer.from(second.value.tensors.get('main')!.bytes).equals(
        Buffer.from(outputs.get('main')!.bytes),
      ),
    ).toBe(true);
  });

  it('runs on photos: the batch is the number of images', async () => {
    const io = capture();
    const samples = path.join(
      path.dirname(new URL(import.meta.url).pathname),
      '..',
      '..',
      'assets',
      'samples',
    );
    expect(
      await main(
        [
          'run',
          file,
          '--image',
          path.join(samples, 'cat.jpg'),
          '--image',
          path.join(samples, 'coffee.jpg'),
          '--image',
          path.join(samples, 'rocket.jpg'),
          '--backend',
          'wasm',
          '--json',
        ],
        io,
      ),
    ).toBe(0);
    expect(JSON.parse(io.stdout).outputs.main).toEqual([3, 1000]);
  });

  it('runs Inception v3 at 224×224 in eval mode and says the aux head is off the eval path; train mode refuses it', async () => {
    const evalRun = capture();
    const args = ['run', '--preset', 'inception-v3', '--input', '3x224x224', '--batch', '1'];
    expect(await main([...args, '--mode', 'eval', '--json'], evalRun)).toBe(0);
    const r = JSON.parse(evalRun.stdout);
    expect(r.outputs).toEqual({ main: [1, 1000] });
    expect(r.modules.map((m: { id: string }) => m.id)).not.toContain('AuxLogits');
    expect(r.modules.every((m: { match: boolean }) => m.match)).toBe(true);
    const note = r.warnings.find((w: string) => w.startsWith('AuxLogits is off the eval path'));
    expect(note).toContain('in conv1.conv, the 5×5 kernel does not fit its 3×3 input');
    const table = capture();
    expect(await main([...args, '--mode', 'eval'], table)).toBe(0);
    expect(table.stdout).toContain(
      'note: AuxLogits is off the eval path (an aux head, which only train mode runs)',
    );
    const train = capture();
    expect(await main([...args, '--mode', 'train'], train)).toBe(1);
    expect(train.stderr).toContain(
      '[shape.collapsed] AuxLogits: in conv1.conv, the 5×5 kernel does not fit',
    );
    expect(train.stderr).toContain(
      'Train mode runs every module, aux heads included, so AuxLogits must fit too',
    );
  });

  it('names bad arguments (exit 2), invalid designs and failed runs (exit 1)', async () => {
    const mode = capture();
    expect(await main(['run', file, '--mode', 'predict'], mode)).toBe(2);
    expect(mode.stderr).toContain('--mode must be eval or train; got "predict"');
    const seed = capture();
    expect(await main(['run', file, '--seed', '1.5'], seed)).toBe(2);
    expect(seed.stderr).toContain('--seed must be a whole number');
    const backend = capture();
    expect(await main(['run', file, '--backend', 'gpu'], backend)).toBe(2);
    expect(backend.stderr).toContain('--backend must be one of onnxruntime, tensorflow, wasm, cpu');
    const invalid = capture();
    expect(await main(['run', '--preset', 'googlenet', '--input', '3x64x64'], invalid)).toBe(1);
    expect(invalid.stderr).toContain('avgpool');
    const weights = capture();
    expect(
      await main(
        ['run', file, '--weights', path.join(dir, 'missing.safetensors'), '--backend', 'wasm'],
        weights,
      ),
    ).toBe(1);
    expect(weights.stderr).toContain('missing.safetensors does not exist');
  });
});

describe('inception-explorer bench', () => {
  it("--json prints backend, batch, ms per image, images per second and GMAC/s per case, and PyTorch's best setting", async () => {
    const io = capture();
    expect(
      await main(
        [
          'bench',
          file,
          '--batch',
          '1,2',
          '--backend',
          'onnxruntime,wasm',
          '--runs',
          '2',
          '--warmup',
          '1',
          '--json',
        ],
        io,
      ),
    ).toBe(0);
    const { results, pytorch, skipped } = JSON.parse(io.stdout) as {
      results: Record<string, number | string>[];
      pytorch: {
        torch: string;
        best: { batch: number; setting: string; msPerImage: number; gmacPerSecond: number }[];
      } | null;
      skipped: { backend: string; reason: string }[];
    };
    expect(results.map((r) => [r.backend, r.batch, r.workers])).toEqual([
      ['onnxruntime', 1, 1],
      ['onnxruntime', 2, 1],
      ['wasm', 1, 1],
      ['wasm', 2, 2],
    ]);
    if (pytorch) {
      expect(pytorch.best.map((b) => b.batch)).toEqual([1, 2]);
      for (const b of pytorch.best)
        expect(b.msPerImage > 0 && b.gmacPerSecond > 0 && /threads/.test(b.setting)).toBe(true);
    } else {
      expect(skipped.find((s) => s.backend === 'pytorch')?.reason).toMatch(
        /PyTorch could not be measured/,
      );
    }
    for (const r of results) {
      expect(r.msPerImage).toBeGreaterThan(0);
      expect(r.imagesPerSecond).toBeCloseTo(1000 / (r.msPerImage as number), 0);
      expect(r.gmacPerSecond).toBeGreaterThan(0);
    }
  });

  it('rejects a malformed batch list', async () => {
    const io = capture();
    expect(await main(['bench', '--batch', '1,x'], io)).toBe(2);
    expect(io.stderr).toContain('--batch must be a comma-separated list');
  });
});

describe('run --ablate / --keep-top-filters', () => {
  it('reads MODULE.BRANCH (the branch after the last dot) and LAYER=K, and says what is malformed', async () => {
    const { ablationsFromArgs } = await import('./run');
    expect(ablationsFromArgs(['features.7.branch1'], ['inception4c.branch2.1.conv=32'])).toEqual([
      { kind: 'branchOff', module: 'features.7', branch: 'branch1' },
      { kind: 'topFilters', layer: 'inception4c.branch2.1.conv', keep: 32 },
    ]);
    expect(ablationsFromArgs(['inception4c'], [])).toContain('--ablate takes MODULE.BRANCH');
    expect(ablationsFromArgs([], ['conv=-1'])).toContain('--keep-top-filters takes LAYER=K');
  });
});

describe('run --json when the weights do not fit', () => {
  it('prints one JSON object with the error and every tensor that does not fit, in full', async () => {
    const graph = analyze(presetDesign('googlenet-paper')!).graph;
    const file = path.join(dir, 'paper-1000.safetensors');
    await writeFile(file, stateDictToSafetensors(seededStateDict(graph, 3), graph));
    const io = capture();
    const code = await main(
      ['run', '--preset', 'googlenet-paper', '--classes', '10', '--weights', file, '--json'],
      io,
    );
    expect(code).toBe(1);
    const out = JSON.parse(io.stdout) as {
      ok: boolean;
      error: { code: string };
      weights: {
        unmapped: { key: string; reason: string; fileShape: number[] }[];
        unused: string[];
      };
    };
    expect(out.ok).toBe(false);
    expect(out.error.code).toMatch(/^weights\./);
    // Every classifier of the paper's network (main and the two aux heads): weights and biases.
    expect(out.weights.unmapped.map((u) => u.key).sort()).toEqual(
      [
        'loss1_classifier.bias',
        'loss1_classifier.weight',
        'loss2_classifier.bias',
        'loss2_classifier.weight',
        'loss3_classifier.bias',
        'loss3_classifier.weight',
      ].sort(),
    );
    expect(
      out.weights.unmapped.every((u) => u.reason === 'classes' && u.fileShape[0] === 1000),
    ).toBe(true);
  });
});
