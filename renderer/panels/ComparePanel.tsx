/**
 * Compare with…: the design against its preset (the default), any preset, or a saved design. The
 * graph marks every module by its status; this panel lists the changes in graph order with their
 * Δ figures, the totals before/after/Δ, the stage-by-stage summary across the family, and exports
 * the diff. Every figure comes from core's diff (core/design/diff.ts); clicking a row selects the
 * module and brings it into view.
 */
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import {
  formatSignedCompact,
  idsMostlyShared,
  moduleDelta,
  stageLabel,
  type DesignDiff,
  type ModuleDiff,
  type StageFigures,
  type TotalDelta,
} from '../../core/design/diff';
import {
  diffCsv,
  diffMarkdown,
  entrySummary,
  formatPercent,
  formatSignedInt,
} from '../../core/design/diffReport';
import { parseDesign } from '../../core/design/designFile';
import { graphSvg } from '../../core/export/graphSvg';
import { formatBatchShape, formatBytes, formatCompact, formatInt } from '../../core/model/format';
import { presets } from '../../core/presets';
import { useHost } from '../host/host';
import { appStore, useApp, type AppState } from '../state/store';
import { derive, useComparison, useDerived, useDesign, type Comparison } from '../state/derived';
import type { CompareTarget } from '../state/compareSlice';
import { fileLabel, viewport } from '../app/commands';
import { svgToPngBase64 } from '../export/rasterize';
import { TrainedComparison } from './TrainedComparison';

const selectCompareState = (s: AppState) => ({
  target: s.compare,
  preset: s.design.preset,
  selectedId: s.selectedId,
});

function targetValue(t: CompareTarget | null): string {
  if (!t) return '';
  return t.kind === 'own' ? 'own' : t.kind === 'preset' ? `preset:${t.name}` : 'design';
}

const totalText = (t: TotalDelta, v: number) =>
  t.unit === 'bytes' ? formatBytes(v) : formatInt(v);
const totalDelta = (t: TotalDelta) =>
  t.unit === 'bytes'
    ? `${t.delta > 0 ? '+' : t.delta < 0 ? '−' : '±'}${formatBytes(Math.abs(t.delta))}`
    : formatSignedInt(t.delta);

