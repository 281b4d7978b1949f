/** Which module the inspector shows and which modules are opened into their branches. */
import type { StateCreator } from 'zustand';
import type { AppState } from './store';
import { foldedRunOf } from '../../core/graph/graphView';

export interface SelectionSlice {
  /** The selected module id, or null; never a block hidden inside a folded run (see `select`, and store.ts after undo). */
  selectedId: string | null;
  /** Modules shown opened into their branches, in the order they were opened. */
  opened: readonly string[];
  /** Runs of identical modules shown unfolded, by their first module id (all others are folded into one ×N node). */
  unfolded: readonly string[];
  toggleFold(firstId: string): void;
  setUnfolded(ids: readonly string[]): void;
  select(id: string | null): void;
  toggleOpen(id: string): void;
  setOpened(ids: readonly string[]): void;
}

export const createSelectionSlice: StateCreator<
  AppState,
  [['temporal', unknown]],
  [],
  SelectionSlice
> = (set, get) => ({
  selectedId: null,
  opened: [],
  unfolded: [],
  toggleFold: (id) => {
    const unfolded = get().unfolded;
    set({ unfolded: unfolded.includes(id) ? unfolded.filter((x) => x !== id) : [...unfolded, id] });
  },
  select: (id) => {
    // A block hidden inside a folded run (named by a problem, say) is shown: its run unfolds.
    const run = id ? foldedRunOf(get().design, id, get().unfolded) : null;
    if (run) set({ unfolded: [...get().unfolded, run] });
    if (get().selectedId !== id) set({ selectedId: id });
  },
  toggleOpen: (id) => {
    const opened = get().opened;
    set({ opened: opened.includes(id) ? opened.filter((x) => x !== id) : [...opened, id] });
  },
  setOpened: (ids) => set({ opened: ids }),
  setUnfolded: (ids) => set({ unfolded: ids }),
});
