import { describe, expect, it } from 'vitest';
import { analyze } from './analyze';
import { presetDesign } from '../presets';
import {
  setInput,
  setParam,
  setAux,
  setClasses,
  deleteModule,
  duplicateModule,
  insertAfter,
} from '../design/edit';
import type { Design } from '../model/types';
import spec from './__fixtures__/spec-googlenet.json';

const googlenet = () => presetDesign('googlenet')!;

describe('analyze: the spec figures for googlenet', () => {
  const a = analyze(googlenet());

  it('has no issues', () => {
    expect(a.issues).toEqual([]);
    expect(a.valid).toBe(true);
  });

  it('matches the totals', () => {
    expect(a.totals).toMatchObject(spec.googlenet.totals);
  });

  it.each(Object.entries(spec.googlenet.nodes))('matches %s', (id, want) => {
    const m = a.modules.find((x) => x.id === id);
    expect(m, id).toBeDefined();
    expect(m!.params).toBe(want.params);
    expect(m!.macs).toBe(want.macs);
    expect(m!.outputShape).toEqual(want.outputShape);
  });

  it('puts the aux heads off the eval path and names the outputs', () => {
    expect(a.modules.filter((m) => !m.evalPath).map((m) => m.id)).toEqual(['aux1', 'aux2']);
    expect(a.outputs).toEqual({ main: [3, 1000], aux1: [3, 1000], aux2: [3, 1000] });
    expect(a.evalOutputs).toEqual(['main']);
  });

  it('expands to PyTorch module paths', () => {
    const ids = a.layers.map((l) => l.id);
    expect(ids).toContain('conv1.conv');
    expect(ids).toContain('inception3a.branch2.1.batchnorm');
    expect(ids).toContain('inception3a.branch4.0');
    expect(ids).toContain('aux1.fc2');
    expect(ids).toContain('fc1');
  });

  it('separates BN buffers from parameters', () => {
    const bn = a.layers.filter((l) => l.kind === 'batchNorm2d');
    expect(bn).toHaveLength(58);
    expect(bn.reduce((s, l) => s + l.buffers, 0)).toBe(14_944);
  });
});

describe('analyze: torchvision variant', () => {
  it('matches the spec totals', () => {
    const a = analyze(presetDesign('googlenet-torchvision')!);
    expect(a.issues).toEqual([]);
    expect(a.totals).toMatchObject(spec['googlenet-torchvision'].totals);
    expect(a.modules.find((m) => m.id === 'maxpool4')!.outputShape).toEqual([3, 832, 7, 7]);
    expect(a.layers.map((l) => l.id)).toContain('inception5b.branch3.1.bn');
  });
});

