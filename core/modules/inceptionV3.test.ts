/** Inception v3's blocks and preset: torchvision 0.14's figures, and the steps an opened module shows. */
import { describe, expect, it } from 'vitest';
import { analyze } from '../analysis/analyze';
import { presetDesign } from '../presets';
import { graphView, subNodeId, type StepNodeView } from '../graph/graphView';
import { setAux, setParam } from '../design/edit';
import { stateDictSpec } from '../weights/stateDict';

const v3 = () => presetDesign('inception-v3')!;

describe('inception-v3 preset', () => {
  it("has torchvision's parameter counts: 27,161,264 with AuxLogits, 23,834,568 without", () => {
    const a = analyze(v3());
    expect(a.valid).toBe(true);
    expect(a.totals.params).toBe(27_161_264);
    expect(a.totals.paramsEval).toBe(23_834_568);
    expect(analyze(setAux(v3(), false)).totals.params).toBe(23_834_568);
  });

  it("gives torchvision's map sizes: 299 → 149 → 147 → 73 → 71 → 35 → 17 → 8", () => {
    const a = analyze(v3());
    const shape = (id: string) => a.modules.find((m) => m.id === id)!.outputShape;
    expect(shape('Conv2d_1a_3x3')).toEqual([2, 32, 149, 149]);
    expect(shape('maxpool1')).toEqual([2, 64, 73, 73]);
    expect(shape('maxpool2')).toEqual([2, 192, 35, 35]);
    expect(shape('Mixed_5b')).toEqual([2, 256, 35, 35]);
    expect(shape('Mixed_6a')).toEqual([2, 768, 17, 17]);
    expect(shape('Mixed_7a')).toEqual([2, 1280, 8, 8]);
    expect(shape('Mixed_7c')).toEqual([2, 2048, 8, 8]);
    expect(shape('AuxLogits')).toEqual([2, 1000]);
  });

  it("names its tensors as torchvision's state_dict does", () => {
    const keys = stateDictSpec(analyze(v3()).graph).map((t) => t.key);
    expect(keys).toHaveLength(580);
    for (const k of [
      'Conv2d_1a_3x3.conv.weight',
      'Mixed_7c.branch3x3dbl_3b.bn.running_var',
      'AuxLogits.fc.weight',
      'AuxLogits.conv1.bn.num_batches_tracked',
      'fc.bias',
      'Mixed_6e.branch7x7dbl_5.conv.weight',
    ]) {
      expect(keys).toContain(k);
    }
    expect(keys.some((k) => k.includes('.pool') || k.includes('.cat'))).toBe(false);
  });

  it('opens InceptionE into its split: one 1×1 feeds a 1×3 and a 3×1 side by side, joined before the final concat', () => {
    const d = v3();
    const v = graphView(d, analyze(d), { opened: ['Mixed_7b'] });
    const steps = v.nodes.filter(
      (n): n is StepNodeView => n.parentId === 'Mixed_7b' && n.kind === 'step',
    );
    const byId = (local: string) => steps.find((s) => s.id === subNodeId('Mixed_7b', local))!;
    expect(byId('branch3x3_2a').title).toBe('1×3');
    expect(byId('branch3x3_2b').title).toBe('3×1');
    expect(byId('branch3x3_2a').shapeText).toBe('N=2 · 384×8×8');
    const into = (local: string) =>
      v.edges.filter((e) => e.target === subNodeId('Mixed_7b', local)).map((e) => e.source);
    expect(into('branch3x3_2a')).toEqual([subNodeId('Mixed_7b', 'branch3x3_1')]);
    expect(into('branch3x3_2b')).toEqual([subNodeId('Mixed_7b', 'branch3x3_1')]);
    expect(into('branch3x3')).toEqual([
      subNodeId('Mixed_7b', 'branch3x3_2a'),
      subNodeId('Mixed_7b', 'branch3x3_2b'),
    ]);
    expect(byId('branch3x3').shapeText).toBe('N=2 · 768×8×8');
    // The pool-only step and the final join.
    expect(byId('pool').title).toBe('avg pool');
    expect(byId('branch3x3').title).toBe('1×3 ‖ 3×1');
    expect(into('out')).toHaveLength(4);
  });

  it('updates totals after a count edit, and refuses an input too small for the aux head', () => {
    const edited = setParam(v3(), 'Mixed_6b', 'channels_7x7', 64);
    expect(analyze(edited).totals.params).toBeLessThan(27_161_264);
    const small = analyze({ ...v3(), input: { batch: 2, channels: 3, height: 224, width: 224 } });
    expect(small.issues.some((i) => i.nodeId === 'AuxLogits')).toBe(true);
    expect(
      analyze(setAux({ ...v3(), input: { batch: 2, channels: 3, height: 224, width: 224 } }, false))
        .valid,
    ).toBe(true);
  });

  it("has torchvision's transform_input as its first module, off by default and stateless either way", () => {
    const d = v3();
    expect(d.modules[0]).toMatchObject({
      id: 'transform_input',
      kind: 'transformInput',
      params: { enabled: false },
    });
    const on = analyze(setParam(d, 'transform_input', 'enabled', true));
    expect(on.valid).toBe(true);
    expect(on.totals.params).toBe(27_161_264);
    const layer = on.graph.find((l) => l.id === 'transform_input')!;
    expect(layer.kind).toBe('channelAffine');
    const { scale, shift } = layer.attrs as { scale: number[]; shift: number[] };
    expect(scale).toEqual([0.229 / 0.5, 0.224 / 0.5, 0.225 / 0.5]);
    expect(shift).toEqual([(0.485 - 0.5) / 0.5, (0.456 - 0.5) / 0.5, (0.406 - 0.5) / 0.5]);
    // A one-channel input has no RGB to rescale: the module says so.
    const grey = analyze({
      ...setParam(d, 'transform_input', 'enabled', true),
      input: { batch: 1, channels: 1, height: 299, width: 299 },
    });
    expect(grey.issues).toContainEqual(
      expect.objectContaining({ code: 'shape.mismatch', nodeId: 'transform_input' }),
    );
  });
});
