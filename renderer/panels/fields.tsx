/**
 * Form fields of the inspector. Each shows what the design holds (even an invalid value, as
 * typed), reports core's message for it, and commits on every keystroke so numbers update live.
 *
 * Undo: one value typed into a field is one undo step ("300" typed key by key, or pasted). A new
 * step starts when the field's whole text is replaced (it was all selected, as after Tab or a
 * double click), after Enter, and when the field is left. Ctrl/Cmd+Z and Ctrl+Shift+Z / Ctrl+Y in
 * a field undo and redo design steps, exactly as outside it (never the browser's per-character
 * undo of the field).
 */
import { useCallback, useId, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { paramType, type ParamDef } from '../../core/model/params';
import type { ParamValue } from '../../core/model/types';
import { appStore, type AppState } from '../state/store';
import type { GlossaryTermId } from '../../core/model/glossary';
import { TermHelp } from '../help/TermHelp';

const selectHistoryVersion = (s: AppState) => s.historyVersion;

/** Undo/redo keys pressed in a field: the design's undo, never the field's own. True when handled. */
export function handleHistoryKey(e: KeyboardEvent<HTMLElement>): boolean {
  const mod = e.ctrlKey || e.metaKey;
  if (!mod || e.altKey) return false;
  const key = e.key.toLowerCase();
  const redo = (key === 'z' && e.shiftKey) || (key === 'y' && !e.shiftKey);
  const undo = key === 'z' && !e.shiftKey;
  if (!undo && !redo) return false;
  e.preventDefault();
  e.stopPropagation();
  if (undo) appStore.getState().undo();
  else appStore.getState().redo();
  return true;
}

export interface FieldProps {
  label: string;
  /** A longer explanation, shown as a tooltip on the label. */
  doc?: string;
  /** The accessible name (defaults to the label). */
  name?: string;
  hint?: ReactNode;
  error?: string;
  /** The glossary term the field stands for: a "?" beside its label opens the paragraph. */
  term?: GlossaryTermId | null;
}

function FieldFrame({
  id,
  label,
  doc,
  hint,
  error,
  term,
  children,
}: {
  id: string;
  label: string;
  doc?: string;
  hint?: ReactNode;
  error?: string;
  term?: GlossaryTermId | null;
  children: ReactNode;
}) {
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <div className="field-label-row">
        <label htmlFor={id} title={doc}>
          {label}
        </label>
        {term && <TermHelp term={term} />}
      </div>
      {children}
      {hint && !error && (
        <div className="field-hint" id={`${id}-hint`}>
          {hint}
        </div>
      )}
      {error && (
        <div className="field-error" id={`${id}-error`} role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

export { parseNumberText } from '../../core/model/params';

export function formatValue(v: ParamValue | undefined): string {
  if (v === undefined) return '';
  return Array.isArray(v) ? v.join(', ') : String(v);
}

interface TextFieldProps extends FieldProps {
  value: string;
  numeric?: boolean;
  onText(text: string): void;
}

/**
 * A text input that keeps the user's draft while focused (so "1e9" or "abc" stay as typed, and
 * core names what is wrong with them). Numbers use a text input with a numeric keyboard: a
 * number input would hand "abc" over as an empty value.
 */
export function TextField({
  label,
  doc,
  term,
  name,
  hint,
  error,
  value,
  numeric = false,
  onText,
}: TextFieldProps) {
  const id = useId();
  const historyVersion = useStore(appStore, selectHistoryVersion);
  const [draft, setDraft] = useState<{ text: string; historyVersion: number } | null>(null);
  const describedBy = error ? `${id}-error` : hint ? `${id}-hint` : undefined;
  // Replacing the whole text starts a new undo step (beforeinput still sees the old selection).
  const watchReplace = useCallback((el: HTMLInputElement | null) => {
    if (!el) return;
    el.addEventListener('beforeinput', () => {
      if (el.value !== '' && el.selectionStart === 0 && el.selectionEnd === el.value.length)
        appStore.getState().endEditGroup();
    });
  }, []);
  return (
    <FieldFrame id={id} label={label} doc={doc} hint={hint} error={error} term={term}>
      <input
        id={id}
        ref={watchReplace}
        className="nodrag"
        type="text"
        inputMode={numeric ? 'decimal' : undefined}
        autoComplete="off"
        spellCheck={false}
        aria-label={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        // An undo or redo moved the design under the draft: show the design's value again.
        value={draft && draft.historyVersion === historyVersion ? draft.text : value}
        onChange={(e) => {
          setDraft({ text: e.target.value, historyVersion });
          onText(e.target.value);
        }}
        onKeyDown={(e) => {
          if (handleHistoryKey(e)) setDraft(null);
          else if (e.key === 'Enter') appStore.getState().endEditGroup();
          // Escape leaves the field; the value typed is already in the design (edits are live).
          else if (e.key === 'Escape' && !e.currentTarget.closest('dialog')) e.currentTarget.blur();
        }}
        onBlur={() => {
          setDraft(null);
          appStore.getState().endEditGroup();
        }}
      />
    </FieldFrame>
  );
}

export function SelectField({
  label,
  doc,
  term,
  name,
  hint,
  error,
  value,
  options,
  onChange,
}: FieldProps & {
  value: string;
  options: readonly { value: string; label: string }[];
  onChange(v: string): void;
}) {
  const id = useId();
  return (
    <FieldFrame id={id} label={label} doc={doc} hint={hint} error={error} term={term}>
      <select
        id={id}
        aria-label={name}
        aria-invalid={error ? true : undefined}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldFrame>
  );
}

export function CheckField({
  label,
  doc,
  term,
  name,
  hint,
  error,
  checked,
  disabled,
  onChange,
}: FieldProps & { checked: boolean; disabled?: boolean; onChange(v: boolean): void }) {
  const id = useId();
  return (
    <div className={`field field-check${error ? ' invalid' : ''}`}>
      <input
        id={id}
        type="checkbox"
        aria-label={name}
        checked={checked}
        disabled={disabled}
        onChange={(e) => onChange(e.target.checked)}
      />
      <label htmlFor={id} title={doc}>
        {label}
      </label>
      {term && <TermHelp term={term} />}
      {hint && <div className="field-hint">{hint}</div>}
      {error && (
        <div className="field-error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

/** The right input for a module parameter: the editor its type declares (core/model/params.ts `paramTypes`). */
export function ParamField({
  def,
  value,
  onChange,
  ...rest
}: FieldProps & { def: ParamDef; value: ParamValue | undefined; onChange(v: ParamValue): void }) {
  const shown = value ?? (def.default as ParamValue);
  const editor = paramType(def).editor(def);
  switch (editor.kind) {
    case 'text':
      return (
        <TextField
          {...rest}
          numeric={editor.numeric}
          value={formatValue(shown)}
          onText={(t) => onChange(editor.parse(t))}
        />
      );
    case 'check':
      return <CheckField {...rest} checked={shown === true} onChange={onChange} />;
    case 'choice':
      return (
        <SelectField
          {...rest}
          value={String(shown)}
          options={editor.options.map((v) => ({ value: v, label: v }))}
          onChange={onChange}
        />
      );
  }
}
