/**
 * The onnxruntime backend: eval-mode forward passes through ONNX Runtime (onnxruntime-node, its
 * CPU libraries ship inside the npm package) on core's ONNX export. A run is one session over the
 * whole graph (`OrtGraphModel`): each module's shape and statistics are reduced inside the graph,
 * feature maps come out only for the modules asked for, and module times come from ONNX Runtime's
 * profiler. `OrtModel` (one session per module, every output copied out) is kept as the reference
 * the whole-graph figures are tested against. Sessions use all the machine's cores (intra-op threads).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import type { Analysis } from '../../core/analysis/analyze';
import {
  onnxModel,
  outputLayerOf,
  ONNX_INPUT,
  ONNX_SUMMARY_SHAPES,
  ONNX_SUMMARY_STATS,
} from '../../core/export/onnx';
import {
  floatValueInfo,
  IR_VERSION,
  onnx,
  OnnxGraphBuilder,
  OPSET,
} from '../../core/export/onnxGraph';
import type { Design, Shape } from '../../core/model/types';
import { emptyRecord } from '../../core/model/records';
import { estimateRunBytes } from './memory';
import type { StatsAccumulator } from './stats';

type OrtModule = typeof Ort;
let loaded: Promise<{ ok: true; ort: OrtModule } | { ok: false; reason: string }> | null = null;

/** Loads onnxruntime-node once per thread; a failure (no binary for this platform, a broken install) is a reason, not a throw. */
export function loadOnnxRuntime(): Promise<
  { ok: true; ort: OrtModule } | { ok: false; reason: string }
> {
  loaded ??= (async () => {
    try {
      // A variable specifier keeps bundlers from resolving the native module at build time.
      const name = 'onnxruntime-node';
      const mod = (await import(/* @vite-ignore */ name)) as OrtModule & { default?: OrtModule };
      const ort = mod.InferenceSession ? mod : mod.default!;
      if (!ort?.InferenceSession)
        return {
          ok: false as const,
          reason: 'ONNX Runtime (onnxruntime-node) loaded but has no InferenceSession.',
        };
      return { ok: true as const, ort };
    } catch (e) {
      return {
        ok: false as const,
        reason: `ONNX Runtime (onnxruntime-node) is not available: ${(e as Error).message.split('\n')[0]}`,
      };
    }
  })();
  return loaded;
}

/** Thrown between modules when the caller asks the pass to stop. */
export class OrtStop extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

interface ModuleSession {
  readonly id: string;
  readonly session: Ort.InferenceSession;
  /** Graph inputs: `input` or the layer ids of other modules' outputs. */
  readonly inputs: readonly string[];
  /** The layer whose value is the module's output (what later modules read). */
  readonly outputLayer: string;
  readonly expectedShape: Shape | null;
}

export interface OrtModuleResult {
  readonly id: string;
  readonly index: number;
  /** NCHW (or N×F) values of the whole slice, and their shape. */
  readonly data: Float32Array;
  readonly shape: Shape;
  readonly expectedShape: Shape | null;
  readonly ms: number;
}

export interface OrtPassResult {
  /** Design outputs (eval mode: `main`, …) in PyTorch's layout. */
  readonly outputs: Readonly<Record<string, { shape: Shape; data: Float32Array }>>;
  readonly totalMs: number;
  /** Bytes of the initializers plus the most module outputs held at once. */
  readonly peakBytes: number;
}

/** Intra-op threads: every core this process may use. */
export function onnxThreads(): number {
  return Math.max(1, os.availableParallelism());
}

/**
 * The session options every engine session uses, chosen by measurement (bench/ortOptions.ts;
 * figures in README.md): all graph optimisations (on x86 with AVX2/AVX-512 these include the NCHWc
 * layout), intra-op threads = cores, the memory arena on, and threads that do not spin between
 * ops (spinning buys nothing measurable here and burns the cores other processes share).
 */
export function sessionOptions(threads = onnxThreads()): Ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    executionProviders: ['cpu'],
    enableCpuMemArena: true,
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

/** The eval-mode network as one ONNX Runtime session per module. */
export class OrtModel {
  private constructor(
    private readonly ort: OrtModule,
    readonly modules: readonly ModuleSession[],
    private readonly outputs: Readonly<Record<string, string>>,
    private readonly weightBytes: number,
  ) {}

