/**
 * The ONNX Runtime trainer: its training-step graph passes onnx.checker (python3-onnx), it trains
 * (loss falls on a repeated batch, running statistics and the batch counter move, a smaller last
 * batch works), its optimizer state resumes exactly, a non-finite loss stops it without touching
 * the weights, and a design holding a kind it cannot train falls back to TF.js naming the kind.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze } from '../../../core/analysis/analyze';
import { setAux, setClasses } from '../../../core/design/edit';
import { onnxTrainStep } from '../../../core/export/onnxTrainStep';
import type { Design } from '../../../core/model/types';
import { presetDesign, presetNames } from '../../../core/presets';
import { randomInput } from '../../../core/weights/init';
import { seededStateDict } from '../weights';
import { createBestTrainer } from './engines';
import { createOrtTrainer } from './ortTrainer';
import type { Batch, TrainerOptions } from './trainer';

const PYTHON = '/usr/bin/python3';
const hasOnnx =
  existsSync(PYTHON) &&
  (() => {
    try {
      execFileSync(PYTHON, ['-c', 'import onnx'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

const base: TrainerOptions = {
  optimizer: 'sgd',
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 1e-4,
  auxWeight: 0.3,
  dropout: true,
  seed: 0,
  schedule: 'constant',
};

function small(preset: string, aux: boolean, input: [number, number, number], batch = 4): Design {
  const d = setClasses(setAux(presetDesign(preset)!, aux), 10);
  return { ...d, input: { batch, channels: input[0], height: input[1], width: input[2] } };
}

const batchOf = (n: number, shape: [number, number, number], seed = 1): Batch => ({
  input: randomInput([n, ...shape], seed),
  target: Int32Array.from({ length: n }, (_, i) => (i * 3) % 10),
  n,
});

describe.skipIf(!hasOnnx)('the training-step graph', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ort-step-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['sgd', 'adam'] as const)(
    'passes onnx.checker with full checks (%s, GoogLeNet torchvision, aux heads, dropout)',
    (optimizer) => {
      const design = small('googlenet-torchvision', true, [3, 64, 64], 8);
      const step = onnxTrainStep(design, analyze(design), {
        batch: 8,
        optimizer,
        momentum: 0.9,
        weightDecay: 1e-4,
        auxWeight: 0.3,
        dropout: true,
      });
      if (!step.ok) throw new Error(step.error.message);
      expect(step.value.heads.map((h) => h.name)).toEqual(['main', 'aux1', 'aux2']);
      expect(step.value.masks.map((m) => m.layer)).toEqual([
        'aux1.dropout',
        'aux2.dropout',
        'dropout',
      ]);
      const file = join(dir, `${optimizer}.onnx`);
      writeFileSync(file, step.value.bytes);
      const said = execFileSync(
        PYTHON,
        [
          '-c',
          'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True); print("ok")',
          file,
        ],
        { encoding: 'utf8', timeout: 120_000 },
      );
      expect(said.trim()).toBe('ok');
    },
    180_000,
  );
});

describe.skipIf(!hasOnnx)('every preset ONNX Runtime can train', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ort-presets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds a training step that passes onnx.checker (residual tails, factorized convs, avg pools)', () => {
    const files: string[] = [];
    for (const p of presetNames) {
      const design = { ...presetDesign(p)!, input: { ...presetDesign(p)!.input, batch: 2 } };
      const analysis = analyze(design);
      const step = onnxTrainStep(design, analysis, {
        batch: 2,
        optimizer: 'adam',
        momentum: 0,
        weightDecay: 0,
        auxWeight: 0.3,
        dropout: true,
      });
      if (p === 'googlenet-paper') {
        expect(!step.ok && step.error.code).toBe('train.onnx');
        continue;
      }
      if (!step.ok) throw new Error(`${p}: ${step.error.message}`);
      const file = join(dir, `${p}.onnx`);
      writeFileSync(file, step.value.bytes);
      files.push(file);
    }
    expect(files.length).toBe(presetNames.length - 1);
    const said = execFileSync(
      PYTHON,
      [
        '-c',
        'import onnx,sys\nfor f in sys.argv[1:]: onnx.checker.check_model(onnx.load(f), full_check=True)\nprint("ok")',
        ...files,
      ],
      { encoding: 'utf8', timeout: 300_000 },
    );
    expect(said.trim()).toBe('ok');
  }, 400_000);
});

describe('the ONNX Runtime trainer', () => {
  const shape: [number, number, number] = [1, 32, 32];
  const design = small('googlenet-torchvision', true, shape);
  const analysis = analyze(design);
  const init = seededStateDict(analysis.graph, 0);

  it('lowers the loss on a repeated batch, moves running statistics and counts batches', async () => {
    const made = await createOrtTrainer(design, analysis, init, { ...base, dropout: false });
    if (!made.ok) throw new Error(made.error.message);
    const t = made.value;
    const batch = batchOf(4, shape);
    const losses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await t.step(batch);
      if (!r.ok) throw new Error(r.error.message);
      expect(Object.keys(r.value.losses)).toEqual(['main', 'aux1', 'aux2']);
      losses.push(r.value.loss);
    }
    expect(losses[4]).toBeLessThan(losses[0]);
    const sd = t.stateDict();
    expect(sd.get('conv1.bn.num_batches_tracked')![0]).toBe(5);
    expect(sd.get('conv1.bn.running_mean')!.some((v) => v !== 0)).toBe(true);
    expect(sd.get('fc.weight')).not.toEqual(init.get('fc.weight'));
    // A smaller last batch opens a step graph of its own.
    const r = await t.step(batchOf(3, shape, 2));
    expect(r.ok && r.value.step).toBe(6);
    const ev = await t.evaluate([batch]);
    expect(ev.count).toBe(4);
    expect(ev.predictions.length).toBe(4);
    expect(Number.isFinite(ev.loss)).toBe(true);
    t.dispose();
  }, 180_000);

  it('resumes exactly from its optimizer state (Adam)', async () => {
    const options = { ...base, optimizer: 'adam' as const, lr: 1e-3, dropout: false };
    const a = await createOrtTrainer(design, analysis, init, options);
    if (!a.ok) throw new Error(a.error.message);
    await a.value.step(batchOf(4, shape, 1));
    await a.value.step(batchOf(4, shape, 2));
    const state = a.value.optimizerState();
    expect(state.step).toBe(2);
    expect(Object.keys(state.slots.get('fc.weight')!)).toEqual(['exp_avg', 'exp_avg_sq']);
    const b = await createOrtTrainer(design, analysis, a.value.stateDict(), options);
    if (!b.ok) throw new Error(b.error.message);
    expect(b.value.loadOptimizerState(state)).toEqual({ ok: true, value: undefined });
    const ra = await a.value.step(batchOf(4, shape, 3));
    const rb = await b.value.step(batchOf(4, shape, 3));
    expect(ra.ok && rb.ok && rb.value.loss === ra.value.loss).toBe(true);
    expect(b.value.stateDict().get('fc.weight')).toEqual(a.value.stateDict().get('fc.weight'));
    const wrong = b.value.loadOptimizerState({
      step: 1,
      slots: new Map([['fc.weight', { exp_avg: new Float32Array(3) }]]),
    });
    expect(!wrong.ok && wrong.error.code).toBe('train.resume');
    a.value.dispose();
    b.value.dispose();
  }, 180_000);

  it('stops on a non-finite loss naming the step, and leaves the weights as they were', async () => {
    const made = await createOrtTrainer(design, analysis, init, base);
    if (!made.ok) throw new Error(made.error.message);
    const t = made.value;
    const bad = batchOf(4, shape);
    bad.input[5] = Infinity;
    const r = await t.step(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('train.nonFinite');
      expect(r.error.message).toMatch(/at step 1/);
    }
    expect(t.stateDict().get('conv1.conv.weight')).toEqual(init.get('conv1.conv.weight'));
    expect(t.stateDict().get('conv1.bn.num_batches_tracked')![0]).toBe(0);
    t.dispose();
  }, 180_000);
});

describe('choosing the engine', () => {
  it('trains GoogLeNet on ONNX Runtime, and a design with LRN on TF.js, saying why', async () => {
    const ok = small('googlenet-torchvision', false, [1, 32, 32]);
    const okA = analyze(ok);
    const chosen = await createBestTrainer(ok, okA, seededStateDict(okA.graph, 0), base, 'auto');
    if (!chosen.ok) throw new Error(chosen.error.message);
    expect(chosen.value.engine).toBe('onnxruntime');
    expect(chosen.value.notes.join(' ')).toMatch(/ONNX Runtime/);
    chosen.value.trainer.dispose();

    const lrn = small('googlenet-paper', false, [3, 224, 224], 1);
    const lrnA = analyze(lrn);
    expect(lrnA.valid).toBe(true);
    const init = seededStateDict(lrnA.graph, 0);
    const forced = await createBestTrainer(lrn, lrnA, init, base, 'onnxruntime');
    expect(!forced.ok && forced.error.code).toBe('train.onnx');
    expect(!forced.ok && forced.error.message).toMatch(/localResponseNorm \(.*pool1_norm1.*\)/);
    const fallback = await createBestTrainer(lrn, lrnA, init, base, 'auto');
    if (!fallback.ok) throw new Error(fallback.error.message);
    expect(fallback.value.engine).toMatch(/^tfjs-/);
    expect(fallback.value.notes.join(' ')).toMatch(
      /^Training on TF\.js: ONNX Runtime cannot train localResponseNorm/,
    );
    fallback.value.trainer.dispose();
  }, 180_000);
});
