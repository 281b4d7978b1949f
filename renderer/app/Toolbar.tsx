/** The window's toolbar: file, history, views, theme and Run. */
import { useShallow } from 'zustand/react/shallow';
import { useHost } from '../host/host';
import { appStore, useApp, useHistory, type AppState } from '../state/store';
import { useDirty } from '../state/derived';
import { DEFAULT_PRESET } from '../../core/presets';
import {
  fileLabel,
  newFromPreset,
  openDesign,
  redo,
  saveDesign,
  startComparing,
  undo,
  viewport,
} from './commands';

const selectToolbar = (s: AppState) => ({
  filePath: s.filePath,
  name: s.design.name,
  preset: s.design.preset,
  theme: s.theme,
  summaryOpen: s.summaryOpen,
  comparing: s.compare !== null,
  toggleTheme: s.toggleTheme,
  setSummaryOpen: s.setSummaryOpen,
  setExportOpen: s.setExportOpen,
});
const selectCanUndo = (t: { pastStates: unknown[] }) => t.pastStates.length > 0;
const selectCanRedo = (t: { futureStates: unknown[] }) => t.futureStates.length > 0;

export function Toolbar() {
  const host = useHost();
  const t = useApp(useShallow(selectToolbar));
  const dirty = useDirty();
  const canUndo = useHistory(selectCanUndo);
  const canRedo = useHistory(selectCanRedo);
  const label = fileLabel(t.filePath, t.name);
  return (
    <header className="toolbar" role="toolbar" aria-label="Main toolbar">
      <div className="brand">
        <span className="logo" aria-hidden="true">
          ◈
        </span>
        <span className="app-name">Inception Explorer</span>
        <span className="file-name" title={t.filePath ?? 'Not saved yet'}>
          {label}
          {dirty && (
            <span className="dirty" role="img" aria-label="unsaved changes" title="Unsaved changes">
              {' '}
              ●
            </span>
          )}
        </span>
      </div>
      <div className="tool-group" role="group" aria-label="File">
        <button type="button" onClick={() => newFromPreset(t.preset ?? DEFAULT_PRESET)}>
          New
        </button>
        <button type="button" onClick={() => void openDesign(host)}>
          Open…
        </button>
        <button type="button" onClick={() => void saveDesign(host)}>
          Save
        </button>
        <button type="button" onClick={() => void saveDesign(host, true)}>
          Save as…
        </button>
        <button type="button" onClick={() => t.setExportOpen(true)}>
          Export…
        </button>
      </div>
      <div className="tool-group" role="group" aria-label="History">
        <button
          type="button"
          onClick={undo}
          disabled={!canUndo}
          aria-label="Undo"
          title="Undo (Ctrl+Z)"
        >
          ↶ Undo
        </button>
        <button
          type="button"
          onClick={redo}
          disabled={!canRedo}
          aria-label="Redo"
          title="Redo (Ctrl+Shift+Z or Ctrl+Y)"
        >
          ↷ Redo
        </button>
      </div>
      <div className="tool-group" role="group" aria-label="View">
        <button
          type="button"
          onClick={() => viewport.fitView()}
          title="Fit the graph to the window (Ctrl+0)"
        >
          Fit
        </button>
        <button
          type="button"
          aria-pressed={t.summaryOpen}
          onClick={() => t.setSummaryOpen(!t.summaryOpen)}
        >
          Summary
        </button>
        <button
          type="button"
          aria-pressed={t.comparing}
          onClick={startComparing}
          title="Compare this design with its preset, another preset or a saved design"
        >
          Compare with…
        </button>
        <button
          type="button"
          onClick={t.toggleTheme}
          aria-label={t.theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
          title="Toggle theme (Ctrl+Shift+L)"
        >
          {t.theme === 'dark' ? '☀' : '☾'}
        </button>
        <button
          type="button"
          onClick={() => appStore.getState().setHelpOpen(true)}
          aria-label="Help: shortcuts, tasks and terms"
          title="Help: shortcuts, tasks and terms (? or F1)"
        >
          ?
        </button>
      </div>
    </header>
  );
}
