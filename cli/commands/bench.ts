import { terminalLines, type OwnText } from '../../core/export/escape';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { writeFileAtomic } from '../../node/host/atomicFile';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliCommand } from '../command';
import { serializeDesign } from '../../core/design/designFile';
import { designFromArgs, designOptions, designUsage } from '../designArgs';
import { issueLines, failureText } from '../report';
import { analyze } from '../../core/analysis/analyze';
import type { BackendName } from '../../core/run/types';
import { EngineClient, maxEngineWorkers } from '../../node/engine/engineClient';
import { BACKEND_ORDER, isBackendName } from '../../node/engine/backendNames';
import { emptyRecord } from '../../core/model/records';
import { onnxModel, ONNX_INPUT } from '../../core/export/onnx';
import { randomInput } from '../../core/weights/init';
import { seededStateDict } from '../../node/engine/weights';
import { loadOnnxRuntime, matMulPeak, sessionOptions } from '../../node/engine/onnxRuntime';

export interface BenchResult {
  readonly backend: BackendName;
  readonly batch: number;
  /** Worker threads the batch was split across. */
  readonly workers: number;
  /** Threads inside one worker (ONNX Runtime's intra-op threads; 1 for TF.js). */
  readonly threads: number;
  /** Median wall time of a whole run (request to result) per image. */
  readonly msPerImage: number;
  readonly imagesPerSecond: number;
  /** Eval-path multiply-accumulates per second. */
  readonly gmacPerSecond: number;
  /** Median time spent inside the layers per image (no messaging, input or statistics). */
  readonly computeMsPerImage: number;
  readonly runsMs: readonly number[];
}

/**
 * The engine's own limit in the same run: a plain onnxruntime-node session on the design's
 * `export onnx` file (same weights, same fold option, the engine's session options), timed the same
 * way (median after warm-up), so the product's overhead over the engine is visible.
 */
export interface WholeGraphResult {
  readonly batch: number;
  readonly msPerImage: number;
  readonly gmacPerSecond: number;
  /** The product's onnxruntime run time over the plain session's, median of the runs paired as they alternated. */
  readonly productRatio: number | null;
}

/** PyTorch's figure for one batch: its fastest setting in the same bench run. */
export interface TorchResult {
  readonly batch: number;
  readonly setting: string;
  readonly msPerImage: number;
  readonly gmacPerSecond: number;
}

const PYTHON = '/usr/bin/python3';
const TORCH_BENCH = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'tools',
  'torch',
  'bench_torch.py',
);

/** Times the design in PyTorch (tools/torch/bench_torch.py, every setting it knows); null with a reason when it cannot. */
async function benchTorch(
  design: import('../../core/model/types').Design,
  batches: readonly number[],
  warmup: number,
  runs: number,
  macs: number,
): Promise<
  | { ok: true; torch: string; best: TorchResult[]; all: TorchResult[] }
  | { ok: false; reason: string }
> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-torch-'));
  try {
    const file = path.join(dir, 'design.json');
    await writeFileAtomic(file, serializeDesign(design));
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        PYTHON,
        [
          TORCH_BENCH,
          file,
          '--batch',
          batches.join(','),
          '--warmup',
          String(warmup),
          '--runs',
          String(runs),
        ],
        { timeout: 3_600_000, maxBuffer: 16 << 20 },
        (e, out, err) =>
          e ? reject(new Error((err || e.message).trim().split('\n').pop())) : resolve(out),
      ),
    );
    const r = JSON.parse(stdout) as {
      torch: string;
      results: { batch: number; setting: string; msPerImage: number }[];
      best: Record<string, { batch: number; setting: string; msPerImage: number }>;
    };
    const withRate = (x: { batch: number; setting: string; msPerImage: number }): TorchResult => ({
      batch: x.batch,
      setting: x.setting,
      msPerImage: round(x.msPerImage),
      gmacPerSecond: round(macs / (x.msPerImage / 1000) / 1e9),
    });
    return {
      ok: true,
      torch: r.torch,
      best: Object.values(r.best).map(withRate),
      all: r.results.map(withRate),
    };
  } catch (e) {
    return {
      ok: false,
      reason: `PyTorch could not be measured (${PYTHON} with torch, tools/torch/bench_torch.py): ${(e as Error).message}`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A plain ONNX Runtime session on the design's `export onnx` bytes (seed-0 weights, as the bench
 * runs and `export onnx --seed 0`; the engine's session options): `time(batch)` is one pass's wall
 * time in ms. A reason instead when ONNX Runtime or the export is unavailable.
 */
async function plainOrtSession(
  design: import('../../core/model/types').Design,
  foldBatchNorm: boolean,
): Promise<
  | {
      ok: true;
      time(batch: number): Promise<number>;
      peak(): ReturnType<typeof matMulPeak>;
      release(): Promise<void>;
    }
  | { ok: false; reason: string }
> {
  const loaded = await loadOnnxRuntime();
  if (!loaded.ok) return { ok: false, reason: loaded.reason };
  const { ort } = loaded;
  const analysis = analyze(design);
  const exported = onnxModel(design, analysis, seededStateDict(analysis.graph, 0, 'pytorch'), {
    foldBatchNorm,
  });
  if (!exported.ok) return { ok: false, reason: exported.issues.map((i) => i.message).join(' ') };
  const session = await ort.InferenceSession.create(exported.value.bytes, sessionOptions());
  const { channels, height, width } = design.input;
  const feeds = new Map<number, Record<string, InstanceType<typeof ort.Tensor>>>();
  return {
    ok: true,
    async time(batch) {
      const shape = [batch, channels, height, width];
      if (!feeds.has(batch))
        feeds.set(batch, { [ONNX_INPUT]: new ort.Tensor('float32', randomInput(shape, 0), shape) });
      const t0 = performance.now();
      await session.run(feeds.get(batch)!);
      return performance.now() - t0;
    },
    peak: () => matMulPeak(ort),
    release: () => session.release(),
  };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** Four significant digits: enough for timings, and tiny designs do not round to zero. */
const round = (x: number) => Number(x.toPrecision(4));

function parseList(text: unknown, what: string): number[] | string {
  const items = String(text)
    .split(',')
    .map((s) => s.trim());
  if (!items.length || items.some((s) => !/^\d+$/.test(s) || Number(s) < 1))
    return `${what} must be a comma-separated list of whole numbers of at least 1; got ${JSON.stringify(text)}.`;
  return items.map(Number);
}

export const benchCommand: CliCommand = {
  name: 'bench',
  summary: 'measure forward-pass speed (ms per image, images/s, GMAC/s) on each backend',
  usage: `Usage: inception-explorer bench [FILE] [options]

Times eval-mode forward passes of the design (default: the GoogLeNet preset) on every backend
present (ONNX Runtime and the TensorFlow.js backends), after warm-up runs, and prints the median
of the timed runs; with onnxruntime, a plain ONNX Runtime session on the design's \`export onnx\`
file (ort-export: what the engine alone does) and the machine's 2048² MatMul peak; then PyTorch's
fastest setting on the same design in the same run, when ${PYTHON} has torch (Debian's
python3-torch).

${designUsage.replace(/\n {2}--batch N[^\n]*/, '')}
  --batch LIST              batch sizes, comma-separated (default 1,3)
  --backend LIST            backends to measure, comma-separated (default: every one present)
  --workers N               worker threads that share a batch (default 2)
  --runs N                  timed runs per case (default 5)
  --warmup N                untimed runs first (default 10: a fresh engine worker reaches
                            full speed only after about ten passes)
  --no-fold                 keep batch norm as its own layer (to measure what folding it
                            into the convolution saves)
  --no-torch                do not measure PyTorch
  --json                    print { "results": [ { "backend", "batch", "msPerImage",
                            "gmacPerSecond", … } ], "wholeGraph": [ { "batch", "msPerImage",
                            "productRatio", … } ], "matMul": { "gmacPerSecond" },
                            "pytorch": { "best": [ … ] }, "skipped" }`,
  options: {
    ...designOptions,
    backend: { type: 'string' },
    workers: { type: 'string' },
    runs: { type: 'string' },
    warmup: { type: 'string' },
    'no-fold': { type: 'boolean' },
    'no-torch': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(values, positionals, io) {
    const fail = (message: string | OwnText, code = 2) => {
      io.err(failureText('bench', message));
      return code;
    };
    const batches = parseList(values.batch ?? '1,3', '--batch');
    if (typeof batches === 'string') return fail(batches);
    const counts: Record<string, number> = emptyRecord();
    for (const [key, fallback] of [
      ['workers', 2],
      ['runs', 5],
      ['warmup', 10],
    ] as const) {
      const v = parseList(values[key] ?? String(fallback), `--${key}`);
      if (typeof v === 'string' || v.length !== 1)
        return fail(
          `--${key} must be one whole number of at least 1; got ${JSON.stringify(values[key])}.`,
        );
      counts[key] = v[0];
    }
    if (counts.workers > maxEngineWorkers()) {
      return fail(
        `--workers ${counts.workers} is more than this machine can run side by side: each worker is a whole engine, and there are at most ${maxEngineWorkers()} here (one per core, at most 16).`,
      );
    }
    const backends =
      values.backend === undefined
        ? [...BACKEND_ORDER]
        : String(values.backend)
            .split(',')
            .map((s) => s.trim());
    const unknown = backends.find((b) => !isBackendName(b));
    if (unknown !== undefined)
      return fail(
        `--backend must list backends among ${BACKEND_ORDER.join(', ')}; got ${JSON.stringify(unknown)}.`,
      );
    const loaded = await designFromArgs({ ...values, batch: undefined }, positionals);
    if (!loaded.ok) return fail(loaded.message, loaded.exitCode);
    const analysis = analyze(loaded.design);
    if (!analysis.valid) {
      io.err(issueLines(analysis.issues, loaded.design));
      return 1;
    }
    const results: BenchResult[] = [];
    const skipped: { backend: string; reason: string }[] = [];
    const say = (s: string) => {
      if (!values.json) io.out(s);
    };
    say(
      `${'backend'.padEnd(11)} ${'batch'.padStart(5)} ${'workers'.padStart(7)} ${'threads'.padStart(7)} ${'ms/image'.padStart(9)} ${'images/s'.padStart(9)} ${'GMAC/s'.padStart(7)}\n`,
    );
    const wholeGraph: WholeGraphResult[] = [];
    let matMul: { gmacPerSecond: number; note: string } | null = null;
    for (const backend of backends as BackendName[]) {
      const client = new EngineClient({ backend, workers: counts.workers });
      const plain =
        backend === 'onnxruntime' ? await plainOrtSession(loaded.design, !values['no-fold']) : null;
      if (plain && !plain.ok) {
        skipped.push({ backend: 'ort-export', reason: plain.reason });
        say(`${'ort-export'.padEnd(11)} skipped: ${plain.reason}\n`);
      }
      try {
        try {
          await client.info();
        } catch (e) {
          skipped.push({ backend, reason: (e as Error).message });
          say(terminalLines`${backend.padEnd(11)} skipped: ${(e as Error).message}\n`);
          continue;
        }
        for (const batch of batches) {
          const design = { ...loaded.design, input: { ...loaded.design.input, batch } };
          const request = {
            design,
            mode: 'eval' as const,
            seed: 0,
            input: { kind: 'random' as const },
            featureMaps: false,
            // The product's throughput: module times would add profiled passes to every run.
            moduleTimes: false,
            foldBatchNorm: !values['no-fold'],
          };
          const wall: number[] = [];
          const compute: number[] = [];
          const plainMs: number[] = [];
          for (let i = 0; i < counts.warmup + counts.runs; i++) {
            // The plain session runs between the product's runs, so a neighbour's load falls on both.
            if (plain?.ok) {
              const t = await plain.time(batch);
              if (i >= counts.warmup) plainMs.push(t);
            }
            const t0 = performance.now();
            const r = await client.run(`bench-${backend}-${batch}-${i}`, request);
            const ms = performance.now() - t0;
            if (!r.ok) return fail(`${backend}, batch ${batch}: ${r.error.message}`, 1);
            if (r.value.backend.name !== backend)
              return fail(
                `${backend}, batch ${batch}: the run fell back to ${r.value.backend.name}: ${r.value.backend.fallbacks.join(' ')}`,
                1,
              );
            if (i >= counts.warmup) {
              wall.push(ms);
              compute.push(r.value.totalMs);
            }
          }
          const ms = median(wall);
          const ort = backend === 'onnxruntime';
          const result: BenchResult = {
            backend,
            batch,
            workers: ort ? 1 : Math.min(counts.workers, batch),
            threads: ort ? os.availableParallelism() : 1,
            msPerImage: round(ms / batch),
            imagesPerSecond: round((1000 * batch) / ms),
            gmacPerSecond: round((analysis.totals.macs * batch) / (ms / 1000) / 1e9),
            computeMsPerImage: round(median(compute) / batch),
            runsMs: wall.map(round),
          };
          results.push(result);
          say(
            `${backend.padEnd(11)} ${String(batch).padStart(5)} ${String(result.workers).padStart(7)} ${String(result.threads).padStart(7)} ${result.msPerImage.toFixed(1).padStart(9)} ${result.imagesPerSecond.toFixed(2).padStart(9)} ${result.gmacPerSecond.toFixed(1).padStart(7)}\n`,
          );
          if (plainMs.length) {
            const pms = median(plainMs);
            const w: WholeGraphResult = {
              batch,
              msPerImage: round(pms / batch),
              gmacPerSecond: round((analysis.totals.macs * batch) / (pms / 1000) / 1e9),
              // Paired: each product run over the plain run just before it.
              productRatio: round(median(wall.map((x, j) => x / plainMs[j]))),
            };
            wholeGraph.push(w);
            say(
              `${'ort-export'.padEnd(11)} ${String(batch).padStart(5)} ${'1'.padStart(7)} ${String(os.availableParallelism()).padStart(7)} ${w.msPerImage.toFixed(1).padStart(9)} ${(1000 / w.msPerImage).toFixed(2).padStart(9)} ${w.gmacPerSecond.toFixed(1).padStart(7)}  (one plain session on the export onnx file; the product ${w.productRatio}× it)\n`,
            );
          }
        }
        if (plain?.ok) {
          const peak = await plain.peak();
          matMul = { gmacPerSecond: round(peak.gmacPerSecond), note: peak.note };
          say(
            `${'matmul peak'.padEnd(11)} ${' '.repeat(41)}${matMul.gmacPerSecond.toFixed(1).padStart(7)}  (${matMul.note})\n`,
          );
        }
      } finally {
        await client.dispose();
        if (plain?.ok) await plain.release();
      }
    }
    let pytorch: { torch: string; best: TorchResult[]; all: TorchResult[] } | null = null;
    if (!values['no-torch']) {
      const t = await benchTorch(
        loaded.design,
        batches,
        counts.warmup,
        counts.runs,
        analysis.totals.macs,
      );
      if (t.ok) {
        pytorch = t;
        for (const b of t.best)
          say(
            `${'pytorch'.padEnd(11)} ${String(b.batch).padStart(5)} ${'1'.padStart(7)} ${String(os.availableParallelism()).padStart(7)} ${b.msPerImage.toFixed(1).padStart(9)} ${(1000 / b.msPerImage).toFixed(2).padStart(9)} ${b.gmacPerSecond.toFixed(1).padStart(7)}  (torch ${t.torch}, best: ${b.setting})\n`,
          );
      } else {
        skipped.push({ backend: 'pytorch', reason: t.reason });
        say(terminalLines`${'pytorch'.padEnd(11)} skipped: ${t.reason}\n`);
      }
    }
    if (values.json)
      io.out(`${JSON.stringify({ results, wholeGraph, matMul, pytorch, skipped }, null, 2)}\n`);
    else
      say(
        `\n${analysis.totals.macs.toLocaleString('en-US')} MACs per image (eval path); median of ${counts.runs} runs after ${counts.warmup} warm-up runs.\n`,
      );
    return 0;
  },
};