describe('analyze: edits flow downstream', () => {
  it('recomputes inception4c and its consumer when out_3x3 changes', () => {
    const base = analyze(googlenet());
    const a = analyze(setParam(googlenet(), 'inception4c', 'out_3x3', 300));
    const c = (an: typeof a, id: string) => an.modules.find((m) => m.id === id)!;
    // 3×3 branch: conv 128·Δ·9 + Δ bias, BN 2Δ.
    const d = 44;
    expect(c(a, 'inception4c').params - c(base, 'inception4c').params).toBe(d * (128 * 9 + 1 + 2));
    expect(c(a, 'inception4c').outputShape).toEqual([3, 556, 14, 14]);
    // 4d's four input-reading 1×1 convs each see 44 more channels.
    expect(c(a, 'inception4d').params - c(base, 'inception4d').params).toBe(
      d * (112 + 144 + 32 + 64),
    );
    // Nothing else changes: 4d keeps its output width, and aux2 reads 4d.
    expect(a.totals.params - base.totals.params).toBe(
      d * (128 * 9 + 3) + d * (112 + 144 + 32 + 64),
    );
  });

  it('handles the naive form, whose pool branch passes channels through', () => {
    const a = analyze(setParam(googlenet(), 'inception3a', 'form', 'naive'));
    expect(a.valid).toBe(true);
    const m = a.modules.find((x) => x.id === 'inception3a')!;
    expect(m.outputShape).toEqual([3, 64 + 128 + 32 + 192, 28, 28]);
    // 1×1, 3×3 and 5×5 blocks straight on 192 channels.
    expect(m.params).toBe(192 * 64 + 64 * 3 + 192 * 128 * 9 + 128 * 3 + 192 * 32 * 25 + 32 * 3);
  });

  it('drops aux heads and follows the class count', () => {
    const a = analyze(setClasses(setAux(googlenet(), false), 10));
    expect(a.modules.some((m) => m.aux)).toBe(false);
    expect(a.totals.params).toBe(a.totals.paramsEval);
    expect(a.outputs).toEqual({ main: [3, 10] });
  });

  it('supports inserting, duplicating and deleting modules', () => {
    const dup = duplicateModule(googlenet(), 'inception4c');
    expect(dup.modules.map((m) => m.id)).toContain('inception4c_2');
    expect(analyze(dup).valid).toBe(true);
    const del = deleteModule(googlenet(), 'inception4a');
    expect(del.modules.some((m) => m.id === 'aux1')).toBe(false);
    const a = analyze(del);
    expect(a.valid).toBe(true);
    expect(a.modules.find((m) => m.id === 'inception4b')!.inputShapes).toEqual([[3, 480, 14, 14]]);
    const ins = insertAfter(googlenet(), 'maxpool2', {
      id: 'lrn',
      kind: 'localResponseNorm',
      params: {},
    });
    expect(analyze(ins).modules.find((m) => m.id === 'inception3a')!.inputs).toEqual(['lrn']);
  });
});

