import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { analyze, type Analysis } from '../analysis/analyze';
import { presetDesign, presetNames } from '../presets';
import type { Design } from '../model/types';
import { moduleDef } from '../modules/registry';
import {
  deleteModule,
  duplicateModule,
  insertAfter,
  setAux,
  setClasses,
  setInput,
  setParam,
} from './edit';
import {
  compareDesigns,
  diffDesign,
  moduleDelta,
  stageFigures,
  stageRows,
  totalsDiff,
  type DesignDiff,
} from './diff';

const googlenet = () => presetDesign('googlenet')!;
const entry = (d: DesignDiff, id: string) => d.entries.find((e) => e.id === id)!;
const notUnchanged = (d: DesignDiff) =>
  d.entries.filter((e) => e.status !== 'unchanged').map((e) => `${e.id}:${e.status}`);

describe('compareDesigns: the issue-14 example (inception4c out_3x3 256 → 300)', () => {
  const a = googlenet();
  const b = setParam(googlenet(), 'inception4c', 'out_3x3', 300);
  const d = compareDesigns(a, b);
  const sa = analyze(a);
  const sb = analyze(b);

  it('reports inception4c as changed, with its parameter, Δparams and output shape old → new', () => {
    const c = entry(d, 'inception4c');
    expect(c).toMatchObject({
      status: 'changed',
      matchedBy: 'id',
      params: [{ field: 'out_3x3', from: 256, to: 300 }],
      shapeChanged: true,
    });
    // 44 more 3×3 filters over 128 channels (+ conv bias and BN weight/bias).
    expect(c.delta.params).toBe(50_820);
    expect(c.delta.params).toBe(44 * (128 * 9 + 3));
    expect(c.a!.outputShape).toEqual([3, 512, 14, 14]);
    expect(c.b!.outputShape).toEqual([3, 556, 14, 14]);
    expect(moduleDelta(c)).toMatchObject({
      params: 50_820,
      paramsText: '+50.8 K (+9.9 %)',
      shapeText: 'N=3 · 512×14×14 → N=3 · 556×14×14',
    });
  });

  it('reports inception4d as affected, not changed: same parameters, wider input', () => {
    const c = entry(d, 'inception4d');
    expect(c.status).toBe('affected');
    expect(c.params).toEqual([]);
    // 44 more input channels into four 1×1 convs of 112, 144, 32 and 64 filters.
    expect(c.delta.params).toBe(15_488);
    expect(c.delta.params).toBe(44 * (112 + 144 + 32 + 64));
    expect(c.a!.inputShapes).toEqual([[3, 512, 14, 14]]);
    expect(c.b!.inputShapes).toEqual([[3, 556, 14, 14]]);
    expect(c.shapeChanged).toBe(false);
    expect(notUnchanged(d)).toEqual(['inception4c:changed', 'inception4d:affected']);
  });

  it('gives totals before, after and Δ that agree with each side’s own analysis', () => {
    const params = d.totals.find((t) => t.key === 'params')!;
    expect(params).toMatchObject({
      a: 13_389_064,
      b: 13_455_372,
      delta: 66_308,
      text: '+66.3 K (+0.5 %)',
    });
    expect(params.percent).toBeCloseTo(0.4952, 4);
    for (const t of d.totals) {
      expect(t.a).toBe(sa.totals[t.key]);
      expect(t.b).toBe(sb.totals[t.key]);
      expect(t.delta).toBe(sb.totals[t.key] - sa.totals[t.key]);
    }
    expect(d.totals.map((t) => t.key)).toEqual([
      'params',
      'paramsEval',
      'macs',
      'macsTrain',
      'activationBytesEval',
      'activationBytes',
      'weightBytes',
    ]);
    expect(d.totals.find((t) => t.key === 'weightBytes')!.delta).toBe(66_308 * 4 + 44 * 2 * 4);
  });
});