  /**
   * Exports each eval-path module of a valid design and opens its session. Throws with a
   * sentence naming the module when the export or ONNX Runtime refuses one (the engine then
   * falls back to TF.js and shows the reason).
   */
  static async create(
    ort: OrtModule,
    design: Design,
    analysis: Analysis,
    weights: ReadonlyMap<string, Float32Array>,
    options: { foldBatchNorm: boolean; threads?: number },
  ): Promise<OrtModel> {
    const evalModules = analysis.modules.filter((m) => m.evalPath);
    const sessions: ModuleSession[] = [];
    let weightBytes = 0;
    const options_ = sessionOptions(options.threads);
    try {
      for (const m of evalModules) {
        const exported = onnxModel(design, analysis, weights, {
          modules: [m.id],
          foldBatchNorm: options.foldBatchNorm,
        });
        if (!exported.ok) throw new Error(exported.issues.map((i) => i.message).join(' '));
        weightBytes += exported.value.initializerBytes;
        let session: Ort.InferenceSession;
        try {
          session = await ort.InferenceSession.create(exported.value.bytes, options_);
        } catch (e) {
          throw new Error(
            `${m.id}: ONNX Runtime could not load the module (${(e as Error).message.split('\n')[0]})`,
          );
        }
        sessions.push({
          id: m.id,
          session,
          inputs: Object.keys(exported.value.inputs),
          outputLayer: outputLayerOf(analysis.graph.filter((l) => l.module === m.id)),
          expectedShape: m.outputShape,
        });
      }
    } catch (e) {
      await Promise.all(sessions.map((s) => s.session.release()));
      throw e;
    }
    const outputs: Record<string, string> = emptyRecord();
    for (const name of analysis.evalOutputs) outputs[name] = design.outputs[name];
    return new OrtModel(ort, sessions, outputs, weightBytes);
  }

  /**
   * One eval pass of an N·C·H·W input. `onModule` sees each module's output as it comes; a
   * reason from `shouldStop` (checked before every module) ends the pass with OrtStop.
   */
  async run(
    input: Float32Array,
    shape: Shape,
    hooks: { shouldStop?(): string | null; onModule?(r: OrtModuleResult): void } = {},
  ): Promise<OrtPassResult> {
    const values = new Map<string, Ort.Tensor>([
      [ONNX_INPUT, new this.ort.Tensor('float32', input, [...shape])],
    ]);
    // Free each module output after its last reader.
    const lastUse = new Map<string, number>();
    this.modules.forEach((m, i) => m.inputs.forEach((name) => lastUse.set(name, i)));
    const keep = new Set(
      Object.values(this.outputs).map((id) => this.modules.find((m) => m.id === id)!.outputLayer),
    );
    const byModule: Record<string, { shape: Shape; data: Float32Array }> = emptyRecord();
    let totalMs = 0;
    let live = 0;
    let peak = 0;
    for (let i = 0; i < this.modules.length; i++) {
      const m = this.modules[i];
      const reason = hooks.shouldStop?.();
      if (reason) throw new OrtStop(reason);
      const feeds: Record<string, Ort.Tensor> = emptyRecord();
      for (const name of m.inputs) feeds[name] = values.get(name)!;
      const t0 = performance.now();
      const result = await m.session.run(feeds);
      const ms = performance.now() - t0;
      totalMs += ms;
      const out = result[m.id];
      const data = out.data as Float32Array;
      values.set(m.outputLayer, out);
      live += data.byteLength;
      peak = Math.max(peak, live);
      if (Object.values(this.outputs).includes(m.id)) byModule[m.id] = { shape: out.dims, data };
      hooks.onModule?.({
        id: m.id,
        index: i,
        data,
        shape: out.dims,
        // The model is cached across batch sizes (its batch dimension is dynamic), so the expected
        // shape takes this pass's batch, never the batch of the run that built the model.
        expectedShape: m.expectedShape ? [shape[0], ...m.expectedShape.slice(1)] : null,
        ms,
      });
      for (const name of m.inputs) {
        if (lastUse.get(name) === i && !keep.has(name) && name !== ONNX_INPUT) {
          live -= (values.get(name)!.data as Float32Array).byteLength;
          values.delete(name);
        }
      }
    }
    const outputs: Record<string, { shape: Shape; data: Float32Array }> = emptyRecord();
    for (const [name, id] of Object.entries(this.outputs)) outputs[name] = byModule[id];
    return { outputs, totalMs, peakBytes: this.weightBytes + peak };
  }

