/**
 * One engine instance on one thread: turns a run request into a forward pass over a slice of the
 * batch, with weights and compiled ops cached between runs of the same design.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Analysis } from '../../core/analysis/analyze';
import type { Design } from '../../core/model/types';
import {
  errResult,
  okResult,
  type BackendInfo,
  type BackendName,
  type InputPicture,
  type Result,
  type WeightsLoadSummary,
} from '../../core/run/types';
import { weightsLoadSummary } from './weightsSummary';
import { applyAblations, describeAblation, type Ablation } from '../../core/weights/ablation';
import { randomInput } from '../../core/weights/init';
import { stateDictSpec } from '../../core/weights/stateDict';
import { compileModel, forward, StopRequested, type CompiledModel } from './model';
import { loadWeights, seededStateDict, weightWarnings, type StateDict } from './weights';
import { imageBatch, type Normalization, type PixelNormalization } from './imageInput';
import { photoRecipe } from '../../core/presets/preprocessing';
import {
  featureMapFromValues,
  featureMapSummary,
  inputPictureFromValues,
  tensorStats,
} from './summaries';
import { loadOnnxRuntime, OrtGraphModel, OrtStop } from './onnxRuntime';
import { probeBackend } from './backend';
import { logicalShape } from './layers/layerOp';
import type {
  BatchSlice,
  EngineRunRequest,
  PartialModule,
  PartialRun,
  TensorData,
} from './protocol';

export interface SessionHooks {
  /** A reason to stop (cancelled, timed out), checked before every layer. */
  shouldStop?(): string | null;
  onProgress?(done: number, total: number, module: string): void;
}

import { runnableRequest } from './runDesign';
import { emptyRecord } from '../../core/model/records';

/** Whether the request asks for this module's feature-map summary (all of them by default). */
function featureMapWanted(request: EngineRunRequest, id: string): boolean {
  const maps = request.featureMaps;
  return maps === undefined || maps === true || (Array.isArray(maps) && maps.includes(id));
}

/** Each analysis' state_dict keys and shapes as JSON (about 7 ms for GoogLeNet, so once per analysis). */
const specKeys = new WeakMap<Analysis, string>();
function stateDictSpecKey(analysis: Analysis): string {
  let key = specKeys.get(analysis);
  if (key === undefined) {
    key = JSON.stringify(stateDictSpec(analysis.graph).map((e) => [e.key, e.shape]));
    specKeys.set(analysis, key);
  }
  return key;
}

/** Sample photo names are plain file names inside assets/samples. */
const SAMPLE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.(?:jpe?g|png)$/i;

/** What the worker started with: its default backend, and the TF.js backend it can fall back to. */
export interface SessionBackends {
  /** The default for eval runs (onnxruntime when it loaded, unless a TF.js backend was forced). */
  readonly info: BackendInfo;
  /** The TF.js backend for train mode and fallbacks; null when none could start (with the reason). */
  readonly tf: BackendInfo | null;
  readonly tfProblem: string | null;
  /** The backend the worker was started with (INCEPTION_ENGINE_BACKEND / --backend), if any. */
  readonly forced?: BackendName;
}

/** How the TF.js backends time modules: each module's layers in the pass itself. */
const TF_TIMING = {
  method: 'layers',
  note: "Module times: the wall time of each module's layers in this one pass (one sample, so a busy machine shows as a slow module).",
} as const;

/** Why a train-mode run on the onnxruntime backend ran on TF.js. */
export const ORT_TRAIN_NOTE =
  'ONNX Runtime runs eval mode only; train mode (batch statistics in batch norm, the aux heads, dropout) runs on TensorFlow.js.';

/** A run's weights: the state_dict, its cache key, whether it came from a file, and what was wrong with it. */
interface SessionWeights {
  readonly dict: StateDict;
  readonly key: string;
  readonly fromFile: boolean;
  readonly warnings: readonly string[];
  /** What came from the file, when there is one. */
  readonly summary?: WeightsLoadSummary;
}

