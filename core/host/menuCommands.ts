/**
 * Labels and keyboard shortcuts of the menu commands, shared by the Electron application menu and
 * the browser host (which has no menu bar and listens for the same keys). Accelerators use
 * Electron's syntax; `CmdOrCtrl` is Cmd on macOS and Ctrl elsewhere.
 */
import type { MenuCommand } from './contract';

export interface MenuCommandInfo {
  readonly label: string;
  readonly accelerator?: string;
  /** Further keys for the same command (handled by the browser host; Electron shows one). */
  readonly alternates?: readonly string[];
}

export const MENU_COMMANDS: { readonly [C in MenuCommand]: MenuCommandInfo } = {
  new: { label: 'New from Preset…', accelerator: 'CmdOrCtrl+N' },
  open: { label: 'Open…', accelerator: 'CmdOrCtrl+O' },
  save: { label: 'Save', accelerator: 'CmdOrCtrl+S' },
  saveAs: { label: 'Save As…', accelerator: 'CmdOrCtrl+Shift+S' },
  export: { label: 'Export…', accelerator: 'CmdOrCtrl+E' },
  undo: { label: 'Undo', accelerator: 'CmdOrCtrl+Z' },
  redo: { label: 'Redo', accelerator: 'CmdOrCtrl+Shift+Z', alternates: ['CmdOrCtrl+Y'] },
  fitView: { label: 'Fit to Window', accelerator: 'CmdOrCtrl+0' },
  zoomIn: { label: 'Zoom In', accelerator: 'CmdOrCtrl+=' },
  zoomOut: { label: 'Zoom Out', accelerator: 'CmdOrCtrl+-' },
  toggleTheme: { label: 'Toggle Light/Dark Theme', accelerator: 'CmdOrCtrl+Shift+L' },
  run: { label: 'Run', accelerator: 'CmdOrCtrl+Enter' },
  cancelRun: { label: 'Cancel Run', accelerator: 'CmdOrCtrl+.' },
  compare: { label: 'Compare With…' },
  about: { label: 'About Inception Explorer' },
};

export interface KeyLike {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly shiftKey: boolean;
  readonly altKey: boolean;
}

/** Whether a key event matches an accelerator (`CmdOrCtrl` accepts Ctrl or Meta). */
export function matchesAccelerator(accelerator: string, e: KeyLike): boolean {
  const parts = accelerator.split('+');
  // "CmdOrCtrl+=" splits cleanly; a trailing "+" key would split into "", so rejoin it.
  const key = parts.pop() === '' ? '+' : accelerator.slice(accelerator.lastIndexOf('+') + 1);
  const mods = new Set(parts.map((p) => p.toLowerCase()));
  const wantCtrl = mods.has('cmdorctrl') || mods.has('ctrl') || mods.has('control');
  if (wantCtrl !== (e.ctrlKey || e.metaKey)) return false;
  if (mods.has('shift') !== e.shiftKey || mods.has('alt') !== e.altKey) return false;
  const pressed = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  const wanted =
    key.length === 1 ? key.toLowerCase() : key === 'Enter' || key === 'Return' ? 'Enter' : key;
  // Shift changes the character on most layouts ("=" vs "+"); compare both readings.
  return (
    pressed === wanted || (wanted === '=' && pressed === '+') || (wanted === 'z' && pressed === 'Z')
  );
}

/** The command a key event triggers, if any. */
export function commandForKey(e: KeyLike): MenuCommand | null {
  for (const [command, info] of Object.entries(MENU_COMMANDS) as [MenuCommand, MenuCommandInfo][]) {
    for (const acc of [info.accelerator, ...(info.alternates ?? [])])
      if (acc && matchesAccelerator(acc, e)) return command;
  }
  return null;
}