  async release(): Promise<void> {
    await Promise.all(this.modules.map((m) => m.session.release()));
  }
}

/**
 * The machine's measured MatMul peak in this ONNX Runtime: a size×size by size×size float32
 * MatMul (size³ multiply-accumulates) on every core, median of `runs` after two warm-up runs, in
 * GMAC/s. What a convolution network could at best reach here; `bench` prints it beside the runs.
 */
export async function matMulPeak(
  ort: OrtModule,
  { size = 2048, runs = 7, threads = onnxThreads() } = {},
): Promise<{ gmacPerSecond: number; note: string }> {
  const g = new OnnxGraphBuilder();
  g.input('a');
  g.input('b');
  g.node('MatMul', 'matmul', ['a', 'b'], 'c');
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: OPSET })],
    producerName: 'inception-explorer',
    graph: onnx.GraphProto.create({
      name: 'matmul',
      node: g.nodes,
      input: ['a', 'b'].map((n) => floatValueInfo(n, [size, size])),
      output: [floatValueInfo('c', [size, size])],
    }),
  });
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(model).finish(), {
    ...sessionOptions(threads),
  });
  try {
    const values = new Float32Array(size * size);
    for (let i = 0; i < values.length; i++) values[i] = ((i * 7919) % 1000) / 1000 - 0.5;
    const t = new ort.Tensor('float32', values, [size, size]);
    const times: number[] = [];
    for (let i = 0; i < runs + 2; i++) {
      const t0 = performance.now();
      await session.run({ a: t, b: t });
      if (i >= 2) times.push(performance.now() - t0);
    }
    const ms = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
    return {
      gmacPerSecond: size ** 3 / (ms / 1000) / 1e9,
      note: `${size}² float32 MatMul on ${threads} thread${threads === 1 ? '' : 's'}, median of ${runs} after 2 warm-up runs`,
    };
  } finally {
    await session.release();
  }
}

/** One module's figures from a whole-graph pass: measured shape, statistics, its first image when asked. */
export interface OrtGraphModule {
  readonly id: string;
  readonly shape: Shape;
  /** Core's shape with this pass's batch. */
  readonly expectedShape: Shape | null;
  readonly stats: StatsAccumulator;
  /** The first image of the output, NCHW (or 1×F), for the modules whose feature maps were asked for. */
  readonly firstImage?: Float32Array;
}

/** Per-module times from ONNX Runtime's profiler, and what they leave out. */
export interface OrtModuleTimes {
  /** Module id → median over the profiled passes of the summed kernel times of its nodes, ms. */
  readonly ms: ReadonlyMap<string, number>;
  /** Median time of kernels no module owns (layout reorders, the in-graph statistics), ms. */
  readonly otherMs: number;
  readonly runs: number;
}

export interface OrtGraphResult {
  readonly outputs: Readonly<Record<string, { shape: Shape; data: Float32Array }>>;
  readonly modules: readonly OrtGraphModule[];
  /** Wall time of the session's Run call, ms. */
  readonly totalMs: number;
  /** Estimate: the initializers plus core's estimate of the activations alive at once. */
  readonly peakBytes: number;
}

const FIRST_IMAGE = (id: string) => `firstImage:${id}`;

/**
 * The eval-mode network as one ONNX Runtime session over the whole graph (issue 21): the design's
 * outputs, each module's statistics and shape reduced inside the graph (core's `moduleSummaries`),
 * and the first image of the modules whose feature maps are wanted. Nothing else leaves the graph,
 * so ONNX Runtime fuses and lays out across module boundaries as on the `export onnx` file.
 */