describe('compareDesigns: matching', () => {
  it('reports an inserted module as added with nothing else changed', () => {
    const d = compareDesigns(googlenet(), duplicateModule(googlenet(), 'inception4c'));
    expect(notUnchanged(d)).toEqual(['inception4c_2:added']);
    expect(entry(d, 'inception4c_2').delta.params).toBe(entry(d, 'inception4c').b!.params);
    // Its reader now reads it: a rewiring, reported as such, but the module itself is unchanged.
    expect(entry(d, 'inception4d')).toMatchObject({ status: 'unchanged', rewired: true });
    const ids = d.entries.map((e) => e.id);
    expect(ids.indexOf('inception4c_2')).toBe(ids.indexOf('inception4c') + 1);
  });

  it('reports a deleted module as removed with nothing else changed, placed where it was', () => {
    const d = compareDesigns(googlenet(), deleteModule(googlenet(), 'inception4c'));
    expect(notUnchanged(d)).toEqual(['inception4c:removed']);
    expect(d.removed.map((e) => e.id)).toEqual(['inception4c']);
    const ids = d.entries.map((e) => e.id);
    expect(ids.indexOf('inception4c')).toBe(ids.indexOf('inception4b') + 1);
    expect(entry(d, 'inception4c').delta.params).toBe(-511_432);
  });

  it('tells a deletion from its consequence downstream (inception4a: removed; inception4b: affected)', () => {
    const d = compareDesigns(googlenet(), deleteModule(googlenet(), 'inception4a'));
    expect(notUnchanged(d)).toEqual([
      'inception4a:removed',
      'aux1:removed',
      'inception4b:affected',
    ]);
    expect(entry(d, 'inception4b')).toMatchObject({ rewired: true, params: [] });
  });

  it('matches renamed modules by position and kind, and says so', () => {
    const g = googlenet();
    const renamed: Design = {
      ...g,
      modules: g.modules.map((m) => (m.id === 'fc1' ? { ...m, id: 'classifier' } : m)),
      outputs: { ...g.outputs, main: g.outputs.main === 'fc1' ? 'classifier' : g.outputs.main },
    };
    const d = compareDesigns(g, renamed);
    const c = entry(d, 'classifier');
    expect(c).toMatchObject({
      status: 'changed',
      matchedBy: 'position',
      params: [{ field: 'id', from: 'fc1', to: 'classifier' }],
    });
    expect(c.delta).toEqual({ params: 0, macs: 0, activationBytes: 0 });
    expect(d.counts).toMatchObject({ added: 0, removed: 0, matchedByPosition: 1 });
  });

  it('leaves modules of another kind unmatched: removed and added', () => {
    const g = googlenet();
    const swapped: Design = {
      ...g,
      modules: g.modules.map((m) =>
        m.id === 'dropout' ? { ...m, id: 'relu_x', kind: 'relu', params: {} } : m,
      ),
    };
    const fixed: Design = {
      ...swapped,
      modules: swapped.modules.map((m) =>
        m.inputs.includes('dropout') ? { ...m, inputs: ['relu_x'] } : m,
      ),
    };
    const d = compareDesigns(g, fixed);
    expect(notUnchanged(d)).toEqual(['dropout:removed', 'relu_x:added']);
  });

  it('marks a kind changed under the same id as changed', () => {
    const g = googlenet();
    const d = compareDesigns(g, {
      ...g,
      modules: g.modules.map((m) => (m.id === 'dropout' ? { ...m, kind: 'relu', params: {} } : m)),
    });
    expect(entry(d, 'dropout')).toMatchObject({ status: 'changed', kindChanged: true });
  });

  it('lists settings and treats a batch change as affecting activation memory only', () => {
    const d = compareDesigns(googlenet(), setInput(googlenet(), { batch: 1 }));
    expect(d.settings).toEqual([{ field: 'input.batch', from: 3, to: 1 }]);
    expect(
      d.entries.every((e) => e.status === 'affected' && e.delta.params === 0 && e.delta.macs === 0),
    ).toBe(true);
  });

  it('compares a design with itself as unchanged', () => {
    const d = compareDesigns(googlenet(), googlenet());
    expect(d.changed).toBe(false);
    expect(d.counts).toMatchObject({ unchanged: 20, matchedById: 20 });
  });
});

describe('diffDesign (against the preset, for the edit marks)', () => {
  it('is the comparison with the preset the design names', () => {
    const d = diffDesign(setParam(googlenet(), 'inception4c', 'out_3x3', 300));
    expect(d.base).toBe('googlenet');
    expect(d.byId.get('inception4c')!.status).toBe('changed');
  });

  it('sees no change when a parameter the preset left out is set back to its default', () => {
    const naive = setParam(googlenet(), 'inception4c', 'form', 'naive');
    expect(diffDesign(naive).byId.get('inception4c')!.params).toEqual([
      { field: 'form', from: undefined, to: 'naive' },
    ]);
    const back = setParam(naive, 'inception4c', 'form', 'reduced');
    expect(diffDesign(back).changed).toBe(false);
  });

  it('lists changed settings', () => {
    const settings = diffDesign(setAux(setInput(googlenet(), { height: 299, width: 299 }), false));
    expect(settings.settings).toEqual([
      { field: 'input.height', from: 224, to: 299 },
      { field: 'input.width', from: 224, to: 299 },
      { field: 'aux', from: true, to: false },
    ]);
    expect(settings.removed.map((e) => e.id)).toEqual(['aux1', 'aux2']);
  });

  it('compares nothing for a design without a (known) preset', () => {
    expect(diffDesign({ ...googlenet(), preset: null })).toMatchObject({
      changed: false,
      entries: [],
    });
    expect(diffDesign({ ...googlenet(), preset: 'no-such-preset' }).base).toBeNull();
  });

  it('has no graph delta for a module that could not be computed', () => {
    const d = diffDesign(setParam(googlenet(), 'inception4c', 'out_3x3', 0));
    expect(d.byId.get('inception4c')!.status).toBe('changed');
    expect(moduleDelta(d.byId.get('inception4c')!)).toBeNull();
  });
});

