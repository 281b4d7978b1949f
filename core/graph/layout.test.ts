import { describe, expect, it } from 'vitest';
import { analyze } from '../analysis/analyze';
import { presetDesign, presetNames } from '../presets';
import { graphView } from './graphView';
import { layoutGraph, layoutKey, STAGE_HEADER, stageLabel } from './layout';
import { deleteModule, duplicateModule, setParam } from '../design/edit';
import { compareDesigns } from '../design/diff';
import type { Design } from '../model/types';
import type { GraphView } from './graphView';

const googlenet = () => presetDesign('googlenet')!;
const view = (opened: string[] = []) => {
  const d = googlenet();
  return graphView(d, analyze(d), { opened });
};

function overlaps(
  a: { absX: number; absY: number; width: number; height: number },
  b: typeof a,
): boolean {
  return (
    a.absX < b.absX + b.width &&
    b.absX < a.absX + a.width &&
    a.absY < b.absY + b.height &&
    b.absY < a.absY + a.height
  );
}

describe('layoutGraph', () => {
  it('places every node and routes every edge, deterministically', async () => {
    const v = view(['inception4c']);
    const [a, b] = [await layoutGraph(v), await layoutGraph(v)];
    expect(a).toEqual(b);
    for (const n of v.nodes) expect(a.nodes[n.id], n.id).toBeDefined();
    for (const e of v.edges) expect(a.edges[e.id].points.length, e.id).toBeGreaterThanOrEqual(2);
  });

  it('wraps GoogLeNet into rows, with no two top-level boxes overlapping', async () => {
    const v = view();
    const l = await layoutGraph(v);
    expect(l.rows).toBeGreaterThanOrEqual(3);
    const top = v.nodes.filter((n) => !n.parentId).map((n) => l.nodes[n.id]);
    for (let i = 0; i < top.length; i++)
      for (let j = i + 1; j < top.length; j++)
        expect(overlaps(top[i], top[j]), `${top[i].id} / ${top[j].id}`).toBe(false);
    // The main path reads on one line per row; the aux head sits below its source.
    const mid = (id: string) => l.nodes[id].absY + l.nodes[id].height / 2;
    expect(mid('inception4b')).toBe(mid('inception4a'));
    expect(l.nodes.aux1.absY).toBeGreaterThan(
      l.nodes.inception4a.absY + l.nodes.inception4a.height,
    );
    expect(l.width).toBeLessThan(2600);
  });

  it("keeps an opened module's branches inside its box", async () => {
    const v = view(['inception3a']);
    const l = await layoutGraph(v);
    const parent = l.nodes.inception3a;
    const children = v.nodes.filter((n) => n.parentId === 'inception3a').map((n) => l.nodes[n.id]);
    expect(children).toHaveLength(9);
    for (const c of children) {
      expect(c.absX).toBeGreaterThanOrEqual(parent.absX);
      expect(c.absY).toBeGreaterThanOrEqual(parent.absY);
      expect(c.absX + c.width).toBeLessThanOrEqual(parent.absX + parent.width);
      expect(c.absY + c.height).toBeLessThanOrEqual(parent.absY + parent.height);
      expect(c.parentId).toBe('inception3a');
    }
  });

  it('lays a network too large for the canvas at the lowest fit zoom out to the canvas width, so it pans down only (IRv2 unfolded at 1280×720)', async () => {
    const d = presetDesign('inception-resnet-v2')!;
    const v = graphView(d, analyze(d));
    const canvas = { width: 857, height: 610 };
    const minZoom = 0.36;
    const unconstrained = await layoutGraph(v, { viewport: canvas });
    const chosen = await layoutGraph(v, { viewport: canvas, minZoom });
    // Too large either way: even the best rows need a zoom under the minimum…
    expect(
      Math.min(canvas.width / unconstrained.width, canvas.height / unconstrained.height),
    ).toBeLessThan(minZoom);
    // …and without the minimum the rows run off the right edge at it; with it they fit across.
    expect(unconstrained.width * minZoom).toBeGreaterThan(canvas.width);
    expect(chosen.width * minZoom).toBeLessThanOrEqual(canvas.width);
    expect(chosen.rows).toBeGreaterThan(unconstrained.rows);
    // A network that fits at the minimum keeps the largest-drawing choice.
    const g = view();
    expect((await layoutGraph(g, { viewport: canvas, minZoom })).rows).toBe(
      (await layoutGraph(g, { viewport: canvas })).rows,
    );
  });

  it('keys the layout by structure: an edited count keeps it, opening a module changes it', () => {
    const d = googlenet();
    const base = layoutKey(graphView(d, analyze(d)));
    const edited = setParam(d, 'inception4c', 'out_3x3', 300);
    expect(layoutKey(graphView(edited, analyze(edited)))).toBe(base);
    const invalid = setParam(d, 'inception4c', 'out_3x3', -1);
    expect(layoutKey(graphView(invalid, analyze(invalid)))).toBe(base);
    expect(layoutKey(graphView(d, analyze(d), { opened: ['inception4c'] }))).not.toBe(base);
  });

  it('chooses the rows for the canvas: the fitted drawing is as large as the best fixed row count gives, for wide, laptop and tall canvases', async () => {
    for (const opened of [[], ['inception4c']]) {
      const v = view(opened);
      const fixed = await Promise.all([2, 3, 4, 5, 6, 7].map((rows) => layoutGraph(v, { rows })));
      for (const canvas of [
        { width: 857, height: 610 },
        { width: 1017, height: 792 },
        { width: 1600, height: 480 },
        { width: 600, height: 900 },
      ]) {
        const fit = (l: { width: number; height: number }) =>
          Math.min(canvas.width / l.width, canvas.height / l.height);
        const chosen = await layoutGraph(v, { viewport: canvas });
        const best = Math.max(...fixed.map(fit));
        // Opened modules keep the rows chosen for the closed view (stability), at some cost in zoom.
        expect(fit(chosen), `${JSON.stringify(canvas)} ${opened}`).toBeGreaterThanOrEqual(
          best * (opened.length ? 0.8 : 0.97),
        );
        expect(chosen.key).not.toBe(layoutKey(v));
      }
    }
  });

  it(
    'opens a module in place: nodes before it in its row and the rows above do not move, the rest shift by at most its growth (GoogLeNet inception4c, v3 Mixed_7b, v4, Inception-ResNet-v2)',
    { timeout: 120_000 },
    async () => {
      for (const [preset, id] of [
        ['googlenet', 'inception4c'],
        ['googlenet-torchvision', 'inception4c'],
        ['inception-v3', 'Mixed_7b'],
        ['inception-v3', 'Mixed_5b'],
        ['inception-v4', 'features.10'],
        ['inception-resnet-v2', 'repeat_1.3'],
      ] as const) {
        const d = presetDesign(preset)!;
        const a = analyze(d);
        for (const canvas of [
          { width: 857, height: 610 },
          { width: 1017, height: 792 },
          { width: 1600, height: 480 },
        ]) {
          const closedView = graphView(d, a);
          const closed = await layoutGraph(closedView, { viewport: canvas });
          const opened = await layoutGraph(graphView(d, a, { opened: [id] }), { viewport: canvas });
          expect(opened.rows).toBe(closed.rows);
          const before = closed.nodes[id];
          const after = opened.nodes[id];
          const label = `${preset} ${id} ${JSON.stringify(canvas)}`;
          // The opened module's header stays where the closed node was.
          expect([after.absX, after.absY], label).toEqual([before.absX, before.absY]);
          const grewX = after.width - before.width;
          const grewY = after.height - before.height;
          for (const n of closedView.nodes) {
            const c = closed.nodes[n.id];
            const o = opened.nodes[n.id];
            const dx = o.absX - c.absX;
            const dy = o.absY - c.absY;
            // On the opened module's line (same middle) and to its left, or wholly above its row.
            const sameRow = Math.abs(c.absY + c.height / 2 - (before.absY + before.height / 2)) < 1;
            if (
              c.absY + c.height <= before.absY - STAGE_HEADER - 1 ||
              (sameRow && c.absX < before.absX)
            ) {
              expect([dx, dy], `${label}: ${n.id} moved`).toEqual([0, 0]);
            } else {
              expect(Math.abs(dx), `${label}: ${n.id} dx`).toBeLessThanOrEqual(grewX + 1);
              expect(Math.abs(dy), `${label}: ${n.id} dy`).toBeLessThanOrEqual(grewY + 1);
            }
          }
        }
      }
    },
  );

  it(
    "draws a labelled band behind each stage, derived from the modules' stages, for every preset and a comparison",
    { timeout: 60_000 },
    async () => {
      const compared = deleteModule(duplicateModule(googlenet(), 'inception4b'), 'inception4e');
      expect(presetNames).toEqual(
        expect.arrayContaining(['googlenet', 'googlenet-torchvision', 'inception-v3']),
      );
      const cases: [string, Design, GraphView][] = presetNames.map((preset) => {
        const d = presetDesign(preset)!;
        return [preset, d, graphView(d, analyze(d))];
      });
      // A comparison: a removed module's ghost beside maxpool4 and a duplicated module in parallel.
      cases.push([
        'compared',
        compared,
        graphView(compared, analyze(compared), {
          diff: compareDesigns(googlenet(), compared),
          compare: true,
        }),
      ]);
      for (const [preset, d, v] of cases) {
        const l = await layoutGraph(v, { viewport: { width: 1017, height: 792 } });
        const stages = new Set(d.modules.filter((m) => !m.aux && m.stage).map((m) => m.stage));
        expect(new Set(l.stages.map((s) => s.stage)), preset).toEqual(stages);
        // Every main-path module lies inside a band of its stage, below the band's label room.
        for (const n of v.nodes) {
          if (
            (n.kind !== 'module' && n.kind !== 'inception') ||
            !n.evalPath ||
            n.change === 'removed'
          )
            continue;
          const b = l.nodes[n.id];
          const band = l.stages.find(
            (s) =>
              (s.stage === n.stage || preset === 'compared') &&
              b.absX >= s.x &&
              b.absX + b.width <= s.x + s.width &&
              b.absY >= s.y + STAGE_HEADER &&
              b.absY + b.height <= s.y + s.height,
          );
          expect(band, `${preset} ${n.id}`).toBeDefined();
        }
        // Bands do not overlap.
        for (let i = 0; i < l.stages.length; i++)
          for (let j = i + 1; j < l.stages.length; j++) {
            const [p, q] = [l.stages[i], l.stages[j]];
            expect(
              p.x < q.x + q.width &&
                q.x < p.x + p.width &&
                p.y < q.y + q.height &&
                q.y < p.y + p.height,
              `${p.id} / ${q.id}`,
            ).toBe(false);
          }
      }
      expect(['stem', '3', '4', '5', 'a', 'head'].map(stageLabel)).toEqual([
        'stem',
        'inception 3',
        'inception 4',
        'inception 5',
        'stage A',
        'head',
      ]);
    },
  );
});
