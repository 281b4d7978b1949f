/**
 * Issue 20, rule 1, as a property: designs whose module ids are drawn from names that collide
 * after derivation (`blk.0`/`blk_0` → the variable `blk_0`, `blk.keys` → a ModuleDict attribute,
 * `inception_3a_1x1` → a flat Caffe layer of `inception_3a`, `x`/`torch` → forward()'s own names)
 * are either refused by the analysis with every problem on a module's `id` field, or the engine
 * (TF.js, the layer builders every run uses), the ONNX export (ONNX Runtime) and the exported
 * PyTorch (Debian's python3-torch, strict weight loading) compute the same outputs on the same
 * weights. All Python work happens in one interpreter launch.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze } from '../../core/analysis/analyze';
import { onnxModel } from '../../core/export/onnx';
import { pytorchCode } from '../../core/export/pytorch';
import type { Design, ModuleSpec } from '../../core/model/types';
import { randomInput } from '../../core/weights/init';
import { initStateDict, stateDictSpec } from '../../core/weights/stateDict';
import { probeBackend } from '../../node/engine/backend';
import { compileModel, forward } from '../../node/engine/model';
import { hasTorch, PYTHON } from '../torchReference';

/** max |a − b| ≤ 1e-4 × max(1, max |b|), the engine's parity tolerance. */
const TOLERANCE = 1e-4;
const SHAPE = [1, 3, 8, 8] as const;

/**
 * Groups of ids that collide after derivation: with one another (`blk.0`/`blk_0` → the variable
 * `blk_0`), with forward()'s own names (`x`, `torch`), with a flat module's Caffe layers
 * (`inception_3a_1x1`), or with nn.Module and nn.ModuleDict attributes (`blk.keys`, `self`).
 */
const GROUPS: readonly { ids: readonly string[]; refused: boolean }[] = [
  { ids: ['blk.0', 'blk_0', 'blk.0_2', 'blk_0_2'], refused: false },
  { ids: ['m.1', 'm_1', 'm.2'], refused: false },
  { ids: ['x', 'x_out', 'x_in'], refused: false },
  { ids: ['torch', 'torch_out', 'F', 'F_out', 'branches'], refused: false },
  {
    ids: ['inception_3a', 'inception_3a_1x1', 'inception_3a_pool', 'inception_3a_output'],
    refused: true,
  },
  {
    ids: ['blk.keys', 'blk.training', 'blk.forward', 'blk.cuda', 'blk.items', 'self', '_x', 'blk'],
    refused: true,
  },
];

/** Module ids: a few members of a few groups, shuffled, so most designs hold a collision (groups that refuse the design less often). */
const idLists: fc.Arbitrary<string[]> = fc
  .tuple(
    ...GROUPS.map((g) =>
      fc.oneof(
        { weight: g.refused ? 4 : 1, arbitrary: fc.constant<string[]>([]) },
        { weight: 2, arbitrary: fc.shuffledSubarray([...g.ids], { minLength: 2, maxLength: 3 }) },
      ),
    ),
  )
  .map((parts) => parts.flat())
  .chain((ids) => fc.shuffledSubarray(ids, { minLength: ids.length, maxLength: ids.length }))
  .filter((ids) => ids.length >= 3)
  .map((ids) => ids.slice(0, 9));

/** The paper's Inception module (Caffe layer names) with 4 output channels, like every other module here. */
const FLAT_PARAMS = { out_1x1: 1, red_3x3: 1, out_3x3: 1, red_5x5: 1, out_5x5: 1, pool_proj: 1 };

/** A design over `ids` in order: 1×1 convs and flat Inception modules reading an earlier module, adds joining two or three, and a head joining the rest. */
const designs: fc.Arbitrary<Design> = idLists.chain((ids) =>
  fc
    .tuple(
      ...ids.map((_, i) =>
        fc.record({
          join: fc.nat(2).map((n) => n > 0),
          picks: fc.uniqueArray(fc.nat(i), { minLength: 1, maxLength: 3 }),
        }),
      ),
    )
    .map((choices) => {
      const modules: ModuleSpec[] = ids.map((id, i): ModuleSpec => {
        // pick 0 is the network input; pick k > 0 the k-th module.
        const source = (k: number) => (k === 0 ? 'input' : ids[k - 1]);
        const { join, picks } = choices[i];
        const earlier = picks.filter((k) => k > 0);
        if (join && earlier.length >= 2)
          return { id, kind: 'add', inputs: earlier.map(source), params: {} };
        const from = source(picks[0]);
        if (id === 'inception_3a')
          return { id, kind: 'inceptionPaper', inputs: [from], params: FLAT_PARAMS };
        return { id, kind: 'conv2d', inputs: [from], params: { out_channels: 4, kernel: 1 } };
      });
      // One head reads every module nothing else reads, so every module is on the eval path.
      const read = new Set(modules.flatMap((m) => m.inputs));
      const loose = ids.filter((id) => !read.has(id));
      const sink: ModuleSpec =
        loose.length >= 2
          ? { id: 'head', kind: 'add', inputs: loose, params: {} }
          : { id: 'head', kind: 'conv2d', inputs: loose, params: { out_channels: 4, kernel: 1 } };
      return {
        name: 'collide',
        preset: null,
        input: { batch: SHAPE[0], channels: SHAPE[1], height: SHAPE[2], width: SHAPE[3] },
        classes: 10,
        aux: false,
        modules: [...modules, sink],
        outputs: { main: 'head' },
      };
    }),
);

