import { describe, expect, it } from 'vitest';
import { CONVENTION_IDS, GLOSSARY, glossaryEntry, termForModule, termForParam } from './glossary';
import { moduleDefs } from '../modules/registry';

describe('glossary', () => {
  it('explains each term the issue names once, in one paragraph with a source', () => {
    expect(GLOSSARY.map((e) => e.id)).toEqual([
      'reduce',
      'poolProj',
      'ceilMode',
      'countIncludePad',
      'bn',
      'transformInput',
      'auxHead',
      'residualScale',
      'macs',
      // one per counting convention of the summary (core/analysis/conventions.ts)
      ...CONVENTION_IDS.map((id) => `convention.${id}`),
    ]);
    for (const e of GLOSSARY) {
      expect(e.text, e.id).not.toContain('\n');
      expect(e.text.length, e.id).toBeGreaterThan(120);
      expect(e.source, e.id).toMatch(/\w/);
      expect(glossaryEntry(e.id)).toBe(e);
    }
  });

  it('finds the term of the templates’ parameters and modules', () => {
    expect(termForParam('red_3x3')).toBe('reduce');
    expect(termForParam('red_3x3dbl')).toBe('reduce');
    expect(termForParam('out_1x1pool')).toBe('poolProj');
    expect(termForParam('pool_features')).toBe('poolProj');
    expect(termForParam('pool_ceil')).toBe('ceilMode');
    expect(termForParam('ceil_mode')).toBe('ceilMode');
    expect(termForParam('count_include_pad')).toBe('countIncludePad');
    expect(termForParam('bn_name')).toBe('bn');
    expect(termForParam('bn_eps')).toBe('bn');
    expect(termForParam('scale')).toBe('residualScale');
    expect(termForParam('out_3x3')).toBeNull();
    expect(termForParam('enabled', 'transformInput')).toBe('transformInput');
    expect(termForParam('enabled')).toBeNull();
    expect(termForModule('auxHead')).toBe('auxHead');
    expect(termForModule('inceptionAux')).toBe('auxHead');
    expect(termForModule('transformInput')).toBe('transformInput');
    expect(termForModule('inception')).toBeNull();
  });

  it('reaches every template parameter that carries one of the terms', () => {
    const reached = new Set<string>();
    for (const def of Object.values(moduleDefs))
      for (const field of Object.keys(def.params)) {
        const t = termForParam(field);
        if (t) reached.add(t);
      }
    expect([...reached].sort()).toEqual(
      ['bn', 'ceilMode', 'countIncludePad', 'poolProj', 'reduce', 'residualScale'].sort(),
    );
  });
});