describe('analyze: problems are values, attached to the field at fault', () => {
  const issuesOf = (d: Design) => analyze(d).issues;

  it('explains a negative filter count on the field', () => {
    const issues = issuesOf(setParam(googlenet(), 'inception4c', 'out_3x3', -5));
    expect(issues).toEqual([
      {
        code: 'param.range',
        nodeId: 'inception4c',
        field: 'out_3x3',
        message: 'inception4c: 3×3 must be a whole number from 1 to 65,536; got -5.',
      },
    ]);
  });

  it.each([
    [1e9, 'got 1,000,000,000.'],
    [0, 'got 0.'],
    [2.5, 'got 2.5.'],
    ['12', 'got "12".'],
    ['', 'got an empty value.'],
    [Number.NaN, 'got NaN.'],
  ])('rejects %s', (value, tail) => {
    const issues = issuesOf(setParam(googlenet(), 'inception3a', 'red_3x3', value as number));
    expect(issues).toHaveLength(1);
    expect(issues[0].field).toBe('red_3x3');
    expect(issues[0].message.endsWith(tail)).toBe(true);
  });

  it('leaves the rest intact and marks downstream modules as blocked', () => {
    const a = analyze(setParam(googlenet(), 'inception4c', 'out_3x3', -5));
    expect(a.modules.find((m) => m.id === 'inception4b')!.outputShape).toEqual([3, 512, 14, 14]);
    const d = a.modules.find((m) => m.id === 'inception4d')!;
    expect(d.outputShape).toBeNull();
    expect(d.blockedBy).toBe('inception4c');
    expect(a.modules.find((m) => m.id === 'fc1')!.blockedBy).toBe('inception4c');
  });

  it('collects every problem in one pass', () => {
    let d = setParam(googlenet(), 'inception3a', 'out_1x1', -1);
    d = setParam(d, 'inception5b', 'out_5x5', 0);
    d = setParam(d, 'conv1', 'kernel', 0);
    expect(issuesOf(d).map((i) => `${i.nodeId}.${i.field}`)).toEqual([
      'conv1.kernel',
      'inception3a.out_1x1',
      'inception5b.out_5x5',
    ]);
  });

  it('ignores the reductions of a naive module', () => {
    let d = setParam(googlenet(), 'inception3a', 'form', 'naive');
    d = setParam(d, 'inception3a', 'red_3x3', -3);
    expect(issuesOf(d)).toEqual([]);
  });

  it('names fc1 and both aux heads at 299×299', () => {
    const issues = issuesOf(setInput(googlenet(), { height: 299, width: 299 }));
    expect(issues.map((i) => [i.code, i.nodeId])).toEqual([
      ['linear.inFeatures', 'aux1'],
      ['linear.inFeatures', 'aux2'],
      ['linear.inFeatures', 'fc1'],
    ]);
    expect(issues[2].message).toContain('expects 1,024 input features');
    expect(issues[2].message).toContain('receives 16,384');
    expect(issues[0].message).toContain('receives 3,200');
  });

  it('explains collapsed maps and windows larger than their input', () => {
    const tiny = issuesOf(setInput(googlenet(), { height: 8, width: 8 }));
    expect(tiny.some((i) => i.code === 'pool.windowTooLarge')).toBe(true);
    const small = analyze(setInput(googlenet(), { height: 64, width: 64 }));
    const avg = small.issues.find((i) => i.nodeId === 'avgpool')!;
    expect(avg.code).toBe('pool.windowTooLarge');
    expect(avg.message).toBe(
      'avgpool: the 7×7 average pool window is larger than its 2×2 input; the input size (64×64; the preset\'s is 224×224) changes the map that reaches it (2×2; it was built for 7×7). Use the input size it was built for (224×224), or change "Window".',
    );
    const conv = issuesOf(
      setParam(setInput(googlenet(), { height: 5, width: 5 }), 'conv1', 'padding', 0),
    );
    expect(conv[0]).toMatchObject({ code: 'shape.collapsed', nodeId: 'conv1', field: 'kernel' });
  });

  it('refuses designs that would not fit in memory', () => {
    let d = googlenet();
    for (const f of ['out_1x1', 'red_3x3', 'out_3x3', 'red_5x5', 'out_5x5', 'out_1x1pool'])
      d = setParam(d, 'inception5a', f, 65_536);
    const issues = issuesOf(d);
    const weights = issues.find((i) => i.code === 'memory.weights');
    expect(weights).toMatchObject({
      nodeId: 'design',
      message: expect.stringMatching(
        /^The design's weights would take .+; the heaviest module, inception5a, alone holds/,
      ),
    });
    const big = issuesOf(setInput(googlenet(), { batch: 4096, height: 2048, width: 2048 }));
    expect(big.some((i) => i.code === 'memory.activations')).toBe(true);
    expect(issuesOf(googlenet()).length).toBe(0);
  });

  it('checks settings, kinds, ids, inputs and cycles', () => {
    const d = googlenet();
    expect(issuesOf(setInput(d, { batch: 0 }))[0]).toMatchObject({
      code: 'setting.range',
      nodeId: 'design',
      field: 'input.batch',
    });
    const unknown = {
      ...d,
      modules: d.modules.map((m) => (m.id === 'conv2' ? { ...m, kind: 'transformer' } : m)),
    };
    expect(issuesOf(unknown)[0]).toMatchObject({ code: 'graph.unknownKind', nodeId: 'conv2' });
    const badId = {
      ...d,
      modules: d.modules.map((m) => (m.id === 'conv2' ? { ...m, id: 'class' } : m)),
    };
    expect(issuesOf(badId).map((i) => i.code)).toContain('graph.invalidId');
    const cycle = {
      ...d,
      modules: d.modules.map((m) => (m.id === 'conv1' ? { ...m, inputs: ['maxpool1'] } : m)),
    };
    expect(issuesOf(cycle).map((i) => i.code)).toContain('graph.cycle');
    const dangling = {
      ...d,
      modules: d.modules.map((m) => (m.id === 'conv2' ? { ...m, inputs: ['nowhere'] } : m)),
    };
    expect(issuesOf(dangling)[0]).toMatchObject({
      code: 'graph.unknownInput',
      nodeId: 'conv2',
      field: 'inputs',
    });
    const arity = {
      ...d,
      modules: d.modules.map((m) =>
        m.id === 'conv2' ? { ...m, inputs: ['maxpool1', 'conv1'] } : m,
      ),
    };
    expect(issuesOf(arity)[0]).toMatchObject({ code: 'graph.arity', nodeId: 'conv2' });
    const unknownParam = setParam(d, 'conv2', 'filters', 3);
    expect(issuesOf(unknownParam)[0]).toMatchObject({
      code: 'param.unknown',
      nodeId: 'conv2',
      field: 'filters',
    });
  });
});

