import { describe, expect, it } from 'vitest';
import { analyze } from './analyze';
import { summaryText } from './summaryTable';
import { presetDesign } from '../presets';
import { setParam } from '../design/edit';

describe('summaryText', () => {
  const PARTIAL = 'Totals are partial';
  it('says the totals are partial when modules past a problem have no figures', () => {
    const design = presetDesign('googlenet')!;
    for (const value of [-5, 0, 1e9, 'abc'] as const) {
      const text = summaryText(analyze(setParam(design, 'inception4c', 'out_3x3', value)));
      expect(text, `out_3x3 = ${value}`).toContain(
        `${PARTIAL}: modules shown with — have no figures until the problem below is fixed.`,
      );
    }
  });

  it('says nothing of the kind for valid designs', () => {
    expect(summaryText(analyze(presetDesign('googlenet')!))).not.toContain(PARTIAL);
    expect(summaryText(analyze(presetDesign('inception-resnet-v2')!))).not.toContain(PARTIAL);
  });
});