/**
 * The weights with the request's what-if ablations applied (core/weights/ablation.ts), under a
 * cache key of their own so a compiled model never mixes the two; the weights unchanged when none.
 */
function ablatedWeights(
  weights: SessionWeights,
  ablations: readonly Ablation[],
  analysis: Analysis,
): Result<SessionWeights> {
  if (ablations.length === 0) return okResult(weights);
  const dict = applyAblations(weights.dict, analysis, ablations);
  if (!dict.ok) return dict;
  return okResult({
    ...weights,
    dict: dict.value,
    key: `${weights.key}|ablations:${JSON.stringify(ablations)}`,
    warnings: [
      ...weights.warnings,
      `What-if: ${ablations.map(describeAblation).join('; ')} (weights zeroed for this run only).`,
    ],
  });
}

/** Why `slice` is not a part of a batch of `batch` images, or null when it is. */
function batchSliceProblem(slice: BatchSlice, batch: number): string | null {
  const ok =
    Number.isInteger(slice.start) &&
    Number.isInteger(slice.count) &&
    slice.start >= 0 &&
    slice.count >= 1 &&
    slice.start + slice.count <= batch;
  return ok
    ? null
    : `Images ${slice.start} to ${slice.start + slice.count - 1} are not part of a batch of ${batch}.`;
}

/** Tensors' values, disposing the tensors. */
function tensorData(tensors: ReadonlyMap<string, tf.Tensor>): Record<string, TensorData> {
  const out: Record<string, TensorData> = emptyRecord();
  for (const [id, t] of tensors) out[id] = { shape: t.shape, data: t.dataSync() as Float32Array };
  tf.dispose([...tensors.values()]);
  return out;
}

/** The pass's outputs as values: logits [N, K] or, in unusual designs, feature maps reported as N×C×H×W; disposes the tensors. */
function outputData(outputs: Readonly<Record<string, tf.Tensor>>): Record<string, TensorData> {
  const out: Record<string, TensorData> = emptyRecord();
  for (const [name, t] of Object.entries(outputs)) {
    const nchw = t.rank === 4 ? tf.transpose(t, [0, 3, 1, 2]) : t;
    out[name] = { shape: nchw.shape, data: nchw.dataSync() as Float32Array };
    if (nchw !== t) nchw.dispose();
  }
  tf.dispose(Object.values(outputs));
  return out;
}

export class EngineSession {
  private weights: {
    key: string;
    value: StateDict;
    warnings: readonly string[];
    summary?: WeightsLoadSummary;
  } | null = null;
  private compiled: { key: string; value: CompiledModel } | null = null;
  private ort: { key: string; value: Promise<OrtGraphModel> } | null = null;
  /** The TF.js backend in use now (a request may switch it). */
  private tf: BackendInfo | null;
  /** The last seeded random input: repeated runs (bench, the app's Run button) reuse it. */
  private randomInput: { key: string; value: Float32Array } | null = null;

  constructor(
    readonly backends: SessionBackends,
    private readonly assetsDir: string,
  ) {
    this.tf = backends.tf;
  }

  private ortFault = false;

  /** Tests: the next ONNX Runtime model build fails, as a model the runtime refuses would. */
  failNextOnnxRuntime(): void {
    this.ortFault = true;
    this.dropOrt();
  }

  /** The worker's default backend. */
  get backend(): BackendInfo {
    return this.backends.info;
  }

  /** Runs the request on one slice of its batch (or a part of the network for it). Expected failures come back as values. */
  async run(
    request: EngineRunRequest,
    slice: BatchSlice,
    hooks: SessionHooks = {},
    carryIn?: Readonly<Record<string, TensorData>>,
  ): Promise<Result<PartialRun>> {
    const runnable = runnableRequest(request);
    if (!runnable.ok) return runnable;
    const { design, analysis, notes } = runnable.value;
    const ran = await this.runRunnable(request, design, analysis, slice, hooks, carryIn);
    // Modules off the mode's path that were skipped for their problems are named in the notes.
    return ran.ok && notes.length
      ? okResult({ ...ran.value, warnings: [...notes, ...ran.value.warnings] })
      : ran;
  }

