import { describe, expect, it } from 'vitest';
import { analyze } from './analyze';
import { inputSizeNotice } from './inputSizeNotice';
import { presetDesign } from '../presets';
import type { Design } from '../model/types';

const resized = (preset: string, size: number): Design => {
  const d = presetDesign(preset)!;
  return { ...d, input: { ...d.input, height: size, width: size } };
};

describe('inputSizeNotice', () => {
  it('gathers the modules a wrong input size breaks into one sentence with the fix', () => {
    const d = resized('googlenet', 100);
    const notice = inputSizeNotice(d, analyze(d).issues);
    expect(notice?.moduleIds).toEqual(['aux1', 'aux2', 'avgpool']);
    expect(notice?.presetSize).toEqual({ height: 224, width: 224 });
    expect(notice?.message).toBe(
      'The input is 100×100, but this network was built for 224×224: 3 modules built for a fixed map size no longer fit (aux1, aux2, avgpool). Use 224×224, or change those modules.',
    );
  });

  it('names one module in the singular', () => {
    const d = resized('googlenet', 225);
    expect(inputSizeNotice(d, analyze(d).issues)?.message).toContain(
      '1 module built for a fixed map size no longer fits (fc1)',
    );
  });

  it('says nothing at the preset size or without a preset', () => {
    const ok = presetDesign('googlenet')!;
    expect(inputSizeNotice(ok, analyze(ok).issues)).toBeNull();
    const bare = { ...resized('googlenet', 100), preset: null };
    expect(inputSizeNotice(bare, analyze(bare).issues)).toBeNull();
  });
});
