/**
 * Undo grouping: typing "300" into one field is one undo step, not three. A design change with
 * the same group as the change before it (the same module and field, or the same field of one
 * folded run, with no other action, blur, Enter or undo in between) continues that change's undo
 * step instead of starting a new one. Deterministic: no timers.
 */
import type { StateCreator } from 'zustand';
import type { AppState } from './store';

export interface EditGroupSlice {
  /** The field the latest design change typed into (`inception4c.out_3x3`), or null when the group has ended. */
  editGroup: string | null;
  /** Whether the latest design change continued the undo step before it; the store's history reads it while recording. */
  continuesUndoStep: boolean;
  /** Ends the current group (a field lost focus, Enter, the whole text replaced, undo or redo, a loaded design). */
  endEditGroup(): void;
}

/** The slice's fields for a design change typed into `group` (null: an action that is its own undo step). */
export function editGroupAfter(
  state: EditGroupSlice,
  group: string | null,
): Pick<EditGroupSlice, 'editGroup' | 'continuesUndoStep'> {
  return { editGroup: group, continuesUndoStep: group !== null && group === state.editGroup };
}

export const createEditGroupSlice: StateCreator<
  AppState,
  [['temporal', unknown]],
  [],
  EditGroupSlice
> = (set, get) => ({
  editGroup: null,
  continuesUndoStep: false,
  endEditGroup: () => {
    if (get().editGroup !== null || get().continuesUndoStep)
      set({ editGroup: null, continuesUndoStep: false });
  },
});
