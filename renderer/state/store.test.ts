import { beforeEach, describe, expect, it } from 'vitest';
import { presetDesign } from '../../core/presets';
import { serializeDesign } from '../../core/design/designFile';
import { createAppStore, type AppStore } from './store';
import { designToSave, isDirty } from './derived';

let store: AppStore;
const count = () =>
  store.getState().design.modules.find((m) => m.id === 'inception4c')!.params.out_3x3;
const past = () => store.temporal.getState().pastStates.length;

beforeEach(() => {
  store = createAppStore();
});

describe('the app store', () => {
  it('makes consecutive keystrokes into one field a single undo step', () => {
    for (const v of [3, 30, 300]) store.getState().setParam('inception4c', 'out_3x3', v);
    expect(count()).toBe(300);
    expect(past()).toBe(1);
    store.getState().undo();
    expect(count()).toBe(256);
    store.getState().redo();
    expect(count()).toBe(300);
  });

  it('starts a new undo step for another field, or after the field lost focus', () => {
    store.getState().setParam('inception4c', 'out_3x3', 300);
    store.getState().setParam('inception4c', 'out_5x5', 80);
    store.getState().endEditGroup();
    store.getState().setParam('inception4c', 'out_5x5', 96);
    expect(past()).toBe(3);
    store.getState().undo();
    expect(
      store.getState().design.modules.find((m) => m.id === 'inception4c')!.params.out_5x5,
    ).toBe(80);
  });

  it('makes a value typed into a folded run one undo step, however many blocks it sets', () => {
    const ids = ['inception4b', 'inception4c', 'inception4d'];
    const of = (id: string) =>
      store.getState().design.modules.find((m) => m.id === id)!.params.out_3x3;
    for (const v of [1, 12, 128]) store.getState().setGroupParam(ids, 'out_3x3', v);
    expect(ids.map(of)).toEqual([128, 128, 128]);
    expect(past()).toBe(1);
    // The same field of a single block is another group.
    store.getState().setParam('inception4c', 'out_3x3', 100);
    expect(past()).toBe(2);
    store.getState().undo();
    store.getState().undo();
    expect(ids.map(of)).toEqual([224, 256, 288]);
  });

  it('never leaves the selection hidden inside a folded run: selecting a hidden block unfolds its run; folding it or an undo that merges it back selects the run', () => {
    store.getState().loadDesign(presetDesign('inception-resnet-v2')!, null);
    // A problem's link names repeat_1.7, folded into repeat_1.0's ×20 node: the run unfolds.
    store.getState().select('repeat_1.7');
    expect(store.getState().unfolded).toEqual(['repeat_1.0']);
    expect(store.getState().selectedId).toBe('repeat_1.7');
    // Folding the run again selects its node.
    store.getState().toggleFold('repeat_1.0');
    expect(store.getState().selectedId).toBe('repeat_1.0');
    // A visible block (the first) or a block of an unfolded run selects as it is.
    store.getState().select('repeat_2.0');
    expect(store.getState().unfolded).toEqual([]);
    // One block made different stands alone; the undo that makes it identical again folds it back
    // into the run, so the run's node is selected.
    store.getState().setParam('repeat_1.7', 'out_1x1', 100);
    store.getState().select('repeat_1.7');
    expect(store.getState().unfolded).toEqual([]);
    store.getState().undo();
    expect(store.getState().selectedId).toBe('repeat_1.0');
  });

  it('keeps each store its own edit group', () => {
    const other = createAppStore();
    store.getState().setParam('inception4c', 'out_3x3', 3);
    other.getState().setParam('inception4c', 'out_3x3', 3);
    store.getState().setParam('inception4c', 'out_3x3', 30);
    expect(past()).toBe(1);
    expect(other.temporal.getState().pastStates).toHaveLength(1);
    expect(store.getState().editGroup).toBe('inception4c.out_3x3');
    store.getState().undo();
    expect(store.getState().editGroup).toBeNull();
  });

  it('undoes the design only: selection, opened modules and theme stay', () => {
    store.getState().setParam('inception4c', 'out_3x3', 300);
    store.getState().select('inception4c');
    store.getState().toggleOpen('inception4c');
    store.getState().setTheme('dark');
    expect(past()).toBe(1);
    store.getState().undo();
    expect(count()).toBe(256);
    expect(store.getState().selectedId).toBe('inception4c');
    expect(store.getState().opened).toEqual(['inception4c']);
    expect(store.getState().theme).toBe('dark');
  });

  it('inserts, duplicates and deletes modules within a stage, each undoable', () => {
    const id = store.getState().insertAfter('inception4b', 'inception');
    expect(id).toBe('inception4b_2'); // 4c is taken; named by position after 4b
    const inserted = store.getState().design.modules.find((m) => m.id === id)!;
    expect(inserted).toMatchObject({ kind: 'inception', stage: '4', inputs: ['inception4b'] });
    expect(store.getState().design.modules.find((m) => m.id === 'inception4c')!.inputs).toEqual([
      id,
    ]);
    expect(store.getState().duplicate('inception4c')).toBe('inception4c_2');
    store.getState().remove('inception4a');
    expect(store.getState().design.modules.map((m) => m.id)).not.toContain('aux1');
    expect(past()).toBe(3);
    store.getState().undo();
    store.getState().undo();
    store.getState().undo();
    expect(store.getState().design).toEqual(presetDesign('googlenet'));
  });

  it('resets to the preset in one undoable step and clears history on load', () => {
    store.getState().setParam('inception4c', 'out_3x3', 300);
    store.getState().setAux(false);
    store.getState().resetToPreset();
    expect(store.getState().design).toEqual(presetDesign('googlenet'));
    store.getState().undo();
    expect(store.getState().design.aux).toBe(false);
    store.getState().loadDesign(presetDesign('googlenet-torchvision')!, '/designs/tv.json');
    expect(past()).toBe(0);
    expect(store.getState().filePath).toBe('/designs/tv.json');
  });

  it('knows when the design differs from what was saved, including after undo', () => {
    const s = store.getState();
    expect(isDirty(s.design, s.savedText, false)).toBe(false);
    store.getState().setParam('inception4c', 'out_3x3', 300);
    expect(isDirty(store.getState().design, store.getState().savedText, false)).toBe(true);
    store.getState().undo();
    expect(isDirty(store.getState().design, store.getState().savedText, false)).toBe(false);
    store.getState().setParam('inception4c', 'out_3x3', 300);
    store.getState().markSaved('/d.json', serializeDesign(store.getState().design));
    expect(isDirty(store.getState().design, store.getState().savedText, false)).toBe(false);
  });

  it('leaves the design saved when only the batch changes, unless the batch is saved with it', () => {
    const saved = store.getState().savedText;
    store.getState().setInput('batch', 8);
    const d = store.getState().design;
    expect(isDirty(d, saved, false)).toBe(false);
    expect(isDirty(d, saved, true)).toBe(true);
    // Save writes the file's batch when the batch is a run setting, the new one when it is saved.
    expect(designToSave(d, saved, false).input.batch).toBe(3);
    expect(designToSave(d, saved, true)).toBe(d);
    store.getState().setInput('height', 299);
    expect(isDirty(store.getState().design, saved, false)).toBe(true);
  });
});
