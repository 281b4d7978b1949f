import { describe, expect, it } from 'vitest';
import { analyze } from '../analysis/analyze';
import { presetDesign } from '../presets';
import { graphView } from './graphView';
import { layoutGraph, layoutKey } from './layout';
import { setParam } from '../design/edit';

const googlenet = () => presetDesign('googlenet')!;
const view = (opened: string[] = []) => {
  const d = googlenet();
  return graphView(d, analyze(d), { opened });
};

function overlaps(a: { absX: number; absY: number; width: number; height: number }, b: typeof a): boolean {
  return a.absX < b.absX + b.width && b.absX < a.absX + a.width && a.absY < b.absY + b.height && b.absY < a.absY + a.height;
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
    for (let i = 0; i < top.length; i++) for (let j = i + 1; j < top.length; j++) expect(overlaps(top[i], top[j]), `${top[i].id} / ${top[j].id}`).toBe(false);
    // The main path reads on one line per row; the aux head sits below its source.
    const mid = (id: string) => l.nodes[id].absY + l.nodes[id].height / 2;
    expect(mid('inception4b')).toBe(mid('inception4a'));
    expect(l.nodes.aux1.absY).toBeGreaterThan(l.nodes.inception4a.absY + l.nodes.inception4a.height);
    expect(l.width).toBeLessThan(2600);
  });

  it('keeps an opened module\'s branches inside its box', async () => {
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
      for (const canvas of [{ width: 857, height: 610 }, { width: 1017, height: 792 }, { width: 1600, height: 480 }, { width: 600, height: 900 }]) {
        const fit = (l: { width: number; height: number }) => Math.min(canvas.width / l.width, canvas.height / l.height);
        const chosen = await layoutGraph(v, { viewport: canvas });
        const best = Math.max(...fixed.map(fit));
        expect(fit(chosen), `${JSON.stringify(canvas)} ${opened}`).toBeGreaterThanOrEqual(best * 0.97);
        expect(chosen.key).not.toBe(layoutKey(v));
      }
    }
  });
});
