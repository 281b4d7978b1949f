/**
 * Which problems block a run in a given mode. A run executes only the modules its mode needs:
 * eval mode the modules the main output depends on (the eval path), train mode every module (aux
 * heads included). A problem that lies only on modules the mode does not execute, such as
 * Inception v3's aux head at 224×224 (its 5×5 conv does not fit the 3×3 map it gets, while the
 * main path does), does not stop an eval run: it stays a warning that names the module and field.
 */
import type { Design, Issue } from '../model/types';
import type { RunMode } from '../run/types';
import { analyze, type Analysis } from './analyze';

/** What a run in one mode executes, or the problems that stop it. */
export type RunPath =
  | {
      readonly ok: true;
      /** The design the engine builds: the original, or it without the modules off the mode's path that have problems. */
      readonly design: Design;
      readonly analysis: Analysis;
      /** Problems on modules the mode does not execute (empty when the design is valid). */
      readonly skipped: readonly Issue[];
      /** One sentence per skipped module, for the run's notes ("AuxLogits is off the eval path …"). */
      readonly notes: readonly string[];
    }
  | {
      readonly ok: false;
      readonly analysis: Analysis;
      /** The problems that stop a run in this mode. */
      readonly blocking: readonly Issue[];
      /** Set in train mode when every problem is on modules an eval run would skip: says so. */
      readonly hint: string | null;
    };

/** The module ids a run in eval mode does not execute: those the main output does not depend on. */
function offEvalPath(analysis: Analysis): Set<string> {
  return new Set(analysis.modules.filter((m) => !m.evalPath).map((m) => m.id));
}

/** `field` of an issue as the notes print it: "(field pool_kernel)", or nothing when it has none. */
const fieldText = (i: Issue) => (i.field ? ` (field ${i.field})` : '');

/**
 * The design a run in `mode` executes and its analysis, or the problems that stop it.
 *
 * A valid design runs as it is. In eval mode, a design whose every problem lies on modules off
 * the eval path (aux heads, a branch nothing reads) runs without those modules (and without the
 * outputs they feed), provided what remains is valid; each such problem becomes a note naming the
 * module and field. Train mode executes every module, so any problem stops it; its `hint` says
 * when an eval run would go ahead. Pure: the same answer in the engine, the CLI and the app.
 */
export function runPath(design: Design, mode: RunMode, analysis = analyze(design)): RunPath {
  if (analysis.valid) return { ok: true, design, analysis, skipped: [], notes: [] };
  const off = offEvalPath(analysis);
  const onlyOffPath = analysis.issues.every((i) => off.has(i.nodeId));
  if (mode === 'train' || !onlyOffPath) {
    const hint =
      mode === 'train' && onlyOffPath
        ? `Train mode runs every module, aux heads included, so ${[...new Set(analysis.issues.map((i) => i.nodeId))].join(', ')} must fit too; an eval run skips ${analysis.issues.length === 1 ? 'it' : 'them'} and would run.`
        : null;
    return { ok: false, analysis, blocking: analysis.issues, hint };
  }
  const kept = design.modules.filter((m) => !off.has(m.id));
  const outputs = Object.fromEntries(
    Object.entries(design.outputs).filter(([, src]) => !off.has(src)),
  );
  const reduced: Design = { ...design, modules: kept, outputs };
  const reducedAnalysis = analyze(reduced);
  if (!reducedAnalysis.valid) return { ok: false, analysis, blocking: analysis.issues, hint: null };
  const notes = analysis.issues.map((i) => {
    const info = analysis.modules.find((m) => m.id === i.nodeId);
    const what = info?.aux
      ? 'an aux head, which only train mode runs'
      : 'not read by the main output';
    return `${i.nodeId} is off the eval path (${what}), so its problem${fieldText(i)} does not stop this eval run; a train run would need it fixed: ${i.message}`;
  });
  return { ok: true, design: reduced, analysis: reducedAnalysis, skipped: analysis.issues, notes };
}

/** The problems of a refused run as one message: the blocking issues (at most five), then the hint. */
export function runPathMessage(path: Extract<RunPath, { ok: false }>): string {
  const shown = path.blocking.slice(0, 5).map((i) => i.message);
  const more = path.blocking.length > 5 ? ` (and ${path.blocking.length - 5} more)` : '';
  return `The design cannot run: ${shown.join(' ')}${more}${path.hint ? ` ${path.hint}` : ''}`;
}