describe('stage summary (across the family, where ids differ)', () => {
  it('sums each stage from the modules of the analysis', () => {
    const a = analyze(googlenet());
    const stages = stageFigures(a);
    expect(stages.map((s) => s.stage)).toEqual(['stem', '3', '4', '5', 'head', 'aux']);
    expect(stages.reduce((s, x) => s + x.params, 0)).toBe(a.totals.params);
    expect(stages.find((s) => s.stage === '4')!.outputShape).toEqual([3, 832, 14, 14]);
  });

  it('pairs stages from both ends, leaving extra middle stages alone', () => {
    const s = (stage: string) => ({
      stage,
      modules: [stage],
      params: 1,
      macs: 1,
      outputShape: null,
    });
    const rows = stageRows(
      [s('stem'), s('3'), s('4'), s('head')],
      [s('stem'), s('5'), s('6'), s('7'), s('head'), s('aux')],
    );
    expect(rows.map((r) => `${r.a?.stage ?? '-'}/${r.b?.stage ?? '-'}`)).toEqual([
      'stem/stem',
      '3/5',
      '-/6',
      '4/7',
      'head/head',
      '-/aux',
    ]);
  });

  it('compares every pair of presets on main stage by stage, with totals equal to the sides’ sums', () => {
    for (const x of presetNames) {
      for (const y of presetNames) {
        const a = presetDesign(x)!;
        const b = presetDesign(y)!;
        const d = compareDesigns(a, b);
        const sum = (side: 'a' | 'b') => d.stages.reduce((s, r) => s + (r[side]?.params ?? 0), 0);
        expect(sum('a')).toBe(analyze(a).totals.params);
        expect(sum('b')).toBe(analyze(b).totals.params);
        expect(d.entries.filter((e) => e.a).length).toBe(analyze(a).modules.length);
        expect(d.entries.filter((e) => e.b).length).toBe(analyze(b).modules.length);
      }
    }
  });
});

describe('totalsDiff', () => {
  it('gives a null percentage from zero and a bytes text for memory', () => {
    const a = analyze(googlenet()).totals;
    const zero = { ...a, params: 0 };
    expect(totalsDiff(zero, a).find((t) => t.key === 'params')!.percent).toBeNull();
    expect(totalsDiff(a, a).find((t) => t.key === 'weightBytes')!.text).toBe('±0');
  });
});

/** Random edits a user can make, applied to a design. */
const editArb = fc.oneof(
  fc.record({
    t: fc.constant('set' as const),
    module: fc.nat(),
    field: fc.nat(),
    value: fc.integer({ min: 1, max: 400 }),
  }),
  fc.record({ t: fc.constant('delete' as const), module: fc.nat() }),
  fc.record({ t: fc.constant('duplicate' as const), module: fc.nat() }),
  fc.record({ t: fc.constant('insertPool' as const), module: fc.nat() }),
  fc.record({ t: fc.constant('form' as const), module: fc.nat() }),
  fc.record({ t: fc.constant('size' as const), size: fc.constantFrom(192, 224, 256) }),
  fc.record({ t: fc.constant('batch' as const), batch: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ t: fc.constant('classes' as const), classes: fc.integer({ min: 2, max: 2000 }) }),
  fc.record({ t: fc.constant('aux' as const), on: fc.boolean() }),
);
type Edit = typeof editArb extends fc.Arbitrary<infer T> ? T : never;

function applyEdit(d: Design, e: Edit): Design {
  const inceptions = d.modules.filter((m) => m.kind === 'inception');
  const pick = (n: number, list = d.modules) => list[n % list.length];
  switch (e.t) {
    case 'set': {
      // Any filter count of any module that has one (inception counts, conv widths, …), in every member of the family.
      const withCounts = d.modules
        .map((m) => ({
          m,
          fields: Object.entries(moduleDef(m.kind)?.params ?? {})
            .filter(([, p]) => p.group === 'filters')
            .map(([f]) => f),
        }))
        .filter((x) => x.fields.length);
      if (!withCounts.length) return d;
      const { m, fields } = withCounts[e.module % withCounts.length];
      return setParam(d, m.id, fields[e.field % fields.length], e.value);
    }
    case 'delete':
      return d.modules.length > 3 ? deleteModule(d, pick(e.module).id) : d;
    case 'duplicate':
      return duplicateModule(d, pick(e.module).id);
    case 'insertPool': {
      const after = pick(e.module).id;
      return insertAfter(d, after, {
        id: `${after}_pool`,
        kind: 'maxPool',
        params: { kernel: 3, stride: 1, padding: 1 },
      });
    }
    case 'form':
      return inceptions.length ? setParam(d, pick(e.module, inceptions).id, 'form', 'naive') : d;
    case 'size':
      return setInput(d, { height: e.size, width: e.size });
    case 'batch':
      return setInput(d, { batch: e.batch });
    case 'classes':
      return setClasses(d, e.classes);
    case 'aux':
      return setAux(d, e.on);
  }
}