  private async runRunnable(
    request: EngineRunRequest,
    design: Design,
    analysis: Analysis,
    slice: BatchSlice,
    hooks: SessionHooks,
    carryIn?: Readonly<Record<string, TensorData>>,
  ): Promise<Result<PartialRun>> {
    const sliceProblem = batchSliceProblem(slice, design.input.batch);
    if (sliceProblem) return errResult('run.slice', sliceProblem);
    const loaded = await this.stateDict(request, analysis);
    if (!loaded.ok) return loaded;
    const weights = ablatedWeights(loaded.value, request.ablations ?? [], analysis);
    if (!weights.ok) return weights;
    const desired = request.backend ?? this.backends.forced;
    const fallbacks: string[] = [];
    if (desired === undefined || desired === 'onnxruntime') {
      const done = await this.tryOnnxRuntime(
        request,
        design,
        analysis,
        weights.value,
        slice,
        hooks,
        fallbacks,
      );
      if (done) return done;
    }
    const backend = await this.chooseTfBackend(desired, fallbacks);
    if (!backend.ok) return backend;
    return this.runTf(
      request,
      design,
      analysis,
      weights.value,
      backend.value,
      slice,
      hooks,
      carryIn,
    );
  }

  /**
   * An eval pass of the whole network on ONNX Runtime when it can take it: its result, or null with
   * the reason it did not (train mode, not loaded, a part of a split pass, a failure) in `fallbacks`.
   */
  private async tryOnnxRuntime(
    request: EngineRunRequest,
    design: Design,
    analysis: Analysis,
    weights: SessionWeights,
    slice: BatchSlice,
    hooks: SessionHooks,
    fallbacks: string[],
  ): Promise<Result<PartialRun> | null> {
    const desired = request.backend ?? this.backends.forced;
    const whole =
      !slice.modules ||
      (slice.modules.from === 0 &&
        slice.modules.to >= analysis.modules.filter((m) => m.evalPath).length);
    const ort = await loadOnnxRuntime();
    if (request.mode === 'train') {
      if (ort.ok || desired === 'onnxruntime') fallbacks.push(ORT_TRAIN_NOTE);
      return null;
    }
    if (!ort.ok) {
      fallbacks.push(ort.reason);
      return null;
    }
    if (!whole) {
      fallbacks.push(
        'ONNX Runtime runs whole passes only; this part of a split pass runs on TensorFlow.js.',
      );
      return null;
    }
    const r = await this.runOrt(ort.ort, request, design, analysis, weights, slice, hooks);
    const final =
      r.ok ||
      r.error.code === 'run.cancelled' ||
      r.error.code === 'run.timeout' ||
      r.error.code.startsWith('input.');
    if (final) return r;
    fallbacks.push(
      `ONNX Runtime failed on this design, so the run fell back to TensorFlow.js: ${r.error.message}`,
    );
    return null;
  }

  /**
   * The TF.js backend for this run: the one asked for (switching to it), else the worker's own
   * (switching back to it); its fallbacks follow the reasons the run did not go elsewhere.
   */
  private async chooseTfBackend(
    desired: BackendName | undefined,
    fallbacks: readonly string[],
  ): Promise<Result<BackendInfo>> {
    const tfWanted = desired && desired !== 'onnxruntime' ? desired : undefined;
    if (tfWanted && this.tf?.name !== tfWanted) {
      const switched = await probeBackend(tfWanted);
      if (!switched.ok) return errResult('engine.backend', switched.reason);
      this.dropModel();
      this.tf = { name: tfWanted, fallbacks: [] };
    } else if (!tfWanted && this.tf && this.backends.tf && this.tf.name !== this.backends.tf.name) {
      const back = await probeBackend(this.backends.tf.name);
      if (!back.ok) return errResult('engine.backend', back.reason);
      this.dropModel();
      this.tf = this.backends.tf;
    }
    if (!this.tf)
      return errResult(
        'engine.backend',
        `${fallbacks.join(' ')} ${this.backends.tfProblem ?? 'No TensorFlow.js backend could start.'}`.trim(),
      );
    return okResult({ name: this.tf.name, fallbacks: [...fallbacks, ...this.tf.fallbacks] });
  }

