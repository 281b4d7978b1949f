import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { analyze } from './analyze';
import { presetDesign, presetNames } from '../presets';
import {
  deleteModule,
  duplicateModule,
  setInput,
  setParam,
  setAux,
  setClasses,
} from '../design/edit';
import { parseDesign, serializeDesign } from '../design/designFile';
import type { Design, ParamValue } from '../model/types';
import { moduleDefs } from '../modules/registry';

const anyValue: fc.Arbitrary<ParamValue> = fc.oneof(
  fc.integer({ min: -10, max: 70_000 }),
  fc.double({ noNaN: false }),
  fc.constantFrom(0, -5, 1e9, 1e12, 2.5, Number.NaN, Number.POSITIVE_INFINITY),
  fc.boolean(),
  fc.string({ maxLength: 8 }),
  fc.constantFrom('naive', 'reduced', 'classes', 'adaptive', 'bn'),
  fc.array(fc.integer({ min: -2, max: 9 }), { minLength: 0, maxLength: 5 }),
);

const allFields = [...new Set(Object.values(moduleDefs).flatMap((d) => Object.keys(d.params)))];

type Edit = (d: Design) => Design;
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.tuple(fc.nat(40), fc.constantFrom(...allFields), anyValue).map(
    ([i, f, v]): Edit =>
      (d) =>
        d.modules.length ? setParam(d, d.modules[i % d.modules.length].id, f, v) : d,
  ),
  fc.tuple(fc.nat(40), fc.integer({ min: 1, max: 300 })).map(([i, v]): Edit => (d) => {
    const m = d.modules[i % Math.max(1, d.modules.length)];
    return m?.kind === 'inception' ? setParam(d, m.id, 'out_3x3', v) : d;
  }),
  fc.nat(40).map(
    (i): Edit =>
      (d) =>
        d.modules.length ? deleteModule(d, d.modules[i % d.modules.length].id) : d,
  ),
  fc.nat(40).map(
    (i): Edit =>
      (d) =>
        d.modules.length ? duplicateModule(d, d.modules[i % d.modules.length].id) : d,
  ),
  fc
    .record({ height: fc.integer({ min: -3, max: 400 }), width: fc.integer({ min: -3, max: 400 }) })
    .map(
      (s): Edit =>
        (d) =>
          setInput(d, s),
    ),
  fc.integer({ min: -2, max: 9 }).map(
    (b): Edit =>
      (d) =>
        setInput(d, { batch: b }),
  ),
  fc.integer({ min: 0, max: 3 }).map(
    (c): Edit =>
      (d) =>
        setInput(d, { channels: c }),
  ),
  fc.integer({ min: -1, max: 2000 }).map(
    (c): Edit =>
      (d) =>
        setClasses(d, c),
  ),
  fc.boolean().map(
    (a): Edit =>
      (d) =>
        setAux(d, a),
  ),
  fc.tuple(fc.nat(40), fc.string({ maxLength: 6 })).map(([i, k]): Edit => (d) => ({
    ...d,
    modules: d.modules.map((m, j) => (j === i % d.modules.length ? { ...m, kind: k } : m)),
  })),
  fc.tuple(fc.nat(40), fc.nat(40)).map(([i, j]): Edit => (d) => ({
    ...d,
    modules: d.modules.map((m, k) =>
      k === i % d.modules.length ? { ...m, inputs: [d.modules[j % d.modules.length].id] } : m,
    ),
  })),
);

const design = fc
  .tuple(fc.constantFrom(...presetNames), fc.array(edit, { maxLength: 6 }))
  .map(([p, edits]) => edits.reduce((d, e) => e(d), presetDesign(p)!));

describe('analyze never throws on random designs', () => {
  it('returns well-formed issues or a complete analysis', () => {
    fc.assert(
      fc.property(design, (d) => {
        const a = analyze(d);
        const ids = new Set(d.modules.map((m) => m.id));
        for (const i of a.issues) {
          expect(typeof i.code).toBe('string');
          expect(i.nodeId === 'design' || ids.has(i.nodeId)).toBe(true);
          expect(i.message).toMatch(/[.!]$/);
          expect(i.message).not.toMatch(/undefined|NaN undefined|\[object/);
        }
        if (a.valid) {
          for (const m of a.modules) expect(m.outputShape).not.toBeNull();
          expect(a.outputs.main).toBeTruthy();
          expect(a.totals.params).toBeGreaterThanOrEqual(a.totals.paramsEval);
          expect(a.totals.macsTrain).toBeGreaterThanOrEqual(a.totals.macs);
        }
        // Saving and loading keeps exactly what was analyzed.
        const loaded = parseDesign(serializeDesign(d));
        if (loaded.ok) expect(analyze(loaded.design).issues).toEqual(a.issues);
      }),
      { numRuns: 300, seed: 20261127 },
    );
  });
});

describe('the design loader never throws on random input', () => {
  it('handles random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const r = parseDesign(new TextDecoder().decode(bytes));
        if (!r.ok) for (const e of r.errors) expect(e.path.startsWith('$')).toBe(true);
      }),
      { numRuns: 500, seed: 1 },
    );
  });

  it('handles random JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const r = parseDesign(JSON.stringify(v) ?? '');
        expect(r.ok).toBe(false);
      }),
      { numRuns: 300, seed: 2 },
    );
  });

  it('handles a real file with one value replaced by anything', () => {
    const base = JSON.parse(serializeDesign(presetDesign('googlenet')!));
    const paths: (string | number)[][] = [];
    const walk = (o: unknown, p: (string | number)[]) => {
      paths.push(p);
      if (o && typeof o === 'object')
        for (const [k, v] of Object.entries(o)) walk(v, [...p, Array.isArray(o) ? Number(k) : k]);
    };
    walk(base, []);
    fc.assert(
      fc.property(fc.nat(paths.length - 1), fc.jsonValue({ maxDepth: 3 }), (i, value) => {
        const copy = structuredClone(base);
        const p = paths[i];
        if (p.length === 0) return;
        let o = copy;
        for (const k of p.slice(0, -1)) o = o[k];
        o[p[p.length - 1]] = value;
        const r = parseDesign(JSON.stringify(copy));
        if (r.ok) analyze(r.design);
        else expect(r.errors.length).toBeGreaterThan(0);
      }),
      { numRuns: 400, seed: 3 },
    );
  });
});
