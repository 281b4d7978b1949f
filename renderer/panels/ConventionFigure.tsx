/**
 * The figure a counting tool would report for the design (core/analysis/conventions.ts), with a
 * small select of whose convention: the totals bar and the summary show it. The choice is a view
 * setting kept in the UI state (and remembered), never in the design.
 */
import { useMemo } from 'react';
import {
  CONVENTION_IDS,
  CONVENTIONS,
  conventionRows,
  type ConventionId,
  type ConventionRow,
} from '../../core/analysis/conventions';
import type { Analysis } from '../../core/analysis/analyze';
import { formatInt } from '../../core/model/format';
import { useAnalysis } from '../state/derived';
import { appStore, useApp } from '../state/store';
import type { AppState } from '../state/store';

const selectConvention = (s: AppState) => s.convention;

/** The chosen convention's figure for the current design. */
export function useConventionRow(): ConventionRow {
  const analysis = useAnalysis();
  const id = useApp(selectConvention);
  return useMemo(() => conventionRow(analysis, id), [analysis, id]);
}

function conventionRow(analysis: Analysis, id: ConventionId): ConventionRow {
  const batch = analysis.input[0];
  return conventionRows(analysis, [id], Number.isInteger(batch) && batch > 0 ? batch : 1)[0];
}

const SCOPE = { image: ' per image', batch: ' for the batch', network: '' } as const;

/** The exact figure and what it includes, for a tooltip. */
export function conventionTitle(row: ConventionRow): string {
  return `${row.text} = ${formatInt(row.value)} ${row.unit}${SCOPE[row.scope]}. ${row.sentence} (${row.source}; more under Help, ? or F1)`;
}

/** The select of conventions, labelled by each tool's name. */
export function ConventionSelect({ className }: { className?: string }) {
  const id = useApp(selectConvention);
  return (
    <select
      className={`convention-select nodrag${className ? ` ${className}` : ''}`}
      aria-label="Counting convention"
      title="Show the figure this tool would report for the same network"
      value={id}
      onChange={(e) => appStore.getState().setConvention(e.target.value as ConventionId)}
    >
      {CONVENTION_IDS.map((c) => (
        <option key={c} value={c}>
          {CONVENTIONS[c].label}
        </option>
      ))}
    </select>
  );
}
