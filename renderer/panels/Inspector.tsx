/**
 * The inspector: the selected module's parameters (its filter counts first) and the design's
 * global settings beside them. Every keystroke is a design edit; core's analysis of the result
 * supplies the messages shown at the fields.
 */
import { glossaryEntry, termForModule, termForParam } from '../../core/model/glossary';
import { TermHelp } from '../help/TermHelp';
import { useShallow } from 'zustand/react/shallow';
import { moduleDef } from '../../core/modules/registry';
import type { ParamDef } from '../../core/model/params';
import type { Design, Issue, ModuleSpec, ParamValue } from '../../core/model/types';
import type { ValueChange } from '../../core/design/diff';
import { memo, useMemo, useState, type ReactNode } from 'react';
import { repeatGroups } from '../../core/design/repeats';
import { FOLD_MIN_BLOCKS } from '../../core/graph/graphView';
import { presets } from '../../core/presets';
import { INPUT_LIMITS } from '../../core/analysis/analyze';
import { appStore, useApp, type AppState } from '../state/store';
import { INSERTABLE_KINDS, type InsertableKind } from '../state/designSlice';
import { derive, useDerived, useDesign } from '../state/derived';
import { moduleBreakdown } from '../../core/analysis/moduleBreakdown';
import {
  formatBytes,
  formatCompact,
  formatDelta,
  formatInt,
  formatBatchShape,
  formatShape,
} from '../../core/model/format';
import {
  formatValue,
  ParamField,
  TextField,
  CheckField,
  SelectField,
  parseNumberText,
} from './fields';
import { newFromPreset, resetToPreset } from '../app/commands';
import { WhatIfControls } from './WhatIfControls';

const selectSelection = (s: AppState) => [s.selectedId, s.design] as const;
const selectOpened = (s: AppState) => s.opened;
const selectUnfolded = (s: AppState) => s.unfolded;
const selectActions = (s: AppState) => ({
  toggleFold: s.toggleFold,
  insertAfter: s.insertAfter,
  duplicate: s.duplicate,
  remove: s.remove,
  select: s.select,
  toggleOpen: s.toggleOpen,
});
const selectSettingsActions = (s: AppState) => ({
  setInput: s.setInput,
  setClasses: s.setClasses,
  setAux: s.setAux,
});

const GROUP_TITLES: Record<ParamDef['group'], string> = {
  filters: 'Filters',
  structure: 'Structure',
  flavor: 'Reference flavor',
};

function fieldError(issues: readonly Issue[], field: string): string | undefined {
  const mine = issues.filter((i) => i.field === field);
  return mine.length ? mine.map((i) => i.message).join(' ') : undefined;
}

interface ModuleParamFieldProps {
  moduleId: string;
  /** The module's kind, for the glossary term a parameter stands for. */
  kind: string;
  field: string;
  def: ParamDef;
  value: ParamValue | undefined;
  /** The preset's value when the design's differs. */
  presetText: string | null;
  error: string | undefined;
  /** Every block of the folded run this module stands for: the edit applies to all (one undo step). */
  groupIds?: readonly string[];
}

/** One module parameter; memoized so a keystroke re-renders only the field it changed (props are primitives or kept references). */
const ModuleParamField = memo(function ModuleParamField({
  moduleId,
  kind,
  field,
  def,
  value,
  presetText,
  error,
  groupIds,
}: ModuleParamFieldProps) {
  return (
    <ParamField
      def={def}
      label={def.label}
      doc={def.doc}
      term={termForParam(field, kind)}
      name={`${def.label} (${field}) of ${groupIds ? `all ${groupIds.length} blocks from ` : ''}${moduleId}`}
      value={value}
      hint={
        presetText === null ? undefined : <span className="changed-hint">Preset: {presetText}</span>
      }
      error={error}
      onChange={(v) =>
        groupIds
          ? appStore.getState().setGroupParam(groupIds, field, v)
          : appStore.getState().setParam(moduleId, field, v)
      }
    />
  );
});

/**
 * What the selected module computes, first: its shapes, parameters, MACs and activation memory,
 * each against the preset's module when they differ, then the same per step of its inside.
 */
