/**
 * The one store of the renderer, composed from typed slices (design, selection, run, train, ui) and
 * wrapped once in zundo's `temporal`, which records the design only: selecting, opening modules,
 * running and theme changes are never undone.
 */
import { foldedRunOf } from '../../core/graph/graphView';
import { create, type Mutate, type StoreApi, type UseBoundStore } from 'zustand';
import { temporal, type TemporalState } from 'zundo';
import { useStore } from 'zustand';
import type { Design } from '../../core/model/types';
import { createDesignSlice, type DesignSlice } from './designSlice';
import { createSelectionSlice, type SelectionSlice } from './selectionSlice';
import { createRunSlice, type RunSlice } from './runSlice';
import { createUiSlice, type UiSlice } from './uiSlice';
import { createCompareSlice, type CompareSlice } from './compareSlice';
import { createEditGroupSlice, type EditGroupSlice } from './editGroupSlice';
import { createTrainSlice, type TrainSlice } from './trainSlice';

export interface HistorySlice {
  /** Counts undo and redo steps, so a field showing a draft knows the design moved under it. */
  historyVersion: number;
  undo(): void;
  redo(): void;
  clearHistory(): void;
}

export type AppState = DesignSlice &
  SelectionSlice &
  RunSlice &
  UiSlice &
  CompareSlice &
  EditGroupSlice &
  TrainSlice &
  HistorySlice;

type Tracked = { design: Design };
type StoreWithHistory = UseBoundStore<
  Mutate<StoreApi<AppState>, [['temporal', StoreApi<TemporalState<Tracked>>]]>
>;
type RecordPast = (
  pastState: Tracked,
  replace: unknown,
  currentState: Tracked,
  deltaState?: Partial<Tracked> | null,
) => void;

/** Creates a store; the app uses one, tests make fresh ones. */
export function createAppStore() {
  // The history actions reach `store.temporal` when called, after the store exists.
  const store: StoreWithHistory = create<AppState>()(
    temporal(
      (set, get, api) => ({
        ...createDesignSlice(set, get, api),
        ...createSelectionSlice(set, get, api),
        ...createRunSlice(set, get, api),
        ...createUiSlice(set, get, api),
        ...createCompareSlice(set, get, api),
        ...createEditGroupSlice(set, get, api),
        ...createTrainSlice(set, get, api),
        historyVersion: 0,
        undo: () => {
          store.getState().endEditGroup();
          store.temporal.getState().undo();
          store.setState((s) => ({ historyVersion: s.historyVersion + 1 }));
        },
        redo: () => {
          store.getState().endEditGroup();
          store.temporal.getState().redo();
          store.setState((s) => ({ historyVersion: s.historyVersion + 1 }));
        },
        clearHistory: () => store.temporal.getState().clear(),
      }),
      {
        partialize: (s): Tracked => ({ design: s.design }),
        equality: (a, b) => a.design === b.design,
        limit: 500,
        // Keystrokes into the same field extend the previous undo step (see editGroupSlice.ts):
        // this runs right after the design change's set, so the store holds that change's flag.
        handleSet: (record) =>
          ((
            pastState: Tracked,
            replace: unknown,
            currentState: Tracked,
            deltaState?: Partial<Tracked> | null,
          ) => {
            if (!store.getState().continuesUndoStep)
              (record as unknown as RecordPast)(pastState, replace, currentState, deltaState);
          }) as never,
      },
    ),
  );
  // A design change (an undo that merges a block back into its run, say) or folding a run can hide
  // the selected block inside a folded run: the run's node is selected instead, so the inspector
  // edits what the graph shows.
  store.subscribe((s, prev) => {
    if ((s.design === prev.design && s.unfolded === prev.unfolded) || !s.selectedId) return;
    const run = foldedRunOf(s.design, s.selectedId, s.unfolded);
    if (run) store.setState({ selectedId: run });
  });
  return store;
}

export type AppStore = StoreWithHistory;

/** The application's store. */
export const appStore = createAppStore();

/** Reads the store through a selector (declare selectors at module scope; wrap object results in useShallow). */
export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector);
}

/** Reads undo/redo availability. */
export function useHistory<T>(selector: (s: TemporalState<Tracked>) => T): T {
  return useStore(appStore.temporal, selector);
}
