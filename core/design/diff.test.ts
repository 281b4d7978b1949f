import { describe, expect, it } from 'vitest';
import { analyze } from '../analysis/analyze';
import { presetDesign } from '../presets';
import { deleteModule, duplicateModule, setAux, setInput, setParam } from './edit';
import { diffDesign, moduleDelta, moduleDeltas, totalsDelta } from './diff';

const googlenet = () => presetDesign('googlenet')!;

describe('diffDesign', () => {
  it('finds nothing in a fresh preset', () => {
    const d = diffDesign(googlenet());
    expect(d).toMatchObject({ base: 'googlenet', modules: {}, removed: [], rewired: [], settings: [], changed: false });
  });

  it('names the edited parameter with its preset value', () => {
    const d = diffDesign(setParam(googlenet(), 'inception4c', 'out_3x3', 300));
    expect(d.changed).toBe(true);
    expect(d.modules.inception4c).toEqual({ id: 'inception4c', status: 'edited', params: [{ field: 'out_3x3', from: 256, to: 300 }], kindChanged: false });
    expect(Object.keys(d.modules)).toEqual(['inception4c']);
  });

  it('sees no change when a parameter the preset left out is set back to its default', () => {
    const naive = setParam(googlenet(), 'inception4c', 'form', 'naive');
    expect(diffDesign(naive).modules.inception4c.params).toEqual([{ field: 'form', from: undefined, to: 'naive' }]);
    const back = setParam(naive, 'inception4c', 'form', 'reduced');
    expect(back.modules.find((m) => m.id === 'inception4c')!.params.form).toBe('reduced');
    expect(diffDesign(back)).toMatchObject({ modules: {}, changed: false });
  });

  it('reports added, removed and rewired modules and changed settings', () => {
    const dup = diffDesign(duplicateModule(googlenet(), 'inception4c'));
    expect(dup.modules.inception4c_2.status).toBe('added');
    expect(dup.rewired).toEqual(['inception4d']);
    const del = diffDesign(deleteModule(googlenet(), 'inception4a'));
    expect(del.removed).toEqual(['inception4a', 'aux1']);
    const settings = diffDesign(setAux(setInput(googlenet(), { height: 299, width: 299 }), false));
    expect(settings.settings).toEqual([
      { field: 'input.height', from: 224, to: 299 },
      { field: 'input.width', from: 224, to: 299 },
      { field: 'aux', from: true, to: false },
    ]);
  });

  it('compares nothing for a design without a preset', () => {
    expect(diffDesign({ ...googlenet(), preset: null }).changed).toBe(false);
    expect(diffDesign({ ...googlenet(), preset: 'no-such-preset' }).base).toBeNull();
  });
});

describe('totalsDelta and moduleDelta', () => {
  it('gives signed readable deltas (inception4c out_3x3 256 → 300: +66,308 parameters)', () => {
    const now = analyze(setParam(googlenet(), 'inception4c', 'out_3x3', 300));
    const base = analyze(googlenet());
    const params = totalsDelta(now.totals, base.totals).find((t) => t.key === 'params')!;
    // 4c: 44 × (128·9 + 1 + 2); 4d reads 44 more channels in four 1×1 convs of 112, 144, 32 and 64 filters.
    expect(params.delta).toBe(44 * (128 * 9 + 3) + 44 * (112 + 144 + 32 + 64));
    expect(params.now).toBe(13_455_372);
    expect(params.text).toBe('+66.3 K (+0.5 %)');
    expect(moduleDeltas(now, base)).toHaveProperty('inception4d');
    expect(moduleDeltas(now, base)).not.toHaveProperty('inception4b');
  });

  it('has no delta for a module that could not be computed', () => {
    const now = analyze(setParam(googlenet(), 'inception4c', 'out_3x3', 0));
    const base = analyze(googlenet());
    expect(moduleDelta(now.modules.find((m) => m.id === 'inception4c'), base.modules.find((m) => m.id === 'inception4c'))).toBeNull();
    expect(moduleDelta(undefined, base.modules[0])).toBeNull();
  });
});
