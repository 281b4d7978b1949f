/** Turns the partial results of one or more batch slices into the RunResult hosts and the CLI show. */
import { UNTRAINED_WEIGHTS_WARNING } from '../../core/run/types';
import type { Shape } from '../../core/model/types';
import type { ModuleRunResult, OutputResult } from '../../core/run/types';
import type { EngineRunResult, PartialRun, TensorData } from './protocol';
import { arrayStats, finishStats, mergeStats, top5 } from './stats';
import { emptyRecord } from '../../core/model/records';

const sameShape = (a: Shape, b: Shape | null) =>
  b !== null && a.length === b.length && a.every((d, i) => d === b[i]);

/** How many values are NaN or ±Inf. */
function countNonFinite(data: Float32Array): number {
  let n = 0;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) n++;
  return n;
}

/** Joins tensors split along the batch axis. */
function concatBatch(parts: readonly TensorData[]): TensorData {
  if (parts.length === 1) return parts[0];
  const data = new Float32Array(parts.reduce((a, p) => a + p.data.length, 0));
  let at = 0;
  for (const p of parts) {
    data.set(p.data, at);
    at += p.data.length;
  }
  return { shape: [parts.reduce((a, p) => a + p.shape[0], 0), ...parts[0].shape.slice(1)], data };
}

/** One figure per lane, combining that lane's slices. */
function laneTotals(
  parts: readonly PartialRun[],
  value: (p: PartialRun) => number,
  combine: (a: number, b: number) => number,
): number[] {
  const lanes = new Map<number, number>();
  for (const p of parts)
    lanes.set(p.lane, lanes.has(p.lane) ? combine(lanes.get(p.lane)!, value(p)) : value(p));
  return [...lanes.values()];
}

export interface FinalizeOptions {
  /** ImageNet labels, used when an output has exactly as many classes. */
  readonly labels: readonly string[] | null;
  readonly returnOutputs: boolean;
}

/**
 * Merges slices (in any order) into one result: outputs joined, statistics merged, shapes checked.
 * A slice may cover only some modules (one image split between two workers): each module merges
 * the slices that ran it, and the outputs come from the slices that ran to the end.
 */
export function finalizeRun(
  partials: readonly PartialRun[],
  options: FinalizeOptions,
): EngineRunResult {
  const parts = [...partials].sort(
    (a, b) => a.sliceStart - b.sliceStart || a.moduleStart - b.moduleStart,
  );
  const first = parts[0];
  const moduleCount = Math.max(...parts.map((p) => p.moduleStart + p.modules.length));
  const ends = parts.filter((p) => p.moduleStart + p.modules.length === moduleCount);
  const outputs: Record<string, OutputResult> = emptyRecord();
  const outputData: Record<string, TensorData> = emptyRecord();
  const warnings = [...new Set(parts.flatMap((p) => p.warnings))];
  for (const name of Object.keys(ends[0].outputs)) {
    const joined = concatBatch(ends.map((p) => p.outputs[name]));
    const classes = joined.shape.length === 2 ? joined.shape[1] : 0;
    const nonFinite = countNonFinite(joined.data);
    // Scores that are not numbers rank nothing: no top-5 is shown for them.
    const firstRowFinite = classes > 1 && countNonFinite(joined.data.subarray(0, classes)) === 0;
    if (nonFinite) {
      warnings.push(
        `The ${name} output holds ${nonFinite.toLocaleString('en-US')} value${nonFinite === 1 ? '' : 's'} that ${nonFinite === 1 ? 'is' : 'are'} not finite (NaN or ±Inf) of ${joined.data.length.toLocaleString('en-US')}${classes > 1 && !firstRowFinite ? ', so it has no top-5 classes' : ''}; PyTorch would give the same from these weights and input.`,
      );
    }
    outputs[name] = {
      shape: joined.shape,
      stats: finishStats(arrayStats(joined.data)),
      top5: firstRowFinite
        ? top5(
            joined.data,
            0,
            classes,
            options.labels && options.labels.length === classes ? options.labels : null,
          )
        : undefined,
    };
    outputData[name] = joined;
  }
  const modules: ModuleRunResult[] = Array.from({ length: moduleCount }, (_, i) => {
    const same = parts
      .filter((p) => i >= p.moduleStart && i < p.moduleStart + p.modules.length)
      .map((p) => p.modules[i - p.moduleStart]);
    const m = same[0];
    const shape = [same.reduce((a, s) => a + s.shape[0], 0), ...m.shape.slice(1)];
    const match = sameShape(shape, m.expectedShape);
    if (!match) {
      warnings.push(
        `${m.id}: the engine measured an output of ${shape.join('×')} but the analysis computed ${m.expectedShape?.join('×') ?? 'none'}; this is a bug, please report it.`,
      );
    }
    return {
      id: m.id,
      shape,
      expectedShape: m.expectedShape,
      match,
      // Slices run side by side, so a module takes as long as its slowest slice.
      ms: Math.max(...same.map((s) => s.ms)),
      stats: finishStats(mergeStats(same.map((s) => s.stats))),
      featureMap: same.find((s) => s.featureMap)?.featureMap,
    };
  });
  const untrained = parts.some((p) => p.untrainedWeights);
  if (untrained && Object.values(outputs).some((o) => o.top5)) {
    warnings.unshift(UNTRAINED_WEIGHTS_WARNING);
  }
  const result: EngineRunResult = {
    backend: first.backend,
    mode: first.mode,
    batch: first.batch,
    seed: first.seed,
    outputs,
    modules,
    ...(parts.find((p) => p.inputPicture)?.inputPicture
      ? { inputPicture: parts.find((p) => p.inputPicture)!.inputPicture }
      : {}),
    // Lanes (workers) run side by side, the slices of one lane one after the other.
    totalMs: Math.max(
      ...laneTotals(
        parts,
        (p) => p.totalMs,
        (a, b) => a + b,
      ),
    ),
    ...(first.timing ? { timing: first.timing } : {}),
    peakBytes: laneTotals(parts, (p) => p.peakBytes, Math.max).reduce((a, b) => a + b, 0),
    untrainedWeights: untrained,
    ...(parts.find((p) => p.weights)?.weights
      ? { weights: parts.find((p) => p.weights)!.weights }
      : {}),
    warnings,
  };
  return options.returnOutputs ? { ...result, outputData } : result;
}
