/**
 * The engine through its client, as hosts and the CLI use it: real worker threads running
 * TF.js (WebAssembly). Progress, cancel, timeout, crash recovery, memory refusal, the classic
 * smoke test, and the parent's event loop staying free during a run.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Design } from '../../core/model/types';
import type { RunProgress } from '../../core/run/types';
import { presetDesign } from '../../core/presets';
import { analyze } from '../../core/analysis/analyze';
import { probeBackend } from './backend';
import { batchSlices, EngineClient, runPlan } from './engineClient';
import { defaultAssetsDir } from './workerEntry';
import type { EngineRunRequest } from './protocol';

const googlenet = presetDesign('googlenet')!;
/** A small design (about 2 M MACs per image) for the plumbing tests. */
const small: Design = {
  name: 'small',
  preset: null,
  input: { batch: 3, channels: 3, height: 32, width: 32 },
  classes: 10,
  aux: true,
  modules: [
    {
      id: 'conv1',
      kind: 'convBlock',
      inputs: ['input'],
      params: { out_channels: 16, kernel: 3, stride: 2, padding: 1 },
    },
    {
      id: 'pool1',
      kind: 'maxPool',
      inputs: ['conv1'],
      params: { kernel: 3, stride: 2, padding: 1 },
    },
    {
      id: 'inc',
      kind: 'inception',
      inputs: ['pool1'],
      params: { out_1x1: 8, red_3x3: 8, out_3x3: 8, red_5x5: 4, out_5x5: 4, out_1x1pool: 4 },
    },
    {
      id: 'aux1',
      kind: 'auxHead',
      inputs: ['inc'],
      params: { pool: 'adaptive', pool_size: 2, in_size: 2, conv_out: 8, hidden: 16 },
      aux: true,
    },
    { id: 'gap', kind: 'adaptiveAvgPool', inputs: ['inc'], params: { output_size: 1 } },
    { id: 'fc', kind: 'linear', inputs: ['gap'], params: { out_features: 'classes' } },
  ],
  outputs: { main: 'fc', aux1: 'aux1' },
};
const random = { kind: 'random' } as const;
const request = (over: Partial<EngineRunRequest> = {}): EngineRunRequest => ({
  design: small,
  mode: 'eval',
  seed: 1,
  input: random,
  ...over,
});

const clients: EngineClient[] = [];
const client = (options: ConstructorParameters<typeof EngineClient>[0] = {}) => {
  const c = new EngineClient({ backend: 'wasm', workers: 1, ...options });
  clients.push(c);
  return c;
};
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
});

const wasm = await probeBackend('wasm');
const tensorflow = await probeBackend('tensorflow');
const onnxruntime = await probeBackend('onnxruntime');

