/**
 * A template written from scratch, as README's "Adding a template" describes: a toy residual block
 * with a split branch (one 1×1 feeding a 1×3 and a 3×1 side by side) and a tail after the join
 * (1×1 projection back to the input's channels → scale → add the module's input → ReLU). The graph
 * view, the summary and the PyTorch export all come from its steps. test/export/toyTemplate.test.ts
 * runs the exported class under python3-torch.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../analysis/analyze';
import { summaryRows, summaryText } from '../analysis/summaryTable';
import { graphView, subNodeId, type StepNodeView } from '../graph/graphView';
import { pytorchCode } from '../export/pytorch';
import { stateDictSpec } from '../weights/stateDict';
import { toyDesign, toyResidual } from './__fixtures__/toyResidual';
import { moduleDef, registerModule } from './registry';

registerModule(toyResidual);
const design = toyDesign;

// conv (no bias) + BN weight/bias per conv block; the projection has a bias and no BN.
const block = (cin: number, o1: number, red: number, os: number) =>
  cin * o1 + 2 * o1 + cin * red + 2 * red + 2 * (red * os * 3 + 2 * os) + (o1 + 2 * os) * cin + cin;

describe('a toy block template with a split branch and a residual tail', () => {
  it('is found by its kind once registered, and refuses a second registration', () => {
    expect(moduleDef('toyResidual')).toBeDefined();
    expect(() => registerModule(toyResidual)).toThrow(/already registered/);
  });

  it('analyzes: shapes, parameters and a residual that keeps the channels', () => {
    const a = analyze(design);
    expect(a.issues).toEqual([]);
    const m = (id: string) => a.modules.find((x) => x.id === id)!;
    expect(m('block1').outputShape).toEqual([2, 8, 12, 10]);
    expect(m('block1').params).toBe(block(8, 4, 6, 5));
    expect(m('block2').params).toBe(block(8, 4, 6, 3));
    // No batch norm: each conv has a bias instead of BN's weight and bias.
    const plain = (cin: number, o1: number, red: number, os: number) =>
      cin * o1 + o1 + cin * red + red + 2 * (red * os * 3 + os) + (o1 + 2 * os) * cin + cin;
    expect(m('block3').params).toBe(plain(8, 4, 6, 5));
    const keys3 = stateDictSpec(a.graph)
      .map((t) => t.key)
      .filter((k) => k.startsWith('block3.'));
    expect(keys3).toContain('block3.branch0.conv.bias');
    expect(keys3.some((k) => k.includes('.bn.'))).toBe(false);
    const keys = stateDictSpec(a.graph).map((t) => t.key);
    expect(keys).toContain('block1.branch1.0.conv.weight');
    expect(keys).toContain('block1.branch1_a.bn.running_mean');
    expect(keys).toContain('block1.conv2d.bias');
    expect(keys).not.toContain('block1.conv2d.conv.weight');
  });

  it('opens into its steps: the split side by side, the tail after the join, the identity shortcut as an edge', () => {
    const a = analyze(design);
    const v = graphView(design, a, { opened: ['block1'] });
    const id = (local: string) => subNodeId('block1', local);
    const into = (local: string) =>
      v.edges.filter((e) => e.target === id(local)).map((e) => e.source);
    const steps = v.nodes.filter(
      (n): n is StepNodeView => n.parentId === 'block1' && n.kind === 'step',
    );
    expect(steps.map((s) => s.title)).toEqual([
      '1×1',
      '1×1',
      '1×3',
      '3×1',
      'Concat',
      'Concat',
      'projection',
      '× 0.17',
      'Add',
    ]);
    expect(into('branch1_a')).toEqual([id('branch1.0')]);
    expect(into('branch1_b')).toEqual([id('branch1.0')]);
    // The add reads the scaled projection and the module's input: the shortcut.
    expect(into('add')).toEqual([id('scale'), id('in')]);
    expect(into('out')).toEqual([id('add')]);
    expect(v.nodes.find((n) => n.id === id('out'))).toMatchObject({
      kind: 'join',
      title: 'ReLU',
      shapeText: 'N=2 · 8×12×10',
    });
    expect(v.nodes.find((n) => n.id === 'block1')).toMatchObject({
      kind: 'inception',
      openable: true,
      open: true,
    });
    expect(steps.find((s) => s.id === id('conv2d'))!.params).toBe((4 + 2 * 5) * 8 + 8);
  });

  it('has a summary row with its label and figures', () => {
    const a = analyze(design);
    const row = summaryRows(a).find((r) => r.id === 'block1')!;
    expect(row).toMatchObject({
      type: 'Toy residual block',
      outputShape: '2×8×12×10',
      params: block(8, 4, 6, 5),
    });
    expect(summaryText(a, true)).toContain('branch1_a.conv');
  });

  it('exports one readable class with named submodules, an nn.Sequential for branch1 and a forward that follows the steps', () => {
    const r = pytorchCode(design);
    if (!r.ok) throw new Error(r.issues.map((i) => i.message).join(' '));
    const text = r.value.code;
    expect(text).toContain('class ToyResidual(nn.Module):');
    expect(text).toContain('def __init__(self, in_channels, out_1x1, red_split, out_split):');
    expect(text).toContain('self.branch1 = nn.Sequential(');
    expect(text).toContain(
      'self.conv2d = nn.Conv2d(out_1x1 + out_split * 2, in_channels, kernel_size=1)',
    );
    expect(text).toContain('torch.cat([branch1_a, branch1_b], 1)');
    expect(text).toContain('self.relu = nn.ReLU()');
    expect(text).toContain('add = conv2d * 0.17 + x\n        return self.relu(add)');
    // The instances differ in their scale and norm, parameters that shape the class: three classes.
    expect([...text.matchAll(/^class (ToyResidual\w*)\(nn\.Module\):/gm)]).toHaveLength(3);
    // Without norm a conv step is conv → ReLU, with its bias.
    expect(text).toContain('class ConvReLU(nn.Module):');
    expect(text).toMatch(
      /self\.branch0 = ConvReLU\(in_channels, out_1x1, kernel_size=1(, bias=True)?\)/,
    );
    expect(text).toContain('self.block1 = ToyResidual(8, 4, 6, 5)');
  });
});
