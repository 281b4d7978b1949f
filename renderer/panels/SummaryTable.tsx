/** The torchinfo-style summary of core's analysis: sortable, and exportable as CSV or Markdown. */
import { useEffect, useMemo, useState } from 'react';
import {
  summaryCsv,
  summaryMarkdown,
  summaryRows,
  type SummaryRow,
} from '../../core/analysis/summaryTable';
import { formatInt } from '../../core/model/format';
import { useAnalysis, useDesign } from '../state/derived';
import { useHost } from '../host/host';
import { appStore } from '../state/store';
import { ConventionSelect, conventionTitle, useConventionRow } from './ConventionFigure';
import { TermHelp } from '../help/TermHelp';

type SortKey = 'order' | 'id' | 'type' | 'outputShape' | 'params' | 'macs';

const COLUMNS: { key: SortKey; label: string; numeric?: boolean }[] = [
  { key: 'id', label: 'Module' },
  { key: 'type', label: 'Type' },
  { key: 'outputShape', label: 'Output shape' },
  { key: 'params', label: 'Params', numeric: true },
  { key: 'macs', label: 'MACs', numeric: true },
];

const firstDirection = (key: SortKey): 1 | -1 => (key === 'params' || key === 'macs' ? -1 : 1);

function compare(
  a: SummaryRow & { order: number },
  b: SummaryRow & { order: number },
  key: SortKey,
): number {
  const x = a[key];
  const y = b[key];
  return typeof x === 'number' && typeof y === 'number'
    ? x - y
    : String(x).localeCompare(String(y), 'en', { numeric: true });
}

export function SummaryTable() {
  const analysis = useAnalysis();
  const design = useDesign();
  const host = useHost();
  const [withLayers, setWithLayers] = useState(false);
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: 'order', dir: 1 });
  const rows = useMemo(() => {
    const all = summaryRows(analysis, withLayers).map((r, order) => ({ ...r, order }));
    if (sort.key === 'order' || withLayers) return sort.dir === 1 ? all : [...all].reverse();
    return [...all].sort((a, b) => compare(a, b, sort.key) * sort.dir);
  }, [analysis, withLayers, sort]);

  const exportAs = async (format: 'csv' | 'markdown') => {
    const content =
      format === 'csv' ? summaryCsv(analysis, withLayers) : summaryMarkdown(analysis, withLayers);
    const base = design.name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-|-$/g, '') || 'design';
    const r = await host.exportFile({
      format,
      suggestedName: `${base}-summary.${format === 'csv' ? 'csv' : 'md'}`,
      content,
    });
    if (!r.ok) appStore.getState().notify(r.error.message, 'error');
    else if (r.value) appStore.getState().notify(`Exported the summary to ${r.value.path}.`);
  };

  // Escape closes the summary as it closes dialogs (unless a dialog over it takes the key).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (
        e.key !== 'Escape' ||
        e.defaultPrevented ||
        document.querySelector('[role="dialog"], dialog[open]')
      )
        return;
      appStore.getState().setSummaryOpen(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const t = analysis.totals;
  const convention = useConventionRow();

  // Each column cycles: its natural direction (largest first for numbers), the other, then graph order.
  const toggleSort = (key: SortKey) =>
    setSort((s) => {
      const first = firstDirection(key);
      if (s.key !== key) return { key, dir: first };
      return s.dir === first ? { key, dir: first === 1 ? -1 : 1 } : { key: 'order', dir: 1 };
    });

  return (
    <section className="summary" aria-labelledby="summary-title">
      <header className="section-header">
        <h2 id="summary-title">Summary</h2>
        <label className="inline-check">
          <input
            type="checkbox"
            checked={withLayers}
            onChange={(e) => setWithLayers(e.target.checked)}
          />{' '}
          Show layers
        </label>
        <span className="spacer" />
        <button type="button" onClick={() => void exportAs('csv')}>
          Export CSV
        </button>
        <button type="button" onClick={() => void exportAs('markdown')}>
          Export Markdown
        </button>
        <button
          type="button"
          aria-label="Close summary"
          onClick={() => appStore.getState().setSummaryOpen(false)}
        >
          ✕
        </button>
      </header>
      <div className="summary-scroll">
        <table aria-label="Summary of modules">
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th
                  key={c.key}
                  className={c.numeric ? 'num' : undefined}
                  aria-sort={
                    sort.key === c.key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'
                  }
                >
                  <button type="button" onClick={() => toggleSort(c.key)} disabled={withLayers}>
                    {c.label}
                    {sort.key === c.key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr
                key={`${r.depth}:${r.order}`}
                className={`${r.depth ? 'layer-row' : ''}${r.evalPath ? '' : ' train-row'}`}
              >
                <td>
                  {r.depth ? '└ ' : ''}
                  {r.id}
                </td>
                <td>
                  {r.type}
                  {r.settings ? <span className="muted"> {r.settings}</span> : null}
                </td>
                <td className="mono">{r.outputShape}</td>
                <td className="num">{formatInt(r.params)}</td>
                <td className="num">{formatInt(r.macs)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr title="Every module, the auxiliary heads included (train mode)">
              <th scope="row">Total</th>
              <td>all modules</td>
              <td />
              <td className="num">{formatInt(t.params)}</td>
              <td className="num">{formatInt(t.macsTrain)}</td>
            </tr>
            <tr title="What inference runs: the auxiliary heads left out">
              <th scope="row">Eval path</th>
              <td>inference</td>
              <td />
              <td className="num">{formatInt(t.paramsEval)}</td>
              <td className="num">{formatInt(t.macs)}</td>
            </tr>
            <tr className="convention-row" title={conventionTitle(convention)}>
              <th scope="row">
                <ConventionSelect />
              </th>
              <td colSpan={3} data-testid="summary-convention">
                {convention.text}{' '}
                <span className="muted">
                  = {formatInt(convention.value)} {convention.unit}
                  {convention.scope === 'image'
                    ? ' per image'
                    : convention.scope === 'batch'
                      ? ' for the batch'
                      : ''}
                </span>
              </td>
              <td className="num">
                <TermHelp term={`convention.${convention.id}`} />
              </td>
            </tr>
          </tfoot>
        </table>
      </div>
    </section>
  );
}