export class OrtGraphModel {
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    /** The model bytes, kept for a profiling session (ONNX Runtime profiles whole sessions only). */
    private readonly bytes: Uint8Array,
    private readonly summaries: { modules: readonly string[]; ranks: readonly number[] },
    private readonly expected: ReadonlyMap<string, Shape | null>,
    private readonly featureMaps: ReadonlySet<string>,
    private readonly outputs: Readonly<Record<string, string>>,
    private readonly threads: number,
    private readonly weightBytes: number,
    private readonly activationBytes: number,
  ) {}

  /** Module ids, in the order they run. */
  get moduleIds(): readonly string[] {
    return this.summaries.modules;
  }

  /**
   * Exports the eval-path network of a valid design with its summaries and opens one session.
   * `featureMaps`: the modules whose first image comes out for pictures. Throws with a sentence
   * when the export or ONNX Runtime refuses the design (the engine then falls back to TF.js).
   */
  static async create(
    ort: OrtModule,
    design: Design,
    analysis: Analysis,
    weights: ReadonlyMap<string, Float32Array>,
    options: { foldBatchNorm: boolean; featureMaps: readonly string[]; threads?: number },
  ): Promise<OrtGraphModel> {
    const threads = options.threads ?? onnxThreads();
    const exported = onnxModelWithImages(design, analysis, weights, options);
    if (!exported.ok) throw new Error(exported.issues.map((i) => i.message).join(' '));
    let session: Ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(exported.value.bytes, sessionOptions(threads));
    } catch (e) {
      throw new Error(
        `ONNX Runtime could not load the network (${(e as Error).message.split('\n')[0]})`,
      );
    }
    const outputs: Record<string, string> = emptyRecord();
    for (const name of analysis.evalOutputs) outputs[name] = name;
    const expected = new Map(analysis.modules.map((m) => [m.id, m.outputShape]));
    // Core's estimate for batch 1 without the weights' double count; scaled by each pass's batch.
    const activationBytes =
      (estimateRunBytes(analysis, 'eval') - analysis.totals.weightBytes * 2) /
      Math.max(1, analysis.input[0]);
    return new OrtGraphModel(
      ort,
      session,
      exported.value.bytes,
      exported.value.summaries!,
      expected,
      new Set(options.featureMaps),
      outputs,
      threads,
      exported.value.initializerBytes,
      activationBytes,
    );
  }

  /** One eval pass of an N·C·H·W input; a reason from `shouldStop` (checked before the pass) ends it with OrtStop. */
  async run(
    input: Float32Array,
    shape: Shape,
    hooks: { shouldStop?(): string | null } = {},
  ): Promise<OrtGraphResult> {
    const reason = hooks.shouldStop?.();
    if (reason) throw new OrtStop(reason);
    const feeds = { [ONNX_INPUT]: new this.ort.Tensor('float32', input, [...shape]) };
    const t0 = performance.now();
    const result = await this.session.run(feeds);
    const totalMs = performance.now() - t0;
    return this.read(result, shape, totalMs);
  }

  /**
   * Per-module times from ONNX Runtime's profiler: a session of the same model with profiling on
   * runs one warm-up pass and `runs` timed ones, then writes its events (one JSON file, read and
   * deleted here). Each node is charged to the module its name starts with (nodes are named by
   * module paths; fused nodes keep their first node's name); the median over the passes is
   * reported. Kernel times only: the few microseconds between kernels are not in any module.
   * A reason from `shouldStop` (checked before every pass) ends it with OrtStop.
   */
  async moduleTimes(
    input: Float32Array,
    shape: Shape,
    runs = 3,
    hooks: { shouldStop?(): string | null } = {},
  ): Promise<OrtModuleTimes> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ort-profile-'));
    const session = await this.ort.InferenceSession.create(this.bytes, {
      ...sessionOptions(this.threads),
      enableProfiling: true,
      profileFilePrefix: path.join(dir, 'profile'),
    });
    try {
      const feeds = { [ONNX_INPUT]: new this.ort.Tensor('float32', input, [...shape]) };
      for (let i = 0; i < runs + 1; i++) {
        const reason = hooks.shouldStop?.();
        if (reason) throw new OrtStop(reason);
        await session.run(feeds);
      }
      session.endProfiling();
      const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
      if (files.length !== 1)
        throw new Error(`ONNX Runtime's profiler wrote ${files.length} files, not one.`);
      const events = JSON.parse(await readFile(path.join(dir, files[0]), 'utf8')) as ProfileEvent[];
      return moduleTimesFromProfile(events, this.summaries.modules, runs);
    } finally {
      await session.release();
      await rm(dir, { recursive: true, force: true });
    }
  }

  private read(
    result: Ort.InferenceSession.OnnxValueMapType,
    shape: Shape,
    totalMs: number,
  ): OrtGraphResult {
    const stats = result[ONNX_SUMMARY_STATS].data as Float32Array;
    const dims = result[ONNX_SUMMARY_SHAPES].data as Float32Array;
    const modules: OrtGraphModule[] = [];
    let at = 0;
    this.summaries.modules.forEach((id, i) => {
      const rank = this.summaries.ranks[i];
      const measured = Array.from(dims.subarray(at, at + rank));
      at += rank;
      const count = measured.reduce((a, d) => a * d, 1);
      const [min, max, sum, squares] = stats.subarray(i * 4, i * 4 + 4);
      const mean = count ? sum / count : 0;
      const expected = this.expected.get(id) ?? null;
      const image = this.featureMaps.has(id) ? result[FIRST_IMAGE(id)] : undefined;
      modules.push({
        id,
        shape: measured,
        // The session is cached across batch sizes (its batch dimension is dynamic), so the expected
        // shape takes this pass's batch, never the batch of the run that built the model.
        expectedShape: expected ? [shape[0], ...expected.slice(1)] : null,
        stats: {
          count,
          mean,
          m2: Math.max(squares - sum * mean, 0),
          min: count ? min : Infinity,
          max: count ? max : -Infinity,
        },
        ...(image ? { firstImage: image.data as Float32Array } : {}),
      });
    });
    const outputs: Record<string, { shape: Shape; data: Float32Array }> = emptyRecord();
    for (const name of Object.keys(this.outputs))
      outputs[name] = { shape: result[name].dims, data: result[name].data as Float32Array };
    return {
      outputs,
      modules,
      totalMs,
      peakBytes: this.weightBytes + this.activationBytes * shape[0],
    };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** The export of `OrtGraphModel`: core's whole-network ONNX with summaries, plus first-image slices. */
function onnxModelWithImages(
  design: Design,
  analysis: Analysis,
  weights: ReadonlyMap<string, Float32Array>,
  options: { foldBatchNorm: boolean; featureMaps: readonly string[] },
) {
  return onnxModel(design, analysis, weights, {
    foldBatchNorm: options.foldBatchNorm,
    moduleSummaries: true,
    firstImageOutputs: options.featureMaps,
  });
}

/** The fields of ONNX Runtime's profile events (Chrome trace format) read here. */
interface ProfileEvent {
  readonly cat: string;
  readonly name: string;
  /** Start and duration, µs. */
  readonly ts: number;
  readonly dur: number;
}

/**
 * Median per-module kernel time over `runs` profiled passes (the passes before them are warm-up).
 * A node belongs to the longest module id its name starts with, followed by `.`, `_` or nothing
 * (ONNX Runtime appends `_nchwc`, `_kernel_time`); `summary.<id>.…` nodes and layout reorders are
 * counted apart as `otherMs`.
 */
export function moduleTimesFromProfile(
  events: readonly ProfileEvent[],
  moduleIds: readonly string[],
  runs: number,
): OrtModuleTimes {
  const passes = events
    .filter((e) => e.cat === 'Session' && e.name === 'model_run')
    .sort((a, b) => a.ts - b.ts)
    .slice(-runs);
  const byLength = [...moduleIds].sort((a, b) => b.length - a.length);
  const owner = new Map<string, string | null>();
  const ownerOf = (name: string): string | null => {
    if (!owner.has(name)) {
      const node = name.replace(/_kernel_time$/, '');
      owner.set(
        name,
        node.startsWith('summary.')
          ? null
          : (byLength.find(
              (id) =>
                node === id ||
                (node.startsWith(id) && (node[id.length] === '.' || node[id.length] === '_')),
            ) ?? null),
      );
    }
    return owner.get(name)!;
  };
  const perPass = passes.map(() => new Map<string, number>());
  const other = passes.map(() => 0);
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const p = passes.findIndex((r) => e.ts >= r.ts && e.ts <= r.ts + r.dur);
    if (p < 0) continue;
    const id = ownerOf(e.name);
    if (id === null) other[p] += e.dur / 1000;
    else perPass[p].set(id, (perPass[p].get(id) ?? 0) + e.dur / 1000);
  }
  const med = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length ? s[Math.floor(s.length / 2)] : 0;
  };
  return {
    ms: new Map(moduleIds.map((id) => [id, med(perPass.map((m) => m.get(id) ?? 0))])),
    otherMs: med(other),
    runs: passes.length,
  };
}
