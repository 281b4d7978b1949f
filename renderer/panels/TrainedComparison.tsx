/**
 * Compare's "what did my edit cost and what did it buy" (issue 23): when both designs were trained
 * this session (or a checkpoint is picked for each side), their curves on one chart (train loss
 * and validation top-1 against the step, one colour per design) and their final accuracy beside
 * the Δ params and Δ MACs (core's totalsDiff) of the two designs trained.
 */
import { useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { formatPercent } from '../../core/design/diffReport';
import { formatSignedCompact, totalsDiff } from '../../core/design/diff';
import { formatCompact } from '../../core/model/format';
import type { Design } from '../../core/model/types';
import type { TrainHistory } from '../../core/train/types';
import { useApp, type AppState } from '../state/store';
import { derive } from '../state/derived';
import { historyOf, trainingFor, type Training } from '../state/trainSlice';
import { Chart } from './Chart';
import { SelectField } from './fields';
import { compareCurves, finalTop1, formatAccuracy, SIDE_COLOURS } from './trainCurves';

const selectTrained = (s: AppState) => ({ trainings: s.trainings, checkpoints: s.checkpoints });

/** What one side's curves come from, and the design trained (null for a checkpoint). */
interface Source {
  readonly label: string;
  readonly history: TrainHistory;
  readonly design: Design | null;
}

/** "auto" (this side's design trained this session), `t:<trainId>` or `c:<checkpoint id>`. */
type Pick = string;

function trainingLabel(t: Training): string {
  const top1 = finalTop1(historyOf(t));
  const last = t.steps[t.steps.length - 1];
  return `${t.design.name} · ${last ? `${last.step} steps` : 'no step'} · top-1 ${formatAccuracy(top1)}`;
}

export function TrainedComparison({
  against,
  againstLabel,
  design,
}: {
  /** A: the design compared with. */
  against: Design;
  againstLabel: string;
  /** B: the design on screen. */
  design: Design;
}) {
  const { trainings, checkpoints } = useApp(useShallow(selectTrained));
  const [picks, setPicks] = useState<[Pick, Pick]>(['auto', 'auto']);
  const designs = [against, design] as const;
  const sources = useMemo(
    () =>
      picks.map((p, i): Source | null => {
        if (p === 'auto') {
          const t = trainingFor(trainings, designs[i]);
          return t ? { label: i === 0 ? 'A' : 'B', history: historyOf(t), design: t.design } : null;
        }
        if (p.startsWith('t:')) {
          const t = trainings.find((x) => x.trainId === p.slice(2));
          return t ? { label: i === 0 ? 'A' : 'B', history: historyOf(t), design: t.design } : null;
        }
        const c = checkpoints.find((x) => x.id === p.slice(2));
        return c ? { label: i === 0 ? 'A' : 'B', history: c.history, design: null } : null;
      }),
    // `designs` is the tuple of the two props listed here.
    [picks, trainings, checkpoints, against, design],
  );
  if (trainings.length === 0 && checkpoints.length === 0) return null;
  const options = (i: number) => [
    {
      value: 'auto',
      label: trainingFor(trainings, designs[i])
        ? `This design’s latest training`
        : 'Not trained this session',
    },
    ...[...trainings].reverse().map((t) => ({ value: `t:${t.trainId}`, label: trainingLabel(t) })),
    ...checkpoints.map((c) => ({
      value: `c:${c.id}`,
      label: `Checkpoint ${c.designName} epoch ${c.epoch} · top-1 ${formatAccuracy(c.top1)}`,
    })),
  ];
  const both = sources[0] && sources[1] ? ([sources[0], sources[1]] as const) : null;
  const curves = both ? compareCurves(both) : null;
  const top1 = sources.map((s) => (s ? finalTop1(s.history) : null));
  // The cost is that of the designs trained (a training keeps its design; a checkpoint's side is
  // the design compared), so the figures and the curves describe the same two networks.
  const costOf = (i: number) => derive(sources[i]?.design ?? designs[i]).analysis.totals;
  const totals = totalsDiff(costOf(0), costOf(1));
  const params = totals.find((t) => t.key === 'params');
  const macs = totals.find((t) => t.key === 'macs');
  const dTop1 = top1[0] !== null && top1[1] !== null ? (top1[1] - top1[0]) * 100 : null;
  return (
    <section className="compare-training" aria-labelledby="compare-training-title">
      <h3 id="compare-training-title">Trained: what the edit cost and what it bought</h3>
      <div className="compare-sides">
        {(['A', 'B'] as const).map((side, i) => (
          <SelectField
            key={side}
            label={`Curves of ${side}`}
            doc={i === 0 ? `A: ${againstLabel}` : 'B: this design'}
            name={`Training of ${side}`}
            value={picks[i]}
            options={options(i)}
            onChange={(v) => setPicks((p) => (i === 0 ? [v, p[1]] : [p[0], v]))}
          />
        ))}
      </div>
      {curves ? (
        <Chart
          title="A and B: train loss and validation top-1"
          testId="compare-chart"
          xLabel="step"
          yLabel="loss"
          y2Label="top-1 %"
          y2Range={[0, 100]}
          series={curves.series}
          data={curves.data}
          summary={`Validation top-1: A ${formatAccuracy(top1[0])}, B ${formatAccuracy(top1[1])}.`}
        />
      ) : (
        <p className="section-doc">
          Train{' '}
          {sources[0] ? 'B (this design)' : sources[1] ? `A (${againstLabel})` : 'both designs'} in
          the Train tab, or pick a training or checkpoint for each side, to see their curves on one
          chart.
        </p>
      )}
      <table className="compare-accuracy" aria-label="Accuracy against cost">
        <thead>
          <tr>
            <th scope="col" />
            <th scope="col">
              <span className="legend-swatch" style={{ background: `var(${SIDE_COLOURS[0]})` }} />A
            </th>
            <th scope="col">
              <span className="legend-swatch" style={{ background: `var(${SIDE_COLOURS[1]})` }} />B
            </th>
            <th scope="col">Δ</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">Validation top-1</th>
            <td data-testid="compare-top1-a">{formatAccuracy(top1[0])}</td>
            <td data-testid="compare-top1-b">{formatAccuracy(top1[1])}</td>
            <td data-testid="compare-top1-delta">
              {dTop1 === null ? '—' : `${dTop1 >= 0 ? '+' : '−'}${Math.abs(dTop1).toFixed(1)} pp`}
            </td>
          </tr>
          {[params, macs].map(
            (t) =>
              t && (
                <tr key={t.key}>
                  <th scope="row">{t.key === 'params' ? 'Params' : 'MACs'}</th>
                  <td title={t.a.toLocaleString('en-US')}>{formatCompact(t.a)}</td>
                  <td title={t.b.toLocaleString('en-US')}>{formatCompact(t.b)}</td>
                  <td title={t.delta.toLocaleString('en-US')}>
                    {formatSignedCompact(t.delta)}{' '}
                    <span className="pct">{formatPercent(t.percent, t.delta)}</span>
                  </td>
                </tr>
              ),
          )}
        </tbody>
      </table>
    </section>
  );
}
