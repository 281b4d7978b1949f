/** The top-5 before and after a what-if (branches switched off, filters pruned), side by side with the change. */
import type { RunResult } from '../../core/run/types';
import { compareTop5, firstTop5, formatPoints } from '../../core/run/compareTop5';
import { describeAblation, type Ablation } from '../../core/weights/ablation';

const percent = (p: number | null) => (p === null ? '—' : `${(p * 100).toFixed(2)} %`);

export function WhatIfComparison({
  before,
  after,
  ablations,
}: {
  before: RunResult;
  after: RunResult;
  ablations: readonly Ablation[];
}) {
  const b = firstTop5(before);
  const a = firstTop5(after);
  if (!b || !a) return null;
  const rows = compareTop5(b, a);
  return (
    <section className="what-if" aria-label="What-if comparison" data-testid="what-if-comparison">
      <h3>What-if: top-5 before and after</h3>
      <p className="small">
        After: {ablations.map(describeAblation).join('; ')}. Before: the network as it is, same
        input and weights.
      </p>
      <table className="what-if-table">
        <thead>
          <tr>
            <th scope="col">Class</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
            <th scope="col">Change</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.index} className={`what-if-${r.status}`}>
              <th scope="row" className="top5-label" title={r.label}>
                {r.label}
              </th>
              <td
                className="mono"
                title={r.beforeRank ? `#${r.beforeRank} before` : 'not in the top-5 before'}
              >
                {percent(r.before)}
              </td>
              <td
                className="mono"
                title={r.afterRank ? `#${r.afterRank} after` : 'not in the top-5 after'}
              >
                {percent(r.after)}
              </td>
              <td className="mono">
                {r.deltaPoints !== null
                  ? formatPoints(r.deltaPoints)
                  : r.status === 'entered'
                    ? 'new in top-5'
                    : 'left top-5'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
