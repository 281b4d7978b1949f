/**
 * The design slice: the network being edited, where it lives on disk and what was last saved.
 * Every edit goes through core/design/edit.ts; undo/redo (zundo, see store.ts) covers `design` only.
 */
import type { StateCreator } from 'zustand';
import type { Design, ParamValue } from '../../core/model/types';
import { setGroupParam } from '../../core/design/repeats';
import {
  deleteModule,
  duplicateModule,
  setAux,
  setClasses,
  setInput,
  setWeights,
  setParam,
} from '../../core/design/edit';
import { insertModuleAfter } from '../../core/design/insert';
import { serializeDesign } from '../../core/design/designFile';
import { moduleDefs } from '../../core/modules/registry';
import { presetDesign, DEFAULT_PRESET } from '../../core/presets';
import type { AppState } from './store';
import { editGroupAfter } from './editGroupSlice';

/** Module kinds a user can insert after a selected module: every template that declares how (`insert`). */
export const INSERTABLE_KINDS: readonly {
  readonly kind: string;
  readonly label: string;
  readonly idBase: string;
}[] = Object.values(moduleDefs).flatMap((def) =>
  def.insert ? [{ kind: def.kind, label: def.insert.label, idBase: def.insert.idBase }] : [],
);

export type InsertableKind = string;

export interface DesignSlice {
  design: Design;
  /** Where the design was opened from or saved to; null for a new design. */
  filePath: string | null;
  /** The design file text as last opened or saved (or as created from a preset); the unsaved marker compares against it. */
  savedText: string;
  /** Sets one module parameter; consecutive edits of the same field are one undo step. */
  setParam(moduleId: string, field: string, value: ParamValue): void;
  /** Sets one parameter on every block of a folded run (core/design/repeats.ts): one undo step per field typed. */
  setGroupParam(ids: readonly string[], field: string, value: ParamValue): void;
  setInput(field: 'batch' | 'channels' | 'height' | 'width', value: number): void;
  /** Sets the design's weights file (null: none); an undoable edit saved with the design. */
  setWeights(path: string | null): void;
  setClasses(value: number): void;
  setAux(on: boolean): void;
  insertAfter(afterId: string, kind: InsertableKind): string | null;
  duplicate(moduleId: string): string | null;
  remove(moduleId: string): void;
  /** Back to the preset the design started from (one undoable step). */
  resetToPreset(): void;
  /** Replaces the design (new, open, recover); clears undo history. */
  loadDesign(design: Design, filePath: string | null, savedText?: string): void;
  markSaved(filePath: string, text: string): void;
  /**
   * Whether Save writes the batch (N) into the design file. Off: the batch is a setting of the
   * runs, and changing it does not mark the design unsaved.
   */
  saveBatchWithDesign: boolean;
  setSaveBatchWithDesign(on: boolean): void;
}

function initialDesign(): Design {
  return presetDesign(DEFAULT_PRESET)!;
}

export const createDesignSlice: StateCreator<AppState, [['temporal', unknown]], [], DesignSlice> = (
  set,
  get,
) => {
  const edit = (next: Design, group: string | null = null): void => {
    if (next === get().design) return;
    // One set: the history records it (or not) from `continuesUndoStep` right after.
    set({ design: next, ...editGroupAfter(get(), group) });
  };
  const design = initialDesign();
  return {
    design,
    filePath: null,
    savedText: serializeDesign(design),
    setParam: (moduleId, field, value) =>
      edit(setParam(get().design, moduleId, field, value), `${moduleId}.${field}`),
    setGroupParam: (ids, field, value) =>
      edit(setGroupParam(get().design, ids, field, value), `group:${ids.join(',')}.${field}`),
    setInput: (field, value) => edit(setInput(get().design, { [field]: value }), `input.${field}`),
    setClasses: (value) => edit(setClasses(get().design, value), 'classes'),
    setWeights: (path) => edit(setWeights(get().design, path)),
    setAux: (on) => edit(setAux(get().design, on)),
    insertAfter: (afterId, kind) => {
      const d = get().design;
      const after = d.modules.find((m) => m.id === afterId);
      const entry = INSERTABLE_KINDS.find((k) => k.kind === kind);
      if (!after || !entry) return null;
      const inserted = insertModuleAfter(
        d,
        afterId,
        kind,
        `${entry.idBase}${after.stage && /^\d+$/.test(after.stage) ? after.stage : ''}`,
      );
      edit(inserted.design);
      return inserted.id;
    },
    duplicate: (moduleId) => {
      const before = new Set(get().design.modules.map((m) => m.id));
      edit(duplicateModule(get().design, moduleId));
      return get().design.modules.find((m) => !before.has(m.id))?.id ?? null;
    },
    remove: (moduleId) => edit(deleteModule(get().design, moduleId)),
    resetToPreset: () => {
      const d = get().design;
      const base = d.preset ? presetDesign(d.preset) : undefined;
      if (base) edit({ ...base, name: d.name, ...(d.weights ? { weights: d.weights } : {}) });
    },
    loadDesign: (next, filePath, savedText) => {
      set({
        design: next,
        filePath,
        savedText: savedText ?? serializeDesign(next),
        editGroup: null,
        continuesUndoStep: false,
        // What-ifs name modules of the design they were made for.
        ablations: [],
      });
      get().clearHistory();
    },
    markSaved: (filePath, text) => set({ filePath, savedText: text }),
    saveBatchWithDesign: false,
    setSaveBatchWithDesign: (on) => set({ saveBatchWithDesign: on }),
  };
};