/** Checks that every figure of the diff is the matching figure of A's or B's own analysis, or their difference. */
function checkFigures(d: DesignDiff, sa: Analysis, sb: Analysis): void {
  const ia = new Map(sa.modules.map((m) => [m.id, m]));
  const ib = new Map(sb.modules.map((m) => [m.id, m]));
  for (const e of d.entries) {
    const ma = e.a ? ia.get(e.a.id) : undefined;
    const mb = e.b ? ib.get(e.b.id) : undefined;
    if (e.a)
      expect([e.a.params, e.a.macs, e.a.activationBytes, e.a.outputShape]).toEqual([
        ma?.params ?? 0,
        ma?.macs ?? 0,
        ma?.activationBytes ?? 0,
        ma?.outputShape ?? null,
      ]);
    if (e.b)
      expect([e.b.params, e.b.macs, e.b.activationBytes, e.b.outputShape]).toEqual([
        mb?.params ?? 0,
        mb?.macs ?? 0,
        mb?.activationBytes ?? 0,
        mb?.outputShape ?? null,
      ]);
    expect(e.delta.params).toBe((mb?.params ?? 0) - (ma?.params ?? 0));
    expect(e.delta.macs).toBe((mb?.macs ?? 0) - (ma?.macs ?? 0));
    expect(e.delta.activationBytes).toBe((mb?.activationBytes ?? 0) - (ma?.activationBytes ?? 0));
    const md = moduleDelta(e);
    if (md) expect([md.params, md.macs]).toEqual([e.delta.params, e.delta.macs]);
    if (e.status === 'unchanged')
      expect([e.delta.params, e.delta.macs, e.delta.activationBytes, e.shapeChanged]).toEqual([
        0,
        0,
        0,
        false,
      ]);
    expect(e.status === 'added').toBe(e.a === null);
    expect(e.status === 'removed').toBe(e.b === null);
  }
  for (const t of d.totals) {
    expect([t.a, t.b, t.delta]).toEqual([
      sa.totals[t.key],
      sb.totals[t.key],
      sb.totals[t.key] - sa.totals[t.key],
    ]);
  }
  // Each side's modules appear exactly once, so the module deltas add up to the totals' deltas.
  expect(
    d.entries
      .filter((e) => e.a)
      .map((e) => e.a!.id)
      .sort(),
  ).toEqual(sa.modules.map((m) => m.id).sort());
  expect(
    d.entries
      .filter((e) => e.b)
      .map((e) => e.b!.id)
      .sort(),
  ).toEqual(sb.modules.map((m) => m.id).sort());
  const sum = (k: 'params' | 'macs') => d.entries.reduce((s, e) => s + e.delta[k], 0);
  expect(sum('params')).toBe(sb.totals.params - sa.totals.params);
  expect(sum('macs')).toBe(sb.totals.macsTrain - sa.totals.macsTrain);
  for (const [side, s] of [
    ['a', sa],
    ['b', sb],
  ] as const) {
    expect(d.stages.reduce((x, r) => x + (r[side]?.params ?? 0), 0)).toBe(s.totals.params);
    expect(d.stages.reduce((x, r) => x + (r[side]?.macs ?? 0), 0)).toBe(s.totals.macsTrain);
  }
}

describe('property: every figure in a diff equals the difference of the two designs’ own figures', () => {
  it('holds over random edits on either side', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...presetNames),
        fc.array(editArb, { maxLength: 3 }),
        fc.array(editArb, { minLength: 1, maxLength: 5 }),
        (preset, editsA, editsB) => {
          const a = editsA.reduce(applyEdit, presetDesign(preset)!);
          const b = editsB.reduce(applyEdit, a);
          const sa = analyze(a);
          const sb = analyze(b);
          const d = compareDesigns(a, b, { a: sa, b: sb });
          checkFigures(d, sa, sb);
          // The same diff without the analyses handed in.
          expect(compareDesigns(a, b).totals).toEqual(d.totals);
        },
      ),
      { numRuns: 120, seed: 14 },
    );
  });
});
