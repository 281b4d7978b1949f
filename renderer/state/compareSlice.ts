/** What the design is compared with (Compare with…): its preset, any preset, or a saved design. */
import type { StateCreator } from 'zustand';
import type { Design } from '../../core/model/types';
import type { AppState } from './store';

export type CompareTarget =
  /** The preset the design started from (follows the design when its preset changes). */
  | { readonly kind: 'own' }
  | { readonly kind: 'preset'; readonly name: string }
  /** A design file the user opened for comparison; `label` is its file name. */
  | { readonly kind: 'design'; readonly label: string; readonly design: Design };

export interface CompareSlice {
  /** Null when not comparing: then the graph marks only edits against the preset. */
  compare: CompareTarget | null;
  setCompare(target: CompareTarget | null): void;
}

export const createCompareSlice: StateCreator<
  AppState,
  [['temporal', unknown]],
  [],
  CompareSlice
> = (set) => ({
  compare: null,
  setCompare: (compare) => set({ compare }),
});
