/**
 * Where an eval run's time goes on ONNX Runtime (issue 21): the same batch timed, interleaved, as
 * (1) a plain session on the design's `export onnx` bytes, (2) the same with the in-graph module
 * summaries, (3) the engine's `EngineSession.run` in this thread (no worker), (4) a whole
 * `EngineClient.run` (worker, messages, results). Medians; prints figures, asserts nothing.
 * Run: npm run bench:run-breakdown -- [preset] [runs]
 */
import os from 'node:os';
import { analyze } from '../core/analysis/analyze';
import { presetDesign } from '../core/presets';
import { onnxModel, ONNX_INPUT } from '../core/export/onnx';
import { randomInput } from '../core/weights/init';
import { seededStateDict } from '../node/engine/weights';
import { loadOnnxRuntime, sessionOptions } from '../node/engine/onnxRuntime';
import { EngineSession } from '../node/engine/session';
import { EngineClient } from '../node/engine/engineClient';
import { defaultAssetsDir } from '../node/engine/workerEntry';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const preset = process.argv[2] ?? 'googlenet';
  const runs = Number(process.argv[3] ?? 11);
  const loaded = await loadOnnxRuntime();
  if (!loaded.ok) throw new Error(loaded.reason);
  const { ort } = loaded;
  const design0 = presetDesign(preset)!;
  const analysis = analyze(design0);
  const weights = seededStateDict(analysis.graph, 0, 'pytorch');
  const bytes = (o: Parameters<typeof onnxModel>[3]) => {
    const r = onnxModel(design0, analysis, weights, o);
    if (!r.ok) throw new Error(r.issues[0].message);
    return r.value.bytes;
  };
  const plain = await ort.InferenceSession.create(bytes({}), sessionOptions());
  const summaries = await ort.InferenceSession.create(
    bytes({ moduleSummaries: true }),
    sessionOptions(),
  );
  const session = new EngineSession(
    { info: { name: 'onnxruntime', fallbacks: [] }, tf: null, tfProblem: 'not needed' },
    defaultAssetsDir(),
  );
  const client = new EngineClient({ backend: 'onnxruntime' });
  await client.info();
  const { channels, height, width } = design0.input;
  for (const batch of [1, 3]) {
    const shape = [batch, channels, height, width];
    const x = randomInput(shape, 0);
    const feeds = { [ONNX_INPUT]: new ort.Tensor('float32', x, shape) };
    const design = { ...design0, input: { ...design0.input, batch } };
    const request = {
      design,
      mode: 'eval' as const,
      seed: 0,
      input: { kind: 'random' as const },
      featureMaps: false,
      moduleTimes: false,
    };
    const names = [
      'plain',
      'summaries',
      'EngineSession',
      '  its session.run',
      'EngineClient',
      '  its session.run',
    ];
    const t = names.map(() => [] as number[]);
    // CPU time of this process (its engine worker threads and ONNX Runtime's pools included):
    // less sensitive than wall time to other processes on a shared machine.
    const cpu = names.map(() => [] as number[]);
    const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
    for (let i = 0; i < 5 + runs; i++) {
      const keep = i >= 5;
      let t0 = performance.now();
      let c0 = process.cpuUsage();
      await plain.run(feeds);
      if (keep) t[0].push(performance.now() - t0);
      if (keep) cpu[0].push(cpuMs(process.cpuUsage(c0)));
      t0 = performance.now();
      c0 = process.cpuUsage();
      await summaries.run(feeds);
      if (keep) t[1].push(performance.now() - t0);
      if (keep) cpu[1].push(cpuMs(process.cpuUsage(c0)));
      t0 = performance.now();
      c0 = process.cpuUsage();
      const r = await session.run(request, { start: 0, count: batch });
      if (keep) t[2].push(performance.now() - t0);
      if (keep) cpu[2].push(cpuMs(process.cpuUsage(c0)));
      if (!r.ok) throw new Error(r.error.message);
      if (keep) t[3].push(r.value.totalMs);
      t0 = performance.now();
      c0 = process.cpuUsage();
      const c = await client.run(`b${batch}-${i}`, request);
      if (keep) t[4].push(performance.now() - t0);
      if (keep) cpu[4].push(cpuMs(process.cpuUsage(c0)));
      if (!c.ok) throw new Error(c.error.message);
      if (keep) t[5].push(c.value.totalMs);
    }
    for (let v = 0; v < names.length; v++)
      process.stdout.write(
        `${preset} batch ${batch}  ${names[v].padEnd(20)} ${(median(t[v]) / batch).toFixed(2).padStart(7)} ms/image  ×${(median(t[v]) / median(t[0])).toFixed(3)} plain${cpu[v].length ? `   CPU ${(median(cpu[v]) / batch).toFixed(2).padStart(7)} ms/image  ×${(median(cpu[v]) / median(cpu[0])).toFixed(3)}` : ''}\n`,
      );
  }
  await client.dispose();
  session.dispose();
  await plain.release();
  await summaries.release();
  process.stdout.write(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );
}

void main();
