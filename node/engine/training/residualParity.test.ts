/**
 * One training step of a small Inception-ResNet design (__fixtures__/inceptionResnetSmall.design.json:
 * a cut-down stem, one block35 with residual scale 0.17, a Reduction-A, one block17 (scale 0.1, the
 * 1×7/7×1 convs with asymmetric padding), one block8 (scale 0.2, no ReLU after the sum, the 1×3/3×1
 * convs), global pool and a 10-class linear; 3×32×32, batch 8) equals one step of PyTorch (Debian's
 * python3-torch) on the same design's exported code loaded with the same init.safetensors, for SGD
 * with momentum and for Adam, running statistics and num_batches_tracked included.
 *
 * The engine is a parameter: every entry of `engines` builds a `Trainer` and is held to the same
 * rule. The tolerance is parity.test.ts's: statistics within `tolerance` × their largest update;
 * parameters within max(tolerance × largest update, 2 × PyTorch's own noise floor); for Adam the
 * elements whose gradient is within PyTorch's own gradient noise are left out (capped at 30 %).
 * Measured on tfjs-wasm: every tensor within 5.8e-4 (SGD) and 6.8e-3 (Adam) of its largest update,
 * so the flat 1e-3 and 1e-2 hold here without the noise floor; no Adam element left out.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze, type Analysis } from '../../../core/analysis/analyze';
import { parseDesign } from '../../../core/design/designFile';
import type { Design } from '../../../core/model/types';
import type { Result } from '../../../core/run/types';
import { randomInput } from '../../../core/weights/init';
import { selectTfBackend } from '../backend';
import { writeSafetensors } from '../safetensors';
import { seededStateDict, stateDictToSafetensors, type StateDict } from '../weights';
import { createTrainer, type Trainer, type TrainerOptions } from './trainer';
import { createOrtTrainer } from './ortTrainer';
import { hasTorch, PYTHON } from '../../../test/torchReference';

const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'bin', 'inception-explorer.mjs');
const STEP = join(__dirname, 'torchStep.py');
const FIXTURE = join(__dirname, '__fixtures__', 'inceptionResnetSmall.design.json');
const BATCH = 8;

/** A training engine under test: builds a `Trainer` for a design from initial weights. */
interface TrainerEngine {
  readonly name: string;
  readonly create: (
    design: Design,
    analysis: Analysis,
    init: StateDict,
    options: TrainerOptions,
  ) => Promise<Result<Trainer>>;
}

const engines: readonly TrainerEngine[] = [
  {
    name: 'tfjs',
    create: async (design, analysis, init, options) => {
      const backend = await selectTfBackend();
      if (!backend.ok) throw new Error(backend.reason);
      return createTrainer(design, analysis, init, options);
    },
  },
  { name: 'onnxruntime', create: createOrtTrainer },
];

interface TensorRow {
  key: string;
  maxDiff: number;
  maxUpdate: number;
  torchNoise: number;
  undecided: number;
}
interface StepResult {
  loss: number;
  tensors: TensorRow[];
  missing: string[];
}

const cases = [
  { optimizer: 'sgd', lr: 0.01, momentum: 0.9, tolerance: 1e-3 },
  { optimizer: 'adam', lr: 0.001, momentum: 0, tolerance: 1e-2 },
] as const;