  /**
   * The slice's input tensor N×C×H×W (and the input picture for the first slice) when the part
   * starts at the first module; else the tensors carried in from the part before.
   */
  private async sliceInput(
    request: EngineRunRequest,
    design: Design,
    weights: SessionWeights,
    slice: BatchSlice,
    from: number,
    carryIn: Readonly<Record<string, TensorData>> | undefined,
  ): Promise<
    Result<{
      x: tf.Tensor4D | null;
      carry: Map<string, tf.Tensor>;
      picture?: InputPicture;
      warnings: readonly string[];
    }>
  > {
    const carry = new Map<string, tf.Tensor>();
    if (from !== 0) {
      for (const [id, t] of Object.entries(carryIn ?? {}))
        carry.set(id, tf.tensor(t.data, [...t.shape]));
      return okResult({ x: null, carry, warnings: [] });
    }
    const input = await this.input(request, design, weights.fromFile);
    if (!input.ok) return input;
    const { channels, height, width } = design.input;
    const per = channels * height * width;
    const picture =
      request.featureMaps !== false && slice.start === 0
        ? inputPictureFromValues(
            input.value.data,
            channels,
            height,
            width,
            undefined,
            input.value.photo,
          )
        : undefined;
    const x = tf.tensor4d(
      input.value.data.subarray(slice.start * per, (slice.start + slice.count) * per),
      [slice.count, channels, height, width],
    );
    return okResult({ x, carry, picture, warnings: input.value.warnings });
  }

  /** The pass (or its part `slice.modules`) on the current TF.js backend. */
  private async runTf(
    request: EngineRunRequest,
    design: Design,
    analysis: Analysis,
    weights: SessionWeights,
    backend: BackendInfo,
    slice: BatchSlice,
    hooks: SessionHooks,
    carryIn: Readonly<Record<string, TensorData>> | undefined,
  ): Promise<Result<PartialRun>> {
    const model = this.model(request, design, analysis, weights.dict, weights.key);
    const from = slice.modules?.from ?? 0;
    const to = slice.modules?.to ?? model.modules.length;
    if (
      !Number.isInteger(from) ||
      !Number.isInteger(to) ||
      from < 0 ||
      to > model.modules.length ||
      from >= to
    ) {
      return errResult(
        'run.slice',
        `Modules ${from} to ${to - 1} are not a part of a network of ${model.modules.length} modules.`,
      );
    }
    const input = await this.sliceInput(request, design, weights, slice, from, carryIn);
    if (!input.ok) return input;
    const { x, carry, picture } = input.value;
    const modules: PartialModule[] = [];
    const wantMaps = request.featureMaps !== false && slice.start === 0;
    try {
      const result = forward(
        model,
        x,
        {
          batchOffset: slice.start,
          shouldStop: hooks.shouldStop,
          onModule(plan, out, ms, index) {
            modules.push({
              id: plan.id,
              shape: logicalShape(out),
              expectedShape: plan.expectedShape,
              ms,
              stats: tensorStats(out),
              featureMap:
                wantMaps && out.rank === 4 && featureMapWanted(request, plan.id)
                  ? featureMapSummary(out as tf.Tensor4D)
                  : undefined,
            });
            hooks.onProgress?.(index + 1, model.modules.length, plan.id);
          },
        },
        { from, to, carry },
      );
      const outputs = outputData(result.outputs);
      const carryOut = result.carry.size ? tensorData(result.carry) : undefined;
      return okResult({
        backend,
        mode: request.mode,
        batch: design.input.batch,
        sliceStart: slice.start,
        sliceCount: slice.count,
        moduleStart: from,
        lane: slice.lane ?? 0,
        seed: request.seed,
        outputs,
        modules,
        ...(picture ? { inputPicture: picture } : {}),
        totalMs: result.totalMs,
        timing: TF_TIMING,
        peakBytes: result.peakBytes,
        untrainedWeights: !weights.fromFile,
        ...(weights.summary ? { weights: weights.summary } : {}),
        warnings: [...weights.warnings, ...input.value.warnings],
        carry: carryOut,
      });
    } catch (e) {
      if (e instanceof StopRequested)
        return errResult(
          e.reason === 'timeout' ? 'run.timeout' : 'run.cancelled',
          stopMessage(e.reason, request.timeoutMs),
        );
      throw e;
    } finally {
      x?.dispose();
      tf.dispose([...carry.values()]);
    }
  }

