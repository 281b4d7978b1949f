/**
 * What a run request means for the design, without TensorFlow.js: the main process and the
 * command line use these, and only the worker loads TF.js.
 */
import { analyze, type Analysis } from '../../core/analysis/analyze';
import { runPath, runPathMessage } from '../../core/analysis/runPath';
import { errResult, okResult, type Result } from '../../core/run/types';
import type { Design } from '../../core/model/types';
import type { RunMode } from '../../core/run/types';
import type { EngineRunRequest } from './protocol';

/** The design a request runs: its own, with the request's batch when given. */
export function requestDesign(request: Pick<EngineRunRequest, 'design' | 'batch'>): Design {
  const d = request.design;
  return request.batch === undefined ? d : { ...d, input: { ...d.input, batch: request.batch } };
}

/**
 * The design a request executes in its mode (core/analysis/runPath.ts): in eval mode, without the
 * modules off the eval path whose problems would otherwise stop it, with a note for each; or
 * `run.invalidDesign` naming the problems that stop a run in this mode.
 */
export function runnableRequest(
  request: Pick<EngineRunRequest, 'design' | 'batch' | 'mode'>,
): Result<{ design: Design; analysis: Analysis; notes: readonly string[] }> {
  const design = requestDesign(request);
  const path = runPath(design, request.mode, analyzeDesign(design));
  if (!path.ok) return errResult('run.invalidDesign', runPathMessage(path));
  return okResult({ design: path.design, analysis: path.analysis, notes: path.notes });
}

/** Modules that run in a mode: the eval path in eval mode, every module in train mode. */
export function activeModules(analysis: Analysis, mode: RunMode) {
  return analysis.modules.filter((m) => mode === 'train' || m.evalPath);
}

/** The last few designs analysed, by their JSON (oldest first). */
const analyses = new Map<string, Analysis>();
const ANALYSES_KEPT = 4;

/**
 * core's `analyze(design)`, remembered for the last few designs (by their JSON): repeated runs of
 * one design (the Run button, bench, a batch after a batch) skip a GoogLeNet analysis of about
 * 4 ms per run on the client and again in the worker (issue 21). The analysis is never mutated, so
 * sharing it is safe.
 */
export function analyzeDesign(design: Design): Analysis {
  const key = JSON.stringify(design);
  const hit = analyses.get(key);
  if (hit) {
    // Most recently used last.
    analyses.delete(key);
    analyses.set(key, hit);
    return hit;
  }
  const analysis = analyze(design);
  analyses.set(key, analysis);
  if (analyses.size > ANALYSES_KEPT) analyses.delete(analyses.keys().next().value!);
  return analysis;
}