describe.skipIf(!hasTorch)('a training step of an Inception-ResNet design equals PyTorch’s', () => {
  const loaded = parseDesign(readFileSync(FIXTURE, 'utf8'));
  if (!loaded.ok) throw new Error(`The fixture is not a design: ${loaded.errors[0].message}`);
  const design = loaded.design;
  const analysis = analyze(design);
  let dir: string;
  let code: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'residual-parity-'));
    code = join(dir, 'inceptionResnetSmall.py');
    execFileSync(process.execPath, [CLI, 'export', 'pytorch', FIXTURE, '-o', code], {
      stdio: 'pipe',
      timeout: 120_000,
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the design holds every residual block kind with its scale', () => {
    expect(analysis.valid).toBe(true);
    const blocks = design.modules.filter((m) => /^block(35|17|8)$/.test(m.kind));
    expect(blocks.map((m) => [m.kind, m.params.scale])).toEqual([
      ['block35', 0.17],
      ['block17', 0.1],
      ['block8', 0.2],
    ]);
    expect(analysis.input).toEqual([BATCH, 3, 32, 32]);
  });

  const table = engines.flatMap((engine) => cases.map((c) => ({ engine: engine.name, ...c })));
  it.each(table)(
    '$engine, $optimizer: every tensor after one step, running statistics included',
    async ({ engine, optimizer, lr, momentum, tolerance }) => {
      const init = seededStateDict(analysis.graph, 0);
      const made = await engines
        .find((e) => e.name === engine)!
        .create(design, analysis, init, {
          optimizer,
          lr,
          momentum,
          weightDecay: 0,
          auxWeight: 0.3,
          dropout: false,
          seed: 0,
          schedule: 'constant',
        });
      if (!made.ok) throw new Error(made.error.message);
      const trainer = made.value;
      const input = randomInput([BATCH, 3, 32, 32], 7);
      const target = Int32Array.from({ length: BATCH }, (_, i) => (i * 3) % 10);
      let loss: number;
      let after: Map<string, Float32Array>;
      try {
        const r = await trainer.step({ input, target, n: BATCH });
        if (!r.ok) throw new Error(r.error.message);
        loss = r.value.loss;
        after = trainer.stateDict();
      } finally {
        trainer.dispose();
      }
      const dump = join(dir, `${engine}-${optimizer}`);
      mkdirSync(dump);
      writeFileSync(join(dump, 'init.safetensors'), stateDictToSafetensors(init, analysis.graph));
      writeFileSync(
        join(dump, 'weights.safetensors'),
        stateDictToSafetensors(after, analysis.graph),
      );
      writeFileSync(
        join(dump, 'batch.safetensors'),
        writeSafetensors(
          new Map([
            ['input', { dtype: 'F32', shape: [BATCH, 3, 32, 32], data: input }],
            ['target', { dtype: 'I64', shape: [BATCH], data: BigInt64Array.from(target, BigInt) }],
          ]),
        ),
      );
      const r = JSON.parse(
        execFileSync(
          PYTHON,
          [STEP, code, dump, optimizer, String(lr), String(momentum), '0', '0.3'],
          { encoding: 'utf8', timeout: 240_000 },
        ),
      ) as StepResult;
      expect(r.missing).toEqual([]);
      expect(loss).toBeCloseTo(r.loss, 4);
      const stats = r.tensors.filter((t) => /running_|num_batches/.test(t.key));
      const params = r.tensors.filter((t) => !stats.includes(t));
      // 2 + 6 + 4 + 4 + 4 batch norms (stem, block35, reductionA, block17, block8), 3 tensors each.
      expect(stats.length).toBe(60);
      const over = (t: TensorRow, bound: number) =>
        t.maxDiff > bound ? [`${t.key}: ${t.maxDiff} > ${bound}`] : [];
      expect(stats.flatMap((t) => over(t, tolerance * t.maxUpdate))).toEqual([]);
      expect(
        params.flatMap((t) => over(t, Math.max(tolerance * t.maxUpdate, 2 * t.torchNoise))),
      ).toEqual([]);
      const total = params.reduce((n, t) => n + (init.get(t.key)?.length ?? 0), 0);
      expect(total).toBe(44_386);
      expect(params.reduce((n, t) => n + t.undecided, 0)).toBeLessThan(0.3 * total);
      // Every parameter moved: the residual projections (scaled) and every branch got a gradient.
      expect(params.filter((t) => t.maxUpdate === 0).map((t) => t.key)).toEqual([]);
    },
    300_000,
  );
});
