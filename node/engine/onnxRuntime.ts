/**
 * The onnxruntime backend: eval-mode forward passes through ONNX Runtime (onnxruntime-node, its
 * CPU libraries ship inside the npm package) on core's ONNX export. Each module of the network is
 * its own session (core/export/onnx.ts exports one module at a time), run one after the other:
 * so every module's output comes back (feature maps, statistics, the shape check), its time is
 * the wall time of its own Run call, progress is reported and a stop is noticed after every
 * module. Every session uses all the machine's cores (intra-op threads), so batch 1 uses them too.
 */
import os from 'node:os';
import type * as Ort from 'onnxruntime-node';
import type { Analysis } from '../../core/analysis/analyze';
import { onnxModel, outputLayerOf, ONNX_INPUT } from '../../core/export/onnx';
import type { Design, Shape } from '../../core/model/types';
import { emptyRecord } from '../../core/model/records';

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
    const sessionOptions: Ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: options.threads ?? onnxThreads(),
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      executionProviders: ['cpu'],
      // Each session has its own intra-op pool; threads that spin between ops would fight each
      // other (and every other process) for the cores: with spinning, one GoogLeNet pass on a
      // busy two-core machine took 60 times longer.
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    };
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
          session = await ort.InferenceSession.create(exported.value.bytes, sessionOptions);
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
