/**
 * What the renderer shows is computed by core from the design: the analysis, the changes against
 * the preset, and the graph view. Each is memoized on the design object (designs are immutable,
 * so identity is equality), which keeps an edit to one analysis per keystroke.
 */
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { analyze, type Analysis } from '../../core/analysis/analyze';
import { diffDesign, type DesignDiff, type TotalDelta } from '../../core/design/diff';
import { serializeDesign } from '../../core/design/designFile';
import { graphView, type GraphView } from '../../core/graph/graphView';
import type { Design } from '../../core/model/types';
import { presetDesign } from '../../core/presets';
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
    const diff = base ? diffDesign(design, base.design, { a: base.analysis, b: analysis }) : diffDesign(design, undefined);
    d = { analysis, diff, base: base?.analysis ?? null, totals: base ? diff.totals : null };
    derivedCache.set(design, d);
  }
  return d;
}

const selectDesign = (s: AppState) => s.design;
const selectOpened = (s: AppState) => s.opened;

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
  return useMemo(() => {
    const d = derive(design);
    return graphView(design, d.analysis, { opened, diff: d.diff });
  }, [design, opened]);
}

const selectDirtyInputs = (s: AppState) => [s.design, s.savedText] as const;
const dirtyCache = new WeakMap<Design, { savedText: string; dirty: boolean }>();

/** Whether the design differs from what was last opened or saved. */
export function isDirty(design: Design, savedText: string): boolean {
  const hit = dirtyCache.get(design);
  if (hit && hit.savedText === savedText) return hit.dirty;
  const dirty = serializeDesign(design) !== savedText;
  dirtyCache.set(design, { savedText, dirty });
  return dirty;
}

export function useDirty(): boolean {
  const [design, savedText] = useApp(useShallow(selectDirtyInputs));
  return isDirty(design, savedText);
}
