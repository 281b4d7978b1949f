import { terminalLines, type OwnText } from '../../core/export/escape';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
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
  /**
   * Median CPU time of this process per run (client, worker and ONNX Runtime threads) per image:
   * unlike wall time, hardly changed by other processes on a shared machine.
   */
  readonly cpuMsPerImage: number;
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
  /** The plain session's median CPU time per image (its threads), ms. */
  readonly cpuMsPerImage: number;
  /** The product's CPU time over the plain session's, median of the paired runs: the overhead other processes' load does not blur. */
  readonly productCpuRatio: number | null;
}

/** PyTorch's figure for one batch: its fastest setting, timed interleaved with the first backend's runs. */
export interface TorchResult {
  readonly batch: number;
  readonly setting: string;
  readonly msPerImage: number;
  readonly gmacPerSecond: number;
  /**
   * The first backend's run time over PyTorch's, median of the runs paired as they alternated
   * (null in `all`, the figures of the pass that chose the setting).
   */
  readonly productRatio: number | null;
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

/** PyTorch in a child process (tools/torch/bench_torch.py --serve), answering one command at a time. */
interface TorchServer {
  readonly version: string;
  /** Times every setting at this batch (warm-up, then the median of the runs) and keeps the fastest. */
  choose(batch: number): Promise<{ best: TorchResult; all: TorchResult[] }>;
  /** One pass of the kept setting at this batch, ms. */
  time(batch: number): Promise<number>;
  close(): Promise<void>;
}

/** Starts PyTorch on the design; a reason instead when it cannot (no python3 with torch, the script failed). */
async function startTorch(
  design: import('../../core/model/types').Design,
  warmup: number,
  runs: number,
  macs: number,
): Promise<{ ok: true; server: TorchServer } | { ok: false; reason: string }> {
  const fail = (why: string) => ({
    ok: false as const,
    reason: `PyTorch could not be measured (${PYTHON} with torch, tools/torch/bench_torch.py): ${why}`,
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-torch-'));
  const file = path.join(dir, 'design.json');
  await writeFileAtomic(file, serializeDesign(design));
  const child = spawn(
    PYTHON,
    [TORCH_BENCH, file, '--serve', '--warmup', String(warmup), '--runs', String(runs)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const ended = new Promise<string>((resolve) => {
    child.on('error', (e) => resolve(e.message));
    child.on('exit', (code) => resolve(stderr.trim().split('\n').pop() || `exit code ${code}`));
  });
  let chain: Promise<unknown> = Promise.resolve();
  const ask = <T>(command: string): Promise<T> => {
    const answer = chain.then(async () => {
      child.stdin.write(`${command}\n`);
      const next = await Promise.race([lines.next(), ended.then((why) => ({ why }))]);
      if ('why' in next || next.done)
        throw new Error('why' in next ? next.why : 'PyTorch ended its output.');
      const value = JSON.parse(next.value) as T & { error?: string };
      if (value.error) throw new Error(value.error);
      return value;
    });
    chain = answer.catch(() => {});
    return answer;
  };
  const close = async () => {
    child.stdin.end();
    await ended;
    await rm(dir, { recursive: true, force: true });
  };
  type Raw = { batch: number; setting: string; msPerImage: number };
  const withRate = (x: Raw): TorchResult => ({
    batch: x.batch,
    setting: x.setting,
    msPerImage: round(x.msPerImage),
    gmacPerSecond: round(macs / (x.msPerImage / 1000) / 1e9),
    productRatio: null,
  });
  let version = '';
  const server: TorchServer = {
    get version() {
      return version;
    },
    async choose(batch) {
      const r = await ask<{ torch: string; results: Raw[]; best: Record<string, Raw> }>(
        `choose ${batch}`,
      );
      version = r.torch;
      return { best: withRate(r.best[String(batch)]), all: r.results.map(withRate) };
    },
    async time(batch) {
      return (await ask<{ ms: number }>(`time ${batch}`)).ms;
    },
    close,
  };
  // The first command shows whether PyTorch starts at all; its figures are kept by the caller.
  try {
    await Promise.race([
      ended.then((why) => {
        throw new Error(why);
      }),
      new Promise((resolve) => child.on('spawn', resolve)),
    ]);
  } catch (e) {
    await close();
    return fail((e as Error).message);
  }
  return { ok: true, server };
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
      /** One pass: wall and CPU time (this process), ms. */
      time(batch: number): Promise<{ ms: number; cpuMs: number }>;
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
      const c0 = process.cpuUsage();
      await session.run(feeds.get(batch)!);
      return { ms: performance.now() - t0, cpuMs: cpuMs(process.cpuUsage(c0)) };
    },
    peak: () => matMulPeak(ort),
    release: () => session.release(),
  };
}

const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
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
file (ort-export: what the engine alone does) and the machine's 2048² MatMul peak; and PyTorch's
fastest setting on the same design, when ${PYTHON} has torch (Debian's python3-torch). The plain
session and PyTorch run between the product's runs (one each per run, PyTorch beside the first
backend listed), so other processes' load falls on all of them; ratios are medians of those
pairs. The load average before and after is printed.

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
                            "productRatio", "productCpuRatio", … } ],
                            "matMul": { "gmacPerSecond" },
                            "pytorch": { "best": [ { "msPerImage", "productRatio", … } ] },
                            "load": { "before", "after", "cores" }, "skipped" }`,
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
    const load = {
      before: os.loadavg().map(round),
      after: [] as number[],
      cores: os.cpus().length,
    };
    say(
      `load average ${load.before.join(', ')} (1, 5, 15 min) on ${load.cores} cores before the runs\n`,
    );
    // PyTorch runs in a child process between the first backend's runs (issue 21): a neighbour's
    // load then falls on both alike, and the ratio is taken pair by pair.
    let torch: TorchServer | null = null;
    if (!values['no-torch']) {
      const t = await startTorch(loaded.design, counts.warmup, counts.runs, analysis.totals.macs);
      if (t.ok) torch = t.server;
      else {
        skipped.push({ backend: 'pytorch', reason: t.reason });
        say(terminalLines`${'pytorch'.padEnd(11)} skipped: ${t.reason}\n`);
      }
    }
    const torchBest: TorchResult[] = [];
    const torchAll: TorchResult[] = [];
    const sayTorch = (b: TorchResult) =>
      say(
        `${'pytorch'.padEnd(11)} ${String(b.batch).padStart(5)} ${'1'.padStart(7)} ${String(os.availableParallelism()).padStart(7)} ${b.msPerImage.toFixed(1).padStart(9)} ${(1000 / b.msPerImage).toFixed(2).padStart(9)} ${b.gmacPerSecond.toFixed(1).padStart(7)}  (torch ${torch!.version}, best: ${b.setting}; the ${backends[0]} run ${b.productRatio}× it)\n`,
      );
    try {
      for (const [backendIndex, backend] of (backends as BackendName[]).entries()) {
        const client = new EngineClient({ backend, workers: counts.workers });
        const plain =
          backend === 'onnxruntime'
            ? await plainOrtSession(loaded.design, !values['no-fold'])
            : null;
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
            const cpu: number[] = [];
            const plainCpu: number[] = [];
            const torchMs: number[] = [];
            const withTorch = backendIndex === 0 ? torch : null;
            let chosen: { best: TorchResult; all: TorchResult[] } | null = null;
            if (withTorch) {
              try {
                chosen = await withTorch.choose(batch);
                torchAll.push(...chosen.all);
              } catch (e) {
                skipped.push({
                  backend: 'pytorch',
                  reason: `batch ${batch}: ${(e as Error).message}`,
                });
              }
            }
            for (let i = 0; i < counts.warmup + counts.runs; i++) {
              if (withTorch && chosen) {
                try {
                  const t = await withTorch.time(batch);
                  if (i >= counts.warmup) torchMs.push(t);
                } catch (e) {
                  // PyTorch stopped (crashed, ran out of memory): the other figures still stand.
                  skipped.push({
                    backend: 'pytorch',
                    reason: `batch ${batch}: ${(e as Error).message}`,
                  });
                  chosen = null;
                  torchMs.length = 0;
                }
              }
              // The plain session runs between the product's runs, so a neighbour's load falls on both.
              if (plain?.ok) {
                const t = await plain.time(batch);
                if (i >= counts.warmup) {
                  plainMs.push(t.ms);
                  plainCpu.push(t.cpuMs);
                }
              }
              const t0 = performance.now();
              const c0 = process.cpuUsage();
              const r = await client.run(`bench-${backend}-${batch}-${i}`, request);
              const ms = performance.now() - t0;
              const runCpu = cpuMs(process.cpuUsage(c0));
              if (!r.ok) return fail(`${backend}, batch ${batch}: ${r.error.message}`, 1);
              if (r.value.backend.name !== backend)
                return fail(
                  `${backend}, batch ${batch}: the run fell back to ${r.value.backend.name}: ${r.value.backend.fallbacks.join(' ')}`,
                  1,
                );
              if (i >= counts.warmup) {
                wall.push(ms);
                cpu.push(runCpu);
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
              cpuMsPerImage: round(median(cpu) / batch),
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
                cpuMsPerImage: round(median(plainCpu) / batch),
                productCpuRatio: round(median(cpu.map((x, j) => x / plainCpu[j]))),
              };
              wholeGraph.push(w);
              say(
                `${'ort-export'.padEnd(11)} ${String(batch).padStart(5)} ${'1'.padStart(7)} ${String(os.availableParallelism()).padStart(7)} ${w.msPerImage.toFixed(1).padStart(9)} ${(1000 / w.msPerImage).toFixed(2).padStart(9)} ${w.gmacPerSecond.toFixed(1).padStart(7)}  (one plain session on the export onnx file; the product ${w.productRatio}× it, ${w.productCpuRatio}× its CPU time)\n`,
              );
            }
            if (chosen && torchMs.length) {
              const tms = median(torchMs);
              const b: TorchResult = {
                ...chosen.best,
                msPerImage: round(tms / batch),
                gmacPerSecond: round((analysis.totals.macs * batch) / (tms / 1000) / 1e9),
                productRatio: round(median(wall.map((x, j) => x / torchMs[j]))),
              };
              torchBest.push(b);
              sayTorch(b);
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
    } finally {
      await torch?.close();
    }
    const pytorch =
      torch && torchBest.length ? { torch: torch.version, best: torchBest, all: torchAll } : null;
    load.after = os.loadavg().map(round);
    if (values.json)
      io.out(
        `${JSON.stringify({ results, wholeGraph, matMul, pytorch, load, skipped }, null, 2)}\n`,
      );
    else
      say(
        `\n${analysis.totals.macs.toLocaleString('en-US')} MACs per image (eval path); median of ${counts.runs} runs after ${counts.warmup} warm-up runs, the ones of each batch interleaved; load average ${load.after.join(', ')} after.\n`,
      );
    return 0;
  },
};