  /**
   * An eval pass of the whole network (this slice's images) on ONNX Runtime as one session
   * (OrtGraphModel): module shapes and statistics come from reductions inside the graph, feature
   * maps from the first image of the modules asked for, module times from the profiler when asked.
   */
  private async runOrt(
    ort: Parameters<typeof OrtGraphModel.create>[0],
    request: EngineRunRequest,
    design: Design,
    analysis: Analysis,
    weights: SessionWeights,
    slice: BatchSlice,
    hooks: SessionHooks,
  ): Promise<Result<PartialRun>> {
    const foldBatchNorm = request.foldBatchNorm ?? true;
    const wantMaps = request.featureMaps !== false && slice.start === 0;
    const featureMaps = wantMaps
      ? analysis.modules
          .filter(
            (m) => m.evalPath && m.outputShape?.length === 4 && featureMapWanted(request, m.id),
          )
          .map((m) => m.id)
      : [];
    // The analysis' batch does not enter the export (its batch dimension is dynamic).
    const key = JSON.stringify([
      weights.key,
      { ...design, input: { ...design.input, batch: 1 } },
      foldBatchNorm,
      featureMaps,
    ]);
    if (this.ort?.key !== key) {
      this.dropOrt();
      const fault = this.ortFault;
      this.ortFault = false;
      const value = fault
        ? Promise.reject(new Error('ONNX Runtime refused the model (a fault injected by a test).'))
        : OrtGraphModel.create(ort, design, analysis, weights.dict, { foldBatchNorm, featureMaps });
      // A failed build is not cached: the next run tries again.
      value.catch(() => {
        if (this.ort?.value === value) this.ort = null;
      });
      this.ort = { key, value };
    }
    let model: OrtGraphModel;
    try {
      model = await this.ort.value;
    } catch (e) {
      return errResult('engine.onnxruntime', (e as Error).message);
    }
    const input = await this.input(request, design, weights.fromFile);
    if (!input.ok) return input;
    const { channels, height, width } = design.input;
    const per = channels * height * width;
    const data = input.value.data.subarray(slice.start * per, (slice.start + slice.count) * per);
    const shape = [slice.count, channels, height, width];
    const inputPicture = wantMaps
      ? inputPictureFromValues(
          input.value.data,
          channels,
          height,
          width,
          undefined,
          input.value.photo,
        )
      : undefined;
    try {
      const result = await model.run(data, shape, { shouldStop: hooks.shouldStop });
      // The modules of one session end together: progress comes once, before the profiled passes.
      const last = result.modules[result.modules.length - 1];
      hooks.onProgress?.(result.modules.length, result.modules.length, last?.id ?? '');
      const times =
        request.moduleTimes !== false
          ? await model.moduleTimes(data, shape, 3, { shouldStop: hooks.shouldStop })
          : null;
      const stopped = hooks.shouldStop?.();
      if (stopped) throw new OrtStop(stopped);
      const modules: PartialModule[] = result.modules.map((m) => {
        const [, c, h, w] = m.shape;
        return {
          id: m.id,
          shape: m.shape,
          expectedShape: m.expectedShape,
          ms: times?.ms.get(m.id) ?? 0,
          stats: m.stats,
          featureMap: m.firstImage
            ? featureMapFromValues(m.firstImage, 'nchw', h, w, c)
            : undefined,
        };
      });
      const outputs: Record<string, TensorData> = emptyRecord();
      // Copies: the runtime's output buffers are transferred to the client.
      for (const [name, t] of Object.entries(result.outputs))
        outputs[name] = { shape: t.shape, data: Float32Array.from(t.data) };
      return okResult({
        backend: { name: 'onnxruntime', fallbacks: [] },
        mode: request.mode,
        batch: design.input.batch,
        sliceStart: slice.start,
        sliceCount: slice.count,
        moduleStart: 0,
        lane: slice.lane ?? 0,
        seed: request.seed,
        outputs,
        modules,
        ...(inputPicture ? { inputPicture } : {}),
        totalMs: result.totalMs,
        timing: times
          ? {
              method: 'profiler' as const,
              note: `Module times: ONNX Runtime's profiler, the median of ${times.runs} passes after a warm-up, kernel time only (${times.otherMs.toFixed(1)} ms more went to layout reorders and statistics); the whole pass took ${result.totalMs.toFixed(0)} ms.`,
            }
          : {
              method: 'none' as const,
              note: `Module times were not measured (the run did not ask for them); the whole pass took ${result.totalMs.toFixed(0)} ms.`,
            },
        peakBytes: result.peakBytes,
        untrainedWeights: !weights.fromFile,
        ...(weights.summary ? { weights: weights.summary } : {}),
        warnings: [...weights.warnings, ...input.value.warnings],
      });
    } catch (e) {
      if (e instanceof OrtStop)
        return errResult(
          e.reason === 'timeout' ? 'run.timeout' : 'run.cancelled',
          stopMessage(e.reason, request.timeoutMs),
        );
      return errResult(
        'engine.onnxruntime',
        `ONNX Runtime stopped during the pass: ${(e as Error).message.split('\n')[0]}`,
      );
    }
  }

