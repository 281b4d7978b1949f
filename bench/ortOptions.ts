/**
 * ONNX Runtime session options for the engine's whole-graph session, chosen by measurement: each
 * variant is timed (median of interleaved runs after warm-up) on the same export, plus the cost of
 * the in-graph module summaries and of copying every module output out, and the MatMul peak.
 * Prints figures; asserts nothing. Run: npm run bench:ort-options -- [preset] [runs]
 */
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { analyze } from '../core/analysis/analyze';
import { presetDesign } from '../core/presets';
import { onnxModel } from '../core/export/onnx';
import { seededStateDict } from '../node/engine/weights';
import { randomInput } from '../core/weights/init';
import { matMulPeak } from '../node/engine/onnxRuntime';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const base: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: os.availableParallelism(),
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  executionProviders: ['cpu'],
};
const spin = (on: boolean) => ({
  extra: { session: { intra_op: { allow_spinning: on ? '1' : '0' } } },
});

async function main(): Promise<void> {
  const preset = process.argv[2] ?? 'googlenet';
  const runs = Number(process.argv[3] ?? 15);
  const design = presetDesign(preset)!;
  const analysis = analyze(design);
  const weights = seededStateDict(analysis.graph, 0, 'pytorch');
  const exp = (o: Parameters<typeof onnxModel>[3]) => {
    const r = onnxModel(design, analysis, weights, o);
    if (!r.ok) throw new Error(r.issues[0].message);
    return r.value.bytes;
  };
  const plain = exp({});
  const summaries = exp({ moduleSummaries: true });
  const everyOutput = exp({ moduleSummaries: true, moduleOutputs: true });
  const variants: [string, Uint8Array, ort.InferenceSession.SessionOptions][] = [
    ['plain, all, spin off', plain, { ...base, ...spin(false) }],
    ['plain, all, spin on', plain, { ...base, ...spin(true) }],
    [
      'plain, extended, spin off',
      plain,
      { ...base, graphOptimizationLevel: 'extended', ...spin(false) },
    ],
    ['plain, basic, spin off', plain, { ...base, graphOptimizationLevel: 'basic', ...spin(false) }],
    ['plain, all, no arena', plain, { ...base, enableCpuMemArena: false, ...spin(false) }],
    ['plain, all, 1 thread', plain, { ...base, intraOpNumThreads: 1, ...spin(false) }],
    ['summaries, all, spin off', summaries, { ...base, ...spin(false) }],
    ['every module out, spin off', everyOutput, { ...base, ...spin(false) }],
  ];
  const { channels, height, width } = design.input;
  for (const batch of [1, 3]) {
    const x = randomInput([batch, channels, height, width], 0);
    const sessions = await Promise.all(
      variants.map(([, bytes, o]) => ort.InferenceSession.create(bytes, o)),
    );
    const feeds = { input: new ort.Tensor('float32', x, [batch, channels, height, width]) };
    const times = variants.map(() => [] as number[]);
    for (let i = 0; i < 5 + runs; i++) {
      // Interleaved, so a neighbour's load falls on every variant alike.
      for (let v = 0; v < variants.length; v++) {
        const t0 = performance.now();
        await sessions[v].run(feeds);
        if (i >= 5) times[v].push(performance.now() - t0);
      }
    }
    for (let v = 0; v < variants.length; v++)
      process.stdout.write(
        `${preset} batch ${batch}  ${variants[v][0].padEnd(28)} ${(median(times[v]) / batch).toFixed(2).padStart(7)} ms/image  (${((analysis.totals.macs * batch) / median(times[v]) / 1e6).toFixed(0)} GMAC/s)\n`,
      );
    await Promise.all(sessions.map((s) => s.release()));
  }
  const peak = await matMulPeak(ort);
  process.stdout.write(`MatMul peak: ${peak.gmacPerSecond.toFixed(0)} GMAC/s (${peak.note})\n`);
  process.stdout.write(
    `${os.cpus()[0].model}, ${os.availableParallelism()} cores, ${new Date().toISOString()}\n`,
  );
}

void main();
