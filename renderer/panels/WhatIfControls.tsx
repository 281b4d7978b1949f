/**
 * The inspector's what-if for a selected module: switch a branch off, keep only the top-k filters
 * of a conv (by L1 norm), and the "fresh weights" note when the last run's file did not fit it.
 * The next run compares before and after (Run tab); the ablations touch no design value.
 */
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import {
  checkAblations,
  moduleBranches,
  moduleConvs,
  withBranchOff,
  withTopFilters,
} from '../../core/weights/ablation';
import { parseNumberText } from '../../core/model/params';
import { useDerived } from '../state/derived';
import { appStore, useApp, type AppState } from '../state/store';

const selectWhatIf = (s: AppState) => ({
  ablations: s.ablations,
  result: s.result,
  resultDesign: s.resultDesign,
  design: s.design,
});

export function WhatIfControls({ moduleId }: { moduleId: string }) {
  const { analysis } = useDerived();
  const { ablations, result, resultDesign, design } = useApp(useShallow(selectWhatIf));
  const branches = useMemo(() => moduleBranches(analysis, moduleId), [analysis, moduleId]);
  const convs = useMemo(() => moduleConvs(analysis, moduleId), [analysis, moduleId]);
  const issues = useMemo(() => checkAblations(analysis, ablations), [analysis, ablations]);
  const fresh =
    result?.weights && resultDesign === design
      ? result.weights.reinitialized.filter(
          (k) => k.startsWith(`${moduleId}.`) || k.startsWith(`${moduleId}_`),
        )
      : [];
  if (branches.length === 0 && convs.length === 0 && fresh.length === 0) return null;
  const set = (next: typeof ablations) => appStore.getState().setAblations(next);
  const isOff = (branch: string) =>
    ablations.some((a) => a.kind === 'branchOff' && a.module === moduleId && a.branch === branch);
  const keepOf = (layer: string) => {
    const a = ablations.find((x) => x.kind === 'topFilters' && x.layer === layer);
    return a?.kind === 'topFilters' ? String(a.keep) : '';
  };
  return (
    <section className="what-if-controls" aria-label={`What-if for ${moduleId}`}>
      {fresh.length > 0 && (
        <p className="notice" data-testid="inspector-fresh">
          <span className="badge badge-fresh">fresh weights</span> {fresh.length} tensor
          {fresh.length === 1 ? '' : 's'} of {moduleId} did not fit the weights file and start from
          the seeded initialization: {fresh.slice(0, 4).join(', ')}
          {fresh.length > 4 ? ` and ${fresh.length - 4} more` : ''}.
        </p>
      )}
      {(branches.length > 0 || convs.length > 0) && (
        <details open={ablations.length > 0 || undefined}>
          <summary>What-if (trained weights)</summary>
          <p className="small muted">
            The next run also runs the network as it is and shows both top-5 side by side. Weights
            are zeroed for that run only; the design does not change.
          </p>
          {branches.map((b) => (
            <label key={b.branch}>
              <input
                type="checkbox"
                checked={isOff(b.branch)}
                onChange={(e) =>
                  set(withBranchOff(ablations, moduleId, b.branch, e.target.checked))
                }
              />
              Switch off {b.branch} ({b.title})
            </label>
          ))}
          {convs.length > 0 && (
            <details>
              <summary>Keep only the top-k filters of a conv (L1 norm)</summary>
              {convs.map((c) => (
                <label key={c.layer} title={c.layer}>
                  <span className="mono small">{c.local}</span>
                  <input
                    type="text"
                    inputMode="numeric"
                    className="nodrag"
                    aria-label={`Filters of ${c.layer} to keep (of ${c.filters})`}
                    placeholder={`all ${c.filters}`}
                    size={6}
                    value={keepOf(c.layer)}
                    onChange={(e) => {
                      const t = e.target.value.trim();
                      const v = parseNumberText(t);
                      set(
                        withTopFilters(
                          ablations,
                          c.layer,
                          t === '' ? null : typeof v === 'number' ? v : NaN,
                        ),
                      );
                    }}
                  />
                </label>
              ))}
            </details>
          )}
          {issues.map((i) => (
            <p key={`${i.index}-${i.code}`} className="field-error" role="alert">
              {i.message}
            </p>
          ))}
          {ablations.length > 0 && (
            <button type="button" onClick={() => set([])}>
              Clear every what-if ({ablations.length})
            </button>
          )}
        </details>
      )}
    </section>
  );
}