  private dropOrt(): void {
    const old = this.ort;
    this.ort = null;
    void old?.value.then(
      (m) => m.release(),
      () => {},
    );
  }

  private async stateDict(
    request: EngineRunRequest,
    analysis: Analysis,
  ): Promise<Result<SessionWeights>> {
    const spec = stateDictSpecKey(analysis);
    let key: string;
    if (request.weightsPath) {
      let info;
      try {
        info = await stat(request.weightsPath);
      } catch {
        return errResult('weights.read', `The weights file ${request.weightsPath} does not exist.`);
      }
      key = `file:${request.weightsPath}:${info.size}:${info.mtimeMs}:${request.design.preset ?? ''}:${request.reinitMismatched ? `reinit:${request.seed}:` : ''}${spec}`;
    } else {
      key = `seed:${request.seed}:${request.scheme ?? 'pytorch'}:${spec}`;
    }
    if (this.weights?.key === key)
      return okResult({
        dict: this.weights.value,
        key,
        fromFile: Boolean(request.weightsPath),
        warnings: this.weights.warnings,
        ...(this.weights.summary ? { summary: this.weights.summary } : {}),
      });
    this.weights = null;
    this.dropModel();
    this.dropOrt();
    let dict: StateDict;
    const notes: string[] = [];
    let summary: WeightsLoadSummary | undefined;
    if (request.weightsPath) {
      const loaded = await loadWeights(request.weightsPath, analysis.graph, {
        preset: request.design.preset,
        initial: request.reinitMismatched
          ? seededStateDict(analysis.graph, request.seed, request.scheme ?? 'pytorch')
          : undefined,
      });
      if (!loaded.ok) return loaded;
      dict = loaded.value.dict;
      // The summary says what was loaded, mapped and left fresh, as data (not as warnings).
      summary = weightsLoadSummary(request.weightsPath, analysis.graph, loaded.value);
    } else {
      dict = seededStateDict(analysis.graph, request.seed, request.scheme ?? 'pytorch');
    }
    const warnings = request.weightsPath
      ? [...notes, ...weightWarnings(dict, request.weightsPath)]
      : [];
    this.weights = { key, value: dict, warnings, ...(summary ? { summary } : {}) };
    return okResult({
      dict,
      key,
      fromFile: Boolean(request.weightsPath),
      warnings,
      ...(summary ? { summary } : {}),
    });
  }