describe.skipIf(!wasm.ok)('EngineClient on wasm', () => {
  const engine = client({ allowFaults: true });

  it('reports the backend it uses and why it skipped the preferred one', async () => {
    const auto = client();
    const info = await client({ backend: undefined })
      .info()
      .catch((e: Error) => e);
    expect(info).not.toBeInstanceOf(Error);
    const forced = await auto.info();
    expect(forced).toEqual({ name: 'wasm', fallbacks: [] });
    if (onnxruntime.ok && !(info instanceof Error)) {
      // Automatic: ONNX Runtime first (its eval runs); TF.js stays in the worker for train mode.
      expect(info).toEqual({ name: 'onnxruntime', fallbacks: [] });
    } else if (!tensorflow.ok && !(info instanceof Error)) {
      expect(info.name).toBe('wasm');
      expect(info.fallbacks.join(' ')).toContain('@tensorflow/tfjs-node');
    }
  });

  it('passes the classic smoke test: batch 3 of 3×224×224 in train mode gives three 3×1000 outputs', async () => {
    const progress: RunProgress[] = [];
    const r = await engine.run(
      'smoke',
      { design: googlenet, mode: 'train', seed: 0, input: random },
      (p) => progress.push(p),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const v = r.value;
    expect(Object.keys(v.outputs).sort()).toEqual(['aux1', 'aux2', 'main']);
    for (const o of Object.values(v.outputs)) expect(o.shape).toEqual([3, 1000]);
    expect(v.backend.name).toBe('wasm');
    expect(v.batch).toBe(3);
    expect(v.modules.length).toBe(20);
    expect(v.modules.filter((m) => !m.match)).toEqual([]);
    expect(v.modules.find((m) => m.id === 'inception4e')!.shape).toEqual([3, 832, 14, 14]);
    // The pass's time includes each module's: no module took longer than the whole run.
    expect(v.totalMs).toBeGreaterThanOrEqual(Math.max(...v.modules.map((m) => m.ms)));
    expect(v.peakBytes).toBeGreaterThan(3 * 64 * 112 * 112 * 4);
    // Progress: one event per module, in order.
    expect(progress.map((p) => p.module)).toEqual(v.modules.map((m) => m.id));
    expect(progress.map((p) => p.done)).toEqual(v.modules.map((_, i) => i + 1));
    expect(new Set(progress.map((p) => p.total))).toEqual(new Set([20]));
    // Top-5 with ImageNet labels, marked as meaningless for random weights.
    const labels = JSON.parse(
      readFileSync(path.join(defaultAssetsDir(), 'imagenet-classes.json'), 'utf8'),
    ) as string[];
    const top = v.outputs.main.top5!;
    expect(top).toHaveLength(5);
    expect(top[0].label).toBe(labels[top[0].index]);
    expect(top[0].probability).toBeGreaterThanOrEqual(top[4].probability);
    expect(v.untrainedWeights).toBe(true);
    expect(v.warnings.join(' ')).toContain('random initialization');
    // Feature maps: small pictures of 0..255 values, cheap to send.
    const fm = v.modules.find((m) => m.id === 'conv1')!.featureMap!;
    expect(fm.width).toBeLessThanOrEqual(32);
    expect(fm.height).toBeLessThanOrEqual(32);
    expect(fm.mean).toHaveLength(fm.width * fm.height);
    expect(fm.channels.length).toBe(4);
    for (const c of fm.channels)
      expect(c.values.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)).toBe(true);
    expect(v.modules.find((m) => m.id === 'fc1')!.featureMap).toBeUndefined();
    expect(JSON.stringify(v).length).toBeLessThan(400_000);
  });

  it('splits an eval batch across two workers and merges to the numbers one worker gives', async () => {
    expect(batchSlices(3, 2)).toEqual([
      { start: 0, count: 2 },
      { start: 2, count: 1 },
    ]);
    expect(batchSlices(1, 2)).toEqual([{ start: 0, count: 1 }]);
    // An odd batch on two workers: the last image is cut where half of the work is done.
    expect(runPlan(3, 2, [10, 30, 20, 20, 20])).toEqual([
      [
        { start: 2, count: 1, modules: { from: 0, to: 2 }, lane: 0 },
        { start: 0, count: 1, lane: 0 },
      ],
      [
        { start: 1, count: 1, lane: 1 },
        { start: 2, count: 1, modules: { from: 2, to: 5 }, lane: 1 },
      ],
    ]);
    expect(runPlan(5, 2, [1, 1])[1][0]).toEqual({ start: 2, count: 2, lane: 1 });
    // Even batches, one worker, or a single module: plain slices.
    expect(runPlan(4, 2, [1, 1])).toEqual([
      [{ start: 0, count: 2, lane: 0 }],
      [{ start: 2, count: 2, lane: 1 }],
    ]);
    expect(runPlan(3, 1, [1, 1])).toEqual([[{ start: 0, count: 3, lane: 0 }]]);
    expect(runPlan(3, 2, [1])).toEqual([
      [{ start: 0, count: 2, lane: 0 }],
      [{ start: 2, count: 1, lane: 1 }],
    ]);
    const two = client({ workers: 2 });
    const a = await engine.run('one', request({ returnOutputs: true }));
    const b = await two.run('two', request({ returnOutputs: true }));
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    const x = a.value.outputData!.main.data;
    const y = b.value.outputData!.main.data;
    expect(b.value.outputData!.main.shape).toEqual([3, 10]);
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
    expect(worst).toBeLessThanOrEqual(1e-6 * Math.max(...Array.from(x, Math.abs)));
    for (let i = 0; i < a.value.modules.length; i++) {
      const m = a.value.modules[i];
      const n = b.value.modules[i];
      expect(n.shape).toEqual(m.shape);
      expect(n.match).toBe(true);
      // Statistics merged from two slices agree with one pass to float32 rounding.
      for (const k of ['mean', 'std', 'min', 'max'] as const)
        expect(Math.abs(n.stats[k] - m.stats[k]), `${m.id} ${k}`).toBeLessThanOrEqual(
          1e-4 * (Math.abs(m.stats.max) + Math.abs(m.stats.min)),
        );
    }
    expect(b.value.modules[0].featureMap).toEqual(a.value.modules[0].featureMap);
  });

  it('cancels a running run, cancels a queued one, and runs again afterwards', async () => {
    let cancelled = false;
    const running = engine.run(
      'long',
      { design: googlenet, mode: 'eval', seed: 0, input: random },
      () => {
        if (!cancelled) cancelled = engine.cancel('long');
      },
    );
    const queued = engine.run('queued', request());
    expect(engine.cancel('queued')).toBe(true);
    expect(await running).toMatchObject({ ok: false, error: { code: 'run.cancelled' } });
    expect(await queued).toMatchObject({ ok: false, error: { code: 'run.cancelled' } });
    expect(engine.cancel('long')).toBe(false);
    expect((await engine.run('after-cancel', request())).ok).toBe(true);
  });

  it('stops a run at its time limit, and runs again afterwards', async () => {
    const r = await engine.run('slow', {
      design: googlenet,
      mode: 'eval',
      seed: 0,
      input: random,
      timeoutMs: 1,
    });
    expect(r).toMatchObject({ ok: false, error: { code: 'run.timeout' } });
    if (!r.ok) expect(r.error.message).toContain('time limit');
    expect((await engine.run('after-timeout', request())).ok).toBe(true);
  });

  it('terminates a worker that does not stop within the grace period, and starts a fresh one', async () => {
    const impatient = client({ stopGraceMs: 0 });
    let asked = false;
    const r = await impatient.run(
      'stuck',
      { design: googlenet, mode: 'eval', seed: 0, input: random },
      () => {
        if (!asked) asked = impatient.cancel('stuck');
      },
    );
    expect(r).toMatchObject({ ok: false, error: { code: 'run.cancelled' } });
    expect((await impatient.run('fresh', request())).ok).toBe(true);
  });

  it('turns a worker crash into an error result and restarts the worker for the next run', async () => {
    engine.postRaw({ type: 'fault', fault: 'exit' });
    const crashed = await engine.run('crash', request());
    expect(crashed).toMatchObject({ ok: false, error: { code: 'engine.crashed' } });
    if (!crashed.ok) expect(crashed.error.message).toContain('exit code 3');
    expect((await engine.run('after-crash', request())).ok).toBe(true);

    engine.postRaw({ type: 'fault', fault: 'throw' });
    const thrown = await engine.run('throw', request());
    expect(thrown).toMatchObject({ ok: false, error: { code: 'engine.crashed' } });
    if (!thrown.ok) expect(thrown.error.message).toContain('A fault was injected');
    expect((await engine.run('after-throw', request())).ok).toBe(true);
  });

  it('turns an out-of-memory in the worker into run.outOfMemory and recovers', async () => {
    const tight = client({ allowFaults: true, resourceLimits: { maxOldGenerationSizeMb: 128 } });
    expect((await tight.run('before-oom', request())).ok).toBe(true);
    tight.postRaw({ type: 'fault', fault: 'oom' });
    const r = await tight.run('oom', request());
    expect(r).toMatchObject({ ok: false, error: { code: 'run.outOfMemory' } });
    expect((await tight.run('after-oom', request())).ok).toBe(true);
  });

  it('refuses a run whose estimated memory exceeds the budget, before allocating', async () => {
    const frugal = client({ memoryBudgetBytes: 1024 * 1024 });
    const r = await frugal.run('big', { design: googlenet, mode: 'eval', seed: 0, input: random });
    expect(r).toMatchObject({ ok: false, error: { code: 'run.memory' } });
    if (!r.ok)
      expect(r.error.message).toMatch(
        /would need about .* of memory, more than the 1\.0 MiB available/,
      );
    // The default budget keeps a WebAssembly run inside its 4 GiB heap.
    const huge: Design = {
      ...small,
      input: { batch: 5, channels: 3, height: 224, width: 224 },
      modules: [
        {
          id: 'wide',
          kind: 'conv2d',
          inputs: ['input'],
          params: { out_channels: 4096, kernel: 1 },
        },
      ],
      outputs: { main: 'wide' },
    };
    const heap = await engine.run('heap', request({ design: huge }));
    expect(heap).toMatchObject({ ok: false, error: { code: 'run.memory' } });
    if (!heap.ok) expect(heap.error.message).toContain('WebAssembly heap');
  });

  it('runs Inception v3 at 224×224 in eval mode without its aux head and notes why; refuses train mode', async () => {
    const v3 = presetDesign('inception-v3')!;
    const at224: Design = { ...v3, input: { ...v3.input, batch: 1, height: 224, width: 224 } };
    expect(analyze(at224).valid).toBe(false);
    const r = await engine.run('v3-224', request({ design: at224 }));
    if (!r.ok) throw new Error(r.error.message);
    expect(Object.keys(r.value.outputs)).toEqual(['main']);
    expect(r.value.outputs.main.shape).toEqual([1, 1000]);
    expect(r.value.modules.every((m) => m.match)).toBe(true);
    expect(r.value.modules.map((m) => m.id)).not.toContain('AuxLogits');
    expect(r.value.warnings.filter((w) => w.startsWith('AuxLogits is off the eval path'))).toEqual([
      expect.stringContaining('in conv1.conv, the 5×5 kernel does not fit its 3×3 input'),
    ]);
    const train = await engine.run('v3-224-train', request({ design: at224, mode: 'train' }));
    expect(train).toMatchObject({ ok: false, error: { code: 'run.invalidDesign' } });
    if (!train.ok) {
      expect(train.error.message).toContain('AuxLogits: in conv1.conv');
      expect(train.error.message).toContain('an eval run skips it and would run');
    }
  });

  it('answers invalid designs, duplicate ids and unknown messages with errors', async () => {
    const bad = {
      ...small,
      modules: small.modules.map((m) =>
        m.id === 'inc' ? { ...m, params: { ...m.params, out_3x3: -5 } } : m,
      ),
    };
    const r = await engine.run('bad', request({ design: bad }));
    expect(r).toMatchObject({ ok: false, error: { code: 'run.invalidDesign' } });
    if (!r.ok) expect(r.error.message).toContain('3×3 must be');

    const first = engine.run('same', request());
    expect(await engine.run('same', request())).toMatchObject({
      ok: false,
      error: { code: 'run.duplicate' },
    });
    expect((await first).ok).toBe(true);

    const { strayErrors } = engine.postRaw({ type: 'launch-missiles' });
    await engine.info();
    expect(strayErrors).toContainEqual({
      code: 'ipc.unknownType',
      message: 'The engine worker does not understand messages of type "launch-missiles".',
    });

    const strict = client();
    const refused = strict.postRaw({ type: 'fault', fault: 'exit' });
    await strict.info();
    expect(refused.strayErrors.map((e) => e.code)).toEqual(['ipc.forbidden']);
  });

  it('runs on sample photos and image files, and names a bad one', async () => {
    const cat = await engine.run(
      'cat',
      request({
        design: googlenet,
        input: { kind: 'sample', name: 'cat.jpg' },
        batch: 1,
        featureMaps: false,
      }),
    );
    expect(cat.ok).toBe(true);
    if (cat.ok) expect(cat.value.outputs.main.shape).toEqual([1, 1000]);
    const two = await engine.run(
      'two',
      request({
        input: {
          kind: 'images',
          paths: ['coffee.jpg', 'rocket.jpg'].map((f) =>
            path.join(defaultAssetsDir(), 'samples', f),
          ),
        },
        batch: 2,
      }),
    );
    expect(two.ok).toBe(true);
    expect(
      await engine.run(
        'sneaky',
        request({ input: { kind: 'sample', name: '../imagenet-classes.json' } }),
      ),
    ).toMatchObject({ ok: false, error: { code: 'input.sample' } });
    const missing = await engine.run(
      'missing',
      request({ input: { kind: 'image', path: '/nonexistent/photo.png' } }),
    );
    expect(missing).toMatchObject({ ok: false, error: { code: 'input.read' } });
    if (!missing.ok)
      expect(missing.error.message).toContain('/nonexistent/photo.png does not exist');
    const notImage = await engine.run(
      'text',
      request({
        input: { kind: 'image', path: path.join(defaultAssetsDir(), 'samples', 'README.md') },
      }),
    );
    expect(notImage).toMatchObject({ ok: false, error: { code: 'input.format' } });
  });

  it("keeps the parent's event loop responsive while a batch-3 GoogLeNet pass runs in the worker", async () => {
    await engine.run('warm', {
      design: googlenet,
      mode: 'eval',
      seed: 0,
      input: random,
      featureMaps: false,
    });
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    const t0 = performance.now();
    const r = await engine.run('responsive', {
      design: googlenet,
      mode: 'eval',
      seed: 0,
      input: random,
    });
    const wall = performance.now() - t0;
    h.disable();
    expect(r.ok).toBe(true);
    // A pass on the parent's own thread would block it for the whole run. The bound is a ratio,
    // not a time: other processes (and vitest's other workers) share the two cores, so an absolute
    // bound failed on a loaded machine (312 ms at load 10) while the ratio still tells a stall of
    // the whole run from scheduling noise.
    const maxDelayMs = h.max / 1e6;
    expect(maxDelayMs).toBeLessThan(wall / 2);
  });
});

