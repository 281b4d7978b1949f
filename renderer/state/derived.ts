/**
 * What the renderer shows is computed by core from the design: the analysis, the changes against
 * the preset, and the graph view. Each is memoized on the design object (designs are immutable,
 * so identity is equality), which keeps an edit to one analysis per keystroke.
 */
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { analyze, type Analysis } from '../../core/analysis/analyze';
import {
  compareDesigns,
  diffDesign,
  type DesignDiff,
  type TotalDelta,
} from '../../core/design/diff';
import { serializeDesign } from '../../core/design/designFile';
import { graphView, type GraphView } from '../../core/graph/graphView';
import type { Design } from '../../core/model/types';
import { presetDesign, presets } from '../../core/presets';
import type { CompareTarget } from './compareSlice';
import { useApp, type AppState } from './store';

export interface Derived {
  readonly analysis: Analysis;
  /** The design against its preset (core/design/diff.ts); empty when it has none. */
  readonly diff: DesignDiff;
  /** The preset's analysis, or null when the design has no preset. */
  readonly base: Analysis | null;
  /** Totals against the preset's, or null when the design has no preset. */
  readonly totals: readonly TotalDelta[] | null;
}

const derivedCache = new WeakMap<Design, Derived>();
const baseCache = new Map<string, { design: Design; analysis: Analysis } | null>();

/** A preset's design and analysis, made once per preset name. */
export function presetBase(preset: string | null): { design: Design; analysis: Analysis } | null {
  if (!preset) return null;
  if (!baseCache.has(preset)) {
    const d = presetDesign(preset);
    baseCache.set(preset, d ? { design: d, analysis: analyze(d) } : null);
  }
  return baseCache.get(preset)!;
}

/** Everything core computes for a design, memoized on the design object. */
export function derive(design: Design): Derived {
  let d = derivedCache.get(design);
  if (!d) {
    const analysis = analyze(design);
    const base = presetBase(design.preset);
    const diff = base
      ? diffDesign(design, base.design, { a: base.analysis, b: analysis })
      : diffDesign(design, undefined);
    d = { analysis, diff, base: base?.analysis ?? null, totals: base ? diff.totals : null };
    derivedCache.set(design, d);
  }
  return d;
}

/** A comparison on screen: the diff of the design (B) against the chosen design (A). */
export interface Comparison {
  readonly target: CompareTarget;
  /** What A is called: "preset googlenet", "my-design.json". */
  readonly label: string;
  readonly against: Design;
  /** Whether A's analysis found no problem (else its figures are partial). */
  readonly againstValid: boolean;
  readonly diff: DesignDiff;
}

const comparisonCache = new WeakMap<Design, { target: CompareTarget; value: Comparison | null }>();
const savedCache = new WeakMap<Design, Analysis>();

/** A's design, analysis and label for a target; null when the design has no (known) preset to compare with. */
function compareBase(
  target: CompareTarget,
  design: Design,
): { design: Design; analysis: Analysis; label: string } | null {
  if (target.kind === 'design') {
    let analysis = savedCache.get(target.design);
    if (!analysis) {
      analysis = analyze(target.design);
      savedCache.set(target.design, analysis);
    }
    return { design: target.design, analysis, label: target.label };
  }
  const name = target.kind === 'own' ? design.preset : target.name;
  const base = presetBase(name);
  if (!base || !name) return null;
  const label = presets.find((p) => p.name === name)?.label ?? name;
  return { ...base, label: target.kind === 'own' ? `its preset, ${label}` : `preset ${label}` };
}

/** The comparison of a design with a target, memoized on the design (and the target object). */
export function compareWith(design: Design, target: CompareTarget | null): Comparison | null {
  if (!target) return null;
  const hit = comparisonCache.get(design);
  if (hit && hit.target === target) return hit.value;
  const base = compareBase(target, design);
  const value = base
    ? {
        target,
        label: base.label,
        against: base.design,
        againstValid: base.analysis.valid,
        diff: compareDesigns(base.design, design, { a: base.analysis, b: derive(design).analysis }),
      }
    : null;
  comparisonCache.set(design, { target, value });
  return value;
}

const selectDesign = (s: AppState) => s.design;
const selectCompare = (s: AppState) => s.compare;

/** The comparison on screen, or null when not comparing. */
export function useComparison(): Comparison | null {
  const design = useApp(selectDesign);
  const target = useApp(selectCompare);
  return compareWith(design, target);
}
const selectOpened = (s: AppState) => s.opened;
const selectUnfolded = (s: AppState) => s.unfolded;

export function useDesign(): Design {
  return useApp(selectDesign);
}

export function useDerived(): Derived {
  return derive(useApp(selectDesign));
}

export function useAnalysis(): Analysis {
  return useDerived().analysis;
}

/** The graph view of the design with the opened modules. */
export function useGraphView(): GraphView {
  const design = useApp(selectDesign);
  const opened = useApp(useShallow(selectOpened));
  const unfolded = useApp(useShallow(selectUnfolded));
  const target = useApp(selectCompare);
  return useMemo(() => {
    const d = derive(design);
    const comparison = compareWith(design, target);
    // Comparing marks every status (affected, removed ghosts) against the chosen design; otherwise edits against the preset.
    return comparison
      ? graphView(design, d.analysis, { opened, diff: comparison.diff, compare: true })
      : graphView(design, d.analysis, { opened, diff: d.diff, fold: true, unfolded });
  }, [design, opened, unfolded, target]);
}

const selectDirtyInputs = (s: AppState) => [s.design, s.savedText, s.saveBatchWithDesign] as const;
const dirtyCache = new WeakMap<Design, { savedText: string; saveBatch: boolean; dirty: boolean }>();

/** The batch of a design file's text (what was last opened or saved), or null when it has none. */
function savedBatch(savedText: string): number | null {
  try {
    const batch = (JSON.parse(savedText) as { input?: { batch?: unknown } }).input?.batch;
    return typeof batch === 'number' ? batch : null;
  } catch {
    return null;
  }
}

/**
 * The design as Save writes it: with its batch when the batch is saved with the design, else
 * with the batch of the file as last opened or saved (the Run tab's batch is then a setting of
 * the runs only, so changing it leaves the design saved).
 */
export function designToSave(design: Design, savedText: string, saveBatch: boolean): Design {
  const batch = saveBatch ? null : savedBatch(savedText);
  return batch === null || batch === design.input.batch
    ? design
    : { ...design, input: { ...design.input, batch } };
}

/** Whether the design differs from what was last opened or saved (its batch only when `saveBatch`). */
export function isDirty(design: Design, savedText: string, saveBatch: boolean): boolean {
  const hit = dirtyCache.get(design);
  if (hit && hit.savedText === savedText && hit.saveBatch === saveBatch) return hit.dirty;
  const dirty = serializeDesign(designToSave(design, savedText, saveBatch)) !== savedText;
  dirtyCache.set(design, { savedText, saveBatch, dirty });
  return dirty;
}

export function useDirty(): boolean {
  const [design, savedText, saveBatch] = useApp(useShallow(selectDirtyInputs));
  return isDirty(design, savedText, saveBatch);
}
