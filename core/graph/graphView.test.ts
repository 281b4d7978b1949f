import { describe, expect, it } from 'vitest';
import { analyze } from '../analysis/analyze';
import { presetDesign } from '../presets';
import { deleteModule, setAux, setParam } from '../design/edit';
import { compareDesigns, diffDesign } from '../design/diff';
import {
  graphView,
  INPUT_NODE_ID,
  outputNodeId,
  subNodeId,
  type InceptionNodeView,
  type ModuleNodeView,
  type StepNodeView,
} from './graphView';

const googlenet = () => presetDesign('googlenet')!;
const INCEPTIONS = [
  'inception3a',
  'inception3b',
  'inception4a',
  'inception4b',
  'inception4c',
  'inception4d',
  'inception4e',
  'inception5a',
  'inception5b',
];

describe('graphView', () => {
  it('has the input, every module, the aux heads and the three outputs of GoogLeNet', () => {
    const d = googlenet();
    const v = graphView(d, analyze(d));
    const ids = v.nodes.map((n) => n.id);
    expect(ids[0]).toBe(INPUT_NODE_ID);
    for (const m of d.modules) expect(ids).toContain(m.id);
    expect(ids).toEqual(
      expect.arrayContaining([outputNodeId('main'), outputNodeId('aux1'), outputNodeId('aux2')]),
    );
    expect(v.nodes.filter((n) => n.kind === 'inception').map((n) => n.id)).toEqual(INCEPTIONS);
    const aux1 = v.nodes.find((n) => n.id === 'aux1') as ModuleNodeView;
    expect(aux1.kind).toBe('module');
    expect(aux1.aux).toBe(true);
    expect(aux1.evalPath).toBe(false);
  });

  it('shows each inception module with its six counts, output shape, parameters and MACs', () => {
    const d = googlenet();
    const n = graphView(d, analyze(d)).nodes.find(
      (x) => x.id === 'inception4c',
    ) as InceptionNodeView;
    expect(n.counts.map((c) => [c.field, c.value])).toEqual([
      ['out_1x1', 128],
      ['red_3x3', 128],
      ['out_3x3', 256],
      ['red_5x5', 24],
      ['out_5x5', 64],
      ['out_1x1pool', 64],
    ]);
    expect(n.shapeText).toBe('N=3 · 512×14×14');
    expect(n.params).toBe(511_432);
    expect(n.macs).toBe(99_850_240);
    expect(n.openable).toBe(true);
    expect(n.open).toBe(false);
  });

  it('labels every edge with the shape it carries', () => {
    const d = googlenet();
    const v = graphView(d, analyze(d));
    const label = (s: string, t: string) =>
      v.edges.find((e) => e.source === s && e.target === t)?.label;
    expect(label('input', 'conv1')).toBe('N=3 · 3×224×224');
    expect(label('maxpool2', 'inception3a')).toBe('N=3 · 192×28×28');
    expect(label('inception4a', 'aux1')).toBe('N=3 · 512×14×14');
    expect(label('fc1', outputNodeId('main'))).toBe('N=3 · 1000');
    expect(v.edges.find((e) => e.target === outputNodeId('aux2'))!.trainOnly).toBe(true);
    expect(v.edges.find((e) => e.target === outputNodeId('main'))!.trainOnly).toBe(false);
  });

  it('opens a module into its four branches and their steps, joined by the concatenation', () => {
    const d = googlenet();
    const v = graphView(d, analyze(d), { opened: ['inception4c'] });
    const children = v.nodes.filter((n) => n.parentId === 'inception4c');
    const steps = children.filter((n): n is StepNodeView => n.kind === 'step');
    expect(steps.map((s) => [s.branchId, s.title])).toEqual([
      ['branch1', '1×1'],
      ['branch2', '3×3 reduce'],
      ['branch2', '3×3'],
      ['branch3', '5×5 reduce'],
      ['branch3', '5×5'],
      ['branch4', 'pool'],
      ['branch4', 'pool proj'],
    ]);
    const threeByThree = steps.find((s) => s.id === subNodeId('inception4c', 'branch2.1'))!;
    expect(threeByThree.shapeText).toBe('N=3 · 256×14×14');
    expect(threeByThree.params).toBe(128 * 256 * 9 + 256 + 2 * 256);
    expect(children.filter((n) => n.kind === 'join').map((n) => n.id)).toEqual([
      subNodeId('inception4c', 'in'),
      subNodeId('inception4c', 'out'),
    ]);
    // Parents come before their children (React Flow needs that order).
    expect(v.nodes.findIndex((n) => n.id === 'inception4c')).toBeLessThan(
      v.nodes.findIndex((n) => n.parentId === 'inception4c'),
    );
    const internal = v.edges.filter((e) => e.parentId === 'inception4c');
    expect(internal).toHaveLength(7 + 4);
    expect(
      internal.find(
        (e) =>
          e.target === subNodeId('inception4c', 'out') &&
          e.source === subNodeId('inception4c', 'branch2.1'),
      )!.label,
    ).toBe('N=3 · 256×14×14');
  });

  it('drops the aux heads and their outputs when they are off', () => {
    const d = setAux(googlenet(), false);
    const v = graphView(d, analyze(d));
    expect(v.nodes.map((n) => n.id)).not.toContain('aux1');
    expect(v.nodes.map((n) => n.id)).not.toContain(outputNodeId('aux2'));
    expect(v.nodes.map((n) => n.id)).toContain(outputNodeId('main'));
  });

  it("puts core's message on an invalid node, marks the field, and blocks the nodes downstream", () => {
    const d = setParam(googlenet(), 'inception4c', 'out_3x3', -5);
    const v = graphView(d, analyze(d), { diff: diffDesign(d) });
    const n = v.nodes.find((x) => x.id === 'inception4c') as InceptionNodeView;
    expect(n.issues[0].message).toBe(
      'inception4c: 3×3 must be a whole number from 1 to 65,536; got −5.'.replace('−', '-'),
    );
    expect(n.counts.find((c) => c.field === 'out_3x3')).toMatchObject({
      invalid: true,
      changed: true,
      text: '-5',
    });
    expect(n.shape).toBeNull();
    expect(n.change).toBe('changed');
    const d4 = v.nodes.find((x) => x.id === 'inception4d') as InceptionNodeView;
    expect(d4.blockedBy).toBe('inception4c');
    expect(d4.issues).toEqual([]);
    expect((v.nodes.find((x) => x.id === 'inception4b') as InceptionNodeView).shapeText).toBe(
      'N=3 · 512×14×14',
    );
  });

  it('carries per-module deltas against the preset; affected modules are marked only in a comparison', () => {
    const d = setParam(googlenet(), 'inception4c', 'out_3x3', 300);
    const a = analyze(d);
    const v = graphView(d, a, { diff: diffDesign(d) });
    const c = v.nodes.find((x) => x.id === 'inception4c') as InceptionNodeView;
    expect(c.delta?.params).toBe(44 * (128 * 9 + 1 + 2));
    expect(c.delta?.shapeText).toBe('N=3 · 512×14×14 → N=3 · 556×14×14');
    expect(c.change).toBe('changed');
    expect(c.changeText).toBe('out_3x3 256 → 300');
    const dd = v.nodes.find((x) => x.id === 'inception4d') as InceptionNodeView;
    expect(dd.delta?.params).toBe(44 * (112 + 144 + 32 + 64));
    expect(dd.change).toBeNull();
    const compared = graphView(d, a, { diff: diffDesign(d), compare: true });
    expect((compared.nodes.find((x) => x.id === 'inception4d') as InceptionNodeView).change).toBe(
      'affected',
    );
  });

  it('draws removed modules of a comparison as ghosts fed by what fed them', () => {
    const b = deleteModule(googlenet(), 'inception4c');
    const v = graphView(b, analyze(b), { diff: compareDesigns(googlenet(), b), compare: true });
    const ghost = v.nodes.find((x) => x.id === 'inception4c') as ModuleNodeView;
    expect(ghost).toMatchObject({
      kind: 'module',
      change: 'removed',
      shapeText: 'N=3 · 512×14×14',
      params: 511_432,
    });
    expect(v.edges.filter((e) => e.target === 'inception4c')).toEqual([
      expect.objectContaining({ source: 'inception4b', removed: true }),
    ]);
    expect(
      graphView(b, analyze(b), { diff: compareDesigns(googlenet(), b) }).nodes.some(
        (x) => x.id === 'inception4c',
      ),
    ).toBe(false);
  });
});

