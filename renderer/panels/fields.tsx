/**
 * Form fields of the inspector. Each shows what the design holds (even an invalid value, as
 * typed), reports core's message for it, and commits on every keystroke so numbers update live.
 */
import { useId, useState, type ReactNode } from 'react';
import { paramType, type ParamDef } from '../../core/model/params';
import type { ParamValue } from '../../core/model/types';
import { editGroups } from '../state/editGroups';

export interface FieldProps {
  label: string;
  /** A longer explanation, shown as a tooltip on the label. */
  doc?: string;
  /** The accessible name (defaults to the label). */
  name?: string;
  hint?: ReactNode;
  error?: string;
}

function FieldFrame({ id, label, doc, hint, error, children }: { id: string; label: string; doc?: string; hint?: ReactNode; error?: string; children: ReactNode }) {
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={id} title={doc}>
        {label}
      </label>
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

export { parseListText, parseNumberText } from '../../core/model/params';

export function formatValue(v: ParamValue | undefined): string {
  if (v === undefined) return '';
  return Array.isArray(v) ? v.join(', ') : String(v);
}

interface TextFieldProps extends FieldProps {
  value: string;
  numeric?: boolean;
  onText(text: string): void;
}

/** A text or number input that keeps the user's draft while focused. */
export function TextField({ label, doc, name, hint, error, value, numeric = false, onText }: TextFieldProps) {
  const id = useId();
  const [draft, setDraft] = useState<string | null>(null);
  const describedBy = error ? `${id}-error` : hint ? `${id}-hint` : undefined;
  return (
    <FieldFrame id={id} label={label} doc={doc} hint={hint} error={error}>
      <input
        id={id}
        className="nodrag"
        type={numeric ? 'number' : 'text'}
        inputMode={numeric ? 'numeric' : undefined}
        aria-label={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        value={draft ?? value}
        onChange={(e) => {
          setDraft(e.target.value);
          onText(e.target.value);
        }}
        onBlur={() => {
          setDraft(null);
          editGroups.reset();
        }}
      />
    </FieldFrame>
  );
}

export function SelectField({ label, doc, name, hint, error, value, options, onChange }: FieldProps & { value: string; options: readonly { value: string; label: string }[]; onChange(v: string): void }) {
  const id = useId();
  return (
    <FieldFrame id={id} label={label} doc={doc} hint={hint} error={error}>
      <select id={id} aria-label={name} aria-invalid={error ? true : undefined} value={value} onChange={(e) => onChange(e.target.value)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldFrame>
  );
}

export function CheckField({ label, doc, name, hint, error, checked, onChange }: FieldProps & { checked: boolean; onChange(v: boolean): void }) {
  const id = useId();
  return (
    <div className={`field field-check${error ? ' invalid' : ''}`}>
      <input id={id} type="checkbox" aria-label={name} checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <label htmlFor={id} title={doc}>
        {label}
      </label>
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
export function ParamField({ def, value, onChange, ...rest }: FieldProps & { def: ParamDef; value: ParamValue | undefined; onChange(v: ParamValue): void }) {
  const shown = value ?? (def.default as ParamValue);
  const editor = paramType(def).editor(def);
  switch (editor.kind) {
    case 'text':
      return <TextField {...rest} numeric={editor.numeric} value={formatValue(shown)} onText={(t) => onChange(editor.parse(t))} />;
    case 'check':
      return <CheckField {...rest} checked={shown === true} onChange={onChange} />;
    case 'choice':
      return <SelectField {...rest} value={String(shown)} options={editor.options.map((v) => ({ value: v, label: v }))} onChange={onChange} />;
  }
}
