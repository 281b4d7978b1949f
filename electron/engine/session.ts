/**
 * One engine instance on one thread: turns a run request into a forward pass over a slice of the
 * batch, with weights and compiled ops cached between runs of the same design.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { analyze, type Analysis } from '../../core/analysis/analyze';
import type { Design } from '../../core/model/types';
import { errResult, okResult, type BackendInfo, type Result } from '../../core/run/types';
import { randomInput } from '../../core/weights/init';
import { stateDictSpec } from '../../core/weights/stateDict';
import { compileModel, forward, StopRequested, type CompiledModel } from './model';
import { loadStateDict, seededStateDict, weightWarnings, type StateDict } from './weights';
import { imageBatch, type Normalization } from './imageInput';
import { featureMapSummary, tensorStats } from './summaries';
import { logicalShape } from './layers/layerOp';
import type { BatchSlice, EngineRunRequest, PartialModule, PartialRun, TensorData } from './protocol';

export interface SessionHooks {
  /** A reason to stop (cancelled, timed out), checked before every layer. */
  shouldStop?(): string | null;
  onProgress?(done: number, total: number, module: string): void;
}

export { invalidDesignMessage, requestDesign } from './runDesign';
import { invalidDesignMessage, requestDesign } from './runDesign';

/** Sample photo names are plain file names inside assets/samples. */
const SAMPLE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.(?:jpe?g|png)$/i;

export class EngineSession {
  private weights: { key: string; value: StateDict; warnings: readonly string[] } | null = null;
  private compiled: { key: string; value: CompiledModel } | null = null;
  /** The last seeded random input: repeated runs (bench, the app's Run button) reuse it. */
  private randomInput: { key: string; value: Float32Array } | null = null;

  constructor(
    readonly backend: BackendInfo,
    private readonly assetsDir: string,
  ) {}

  /** Runs the request on one slice of its batch (or a part of the network for it). Expected failures come back as values. */
  async run(request: EngineRunRequest, slice: BatchSlice, hooks: SessionHooks = {}, carryIn?: Readonly<Record<string, TensorData>>): Promise<Result<PartialRun>> {
    const design = requestDesign(request);
    const analysis = analyze(design);
    if (!analysis.valid) return errResult('run.invalidDesign', invalidDesignMessage(analysis));
    const batch = design.input.batch;
    if (!Number.isInteger(slice.start) || !Number.isInteger(slice.count) || slice.start < 0 || slice.count < 1 || slice.start + slice.count > batch) {
      return errResult('run.slice', `Images ${slice.start} to ${slice.start + slice.count - 1} are not part of a batch of ${batch}.`);
    }
    const warnings: string[] = [];
    const weights = await this.stateDict(request, analysis);
    if (!weights.ok) return weights;
    warnings.push(...weights.value.warnings);
    const model = this.model(request, design, analysis, weights.value.dict, weights.value.key);
    const from = slice.modules?.from ?? 0;
    const to = slice.modules?.to ?? model.modules.length;
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > model.modules.length || from >= to) {
      return errResult('run.slice', `Modules ${from} to ${to - 1} are not a part of a network of ${model.modules.length} modules.`);
    }

