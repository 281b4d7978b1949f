/** Which module the inspector shows and which modules are opened into their branches. */
import type { StateCreator } from 'zustand';
import type { AppState } from './store';

export interface SelectionSlice {
  /** The selected module id, or null. */
  selectedId: string | null;
  /** Modules shown opened into their branches, in the order they were opened. */
  opened: readonly string[];
  select(id: string | null): void;
  toggleOpen(id: string): void;
  setOpened(ids: readonly string[]): void;
}

export const createSelectionSlice: StateCreator<AppState, [['temporal', unknown]], [], SelectionSlice> = (set, get) => ({
  selectedId: null,
  opened: [],
  select: (id) => {
    if (get().selectedId !== id) set({ selectedId: id });
  },
  toggleOpen: (id) => {
    const opened = get().opened;
    set({ opened: opened.includes(id) ? opened.filter((x) => x !== id) : [...opened, id] });
  },
  setOpened: (ids) => set({ opened: ids }),
});
