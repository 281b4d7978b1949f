/**
 * Training speed: GoogLeNet as torchvision builds it (10 classes, batch 32, Adam) at 1×28×28 and
 * 3×64×64, with and without aux heads, on every training engine present (ONNX Runtime, TF.js
 * wasm) beside Debian's PyTorch in NCHW and channels_last (2 threads), steps timed interleaved in
 * the same run (engine, torch NCHW, torch channels_last, …; medians), plus the GMAC/s of training
 * work — counted as 3 × the forward MACs of train mode (forward, input gradient, filter
 * gradient), the usual convention — against a 2048² float32 MatMul on ONNX Runtime measured in
 * the same run. Prints figures; asserts nothing.
 *
 * Run: npm run bench:train -- [rounds (default 7)] [--no-tfjs] [--only 1x28x28]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { analyze } from '../core/analysis/analyze';
import { setAux, setClasses } from '../core/design/edit';
import { pytorchCode } from '../core/export/pytorch';
import { presetDesign } from '../core/presets';
import { randomInput } from '../core/weights/init';
import { selectTfBackend } from '../node/engine/backend';
import { loadOnnxRuntime, matMulPeak } from '../node/engine/onnxRuntime';
import { createOrtTrainer } from '../node/engine/training/ortTrainer';
import { createTrainer, type Batch, type TrainerOptions } from '../node/engine/training/trainer';
import { seededStateDict } from '../node/engine/weights';

const BATCH = 32;
const CLASSES = 10;
const PYTHON = '/usr/bin/python3';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const options: TrainerOptions = {
  optimizer: 'adam',
  lr: 1e-3,
  momentum: 0,
  weightDecay: 0,
  auxWeight: 0.3,
  dropout: true,
  seed: 0,
  schedule: 'constant',
};

/** A PyTorch process that runs one step per request and answers its milliseconds. */
async function torchStepper(
  code: string,
  className: string,
  shape: readonly number[],
  aux: boolean,
) {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-train-'));
  const file = path.join(dir, 'net.py');
  writeFileSync(file, code);
  const child = spawn(
    PYTHON,
    [
      path.join(path.dirname(fileURLToPath(import.meta.url)), 'torchTrainStep.py'),
      file,
      className,
      ...shape.map(String),
      String(CLASSES),
      aux ? '0.3' : '0',
      'adam',
      '2',
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const read = async () => String((await lines.next()).value);
  if ((await read()) !== 'ready') throw new Error('PyTorch did not start.');
  return {
    async step(layout: 'nchw' | 'channels_last'): Promise<number> {
      child.stdin!.write(`${layout}\n`);
      return Number(await read());
    },
    close() {
      child.stdin!.write('quit\n');
      child.stdin!.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 7);
  const withTfjs = !args.includes('--no-tfjs');
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
  const got = await loadOnnxRuntime();
  if (!got.ok) throw new Error(got.reason);
  const peakBefore = await matMulPeak(got.ort);
  if (withTfjs && !(await selectTfBackend('wasm')).ok) throw new Error('TF.js wasm did not start.');
  const rows: string[][] = [];
  for (const input of ['1x28x28', '3x64x64']) {
    if (only && input !== only) continue;
    for (const aux of [false, true]) {
      const [c, h, w] = input.split('x').map(Number);
      let design = setClasses(setAux(presetDesign('googlenet-torchvision')!, aux), CLASSES);
      design = { ...design, input: { batch: BATCH, channels: c, height: h, width: w } };
      const analysis = analyze(design);
      const init = seededStateDict(analysis.graph, 0);
      const batch: Batch = {
        input: randomInput([BATCH, c, h, w], 1),
        target: Int32Array.from({ length: BATCH }, (_, i) => i % CLASSES),
        n: BATCH,
      };
      const exported = pytorchCode(design, analysis);
      if (!exported.ok) throw new Error(exported.issues[0].message);
      const torch = await torchStepper(
        exported.value.code,
        exported.value.className,
        [BATCH, c, h, w],
        aux,
      );
      const made = await createOrtTrainer(design, analysis, init, options);
      if (!made.ok) throw new Error(made.error.message);
      const ortTrainer = made.value;
      const tfjs = withTfjs ? createTrainer(design, analysis, init, options) : null;
      if (tfjs && !tfjs.ok) throw new Error(tfjs.error.message);
      const times: Record<string, number[]> = {
        onnxruntime: [],
        nchw: [],
        channels_last: [],
        tfjs: [],
      };
      const timeOrt = async () => {
        const t0 = performance.now();
        const r = await ortTrainer.step(batch);
        if (!r.ok) throw new Error(r.error.message);
        return performance.now() - t0;
      };
      // Warm-up: first runs allocate and plan.
      for (let i = 0; i < 2; i++) {
        await timeOrt();
        await torch.step('nchw');
        await torch.step('channels_last');
      }
      for (let r = 0; r < rounds; r++) {
        times.onnxruntime.push(await timeOrt());
        times.nchw.push(await torch.step('nchw'));
        times.channels_last.push(await torch.step('channels_last'));
        // TF.js takes seconds a step: a few rounds are enough to place it.
        if (tfjs?.ok && r < 3) {
          const t0 = performance.now();
          const s = await tfjs.value.step(batch);
          if (!s.ok) throw new Error(s.error.message);
          if (r > 0) times.tfjs.push(performance.now() - t0);
        }
      }
      torch.close();
      ortTrainer.dispose();
      if (tfjs?.ok) tfjs.value.dispose();
      const gmac = (3 * analysis.totals.macsTrain * BATCH) / 1e9;
      const best = Math.min(median(times.nchw), median(times.channels_last));
      const label = `${input}${aux ? ' aux' : ''}`;
      for (const [engine, ts] of Object.entries(times)) {
        if (!ts.length) continue;
        const ms = median(ts);
        rows.push([
          label,
          engine === 'nchw'
            ? 'PyTorch NCHW'
            : engine === 'channels_last'
              ? 'PyTorch channels_last'
              : engine === 'tfjs'
                ? 'TF.js wasm'
                : 'ONNX Runtime',
          ms.toFixed(1),
          ((BATCH * 1000) / ms).toFixed(0),
          (gmac / (ms / 1000)).toFixed(1),
          `${((gmac / (ms / 1000) / peakBefore.gmacPerSecond) * 100).toFixed(1)} %`,
          `${(ms / best).toFixed(2)}×`,
        ]);
      }
      process.stdout.write(`${label}: done (${gmac.toFixed(2)} GMAC of training work a step)\n`);
    }
  }
  const peakAfter = await matMulPeak(got.ort);
  const header = ['input', 'engine', 'ms/step', 'images/s', 'GMAC/s', 'of peak', 'vs best PyTorch'];
  const widths = header.map((hd, i) => Math.max(hd.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((v, i) => v.padEnd(widths[i])).join('  ');
  process.stdout.write(
    [
      `GoogLeNet (torchvision), batch ${BATCH}, ${CLASSES} classes, Adam; medians of ${rounds} interleaved steps (TF.js: 2).`,
      `MatMul peak: ${peakBefore.gmacPerSecond.toFixed(0)} GMAC/s before, ${peakAfter.gmacPerSecond.toFixed(0)} after (${peakBefore.note}).`,
      'GMAC/s counts 3 × the train-mode forward MACs per step.',
      line(header),
      ...rows.map(line),
      '',
    ].join('\n'),
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