  private model(
    request: EngineRunRequest,
    design: Design,
    analysis: Analysis,
    weights: StateDict,
    weightsKey: string,
  ): CompiledModel {
    const options = {
      mode: request.mode,
      foldBatchNorm: request.foldBatchNorm ?? true,
      dropout: request.dropout ?? true,
      dropoutSeed: request.seed,
    };
    const key = JSON.stringify([weightsKey, design, options]);
    if (this.compiled?.key === key) return this.compiled.value;
    this.dropModel();
    const value = compileModel(design, analysis, weights, options);
    this.compiled = { key, value };
    return value;
  }

  private async input(
    request: EngineRunRequest,
    design: Design,
    trainedWeights: boolean,
  ): ReturnType<typeof runInput> {
    if (request.input.kind !== 'random')
      return runInput(request, design, this.assetsDir, trainedWeights);
    const { batch, channels, height, width } = design.input;
    const key = `${request.inputSeed ?? request.seed}:${batch}:${channels}:${height}:${width}`;
    if (this.randomInput?.key !== key) {
      this.randomInput = null;
      const made = await runInput(request, design, this.assetsDir, trainedWeights);
      if (!made.ok) return made;
      this.randomInput = { key, value: made.value.data };
    }
    return okResult({ data: this.randomInput.value, warnings: [] });
  }

  private dropModel(): void {
    this.compiled?.value.dispose();
    this.compiled = null;
  }

  dispose(): void {
    this.dropModel();
    this.dropOrt();
    this.weights = null;
    this.randomInput = null;
  }
}

/**
 * The whole batch's input (N·C·H·W) for a request: seeded random normal values, or images. With
 * trained weights for torchvision's googlenet, images are scaled the way its weights expect.
 * `photo` is how images were prepared (absent for random input), so the preview can undo it.
 */
export async function runInput(
  request: Pick<EngineRunRequest, 'input' | 'seed' | 'inputSeed'>,
  design: Design,
  assetsDir: string,
  trainedWeights: boolean,
): Promise<Result<{ data: Float32Array; warnings: string[]; photo?: PixelNormalization }>> {
  const { batch, channels, height, width } = design.input;
  const input = request.input;
  if (input.kind === 'random')
    return okResult({
      data: randomInput([batch, channels, height, width], request.inputSeed ?? request.seed),
      warnings: [],
    });
  let paths: readonly string[];
  if (input.kind === 'sample') {
    if (!SAMPLE_NAME.test(input.name))
      return errResult(
        'input.sample',
        `${JSON.stringify(input.name)} is not the name of a sample photo.`,
      );
    paths = [path.join(assetsDir, 'samples', input.name)];
  } else if (input.kind === 'image') {
    paths = [input.path];
  } else {
    paths = input.paths;
  }
  const warnings: string[] = [];
  // Photos are prepared the way the preset's reference weights expect (core/presets/preprocessing.ts):
  // one rule, photoRecipe, shared with the Run panel and the export header.
  const recipe = photoRecipe(design, trainedWeights);
  const pre = recipe.preprocessing;
  const how: Normalization = pre;
  if (recipe.note) warnings.push(recipe.note);
  const data = await imageBatch(paths, batch, channels, height, width, how);
  return data.ok ? okResult({ data: data.value, warnings, photo: pre }) : data;
}

function stopMessage(reason: string, timeoutMs: number | undefined): string {
  if (reason === 'timeout')
    return `The run took longer than its time limit of ${Math.round((timeoutMs ?? 0) / 1000)} s and was stopped; try a smaller batch or input.`;
  return 'The run was cancelled.';
}