    let x: tf.Tensor4D | null = null;
    const carry = new Map<string, tf.Tensor>();
    if (from === 0) {
      const input = await this.input(request, design, weights.value.fromFile);
      if (!input.ok) return input;
      warnings.push(...input.value.warnings);
      const { channels, height, width } = design.input;
      const per = channels * height * width;
      x = tf.tensor4d(input.value.data.subarray(slice.start * per, (slice.start + slice.count) * per), [slice.count, channels, height, width]);
    } else {
      for (const [id, t] of Object.entries(carryIn ?? {})) carry.set(id, tf.tensor(t.data, [...t.shape]));
    }
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
              featureMap: wantMaps && out.rank === 4 ? featureMapSummary(out as tf.Tensor4D) : undefined,
            });
            hooks.onProgress?.(index + 1, model.modules.length, plan.id);
          },
        },
        { from, to, carry },
      );
      const outputs: Record<string, TensorData> = {};
      for (const [name, t] of Object.entries(result.outputs)) {
        // Outputs are logits [N, K] or, in unusual designs, feature maps; report those as NCHW.
        const nchw = t.rank === 4 ? tf.transpose(t, [0, 3, 1, 2]) : t;
        outputs[name] = { shape: nchw.shape, data: nchw.dataSync() as Float32Array };
        if (nchw !== t) nchw.dispose();
      }
      tf.dispose(Object.values(result.outputs));
      let carryOut: Record<string, TensorData> | undefined;
      if (result.carry.size) {
        carryOut = {};
        for (const [id, t] of result.carry) carryOut[id] = { shape: t.shape, data: t.dataSync() as Float32Array };
        tf.dispose([...result.carry.values()]);
      }
      return okResult({
        backend: this.backend,
        mode: request.mode,
        batch,
        sliceStart: slice.start,
        sliceCount: slice.count,
        moduleStart: from,
        lane: slice.lane ?? 0,
        seed: request.seed,
        outputs,
        modules,
        totalMs: result.totalMs,
        peakBytes: result.peakBytes,
        untrainedWeights: !weights.value.fromFile,
        warnings,
        carry: carryOut,
      });
    } catch (e) {
      if (e instanceof StopRequested) return errResult(e.reason === 'timeout' ? 'run.timeout' : 'run.cancelled', stopMessage(e.reason, request.timeoutMs));
      throw e;
    } finally {
      x?.dispose();
      tf.dispose([...carry.values()]);
    }
  }

  private async stateDict(request: EngineRunRequest, analysis: Analysis): Promise<Result<{ dict: StateDict; key: string; fromFile: boolean; warnings: readonly string[] }>> {
    const spec = JSON.stringify(stateDictSpec(analysis.graph).map((e) => [e.key, e.shape]));
    let key: string;
    if (request.weightsPath) {
      let info;
      try {
        info = await stat(request.weightsPath);
      } catch {
        return errResult('weights.read', `The weights file ${request.weightsPath} does not exist.`);
      }
      key = `file:${request.weightsPath}:${info.size}:${info.mtimeMs}:${spec}`;
    } else {
      key = `seed:${request.seed}:${request.scheme ?? 'pytorch'}:${spec}`;
    }
    if (this.weights?.key === key) return okResult({ dict: this.weights.value, key, fromFile: Boolean(request.weightsPath), warnings: this.weights.warnings });
    this.weights = null;
    this.dropModel();
    let dict: StateDict;
    if (request.weightsPath) {
      const loaded = await loadStateDict(request.weightsPath, analysis.graph);
      if (!loaded.ok) return loaded;
      dict = loaded.value;
    } else {
      dict = seededStateDict(analysis.graph, request.seed, request.scheme ?? 'pytorch');
    }
    const warnings = request.weightsPath ? weightWarnings(dict, request.weightsPath) : [];
    this.weights = { key, value: dict, warnings };
    return okResult({ dict, key, fromFile: Boolean(request.weightsPath), warnings });
  }

  private model(request: EngineRunRequest, design: Design, analysis: Analysis, weights: StateDict, weightsKey: string): CompiledModel {
    const options = { mode: request.mode, foldBatchNorm: request.foldBatchNorm ?? true, dropout: request.dropout ?? true, dropoutSeed: request.seed };
    const key = JSON.stringify([weightsKey, design, options]);
    if (this.compiled?.key === key) return this.compiled.value;
    this.dropModel();
    const value = compileModel(design, analysis, weights, options);
    this.compiled = { key, value };
    return value;
  }

  private async input(request: EngineRunRequest, design: Design, trainedWeights: boolean): ReturnType<typeof runInput> {
    if (request.input.kind !== 'random') return runInput(request, design, this.assetsDir, trainedWeights);
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
    this.weights = null;
    this.randomInput = null;
  }
}

/**
 * The whole batch's input (N·C·H·W) for a request: seeded random normal values, or images. With
 * trained weights for torchvision's googlenet, images are scaled the way its weights expect.
 */
export async function runInput(
  request: Pick<EngineRunRequest, 'input' | 'seed' | 'inputSeed'>,
  design: Design,
  assetsDir: string,
  trainedWeights: boolean,
): Promise<Result<{ data: Float32Array; warnings: string[] }>> {
  const { batch, channels, height, width } = design.input;
  const input = request.input;
  if (input.kind === 'random') return okResult({ data: randomInput([batch, channels, height, width], request.inputSeed ?? request.seed), warnings: [] });
  let paths: readonly string[];
  if (input.kind === 'sample') {
    if (!SAMPLE_NAME.test(input.name)) return errResult('input.sample', `${JSON.stringify(input.name)} is not the name of a sample photo.`);
    paths = [path.join(assetsDir, 'samples', input.name)];
  } else if (input.kind === 'image') {
    paths = [input.path];
  } else {
    paths = input.paths;
  }
  const warnings: string[] = [];
  // torchvision's pretrained googlenet rescales its input (transform_input=True); its weights expect that.
  let how: Normalization = 'imagenet';
  if (trainedWeights && design.preset === 'googlenet-torchvision') {
    how = 'halfRange';
    warnings.push("Images were scaled to [−1, 1] as torchvision's pretrained googlenet does (transform_input), which its weights expect.");
  }
  const data = await imageBatch(paths, batch, channels, height, width, how);
  return data.ok ? okResult({ data: data.value, warnings }) : data;
}

function stopMessage(reason: string, timeoutMs: number | undefined): string {
  if (reason === 'timeout') return `The run took longer than its time limit of ${Math.round((timeoutMs ?? 0) / 1000)} s and was stopped; try a smaller batch or input.`;
  return 'The run was cancelled.';
}