function ModuleFiguresPanel({ moduleId, presetId }: { moduleId: string; presetId: string | null }) {
  const { analysis, base } = useDerived();
  const now = moduleBreakdown(analysis, moduleId);
  if (!now) return null;
  const was = base && presetId ? moduleBreakdown(base, presetId) : null;
  const delta = (a: number, b: number | undefined) =>
    b === undefined || a === b ? null : formatDelta(a, b);
  const row = (label: string, value: string, vsPreset: string | null, help: string) => (
    <div className="figure" key={label}>
      <dt title={help}>{label}</dt>
      <dd>
        {value}
        {vsPreset && <span className="figure-delta"> {vsPreset}</span>}
      </dd>
    </div>
  );
  const computed = now.outputShape !== null;
  const wasStep = new Map((was?.steps ?? []).map((s) => [s.id, s]));
  return (
    <section className="module-figures" aria-label={`Figures of ${moduleId}`}>
      {!computed && (
        <p className="muted small">
          Not computed: fix the problem
          {analysis.modules.find((m) => m.id === moduleId)?.blockedBy ? ' upstream' : ' below'}{' '}
          first.
        </p>
      )}
      <dl className="figure-grid">
        {row(
          'Output',
          formatBatchShape(now.outputShape),
          was && computed && formatShape(was.outputShape) !== formatShape(now.outputShape)
            ? `(preset ${formatBatchShape(was.outputShape)})`
            : null,
          'The tensor the module outputs: N (the batch, images at once) and C×H×W of each image',
        )}
        {row(
          'Input',
          now.inputShapes.map((s) => formatBatchShape(s)).join(' + ') || '—',
          null,
          'What the module reads: N (the batch) and C×H×W of each image',
        )}
        {row(
          'Parameters',
          computed ? formatInt(now.params) : '—',
          computed ? delta(now.params, was?.params) : null,
          'Trainable parameters (weights, biases, batch-norm scale and shift)',
        )}
        {row(
          'MACs / image',
          computed ? formatCompact(now.macs) : '—',
          computed ? delta(now.macs, was?.macs) : null,
          'Multiply-accumulates for one image',
        )}
        {row(
          'Activations',
          computed ? formatBytes(now.activationBytes) : '—',
          null,
          'Memory of the outputs of its layers for the whole batch (float32)',
        )}
      </dl>
      {computed && now.steps.length > 0 && (
        <table className="step-table">
          <caption>Per step (as opening the module shows)</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Output</th>
              <th scope="col">Params</th>
              <th scope="col">MACs</th>
            </tr>
          </thead>
          <tbody>
            {now.steps.map((s) => {
              const w = wasStep.get(s.id);
              const d = w && w.params !== s.params ? formatDelta(s.params, w.params) : null;
              return (
                <tr key={s.id} title={`${s.group}: ${s.id}`}>
                  <th scope="row">{s.title}</th>
                  <td>{formatBatchShape(s.outputShape)}</td>
                  <td>
                    {formatCompact(s.params)}
                    {d && <span className="figure-delta step-delta">{d}</span>}
                  </td>
                  <td>{formatCompact(s.macs)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

/**
 * The folded-run controls: on a folded run's node, what an edit here changes and how to unfold it
 * or make one block differ; on any block of an unfolded run, which block it is and how to fold the run again.
 */
function RepeatControls({
  moduleId,
  runIds,
  groupIds,
}: {
  moduleId: string;
  runIds: readonly string[] | null;
  groupIds: readonly string[] | undefined;
}) {
  const { select, toggleFold } = useApp(useShallow(selectActions));
  const [oneBlock, setOneBlock] = useState<string>('');
  if (groupIds) {
    return (
      <section className="repeat-group" aria-label={`Folded run of ${groupIds.length} blocks`}>
        <p>
          <strong>×{groupIds.length}</strong> identical blocks, {groupIds[0]} …{' '}
          {groupIds[groupIds.length - 1]}: an edit here changes every block (one undo step). Figures
          below are one block&apos;s.
        </p>
        <div className="repeat-actions">
          <button type="button" onClick={() => toggleFold(moduleId)}>
            Unfold
          </button>
          <label>
            Make one block differ:{' '}
            <select
              aria-label="Block to make differ"
              value={oneBlock || groupIds[1]}
              onChange={(e) => setOneBlock(e.target.value)}
            >
              {groupIds.map((id) => (
                <option key={id} value={id}>
                  {id}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            onClick={() => {
              toggleFold(moduleId);
              select(oneBlock || groupIds[1]);
            }}
          >
            Edit this block only
          </button>
        </div>
      </section>
    );
  }
  if (!runIds) return null;
  const at = runIds.indexOf(moduleId);
  return (
    <div className="repeat-actions">
      <span>
        {at === 0 ? 'First' : `Block ${at + 1}`} of {runIds.length} identical blocks ({runIds[0]} …{' '}
        {runIds[runIds.length - 1]}).
      </span>
      <button
        type="button"
        onClick={() => {
          toggleFold(runIds[0]);
          select(runIds[0]);
        }}
      >
        Fold {runIds.length} blocks
      </button>
    </div>
  );
}

/** Open or close the branches, duplicate, insert after, delete. */
function ModuleActions({ moduleId, openable }: { moduleId: string; openable: boolean }) {
  const opened = useApp(useShallow(selectOpened));
  const { insertAfter, duplicate, remove, select, toggleOpen } = useApp(useShallow(selectActions));
  return (
    <div className="button-row" role="group" aria-label={`Actions on ${moduleId}`}>
      {openable && (
        <button
          type="button"
          onClick={() => toggleOpen(moduleId)}
          aria-expanded={opened.includes(moduleId)}
        >
          {opened.includes(moduleId) ? 'Close branches' : 'Open branches'}
        </button>
      )}
      <button
        type="button"
        onClick={() => select(duplicate(moduleId) ?? moduleId)}
        aria-label={`Duplicate ${moduleId}`}
      >
        Duplicate
      </button>
      <label className="inline-select">
        <span className="visually-hidden">Insert after {moduleId}</span>
        <select
          aria-label={`Insert after ${moduleId}`}
          value=""
          onChange={(e) => {
            const id = insertAfter(moduleId, e.target.value as InsertableKind);
            if (id) select(id);
          }}
        >
          <option value="" disabled>
            Insert after…
          </option>
          {INSERTABLE_KINDS.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.label}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        className="danger"
        aria-label={`Delete ${moduleId}`}
        onClick={() => {
          remove(moduleId);
          select(null);
        }}
      >
        Delete
      </button>
    </div>
  );
}

/** The module's parameter fields, by group: filters and structure open, the reference flavor folded away. */
function ParamGroups({
  entries,
  field,
}: {
  entries: readonly [string, ParamDef][];
  field(entry: [string, ParamDef]): ReactNode;
}) {
  const groups = (['filters', 'structure', 'flavor'] as const)
    .map((g) => ({ group: g, list: entries.filter(([, p]) => p.group === g) }))
    .filter((g) => g.list.length);
  return groups.map(({ group, list }) =>
    group === 'flavor' ? (
      <details key={group} className="param-group">
        <summary>{GROUP_TITLES[group]}</summary>
        <div className="field-grid">{list.map(field)}</div>
      </details>
    ) : (
      <fieldset key={group} className="param-group">
        <legend>{GROUP_TITLES[group]}</legend>
        <div
          className={group === 'filters' && list.length >= 4 ? 'field-grid three' : 'field-grid'}
        >
          {list.map(field)}
        </div>
      </fieldset>
    ),
  );
}

function ModuleInspector({ spec }: { spec: ModuleSpec }) {
  const { analysis, diff } = useDerived();
  const design = useDesign();
  const unfolded = useApp(useShallow(selectUnfolded));
  const runIds = useMemo(
    () =>
      repeatGroups(design).find((g) => g.ids.includes(spec.id) && g.count >= FOLD_MIN_BLOCKS)
        ?.ids ?? null,
    [design, spec.id],
  );
  const groupIds =
    runIds && runIds[0] === spec.id && !unfolded.includes(spec.id) ? runIds : undefined;
  const def = moduleDef(spec.kind);
  const info = analysis.modules.find((m) => m.id === spec.id);
  const issues = info?.issues ?? analysis.issues.filter((i) => i.nodeId === spec.id);
  const entry = diff.byId.get(spec.id);
  const change =
    entry && (entry.status === 'added' || entry.status === 'changed') ? entry : undefined;
  const active = def?.active ? new Set(def.active(spec.params)) : null;
  const entries = def
    ? Object.entries(def.params).filter(([field]) => !active || active.has(field))
    : [];
  const moduleTerm = termForModule(spec.kind);
  const fieldless = issues.filter((i) => !i.field || !entries.some(([f]) => f === i.field));

  const field = ([name, p]: [string, ParamDef]) => {
    const was = change?.params.find((c) => c.field === name);
    return (
      <ModuleParamField
        key={name}
        moduleId={spec.id}
        kind={spec.kind}
        field={name}
        def={p}
        value={spec.params[name]}
        presetText={was ? formatValue(was.from ?? (p.default as never)) : null}
        error={fieldError(issues, name)}
        groupIds={groupIds}
      />
    );
  };

  return (
    <section className="panel-section" aria-labelledby="inspector-title">
      <header className="section-header">
        <h2 id="inspector-title">
          {spec.id} <span className="muted">{def?.label ?? spec.kind}</span>
        </h2>
        {change && <span className={`badge badge-${change.status}`}>{change.status}</span>}
      </header>
      <RepeatControls moduleId={spec.id} runIds={runIds} groupIds={groupIds} />
      <ModuleFiguresPanel moduleId={spec.id} presetId={entry?.a?.id ?? null} />
      {def && <p className="section-doc">{def.description}</p>}
      {moduleTerm && (
        <div className="field-label-row section-term">
          <span className="muted small">{glossaryEntry(moduleTerm).term}</span>
          <TermHelp term={moduleTerm} />
        </div>
      )}
      {fieldless.map((i) => (
        <p key={i.code + i.message} className="field-error" role="alert">
          {i.message}
        </p>
      ))}
      <ParamGroups entries={entries} field={field} />
      <ModuleActions moduleId={spec.id} openable={Boolean(def?.steps)} />
      <WhatIfControls moduleId={spec.id} />
    </section>
  );
}

/** What the settings panel shows, as a string so it re-renders only when that changes (not on every count edit). */
const selectSettingsView = (s: AppState): string => {
  const d = derive(s.design);
  return JSON.stringify({
    input: s.design.input,
    classes: s.design.classes,
    aux: s.design.aux,
    hasAux: s.design.modules.some((m) => m.aux),
    preset: s.design.preset,
    issues: d.analysis.issues.filter((i) => i.nodeId === 'design'),
    settings: d.diff.settings,
    changed: d.diff.changed,
  });
};

interface SettingsView {
  input: Design['input'];
  classes: number;
  aux: boolean;
  /** Whether the design has auxiliary heads to turn on (v4, Inception-ResNet and BN-Inception have none). */
  hasAux: boolean;
  preset: string | null;
  issues: Issue[];
  settings: ValueChange[];
  changed: boolean;
}

function SettingsPanel() {
  const view = useApp(selectSettingsView);
  const {
    input,
    classes,
    aux,
    hasAux,
    preset,
    issues: designIssues,
    settings,
    changed: designChanged,
  } = useMemo(() => JSON.parse(view) as SettingsView, [view]);
  const { setInput, setClasses, setAux } = useApp(useShallow(selectSettingsActions));
  const changed = (field: string) => settings.find((c) => c.field === field);
  const hint = (field: string) => {
    const c = changed(field);
    return c ? <span className="changed-hint">Preset: {formatValue(c.from)}</span> : undefined;
  };
  const inputField = (key: 'batch' | 'channels' | 'height' | 'width', label: string) => (
    <TextField
      key={key}
      label={label}
      numeric
      value={String(input[key])}
      hint={hint(`input.${key}`)}
      error={fieldError(designIssues, `input.${key}`)}
      onText={(t) => {
        const v = parseNumberText(t);
        if (typeof v === 'number') setInput(key, v);
      }}
    />
  );
  return (
    <section className="panel-section" aria-labelledby="settings-title">
      <header className="section-header">
        <h2 id="settings-title">Network settings</h2>
      </header>
      <SelectField
        label="Preset"
        value={preset ?? ''}
        options={[
          ...(preset ? [] : [{ value: '', label: 'None' }]),
          ...presets.map((p) => ({ value: p.name, label: p.label })),
        ]}
        hint={presets.find((p) => p.name === preset)?.description}
        onChange={(name) => newFromPreset(name)}
      />
      <div className="field-grid">
        {inputField('height', 'Input height')}
        {inputField('width', 'Input width')}
        {inputField('channels', 'Input channels')}
        {inputField('batch', 'Batch')}
        <TextField
          label="Classes"
          numeric
          value={String(classes)}
          hint={hint('classes')}
          error={fieldError(designIssues, 'classes')}
          onText={(t) => {
            const v = parseNumberText(t);
            if (typeof v === 'number') setClasses(v);
          }}
        />
      </div>
      <CheckField
        label="Auxiliary heads (train mode)"
        term="auxHead"
        checked={aux && hasAux}
        disabled={!hasAux}
        hint={hasAux ? hint('aux') : 'This network has no auxiliary heads.'}
        onChange={setAux}
      />
      <p className="muted small">
        Input size limits: {INPUT_LIMITS.height.min}–{INPUT_LIMITS.height.max} pixels. At other
        input sizes, layers built for a fixed map size (a fixed average pool, a classifier) may no
        longer fit; the affected nodes say so.
      </p>
      <div className="button-row">
        <button type="button" onClick={resetToPreset} disabled={!preset || !designChanged}>
          Reset to preset
        </button>
      </div>
    </section>
  );
}

/** The edit tab: the selected module (if any) above the global settings. */
export function Inspector() {
  const [selectedId, design] = useApp(useShallow(selectSelection));
  const spec = selectedId ? design.modules.find((m) => m.id === selectedId) : undefined;
  return (
    <div className="inspector">
      {spec ? (
        <ModuleInspector key={spec.id} spec={spec} />
      ) : (
        <section className="panel-section">
          <p className="muted">
            Select a module in the graph (click it, or Tab to it and press Enter) to edit its filter
            counts.
          </p>
        </section>
      )}
      <SettingsPanel />
    </div>
  );
}