describe('forcing a backend through the environment', () => {
  it('reports a name that is not a backend instead of picking another', async () => {
    const saved = process.env.INCEPTION_ENGINE_BACKEND;
    process.env.INCEPTION_ENGINE_BACKEND = 'gpu';
    try {
      const c = new EngineClient({ workers: 1 });
      clients.push(c);
      await expect(c.info()).rejects.toThrow(
        'INCEPTION_ENGINE_BACKEND is "gpu", which is not a backend; use one of onnxruntime, tensorflow, wasm, cpu.',
      );
      expect(await c.run('env', request())).toMatchObject({
        ok: false,
        error: { code: 'engine.backend' },
      });
    } finally {
      if (saved === undefined) delete process.env.INCEPTION_ENGINE_BACKEND;
      else process.env.INCEPTION_ENGINE_BACKEND = saved;
    }
  });

  it.skipIf(!wasm.ok)('runs on the backend it names', async () => {
    const saved = process.env.INCEPTION_ENGINE_BACKEND;
    process.env.INCEPTION_ENGINE_BACKEND = 'cpu';
    try {
      const c = new EngineClient({ workers: 1 });
      clients.push(c);
      const r = await c.run('env-cpu', request());
      expect(r.ok && r.value.backend).toEqual({ name: 'cpu', fallbacks: [] });
    } finally {
      if (saved === undefined) delete process.env.INCEPTION_ENGINE_BACKEND;
      else process.env.INCEPTION_ENGINE_BACKEND = saved;
    }
  });
});