describe('analyze: beyond GoogLeNet', () => {
  it('describes a residual Inception-ResNet-style block with generic modules', () => {
    const d: Design = {
      name: 'residual',
      preset: null,
      input: { batch: 2, channels: 3, height: 35, width: 35 },
      classes: 10,
      aux: false,
      modules: [
        {
          id: 'stem',
          kind: 'convBlock',
          inputs: ['input'],
          params: { out_channels: 32, kernel: 3, padding: 1 },
        },
        {
          id: 'b1',
          kind: 'convBlock',
          inputs: ['stem'],
          params: { out_channels: 32, kernel: 1, padding: 0 },
        },
        {
          id: 'b2a',
          kind: 'convBlock',
          inputs: ['stem'],
          params: { out_channels: 32, kernel: [1, 7], padding: [0, 3] },
        },
        {
          id: 'b2b',
          kind: 'convBlock',
          inputs: ['b2a'],
          params: { out_channels: 32, kernel: [7, 1], padding: [3, 0] },
        },
        { id: 'cat', kind: 'concat', inputs: ['b1', 'b2b'], params: {} },
        { id: 'up', kind: 'conv2d', inputs: ['cat'], params: { out_channels: 32, kernel: 1 } },
        { id: 'scaled', kind: 'scale', inputs: ['up'], params: { factor: 0.17 } },
        { id: 'sum', kind: 'add', inputs: ['stem', 'scaled'], params: {} },
        { id: 'pool', kind: 'adaptiveAvgPool', inputs: ['sum'], params: { output_size: 1 } },
        { id: 'fc', kind: 'linear', inputs: ['pool'], params: {} },
      ],
      outputs: { main: 'fc' },
    };
    const a = analyze(d);
    expect(a.issues).toEqual([]);
    expect(a.modules.find((m) => m.id === 'b2a')!.outputShape).toEqual([2, 32, 35, 35]);
    expect(a.modules.find((m) => m.id === 'cat')!.outputShape).toEqual([2, 64, 35, 35]);
    expect(a.modules.find((m) => m.id === 'up')!.params).toBe(64 * 32 + 32);
    expect(a.outputs.main).toEqual([2, 10]);
    // Asymmetric padding that breaks the residual sum is named on the sum.
    const broken = {
      ...d,
      modules: d.modules.map((m) =>
        m.id === 'b2b' ? { ...m, params: { ...m.params, padding: [2, 0] } } : m,
      ),
    };
    expect(analyze(broken).issues.map((i) => [i.code, i.nodeId])).toEqual([
      ['shape.mismatch', 'cat'],
    ]);
    // Local response norm and asymmetric [top, bottom, left, right] padding, as in the original paper's stem.
    const lrn: Design = {
      ...d,
      modules: [
        {
          id: 'pad',
          kind: 'maxPool',
          inputs: ['input'],
          params: { kernel: 3, stride: 2, padding: [0, 1, 0, 1], ceil_mode: true },
        },
        { id: 'norm', kind: 'localResponseNorm', inputs: ['pad'], params: { size: 5 } },
        { id: 'fc', kind: 'linear', inputs: ['norm'], params: { in_size: 18 } },
      ],
    };
    const l = analyze(lrn);
    expect(l.issues).toEqual([]);
    expect(l.modules[0].outputShape).toEqual([2, 3, 18, 18]);
  });
});
