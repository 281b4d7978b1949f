/**
 * The family presets against the project's own PyTorch references (tools/torch/family/, measured
 * by tools/torch/make_family_golden.py): every module's output shape, parameters, buffers and MACs
 * per image, every conv / batch norm / linear layer's shape and MACs, the totals, and the full
 * state_dict (keys, shapes and order) at each preset's own input size.
 */
import { describe, expect, it } from 'vitest';
import bnInception from './__fixtures__/family/bn-inception.json';
import googlenetPaper from './__fixtures__/family/googlenet-paper.json';
import inceptionResnetV1 from './__fixtures__/family/inception-resnet-v1.json';
import inceptionResnetV2 from './__fixtures__/family/inception-resnet-v2.json';
import inceptionV4 from './__fixtures__/family/inception-v4.json';
import { analyze } from './analyze';
import { presetDesign } from '../presets';
import { stateDictSpec } from '../weights/stateDict';

interface Block {
  readonly name: string;
  readonly aux: boolean;
  readonly shape: number[];
  readonly params: number;
  readonly buffers: number;
  readonly macs: number;
}
interface Layer {
  readonly name: string;
  readonly type: string;
  readonly block: string;
  readonly shape: number[];
  readonly params: number;
  readonly macs: number;
}
interface Fixture {
  readonly preset: string;
  readonly input: [number, number, number, number];
  readonly totals: {
    params: number;
    paramsEval: number;
    macs: number;
    macsTrain: number;
    buffers: number;
  };
  readonly blocks: readonly Block[];
  readonly layers: readonly Layer[];
  readonly stateDict: readonly [string, number[]][];
}

const fixtures = [
  bnInception,
  googlenetPaper,
  inceptionResnetV1,
  inceptionResnetV2,
  inceptionV4,
] as unknown as Fixture[];

/** The parameter counts of shared/spec/family.md: with aux heads, eval path. */
const SPEC: Record<string, [number, number]> = {
  'inception-v4': [42_679_816, 42_679_816],
  'inception-resnet-v2': [55_843_464, 55_843_464],
  'bn-inception': [11_295_240, 11_295_240],
  'googlenet-paper': [13_378_280, 6_998_552],
};

describe('family golden fixtures (PyTorch references in tools/torch/family)', () => {
  it('cover every family preset', () => {
    expect(fixtures.map((f) => f.preset)).toEqual([
      'bn-inception',
      'googlenet-paper',
      'inception-resnet-v1',
      'inception-resnet-v2',
      'inception-v4',
    ]);
  });

  for (const fx of fixtures) {
    const design = presetDesign(fx.preset);
    describe.skipIf(!design)(fx.preset, () => {
      const [batch, channels, height, width] = fx.input;
      const d = { ...design!, input: { batch, channels, height, width } };
      const a = analyze(d);

      it("is valid at its own input size, and its totals are the reference's (and the spec's)", () => {
        expect(a.issues).toEqual([]);
        expect({
          params: a.totals.params,
          paramsEval: a.totals.paramsEval,
          macs: a.totals.macs,
          macsTrain: a.totals.macsTrain,
          buffers: a.totals.buffers,
        }).toEqual({
          params: fx.totals.params,
          paramsEval: fx.totals.paramsEval,
          macs: fx.totals.macs,
          macsTrain: fx.totals.macsTrain,
          buffers: fx.totals.buffers,
        });
        if (SPEC[fx.preset])
          expect([a.totals.params, a.totals.paramsEval]).toEqual(SPEC[fx.preset]);
      });

      it("has the reference's modules, in order, with their output shapes, parameters, buffers and MACs", () => {
        const got = a.modules.map((m) => ({
          name: m.id,
          aux: m.aux,
          shape: m.outputShape,
          params: m.params,
          buffers: m.buffers,
          macs: m.macs,
        }));
        const want = fx.blocks.map((b) => ({
          name: b.name,
          aux: b.aux,
          shape: b.shape,
          params: b.params,
          buffers: b.buffers,
          macs: b.macs,
        }));
        expect(got).toEqual(want);
      });

      it("gives every conv, batch norm and linear layer the reference's output shape and MACs", () => {
        const layers = new Map(a.layers.map((l) => [l.id, l]));
        const stateful = fx.layers.filter(
          (l) => l.type === 'Conv2d' || l.type === 'BatchNorm2d' || l.type === 'Linear',
        );
        expect(stateful.length).toBeGreaterThan(0);
        for (const l of stateful) {
          const mine = layers.get(l.name);
          expect(mine, `layer ${l.name}`).toBeDefined();
          expect({
            name: l.name,
            shape: mine!.outputShape,
            params: mine!.params,
            macs: mine!.macs,
            module: mine!.module,
          }).toEqual({
            name: l.name,
            shape: l.shape,
            params: l.params,
            macs: l.macs,
            module: l.block,
          });
        }
      });

      it("has the reference's state_dict: the same keys with the same shapes in the same order", () => {
        const spec = stateDictSpec(a.graph).map((e) => [e.key, [...e.shape]]);
        expect(spec).toEqual(fx.stateDict);
      });
    });
  }
});
