import { describe, expect, it } from 'vitest';
import { analyze } from '../analysis/analyze';
import { presetDesign } from '../presets';
import { initStateDict } from './stateDict';
import {
  applyAblations,
  checkAblations,
  moduleBranches,
  topFilterIndices,
  type Ablation,
} from './ablation';

const model = (preset: string) => analyze(presetDesign(preset)!);
const zero = (v: Float32Array | undefined) => Boolean(v) && v!.every((x) => x === 0);

describe('moduleBranches', () => {
  it('names GoogLeNet inception branches by their group, titled by their steps', () => {
    expect(
      moduleBranches(model('googlenet'), 'inception4c').map((b) => [b.branch, b.title]),
    ).toEqual([
      ['branch1', '1×1'],
      ['branch2', '3×3 reduce → 3×3'],
      ['branch3', '5×5 reduce → 5×5'],
      ['branch4', 'pool → pool proj'],
    ]);
  });

  it('leaves out what follows the concatenation in Inception-ResNet blocks', () => {
    expect(moduleBranches(model('inception-resnet-v2'), 'repeat.0').map((b) => b.branch)).toEqual([
      'branch0',
      'branch1',
      'branch2',
    ]);
  });

  it('has none for single-path modules', () => {
    expect(moduleBranches(model('googlenet'), 'conv1')).toEqual([]);
  });
});

describe('applyAblations: branchOff', () => {
  it('zeroes the last batch norm of GoogLeNet inception4c branch3 and nothing else', () => {
    const m = model('googlenet');
    const w = initStateDict(m.graph, 1);
    const r = applyAblations(w, m, [
      { kind: 'branchOff', module: 'inception4c', branch: 'branch3' },
    ]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(zero(r.value.get('inception4c.branch3.1.batchnorm.weight'))).toBe(true);
    expect(zero(r.value.get('inception4c.branch3.1.batchnorm.bias'))).toBe(true);
    const changed = [...r.value].filter(([k, v]) => v !== w.get(k)).map(([k]) => k);
    expect(changed.sort()).toEqual([
      'inception4c.branch3.1.batchnorm.bias',
      'inception4c.branch3.1.batchnorm.weight',
    ]);
    // The input map is not touched.
    expect(zero(w.get('inception4c.branch3.1.batchnorm.weight'))).toBe(false);
  });

  it('zeroes the conv weight and bias where the Caffe port has no batch norm', () => {
    const m = model('googlenet-paper');
    const r = applyAblations(initStateDict(m.graph, 1), m, [
      { kind: 'branchOff', module: 'inception_4c', branch: '5x5' },
    ]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(zero(r.value.get('inception_4c_5x5.weight'))).toBe(true);
    expect(zero(r.value.get('inception_4c_5x5.bias'))).toBe(true);
    expect(zero(r.value.get('inception_4c_5x5_reduce.weight'))).toBe(false);
  });

  it('zeroes both ends of a split branch (Inception v3 Mixed_7b 1×3 ‖ 3×1), named by any of its steps', () => {
    const m = model('inception-v3');
    const r = applyAblations(initStateDict(m.graph, 1), m, [
      { kind: 'branchOff', module: 'Mixed_7b', branch: 'branch3x3_1' },
    ]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(zero(r.value.get('Mixed_7b.branch3x3_2a.bn.weight'))).toBe(true);
    expect(zero(r.value.get('Mixed_7b.branch3x3_2b.bn.bias'))).toBe(true);
    expect(zero(r.value.get('Mixed_7b.branch3x3_1.bn.weight'))).toBe(false);
  });

  it('refuses unknown modules and branches and weightless branches, every problem in one pass', () => {
    const m = model('inception-v3');
    const issues = checkAblations(m, [
      { kind: 'branchOff', module: 'Mixed_9z', branch: 'x' },
      { kind: 'branchOff', module: 'Mixed_5b', branch: 'branch7x7' },
      { kind: 'branchOff', module: 'Mixed_6a', branch: 'pool' },
    ]);
    expect(issues.map((i) => [i.code, i.index, i.field])).toEqual([
      ['ablation.unknownModule', 0, 'module'],
      ['ablation.unknownBranch', 1, 'branch'],
      ['ablation.noWeights', 2, 'branch'],
    ]);
    expect(issues[1].message).toContain('its branches are branch1x1 (1×1), branch5x5_2');
    const r = applyAblations(initStateDict(m.graph, 1), m, [
      { kind: 'branchOff', module: 'Mixed_9z', branch: 'x' },
    ]);
    expect(r.ok ? null : r.error.code).toBe('ablation.invalid');
  });
});

describe('applyAblations: topFilters', () => {
  it('ranks filters by L1 norm, ties to the lower index', () => {
    // 4 filters of 2 values: norms 3, 1, 3, 5.
    const w = Float32Array.of(1, -2, 0, 1, 3, 0, -5, 0);
    expect(topFilterIndices(w, 4, 2)).toEqual([0, 3]);
    expect(topFilterIndices(w, 4, 3)).toEqual([0, 2, 3]);
  });

  it('zeroes the other filters and their batch-norm channels (BN-Inception)', () => {
    const m = model('bn-inception');
    const w = initStateDict(m.graph, 3);
    const layer = 'inception_3a_1x1';
    const r = applyAblations(w, m, [{ kind: 'topFilters', layer, keep: 16 }]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const weight = r.value.get(`${layer}.weight`)!;
    const out = weight.length / (w.get(`${layer}.weight`)!.length / 64);
    expect(out).toBe(64);
    const per = weight.length / 64;
    const kept = topFilterIndices(w.get(`${layer}.weight`)!, 64, 16);
    const bnWeight = r.value.get(`${layer}_bn.weight`)!;
    for (let o = 0; o < 64; o++) {
      const filterZero = weight.subarray(o * per, (o + 1) * per).every((x) => x === 0);
      expect(filterZero).toBe(!kept.includes(o));
      expect(bnWeight[o] === 0).toBe(!kept.includes(o));
    }
  });

  it('checks k against the filters', () => {
    const m = model('googlenet');
    const bad: Ablation[] = [
      { kind: 'topFilters', layer: 'inception4c.branch3.1.conv', keep: 0 },
      { kind: 'topFilters', layer: 'inception4c.branch3.1.conv', keep: 65 },
      { kind: 'topFilters', layer: 'inception4c.branch3.1.bn', keep: 3 },
    ];
    const issues = checkAblations(m, bad);
    expect(issues.map((i) => i.code)).toEqual([
      'ablation.keep',
      'ablation.keep',
      'ablation.unknownLayer',
    ]);
    expect(issues[1].message).toBe(
      'inception4c.branch3.1.conv: the filters to keep must be a whole number from 1 to 64 (its filters); got 65.',
    );
  });
});
