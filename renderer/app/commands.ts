/**
 * What the toolbar, the host's menu and its keyboard shortcuts do. One function per command, so
 * every entry point behaves the same; confirmation comes before anything unsaved is discarded.
 */
import type { DesignFile, HostApi, MenuCommand } from '../../core/host/contract';
import type { RunResult } from '../../core/run/types';
import { checkAblations } from '../../core/weights/ablation';
import { runPath, type RunPath } from '../../core/analysis/runPath';
import { focusKeeper } from './focus';
import { parseDesign, serializeDesign } from '../../core/design/designFile';
import { presetDesign, presets } from '../../core/presets';
import { derive, designToSave, isDirty } from '../state/derived';
import { appStore } from '../state/store';
import type { CompareTarget } from '../state/compareSlice';

/** The canvas registers its viewport controls here (React Flow lives inside the canvas). */
export const viewport = {
  fitView: (): void => {},
  zoomIn: (): void => {},
  zoomOut: (): void => {},
  /** Brings one node into view (a row of the Compare panel). */
  focusNode: (_id: string): void => {},
};

const state = () => appStore.getState();

/** The design's file name for titles and suggested names. */
export function fileLabel(path: string | null, designName: string): string {
  if (!path) return designName;
  return path.split(/[\\/]/).pop() ?? path;
}

/** Runs `action` now, or after the user agrees to discard unsaved changes. */
export function whenDiscardAllowed(what: string, action: () => void): void {
  const s = state();
  if (!isDirty(s.design, s.savedText, s.saveBatchWithDesign)) {
    action();
    return;
  }
  s.confirm({
    title: 'Discard unsaved changes?',
    message: `${fileLabel(s.filePath, s.design.name)} has changes that are not saved. ${what} will discard them.`,
    confirmLabel: 'Discard changes',
    onConfirm: action,
  });
}

export function newFromPreset(name: string): void {
  const preset = presets.find((p) => p.name === name);
  if (!preset) return;
  whenDiscardAllowed(`Starting a new ${preset.label} design`, () => {
    state().loadDesign(presetDesign(name)!, null);
    state().select(null);
    state().setOpened([]);
    state().setUnfolded([]);
    state().clearResult();
    viewport.fitView();
  });
}

/** Loads design-file text, or reports why it cannot be loaded. */
export function loadDesignText(path: string | null, text: string): boolean {
  const parsed = parseDesign(text);
  if (!parsed.ok) {
    const first = parsed.errors[0];
    const more = parsed.errors.length > 1 ? ` (and ${parsed.errors.length - 1} more problems)` : '';
    state().notify(
      `${fileLabel(path, 'The file')} cannot be opened: ${first.message}${first.path !== '$' ? ` (at ${first.path})` : ''}${more}`,
      'error',
    );
    return false;
  }
  state().loadDesign(parsed.design, path, text);
  state().select(null);
  state().setOpened([]);
  state().setUnfolded([]);
  state().clearResult();
  state().notify(`Opened ${fileLabel(path, parsed.design.name)}.`);
  return true;
}

/**
 * Brings back the design of a session that ended without a clean quit (an Electron crash, or in a
 * browser a reload or a closed tab). When it holds nothing unsaved, the file it belonged to is
 * simply reopened; otherwise the user is offered the unsaved work, which comes back marked
 * unsaved against that file (or against its preset, for a design never saved).
 */
export async function recoverSession(host: HostApi, file: DesignFile): Promise<void> {
  const parsed = parseDesign(file.text);
  if (!parsed.ok) return;
  let savedText: string | null = null;
  if (file.path) {
    const disk = await host.openRecent(file.path);
    savedText = disk.ok ? disk.value.text : null;
  } else if (parsed.design.preset) {
    const preset = presetDesign(parsed.design.preset);
    savedText = preset ? serializeDesign(preset) : null;
  }
  const label = fileLabel(file.path, 'an unsaved design');
  if (savedText !== null && !isDirty(parsed.design, savedText, state().saveBatchWithDesign)) {
    // Nothing was lost: reopen the file (a fresh preset needs nothing but the preset).
    if (file.path) loadDesignText(file.path, savedText);
    else if (parsed.design.preset !== state().design.preset)
      state().loadDesign(parsed.design, null);
    return;
  }
  state().confirm({
    title: 'Restore unsaved work?',
    message: `The last session ended (the page was reloaded or closed, or the app stopped) before the changes to ${label} were saved. Restore them? If you do not, they are gone.`,
    confirmLabel: 'Restore',
    cancelLabel: 'Discard them',
    tone: 'safe',
    onConfirm: () => {
      if (!loadDesignText(file.path, file.text)) return;
      // Unsaved against what is on disk (or the preset), so the ● and Save behave as before.
      appStore.setState({ savedText: savedText ?? '' });
      state().notify(`Restored the unsaved changes to ${label}.`);
    },
  });
}

export async function openDesign(host: HostApi): Promise<void> {
  whenDiscardAllowed('Opening another design', () => {
    void (async () => {
      const r = await host.openDesign();
      if (!r.ok) return state().notify(r.error.message, 'error');
      if (r.value) loadDesignText(r.value.path, r.value.text);
    })();
  });
}