describe('the native TensorFlow backend', () => {
  it.skipIf(tensorflow.ok)(
    `is reported, not silently replaced, when forced but absent`,
    async () => {
      const forced = client({ backend: 'tensorflow' });
      await expect(forced.info()).rejects.toThrow(/tfjs-node/);
      const r = await forced.run('tf', request());
      expect(r).toMatchObject({ ok: false, error: { code: 'engine.backend' } });
    },
  );
  it.skipIf(!tensorflow.ok)(
    `runs the smoke test when installed${tensorflow.ok ? '' : ` (skipped: ${tensorflow.reason})`}`,
    async () => {
      const native = client({ backend: 'tensorflow' });
      const r = await native.run('tf-smoke', {
        design: googlenet,
        mode: 'train',
        seed: 0,
        input: random,
      });
      expect(r.ok).toBe(true);
      if (r.ok) for (const o of Object.values(r.value.outputs)) expect(o.shape).toEqual([3, 1000]);
    },
  );
});

describe.skipIf(!onnxruntime.ok || !wasm.ok)('EngineClient on onnxruntime', () => {
  const engine = client({ backend: undefined, allowFaults: true, workers: 2 });

  it('runs eval passes on ONNX Runtime on one worker, with progress, module times, statistics and feature maps', async () => {
    const progress: RunProgress[] = [];
    const r = await engine.run('ort-eval', { ...request(), batch: 3, returnOutputs: true }, (p) =>
      progress.push(p),
    );
    expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
    if (!r.ok) return;
    const v = r.value;
    expect(v.backend).toEqual({ name: 'onnxruntime', fallbacks: [] });
    expect(v.outputs.main.shape).toEqual([3, 10]);
    expect(v.modules.map((m) => m.id)).toEqual(
      analyze(small)
        .modules.filter((m) => m.evalPath)
        .map((m) => m.id),
    );
    expect(v.modules.every((m) => m.match && m.ms >= 0 && Number.isFinite(m.stats.std))).toBe(true);
    expect(v.modules.some((m) => m.featureMap && m.featureMap.mean.length > 0)).toBe(true);
    // One session over the whole graph: its modules end together, so progress comes once, and module
    // times come from ONNX Runtime's profiler, which the result says.
    expect(progress.map((p) => p.done)).toEqual([v.modules.length]);
    expect(v.timing?.method).toBe('profiler');
    expect(v.timing?.note).toMatch(/profiler, the median of 3 passes after a warm-up/);
    // The same pass on wasm gives the same logits.
    const w = await engine.run('ort-vs-wasm', {
      ...request(),
      batch: 3,
      returnOutputs: true,
      backend: 'wasm',
    });
    expect(w.ok && w.value.backend.name).toBe('wasm');
    if (!w.ok) return;
    const a = v.outputData!.main.data;
    const b = w.value.outputData!.main.data;
    const scale = Math.max(...Array.from(b, Math.abs));
    expect(Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i])))).toBeLessThanOrEqual(
      1e-4 * scale,
    );
  });

  it('reuses the cached ONNX Runtime model across batch sizes without marking any module (batch 2, 1, 3, 1)', async () => {
    for (const batch of [2, 1, 3, 1]) {
      const r = await engine.run(`ort-batch-${batch}`, { ...request(), batch });
      expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
      if (!r.ok) return;
      expect(r.value.backend.name).toBe('onnxruntime');
      const wrong = r.value.modules.filter((m) => !m.match).map((m) => m.id);
      expect(wrong, `batch ${batch}`).toEqual([]);
      expect(r.value.modules.every((m) => m.shape[0] === batch)).toBe(true);
      expect(r.value.warnings.join(' ')).not.toContain('bug');
    }
  });

  it('runs train mode on TF.js and says why', async () => {
    const r = await engine.run('ort-train', {
      ...request(),
      mode: 'train',
      backend: 'onnxruntime',
    });
    expect(r.ok && r.value.backend.name).toBe('wasm');
    expect(r.ok && r.value.backend.fallbacks[0]).toMatch(
      /^ONNX Runtime runs eval mode only; train mode .* runs on TensorFlow\.js\.$/,
    );
  });

  it('falls back to TF.js with the reason when ONNX Runtime fails, and uses it again on the next run', async () => {
    engine.postRaw({ type: 'fault', fault: 'onnxruntime' });
    const r = await engine.run('ort-fault', { ...request(), seed: 5 });
    expect(r.ok && r.value.backend.name).toBe('wasm');
    expect(r.ok && r.value.backend.fallbacks[0]).toBe(
      'ONNX Runtime failed on this design, so the run fell back to TensorFlow.js: ONNX Runtime refused the model (a fault injected by a test).',
    );
    const again = await engine.run('ort-again', { ...request(), seed: 5 });
    expect(again.ok && again.value.backend.name).toBe('onnxruntime');
  });

  it('cancels a run on ONNX Runtime once its progress is seen (before the profiled passes end)', async () => {
    let cancelled = false;
    const r = await engine.run('ort-cancel', { ...request(), design: googlenet, seed: 9 }, () => {
      if (!cancelled) cancelled = engine.cancel('ort-cancel');
    });
    expect(r).toMatchObject({ ok: false, error: { code: 'run.cancelled' } });
  });
});
