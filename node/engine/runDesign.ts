/**
 * What a run request means for the design, without TensorFlow.js: the main process and the
 * command line use these, and only the worker loads TF.js.
 */
import type { Analysis } from '../../core/analysis/analyze';
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
  const path = runPath(requestDesign(request), request.mode);
  if (!path.ok) return errResult('run.invalidDesign', runPathMessage(path));
  return okResult({ design: path.design, analysis: path.analysis, notes: path.notes });
}

/** Modules that run in a mode: the eval path in eval mode, every module in train mode. */
export function activeModules(analysis: Analysis, mode: RunMode) {
  return analysis.modules.filter((m) => mode === 'train' || m.evalPath);
}