describe('graphView folding of repeated blocks', () => {
  const irv2 = () => presetDesign('inception-resnet-v2')!;
  const moduleNodes = (v: ReturnType<typeof graphView>) =>
    v.nodes.filter(
      (n): n is ModuleNodeView | InceptionNodeView => n.kind === 'module' || n.kind === 'inception',
    );

  it("folds IRv2's 10/20/9 runs into three ×N nodes whose totals are the sum of their blocks", () => {
    const d = irv2();
    const a = analyze(d);
    const flat = graphView(d, a);
    const folded = graphView(d, a, { fold: true });
    expect(moduleNodes(flat)).toHaveLength(d.modules.length);
    expect(moduleNodes(folded)).toHaveLength(d.modules.length - 9 - 19 - 8);
    const b17 = moduleNodes(folded).find((n) => n.id === 'repeat_1.0')!;
    const one = a.modules.find((m) => m.id === 'repeat_1.0')!;
    expect(b17.repeat).toMatchObject({
      count: 20,
      folded: true,
      perBlock: { params: one.params, macs: one.macs },
      total: { params: 20 * one.params, macs: 20 * one.macs },
    });
    expect(b17.params).toBe(20 * one.params);
    expect(b17.shapeText).toBe(moduleNodes(flat).find((n) => n.id === 'repeat_1.19')!.shapeText);
    // The hidden blocks' reader (Mixed_7a) now reads the folded node; no edge points at a hidden node.
    const ids = new Set(folded.nodes.map((n) => n.id));
    for (const e of folded.edges) expect(ids.has(e.source) && ids.has(e.target)).toBe(true);
    expect(folded.edges.some((e) => e.source === 'repeat_1.0' && e.target === 'mixed_7a')).toBe(
      true,
    );
    // The whole network's figures are unchanged by folding.
    const sum = (v: ReturnType<typeof graphView>) =>
      moduleNodes(v).reduce((s, n) => s + n.params, 0);
    expect(sum(folded)).toBe(sum(flat));
    expect(sum(folded)).toBe(a.totals.params);
  });

  it('unfolds one run on demand and splits a run where one block is made different', () => {
    const d = irv2();
    const v = graphView(d, analyze(d), { fold: true, unfolded: ['repeat_1.0'] });
    expect(moduleNodes(v).filter((n) => n.id.startsWith('repeat_1.'))).toHaveLength(20);
    expect(moduleNodes(v).find((n) => n.id === 'repeat_1.0')!.repeat?.folded).toBe(false);
    const split = setParam(d, 'repeat_1.7', 'out_1x1', 100);
    const w = graphView(split, analyze(split), { fold: true });
    const counts = moduleNodes(w)
      .filter((n) => n.id.startsWith('repeat_1.'))
      .map((n) => [n.id, n.repeat?.count ?? 1]);
    expect(counts).toEqual([
      ['repeat_1.0', 7],
      ['repeat_1.7', 1],
      ['repeat_1.8', 12],
    ]);
  });

  it("folds nothing in GoogLeNet, and leaves runs of two (v3's Mixed_6c/6d, Mixed_7b/7c) drawn", () => {
    const d = googlenet();
    expect(graphView(d, analyze(d), { fold: true }).nodes).toHaveLength(
      graphView(d, analyze(d)).nodes.length,
    );
    const v3 = presetDesign('inception-v3')!;
    const ids = graphView(v3, analyze(v3), { fold: true }).nodes.map((n) => n.id);
    expect(ids).toEqual(expect.arrayContaining(['Mixed_6d', 'Mixed_7c']));
  });
});
