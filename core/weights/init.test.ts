/**
 * Seeded initialization agrees with its numpy port (tools/torch/weights.py) value for value:
 * the fixture was written by tools/torch/make_init_golden.py.
 */
import { describe, expect, it } from 'vitest';
import golden from './__fixtures__/init-golden.json';
import {
  fanIn,
  fillNormal,
  fillUniform,
  fnv1a,
  hash32,
  initTensor,
  randomInput,
  streamBase,
} from './init';
import { initStateDict, stateDictSpec } from './stateDict';
import { analyze } from '../analysis/analyze';
import { presetDesign } from '../presets';
import type { InitScheme } from './init';

interface TensorGolden {
  readonly sum: number;
  readonly bits: number;
  readonly first?: readonly number[];
}

/** Float64 sum of the values and the sum of their float32 bit patterns modulo 2^32, as the fixture holds them. */
function summarize(values: Float32Array): { sum: number; bits: number } {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  let sum = 0;
  let b = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    b = (b + bits[i]) >>> 0;
  }
  return { sum, bits: b };
}

function expectClose(actual: number, expected: number, what: string): void {
  const tolerance = 1e-9 * Math.max(1, Math.abs(expected));
  expect(Math.abs(actual - expected), `${what}: sum ${actual} vs ${expected}`).toBeLessThanOrEqual(
    tolerance,
  );
}

const graph = analyze(presetDesign('googlenet')!).graph;

describe('hash primitives', () => {
  it('match the numpy port', () => {
    for (const [x, h] of golden.hash32) expect(hash32(x), `hash32(${x})`).toBe(h);
    for (const [s, h] of golden.fnv1a)
      expect(fnv1a(s as string), `fnv1a(${JSON.stringify(s)})`).toBe(h);
    for (const [seed, key, h] of golden.streamBase)
      expect(streamBase(seed as number, key as string)).toBe(h);
  });

  it('differ between seeds and keys', () => {
    expect(streamBase(0, 'fc1.weight')).not.toBe(streamBase(1, 'fc1.weight'));
    expect(streamBase(0, 'fc1.weight')).not.toBe(streamBase(0, 'fc1.bias'));
  });
});

describe('state_dict of the googlenet preset', () => {
  it('has the keys the fixture was made for, in order', () => {
    expect(stateDictSpec(graph).map((e) => e.key)).toEqual(golden.keys);
  });

  for (const c of golden.stateDicts) {
    it(`seed ${c.seed}, scheme ${c.scheme}: every tensor equals the numpy port`, () => {
      const sd = initStateDict(graph, c.seed, c.scheme as InitScheme);
      const tensors = c.tensors as Record<string, TensorGolden>;
      expect([...sd.keys()]).toEqual(Object.keys(tensors));
      for (const [key, want] of Object.entries(tensors)) {
        const values = sd.get(key)!;
        if (want.first) expect([...values.slice(0, want.first.length)], key).toEqual(want.first);
        if (key.endsWith('.num_batches_tracked')) {
          expect([...values], key).toEqual([0]);
          continue;
        }
        const got = summarize(values);
        expect(got.bits, `${key}: float32 bit-pattern checksum`).toBe(want.bits);
        expectClose(got.sum, want.sum, key);
      }
    });
  }
});

describe('randomInput', () => {
  it('equals the numpy port for [3, 3, 224, 224], seed 42', () => {
    const g = golden.randomInput;
    const x = randomInput(g.shape, g.seed);
    expect(x.length).toBe(3 * 3 * 224 * 224);
    expect([...x.slice(0, g.first.length)]).toEqual(g.first);
    const got = summarize(x);
    expect(got.bits).toBe(g.bits);
    expectClose(got.sum, g.sum, 'randomInput');
  });

  it('depends on the seed', () => {
    expect(randomInput([8], 1)).not.toEqual(randomInput([8], 2));
  });
});

describe('initialization rules', () => {
  const spec = (key: string, shape: number[], role: 'param' | 'buffer' | 'counter' = 'param') => ({
    key,
    shape,
    role,
  });

  it('draws conv and linear tensors from U(±1/√fan_in)', () => {
    expect(fanIn([64, 3, 7, 7])).toBe(147);
    expect(fanIn([1000, 1024])).toBe(1024);
    const w = initTensor(spec('c.weight', [64, 3, 7, 7]), [64, 3, 7, 7], 3, 'pytorch');
    const bound = 1 / Math.sqrt(147);
    expect(Math.max(...w)).toBeLessThan(bound);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(Math.fround(-bound));
    const b = initTensor(spec('c.bias', [64]), [64, 3, 7, 7], 3, 'pytorch');
    expect(Math.max(...b.map(Math.abs))).toBeLessThan(bound);
  });

  it('sets batch norm to PyTorch defaults, or draws it in the randomized scheme', () => {
    const bn = (leaf: string, scheme: InitScheme) =>
      initTensor(
        spec(`bn.${leaf}`, [16], leaf.startsWith('running') ? 'buffer' : 'param'),
        [16],
        1,
        scheme,
      );
    expect([...bn('weight', 'pytorch')]).toEqual(new Array(16).fill(1));
    expect([...bn('running_var', 'pytorch')]).toEqual(new Array(16).fill(1));
    expect([...bn('bias', 'pytorch')]).toEqual(new Array(16).fill(0));
    expect([...bn('running_mean', 'pytorch')]).toEqual(new Array(16).fill(0));
    for (const v of bn('weight', 'randomized')) expect(v >= 0.5 && v < 1.5).toBe(true);
    for (const v of bn('running_mean', 'randomized')) expect(Math.abs(v)).toBeLessThanOrEqual(0.1);
    expect([
      ...initTensor(spec('bn.num_batches_tracked', [], 'counter'), [16], 1, 'randomized'),
    ]).toEqual([0]);
  });

  it('fills uniform and normal streams deterministically', () => {
    const u = fillUniform(new Float32Array(1000), 5, 'k', -2, 3);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u)).toBeLessThan(3);
    expect(fillUniform(new Float32Array(10), 5, 'k', -2, 3)).toEqual(u.slice(0, 10));
    const n = fillNormal(new Float32Array(20_000), 9, 'n');
    const mean = n.reduce((a, v) => a + v, 0) / n.length;
    const variance = n.reduce((a, v) => a + (v - mean) ** 2, 0) / n.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    expect(n.every(Number.isFinite)).toBe(true);
  });
});
