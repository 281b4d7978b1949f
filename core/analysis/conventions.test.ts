/**
 * Each counting convention gives exactly the figure its tool's rule gives on torchvision's own
 * GoogLeNet and Inception v3: the fixture was measured with hooks on the PyTorch models
 * (tools/torch/convention_counts.py), not computed by the app.
 */
import { describe, expect, it } from 'vitest';
import golden from './__fixtures__/convention-counts.json';
import { analyze } from './analyze';
import {
  CONVENTION_IDS,
  CONVENTIONS,
  conventionRows,
  formatFigure,
  isModuleCall,
  parseConventions,
  type ConventionId,
} from './conventions';
import { presetDesign, presetNames } from '../presets';
import { glossaryEntry } from '../model/glossary';

interface GoldenCase {
  readonly name: string;
  readonly preset: string;
  readonly aux: boolean;
  readonly input: readonly number[];
  readonly batch: number;
  readonly params: number;
  readonly conventions: Record<ConventionId, number>;
}

const cases = golden.cases as unknown as GoldenCase[];

function analyzed(c: GoldenCase) {
  const design = { ...presetDesign(c.preset)!, aux: c.aux };
  return analyze(design);
}

describe('counting conventions against PyTorch hooks', () => {
  it('covers GoogLeNet and Inception v3, with and without aux heads, and every convention', () => {
    expect(cases.map((c) => c.name)).toEqual([
      'googlenet-torchvision',
      'googlenet-torchvision-noaux',
      'inception-v3',
      'inception-v3-noaux',
    ]);
    for (const c of cases)
      expect(Object.keys(c.conventions).sort()).toEqual([...CONVENTION_IDS].sort());
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    '%s: the preset is the network torchvision builds',
    (_name, c) => {
      const a = analyzed(c);
      expect(a.valid).toBe(true);
      expect(a.input).toEqual([c.batch, ...c.input]);
      expect(a.totals.params).toBe(c.params);
    },
  );

  const pairs = cases.flatMap((c) => CONVENTION_IDS.map((id) => [c.name, id, c] as const));
  it.each(pairs)('%s: %s', (_name, id, c) => {
    const a = analyzed(c);
    const figure = CONVENTIONS[id].compute(a, c.batch);
    expect(Number.isInteger(figure.value)).toBe(true);
    expect(figure.value).toBe(c.conventions[id]);
  });

  it('labels each figure with its tool, as the tool prints it', () => {
    const c = cases[0];
    const rows = conventionRows(analyzed(c), ['ptflops', 'keras', 'torchinfo'], c.batch);
    expect(rows.map((r) => r.text)).toEqual([
      'ptflops: 1.51 GMac',
      'Keras: 13,019,960 params',
      'torchinfo: 4.5 G mult-adds (N=3)',
    ]);
    expect(formatFigure({ value: 512, unit: 'MACs' })).toBe('512 Mac');
  });

  it('has a sentence and a source for every convention, from the glossary', () => {
    for (const id of CONVENTION_IDS) {
      const c = CONVENTIONS[id];
      expect(c.id).toBe(id);
      expect(c.sentence).toBe(glossaryEntry(`convention.${id}`).text);
      expect(c.source).toMatch(/\w+\/|PyTorch|Keras|torchvision/);
    }
  });
});

describe('counting conventions on every preset', () => {
  it.each(presetNames.map((n) => [n]))(
    '%s: whole, non-negative figures that keep the tools’ relations',
    (name) => {
      const design = presetDesign(name)!;
      const a = analyze(design);
      const f = Object.fromEntries(
        CONVENTION_IDS.map((id) => [id, CONVENTIONS[id].compute(a, design.input.batch).value]),
      ) as Record<ConventionId, number>;
      for (const id of CONVENTION_IDS) {
        expect(Number.isSafeInteger(f[id]), id).toBe(true);
        expect(f[id], id).toBeGreaterThan(0);
      }
      expect(f.torchvision).toBe(a.totals.macs);
      expect(f.flops).toBe(2 * a.totals.macs);
      // fvcore, ptflops and thop add layers to the conv and linear MACs; none leaves any out.
      for (const id of ['fvcore', 'ptflops', 'thop'] as const)
        expect(f[id], id).toBeGreaterThanOrEqual(a.totals.macs);
      expect(f.keras).toBe(a.totals.params + a.totals.buffers);
      // Folding removes each batch norm's two vectors and adds at most one bias per channel.
      expect(f['onnx-folded']).toBeLessThanOrEqual(a.totals.paramsEval);
      expect(f.torchinfo).toBeGreaterThanOrEqual(a.totals.macs * design.input.batch);
    },
  );
});

describe('isModuleCall', () => {
  it('tells torchvision’s nn modules from its functional calls', () => {
    expect(isModuleCall({ id: 'maxpool1', module: 'maxpool1' })).toBe(true);
    expect(isModuleCall({ id: 'inception3a.branch4.0', module: 'inception3a' })).toBe(true);
    expect(isModuleCall({ id: 'conv1.relu', module: 'conv1' })).toBe(false);
    expect(isModuleCall({ id: 'Mixed_5b.pool', module: 'Mixed_5b' })).toBe(false);
  });
});

describe('parseConventions', () => {
  it('reads repeated names, comma lists and all, without repeats', () => {
    expect(parseConventions(['ptflops'])).toEqual({ ok: true, value: ['ptflops'] });
    expect(parseConventions(['thop,fvcore', 'thop'])).toEqual({
      ok: true,
      value: ['thop', 'fvcore'],
    });
    expect(parseConventions(['all'])).toEqual({ ok: true, value: [...CONVENTION_IDS] });
  });

  it('names an unknown convention and lists the valid ones', () => {
    const r = parseConventions(['ptflop', 'thop']);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('convention.unknown');
    expect(r.error.message).toBe(
      'Unknown counting convention "ptflop"; use one or more of torchvision, fvcore, ptflops, thop, flops, torchinfo, keras, onnx-folded, timm-activations, or all.',
    );
    const empty = parseConventions([',']);
    expect(empty.ok).toBe(false);
  });
});