export async function saveDesign(host: HostApi, as = false): Promise<boolean> {
  const s = state();
  const text = serializeDesign(designToSave(s.design, s.savedText, s.saveBatchWithDesign));
  const file = { path: as ? null : s.filePath, text };
  const r = as ? await host.saveDesignAs(file) : await host.saveDesign(file);
  if (!r.ok) {
    s.notify(r.error.message, 'error');
    return false;
  }
  if (!r.value) return false;
  state().markSaved(r.value.path, text);
  state().notify(`Saved ${fileLabel(r.value.path, s.design.name)}.`);
  return true;
}

/**
 * What a run in the Run tab's mode executes (core/analysis/runPath.ts): an eval run skips modules
 * off the eval path, so their problems (an aux head that does not fit) do not block it.
 */
export function currentRunPath(): RunPath {
  const s = state();
  return runPath(s.design, s.runSettings.mode, derive(s.design).analysis);
}

/** Why a run cannot start now, or null when it can. */
export function runBlocker(): string | null {
  const s = state();
  if (s.runStatus === 'running' || s.runStatus === 'cancelling') return 'A run is in progress.';
  const path = currentRunPath();
  if (!path.ok) {
    const n = path.blocking.length;
    const hint = path.hint ? ` ${path.hint}` : '';
    return `Fix the design first (${n} problem${n === 1 ? '' : 's'}): ${path.blocking[0].message}${hint}`;
  }
  const whatIf = checkAblations(path.analysis, s.ablations);
  if (whatIf.length) return `Fix the what-if first: ${whatIf[0].message}`;
  return null;
}

let runCounter = 0;

/** Runs the design with the Run tab's settings; focus goes back to where it was once the run ends. */
export async function startRun(host: HostApi): Promise<void> {
  if (runBlocker()) return;
  const restoreFocus = focusKeeper();
  try {
    await runNow(host);
  } finally {
    // After React has rendered the result (and re-enabled the Run button).
    setTimeout(restoreFocus, 0);
  }
}

async function runNow(host: HostApi): Promise<void> {
  const s = state();
  const runId = `run-${Date.now().toString(36)}-${++runCounter}`;
  const design = s.design;
  const { batch, mode, seed, input, backend, reinitMismatched } = s.runSettings;
  const weightsPath = design.weights?.path;
  const ablations = s.ablations;
  s.runStarted(runId, design);
  s.setSideTab('run');
  const weights = weightsPath
    ? { weightsPath, ...(reinitMismatched ? { reinitMismatched: true } : {}) }
    : {};
  const request = {
    design,
    mode,
    seed,
    input,
    ...(batch !== null ? { batch } : {}),
    ...(backend !== null ? { backend } : {}),
    ...weights,
  };
  // A what-if runs twice, one run after the other under the same id (Cancel stops either):
  // before (the network as it is) and after (with the ablations), for the side-by-side top-5.
  let before: RunResult | null = null;
  if (ablations.length) {
    const b = await host.run(runId, request);
    if (!b.ok || state().runId !== runId) {
      state().runFinished(runId, b);
      return;
    }
    before = b.value;
  }
  const r = await host.run(runId, ablations.length ? { ...request, ablations } : request);
  state().runFinished(runId, r, before);
}

export async function cancelRun(host: HostApi): Promise<void> {
  const s = state();
  if (!s.runId || s.runStatus !== 'running') return;
  const runId = s.runId;
  s.runCancelling();
  const r = await host.cancelRun(runId);
  if (!r.ok) state().notify(r.error.message, 'error');
}

export function undo(): void {
  state().undo();
}

export function redo(): void {
  state().redo();
}

export function resetToPreset(): void {
  const d = state().design;
  if (!d.preset) return;
  state().resetToPreset();
}

/** Commands that make sense while a dialog is open over the window. */
const ALLOWED_UNDER_DIALOG: ReadonlySet<MenuCommand> = new Set(['toggleTheme', 'cancelRun']);

/** The target a plain "Compare with…" starts with: the design's preset, else the first preset. */
export function defaultCompareTarget(preset: string | null): CompareTarget {
  return preset && presets.some((p) => p.name === preset)
    ? { kind: 'own' }
    : { kind: 'preset', name: presets[0].name };
}

/** Starts comparing (with the default target unless already comparing) and shows the Compare tab. */
export function startComparing(): void {
  const s = state();
  if (!s.compare) s.setCompare(defaultCompareTarget(s.design.preset));
  s.setSideTab('compare');
}

/** Handles a command from the host's menu or keyboard shortcuts. */
export function runMenuCommand(host: HostApi, command: MenuCommand): void {
  const s = state();
  // A shortcut must not change the design behind a dialog (Ctrl+Z under "Discard unsaved
  // changes?" would undo the very changes it asks about) or stack another dialog on it.
  if ((s.confirmation || s.exportOpen || s.aboutOpen) && !ALLOWED_UNDER_DIALOG.has(command)) return;
  switch (command) {
    case 'new':
      return newFromPreset(s.design.preset ?? presets[0].name);
    case 'open':
      return void openDesign(host);
    case 'save':
      return void saveDesign(host);
    case 'saveAs':
      return void saveDesign(host, true);
    case 'export':
      return s.setExportOpen(true);
    case 'undo':
      return undo();
    case 'redo':
      return redo();
    case 'fitView':
      return viewport.fitView();
    case 'zoomIn':
      return viewport.zoomIn();
    case 'zoomOut':
      return viewport.zoomOut();
    case 'toggleTheme':
      return s.toggleTheme();
    case 'run':
      return void startRun(host);
    case 'cancelRun':
      return void cancelRun(host);
    case 'about':
      return s.setAboutOpen(true);
    case 'compare':
      return startComparing();
  }
}
