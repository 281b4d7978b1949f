/** Names checked after they are derived (issue 20, rule 1): the analysis, the derivation and the export agree. */
import { describe, expect, it } from 'vitest';
import { analyze } from '../analysis/analyze';
import { pytorchCode } from '../export/pytorch';
import { presetDesign, presetNames } from '../presets';
import { derivedNameIssues, derivedNames, forwardVariables } from './derivedNames';
import type { Design, ModuleSpec } from './types';

const conv = (id: string, input: string, out = 4): ModuleSpec => ({
  id,
  kind: 'conv2d',
  inputs: [input],
  params: { out_channels: out, kernel: 1 },
});

/** A small chain of modules, the last one the main output. */
const chain = (modules: readonly ModuleSpec[]): Design => ({
  name: 'names',
  preset: null,
  input: { batch: 1, channels: 3, height: 8, width: 8 },
  classes: 10,
  aux: false,
  modules,
  outputs: { main: modules[modules.length - 1].id },
});

const codes = (d: Design) => analyze(d).issues.map((i) => [i.code, i.nodeId]);

describe('derivedNames', () => {
  it('lists every kind of name each module takes', () => {
    const names = derivedNames([
      { id: 'blk.0', layers: ['blk.0.conv'] },
      { id: 'blk_0', layers: ['blk_0'] },
      { id: 'a', layers: ['a_1x1', 'a_output'] },
    ]);
    expect(names.get('variable')!.get('blk_0')).toEqual(['blk.0', 'blk_0']);
    expect(names.get('attribute')!.get('blk')).toEqual(['blk.0']);
    expect(names.get('attribute')!.get('a_1x1')).toEqual(['a']);
    expect(names.get('layer')!.get('a')).toEqual(['a']);
  });

  it('reports a flat layer name another module takes, naming both', () => {
    const issues = derivedNameIssues([
      { id: 'a', layers: ['a_1x1', 'a_output'] },
      { id: 'a_1x1', layers: ['a_1x1'] },
    ]);
    expect(issues).toEqual([
      {
        code: 'id.collision',
        nodeId: 'a_1x1',
        field: 'id',
        message: expect.stringMatching(/^a and a_1x1 both become the layer a_1x1 /),
      },
    ]);
  });

  it('reports a container that takes a flat layer attribute, and not the container itself', () => {
    const issues = derivedNameIssues([
      { id: 'a', layers: ['a_pool', 'a_output'] },
      { id: 'a_pool.0', layers: ['a_pool.0'] },
      { id: 'a_pool.1', layers: ['a_pool.1'] },
    ]);
    expect(issues.map((i) => [i.code, i.nodeId])).toEqual([
      ['id.collision', 'a_pool.0'],
      ['id.collision', 'a_pool.1'],
    ]);
    expect(issues[0].message).toContain('self.a_pool');
  });

  it('refuses a flat module in a container (its layer names are not Python names)', () => {
    const [issue] = derivedNameIssues([{ id: 'blk.0', layers: ['blk.0_1x1'] }]);
    expect(issue).toMatchObject({ code: 'graph.invalidId', nodeId: 'blk.0', field: 'id' });
  });

  it('finds nothing wrong with any preset', () => {
    for (const name of presetNames) expect(analyze(presetDesign(name)!).issues, name).toEqual([]);
  });

  it("reports a module named like a layer of the paper GoogLeNet's flat inception_3a", () => {
    const d = presetDesign('googlenet-paper')!;
    const at = d.modules.findIndex((m) => m.id === 'inception_3a');
    const extra: ModuleSpec = {
      id: 'inception_3a_1x1',
      kind: 'maxPool',
      inputs: ['inception_3a'],
      params: {},
    };
    const modules = [...d.modules.slice(0, at + 1), extra, ...d.modules.slice(at + 1)];
    expect(analyze({ ...d, modules }).issues).toEqual([
      {
        code: 'id.collision',
        nodeId: 'inception_3a_1x1',
        field: 'id',
        message:
          "inception_3a and inception_3a_1x1 both become the layer inception_3a_1x1 (the engine's tensor, the state_dict keys and the ONNX value of that name); rename one.",
      },
    ]);
  });
});

describe('forwardVariables', () => {
  it('gives ids that derive the same variable different ones, plain ids keeping their own', () => {
    const v = forwardVariables(['blk.0', 'blk_0', 'blk.0_2', 'x'], new Set(['x']));
    expect([...v]).toEqual([
      ['blk_0', 'blk_0'],
      ['x', 'x_out'],
      ['blk.0', 'blk_0_2'],
      ['blk.0_2', 'blk_0_2_2'],
    ]);
    expect(new Set(v.values()).size).toBe(4);
  });
});

describe('the analysis and the export', () => {
  it('exports blk.0 and blk_0 with one forward() variable each', () => {
    // Both outputs are read after the next eval module, so each keeps a variable of its own.
    const d = chain([
      conv('blk.0', 'input'),
      conv('blk_0', 'blk.0'),
      conv('c', 'blk_0'),
      { id: 'head', kind: 'add', inputs: ['blk.0', 'blk_0', 'c'], params: {} },
    ]);
    expect(analyze(d).issues).toEqual([]);
    const out = pytorchCode(d);
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.value.code).toContain('blk_0 = self.blk_0(blk_0_2)');
    expect(out.value.code).toContain('blk_0_2 + blk_0 + x');
  });

  it.each(['keys', 'forward', 'training', 'cuda', 'items', 'values', 'pop', 'update', '_x'])(
    'refuses the container key blk.%s on the id field',
    (key) => {
      const d = chain([conv(`blk.${key}`, 'input'), conv('head', `blk.${key}`)]);
      expect(codes(d)).toContainEqual(['graph.invalidId', `blk.${key}`]);
      expect(analyze(d).issues.find((i) => i.nodeId === `blk.${key}`)?.field).toBe('id');
    },
  );

  it('still takes container keys that are digits or ordinary words', () => {
    const d = chain([conv('blk.0', 'input'), conv('blk.item', 'blk.0'), conv('head', 'blk.item')]);
    expect(analyze(d).issues).toEqual([]);
  });
});