const CHECKER = String.raw`
import importlib.util, json, sys, torch
out = []
for case in json.load(open(sys.argv[1], encoding="utf-8")):
    try:
        spec = importlib.util.spec_from_file_location("exported", case["py"])
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        model = getattr(mod, case["cls"])()
        weights = {k: torch.tensor(v["data"], dtype=torch.float32).reshape(v["shape"]) for k, v in case["weights"].items()}
        model.load_state_dict(weights, strict=True)
        model.eval()
        x = torch.tensor(case["input"], dtype=torch.float32).reshape(case["shape"])
        with torch.no_grad():
            y = model(x)
        out.append({"main": y.flatten().tolist()})
    except Exception as e:
        out.append({"error": type(e).__name__ + ": " + str(e)})
json.dump(out, open(sys.argv[2], "w"))
`;

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): { diff: number; scale: number } {
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { diff, scale };
}

const NAME_CODES = new Set(['graph.invalidId', 'graph.duplicateId', 'id.collision']);

describe.skipIf(!hasTorch)('ids that collide after derivation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ie-names-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are refused on the id field, or PyTorch, ONNX and the engine compute the same network', async () => {
    const backend = await probeBackend('cpu');
    expect(backend.ok).toBe(true);
    expect(await tf.setBackend('cpu')).toBe(true);
    const samples = fc.sample(designs, { numRuns: 80, seed: 20 });
    const runs: { design: Design; engine: Float32Array; onnx: Float32Array }[] = [];
    const cases: unknown[] = [];
    let refused = 0;
    for (const [n, design] of samples.entries()) {
      const ids = design.modules.map((m) => m.id);
      const analysis = analyze(design);
      if (!analysis.valid) {
        refused++;
        // Every problem is about names: on some module's id field, or a module reading a refused one.
        const named = analysis.issues.filter((i) => NAME_CODES.has(i.code));
        expect(named.length, JSON.stringify(analysis.issues)).toBeGreaterThan(0);
        for (const i of named) {
          expect(i.field).toBe('id');
          expect(ids).toContain(i.nodeId);
        }
        for (const i of analysis.issues.filter((x) => !NAME_CODES.has(x.code)))
          expect(['graph.unknownInput', 'graph.noOutput'], i.message).toContain(i.code);
        for (const i of named.filter((x) => x.code === 'id.collision'))
          expect(ids.filter((id) => i.message.includes(id)).length).toBeGreaterThanOrEqual(2);
        expect(pytorchCode(design, analysis).ok).toBe(false);
        expect(onnxModel(design, analysis, new Map()).ok).toBe(false);
        continue;
      }
      const weights = initStateDict(analysis.graph, 3 + n, 'randomized');
      const shapes = new Map(stateDictSpec(analysis.graph).map((e) => [e.key, e.shape]));
      const input = randomInput([...SHAPE], 5 + n);

      const model = compileModel(design, analysis, weights, { mode: 'eval' });
      const x = tf.tensor4d(input, [...SHAPE]);
      const r = forward(model, x);
      const main = r.outputs.main;
      const nchw = main.rank === 4 ? tf.transpose(main, [0, 3, 1, 2]) : main;
      const engine = Float32Array.from(nchw.dataSync());
      tf.dispose([x, nchw, ...Object.values(r.outputs)]);
      model.dispose();

      const exported = onnxModel(design, analysis, weights);
      expect(exported.ok, JSON.stringify(!exported.ok && exported.issues)).toBe(true);
      if (!exported.ok) continue;
      const session = await ort.InferenceSession.create(exported.value.bytes, {
        intraOpNumThreads: 1,
      });
      const y = await session.run({ input: new ort.Tensor('float32', input, [...SHAPE]) });
      const onnx = Float32Array.from(y.main.data as Float32Array);
      await session.release();

      const py = pytorchCode(design, analysis);
      expect(py.ok, JSON.stringify(!py.ok && py.issues)).toBe(true);
      if (!py.ok) continue;
      const file = join(dir, `case${n}.py`);
      writeFileSync(file, py.value.code);
      cases.push({
        py: file,
        cls: py.value.className,
        shape: SHAPE,
        input: [...input],
        weights: Object.fromEntries(
          [...weights].map(([k, v]) => [k, { shape: shapes.get(k), data: [...v] }]),
        ),
      });
      runs.push({ design, engine, onnx });
    }
    // Both outcomes are exercised: the property is not vacuous either way.
    expect(refused).toBeGreaterThan(10);
    expect(runs.length).toBeGreaterThan(20);

    const manifest = join(dir, 'manifest.json');
    const results = join(dir, 'results.json');
    writeFileSync(manifest, JSON.stringify(cases));
    execFileSync(PYTHON, ['-c', CHECKER, manifest, results], { timeout: 300_000 });
    const torchOut = JSON.parse(readFileSync(results, 'utf8')) as {
      main?: number[];
      error?: string;
    }[];
    runs.forEach((run, i) => {
      const ids = run.design.modules.map((m) => m.id).join(', ');
      const t = torchOut[i];
      expect(t.error, `PyTorch failed on ${ids}`).toBeUndefined();
      const torch = t.main!;
      expect(run.engine.length).toBe(torch.length);
      const e = maxDiff(run.engine, torch);
      expect(e.diff, `engine vs PyTorch on ${ids}`).toBeLessThanOrEqual(TOLERANCE * e.scale);
      const o = maxDiff(run.onnx, torch);
      expect(o.diff, `ONNX vs PyTorch on ${ids}`).toBeLessThanOrEqual(TOLERANCE * o.scale);
    });
  }, 300_000);
});
