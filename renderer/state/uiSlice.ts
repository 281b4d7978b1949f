/** Window state that is not the design: theme, panels, dialogs. */
import type { StateCreator } from 'zustand';
import type { AppState } from './store';
import { CONVENTION_IDS, type ConventionId } from '../../core/model/glossary';

export type Theme = 'light' | 'dark';
export type SideTab = 'edit' | 'run' | 'train' | 'compare';

/** A question the user must answer before something is lost. */
export interface Confirmation {
  title: string;
  message: string;
  confirmLabel: string;
  /** The other button's label (default "Cancel"). */
  cancelLabel?: string;
  /**
   * Which answer is the safe one: `danger` (default) styles the confirm button as destructive and
   * starts focus on Cancel; `safe` makes confirming the highlighted, focused choice (Restore).
   */
  tone?: 'danger' | 'safe';
  onConfirm(): void;
}

export interface UiSlice {
  theme: Theme;
  sideTab: SideTab;
  summaryOpen: boolean;
  exportOpen: boolean;
  aboutOpen: boolean;
  /** The help sheet (`?` or F1): shortcuts, main tasks, the terms explained. */
  helpOpen: boolean;
  confirmation: Confirmation | null;
  /** Why the host cannot do anything for this page (a browser page opened without its token), shown as a banner from load on; null when fine. */
  hostWarning: string | null;
  /** A short message for the status line (saved, failed to open, …). */
  notice: { text: string; tone: 'info' | 'error' } | null;
  /** Whose counting convention the totals bar and the summary show (a view setting, not the design's). */
  convention: ConventionId;
  setTheme(theme: Theme): void;
  toggleTheme(): void;
  setSideTab(tab: SideTab): void;
  setSummaryOpen(open: boolean): void;
  setExportOpen(open: boolean): void;
  setAboutOpen(open: boolean): void;
  setHelpOpen(open: boolean): void;
  confirm(c: Confirmation): void;
  closeConfirmation(): void;
  notify(text: string, tone?: 'info' | 'error'): void;
  setConvention(convention: ConventionId): void;
}

const THEME_KEY = 'inception-explorer.theme';

const CONVENTION_KEY = 'inception-explorer.convention';

function initialConvention(): ConventionId {
  try {
    const saved = globalThis.localStorage?.getItem(CONVENTION_KEY);
    if ((CONVENTION_IDS as readonly string[]).includes(saved ?? '')) return saved as ConventionId;
  } catch {
    // Storage can be unavailable; the app's own convention (torchvision's) is shown.
  }
  return 'torchvision';
}

function initialTheme(): Theme {
  try {
    const saved = globalThis.localStorage?.getItem(THEME_KEY);
    if (saved === 'light' || saved === 'dark') return saved;
  } catch {
    // Storage can be unavailable (file:// in some shells); the system preference decides.
  }
  return globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export const createUiSlice: StateCreator<AppState, [['temporal', unknown]], [], UiSlice> = (
  set,
  get,
) => ({
  theme: initialTheme(),
  sideTab: 'edit',
  summaryOpen: false,
  exportOpen: false,
  aboutOpen: false,
  helpOpen: false,
  confirmation: null,
  hostWarning: null,
  notice: null,
  convention: initialConvention(),
  setTheme: (theme) => {
    try {
      globalThis.localStorage?.setItem(THEME_KEY, theme);
    } catch {
      // Not remembered; still applied.
    }
    set({ theme });
  },
  toggleTheme: () => get().setTheme(get().theme === 'dark' ? 'light' : 'dark'),
  setSideTab: (sideTab) => set({ sideTab }),
  setSummaryOpen: (summaryOpen) => set({ summaryOpen }),
  setExportOpen: (exportOpen) => set({ exportOpen }),
  setAboutOpen: (aboutOpen) => set({ aboutOpen }),
  setHelpOpen: (helpOpen) => set({ helpOpen }),
  confirm: (confirmation) => set({ confirmation }),
  closeConfirmation: () => set({ confirmation: null }),
  notify: (text, tone = 'info') => set({ notice: { text, tone } }),
  setConvention: (convention) => {
    try {
      globalThis.localStorage?.setItem(CONVENTION_KEY, convention);
    } catch {
      // Not remembered; still shown.
    }
    set({ convention });
  },
});