function Totals({ diff }: { diff: DesignDiff }) {
  return (
    <table className="compare-totals" aria-label="Totals before and after">
      <thead>
        <tr>
          <th scope="col">Total: A → B</th>
          <th scope="col" className="num">
            Δ
          </th>
        </tr>
      </thead>
      <tbody>
        {diff.totals.map((t) => (
          <tr key={t.key} data-testid={`compare-total-${t.key}`}>
            <th scope="row" title={t.label}>
              {t.short}
              <span className="compare-ab">
                {totalText(t, t.a)} → {totalText(t, t.b)}
              </span>
            </th>
            <td className={`num${t.delta > 0 ? ' up' : t.delta < 0 ? ' down' : ''}`}>
              {totalDelta(t)}
              <span className="pct">{formatPercent(t.percent, t.delta)}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ChangeRow({ e, selected }: { e: ModuleDiff; selected: boolean }) {
  const d = moduleDelta(e);
  const shape =
    e.a && e.b
      ? e.shapeChanged
        ? `${formatBatchShape(e.a.outputShape)} → ${formatBatchShape(e.b.outputShape)}`
        : formatBatchShape(e.b.outputShape)
      : formatBatchShape((e.b ?? e.a)!.outputShape);
  return (
    <li>
      <button
        type="button"
        className={`compare-row status-${e.status}${selected ? ' selected' : ''}`}
        data-testid={`compare-row-${e.id}`}
        aria-current={selected || undefined}
        onClick={() => {
          // A removed module is not in the design: bring its ghost into view without selecting it.
          if (e.status !== 'removed') appStore.getState().select(e.id);
          viewport.focusNode(e.id);
        }}
      >
        <span className="compare-row-head">
          <span className={`badge badge-${e.status}`}>{e.status}</span>
          <span className="compare-id">{e.id}</span>
          <span
            className={`compare-delta${e.delta.params > 0 ? ' up' : e.delta.params < 0 ? ' down' : ''}`}
          >
            {e.delta.params === 0 ? '±0' : (d?.paramsText ?? formatSignedInt(e.delta.params))}{' '}
            params
          </span>
        </span>
        <span className="compare-what">{entrySummary(e)}</span>
        <span className="compare-figures">
          {shape} · {formatSignedInt(e.delta.macs)} MACs
        </span>
      </button>
    </li>
  );
}

function StageCell({ s }: { s: StageFigures | null }) {
  if (!s) return <td className="muted">—</td>;
  const ids =
    s.modules.length === 1 ? s.modules[0] : `${s.modules[0]} … ${s.modules[s.modules.length - 1]}`;
  return (
    <td
      title={`${stageLabel(s)}: ${s.modules.length} modules, ${formatInt(s.params)} parameters, ${formatInt(s.macs)} MACs per image, output ${formatBatchShape(s.outputShape)}`}
    >
      <strong>{s.stage || '—'}</strong> <span className="muted">{ids}</span>
      <span className="compare-ab">
        {s.modules.length} modules · {formatCompact(s.params)} params
      </span>
      <span className="compare-ab">
        {formatCompact(s.macs)} MACs → {formatBatchShape(s.outputShape)}
      </span>
    </td>
  );
}

function StageTable({ diff }: { diff: DesignDiff }) {
  return (
    <table className="compare-stages" aria-label="Stage by stage">
      <thead>
        <tr>
          <th scope="col">A stage</th>
          <th scope="col">B stage</th>
          <th scope="col" className="num">
            Δ params
          </th>
        </tr>
      </thead>
      <tbody>
        {diff.stages.map((r, i) => (
          <tr key={i}>
            <StageCell s={r.a} />
            <StageCell s={r.b} />
            <td className="num" title={formatSignedInt(r.delta.params)}>
              {formatSignedCompact(r.delta.params)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ExportButtons({ comparison }: { comparison: Comparison }) {
  const host = useHost();
  const save = async (format: 'markdown' | 'csv' | 'svg' | 'png') => {
    const s = appStore.getState();
    const stem =
      (s.design.name || 'design')
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '') || 'design';
    const labels = {
      a: comparison.label,
      b: s.filePath ? fileLabel(s.filePath, s.design.name) : s.design.name || 'this design',
    };
    try {
      const analysis = derive(s.design).analysis;
      let content: string;
      if (format === 'markdown') content = diffMarkdown(comparison.diff, labels);
      else if (format === 'csv') content = diffCsv(comparison.diff);
      else {
        const svg = await graphSvg(s.design, analysis, {
          theme: s.theme,
          compareWith: comparison.against,
        });
        content = format === 'png' ? await svgToPngBase64(svg) : svg;
      }
      const suffix = { markdown: '-diff.md', csv: '-diff.csv', svg: '-diff.svg', png: '-diff.png' }[
        format
      ];
      const r = await host.exportFile({
        format,
        suggestedName: `${stem}${suffix}`,
        content,
        ...(format === 'png' ? { base64: true } : {}),
      });
      if (!r.ok) s.notify(r.error.message, 'error');
      else if (r.value) s.notify(`Exported the diff to ${r.value.path}.`);
    } catch (e) {
      s.notify(`The diff could not be exported: ${(e as Error).message}`, 'error');
    }
  };
  return (
    <div className="button-row" role="group" aria-label="Export the diff">
      <span className="muted small">Export:</span>
      <button type="button" onClick={() => void save('markdown')}>
        Markdown
      </button>
      <button type="button" onClick={() => void save('csv')}>
        CSV
      </button>
      <button type="button" onClick={() => void save('svg')}>
        SVG
      </button>
      <button type="button" onClick={() => void save('png')}>
        PNG
      </button>
    </div>
  );
}

export function ComparePanel() {
  const host = useHost();
  const { target, preset, selectedId } = useApp(useShallow(selectCompareState));
  const comparison = useComparison();
  const bValid = useDerived().analysis.valid;
  const design = useDesign();
  const [showUnchanged, setShowUnchanged] = useState(false);

  const choose = async (value: string) => {
    const s = appStore.getState();
    if (value === 'own') s.setCompare({ kind: 'own' });
    else if (value.startsWith('preset:'))
      s.setCompare({ kind: 'preset', name: value.slice('preset:'.length) });
    else if (value === 'open') {
      const r = await host.openDesign();
      if (!r.ok) return s.notify(r.error.message, 'error');
      if (!r.value) return;
      const parsed = parseDesign(r.value.text);
      if (!parsed.ok)
        return s.notify(
          `${fileLabel(r.value.path, 'The file')} cannot be compared with: ${parsed.errors[0].message}`,
          'error',
        );
      s.setCompare({
        kind: 'design',
        label: fileLabel(r.value.path, parsed.design.name),
        design: parsed.design,
      });
    }
  };

  const ownPreset = preset ? presets.find((p) => p.name === preset) : undefined;
  const diff = comparison?.diff;
  const listed = diff ? diff.entries.filter((e) => showUnchanged || e.status !== 'unchanged') : [];
  return (
    <section className="panel-section compare-panel" aria-labelledby="compare-title">
      <header className="section-header">
        <h2 id="compare-title">Compare with…</h2>
        {target && (
          <button type="button" onClick={() => appStore.getState().setCompare(null)}>
            Stop comparing
          </button>
        )}
      </header>
      <label className="field">
        <span className="field-label">A (the design compared with)</span>
        <select
          aria-label="Compare with"
          value={target ? targetValue(target) : ''}
          onChange={(e) => void choose(e.target.value)}
        >
          {!target && <option value="">Not comparing</option>}
          {ownPreset && <option value="own">Its preset: {ownPreset.label}</option>}
          {presets.map((p) => (
            <option key={p.name} value={`preset:${p.name}`}>
              Preset: {p.label}
            </option>
          ))}
          {target?.kind === 'design' && (
            <option value="design">Saved design: {target.label}</option>
          )}
          <option value="open">A saved design…</option>
        </select>
      </label>
      {!target && (
        <p className="section-doc">
          Choose what to compare this design (B) with. The graph then marks every module as added,
          removed, changed or affected.
        </p>
      )}
      {target && !comparison && (
        <p className="field-error">
          This design names no preset to compare with; choose a preset or a saved design.
        </p>
      )}
      {comparison && diff && (
        <>
          <p
            className="compare-counts"
            data-testid="compare-counts"
            title="The graph marks each module with its colour along the left edge (removed modules: dashed ghosts); zoom in to read the labels."
          >
            {(['changed', 'affected', 'added', 'removed'] as const).map((k) => (
              <span key={k} className={`badge badge-${k}`}>
                {diff.counts[k]} {k}
              </span>
            ))}
            <span className="muted small">
              {' '}
              {diff.counts.unchanged} unchanged · matched {diff.counts.matchedById} by id,{' '}
              {diff.counts.matchedByPosition} by position and kind
            </span>
          </p>
          {diff.settings.length > 0 && (
            <ul className="compare-settings" aria-label="Changed settings">
              {diff.settings.map((c) => (
                <li key={c.field}>
                  {c.field}: {String(c.from)} → {String(c.to)}
                </li>
              ))}
            </ul>
          )}
          {!comparison.againstValid && (
            <p className="notice">{comparison.label} has problems, so its figures are partial.</p>
          )}
          {!bValid && (
            <p className="notice">This design has problems, so its figures are partial.</p>
          )}
          <Totals diff={diff} />
          <TrainedComparison
            against={comparison.against}
            againstLabel={comparison.label}
            design={design}
          />
          {!idsMostlyShared(diff) && (
            <>
              <h3>Stage by stage</h3>
              <p className="section-doc">
                The ids differ across the family, so the stages of A are set beside those of B at
                the same place.
              </p>
              <StageTable diff={diff} />
            </>
          )}
          <div className="compare-list-head">
            <h3>Changes, in graph order</h3>
            <label className="small">
              <input
                type="checkbox"
                checked={showUnchanged}
                onChange={(e) => setShowUnchanged(e.target.checked)}
              />{' '}
              show unchanged
            </label>
          </div>
          {listed.length ? (
            <ol className="compare-list" aria-label="Changes in graph order">
              {listed.map((e) => (
                <ChangeRow key={`${e.status}:${e.id}`} e={e} selected={e.id === selectedId} />
              ))}
            </ol>
          ) : (
            <p className="section-doc">No module differs.</p>
          )}
          <ExportButtons comparison={comparison} />
        </>
      )}
    </section>
  );
}
