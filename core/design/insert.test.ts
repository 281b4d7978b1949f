import { describe, expect, it } from 'vitest';
import { analyze } from '../analysis/analyze';
import { presetDesign } from '../presets';
import { insertModuleAfter, positionalId } from './insert';

const googlenet = () => presetDesign('googlenet')!;
const channelsOf = (d: ReturnType<typeof googlenet>, id: string) =>
  analyze(d).modules.find((m) => m.id === id)!.outputShape![1];

describe('insertModuleAfter', () => {
  it('inserts an inception module after inception4e as inception4f, keeping 832 channels into inception5a', () => {
    const d = googlenet();
    const { design, id } = insertModuleAfter(d, 'inception4e', 'inception', 'inception4');
    expect(id).toBe('inception4f');
    const a = analyze(design);
    expect(a.valid).toBe(true);
    expect(channelsOf(design, 'inception4f')).toBe(832);
    expect(a.modules.find((m) => m.id === 'inception5a')!.inputShapes[0]).toEqual([3, 832, 7, 7]);
    // The same main output and totals shape as before.
    expect(a.outputs.main).toEqual([3, 1000]);
  });

  it('keeps the channels wherever it lands: after a pool, a conv block and the stem, for every insertable kind', () => {
    const d = googlenet();
    for (const [after, kind] of [
      ['maxpool3', 'inception'],
      ['maxpool2', 'inception'],
      ['conv2', 'inception'],
      ['inception3a', 'convBlock'],
      ['inception4b', 'maxPool'],
    ] as const) {
      const before = channelsOf(d, after);
      const { design, id } = insertModuleAfter(d, after, kind, kind);
      expect(channelsOf(design, id!), `${kind} after ${after}`).toBe(before);
      expect(analyze(design).valid, `${kind} after ${after}`).toBe(true);
    }
  });

  it('names by position: the next free letter in the stage, else a numbered id', () => {
    const d = googlenet();
    expect(positionalId(d, 'inception3b', 'inception', 'inception3')).toBe('inception3c');
    expect(positionalId(d, 'inception5b', 'inception', 'inception5')).toBe('inception5c');
    expect(positionalId(d, 'maxpool3', 'inception', 'inception4')).toBe('inception3c'); // after 3b, the module before the pool
    expect(positionalId(d, 'inception4b', 'inception', 'inception4')).toBe('inception4b_2'); // 4c is taken
    expect(positionalId(d, 'inception4b', 'convBlock', 'conv4')).toBe('conv3'); // the conv blocks so far are conv1, conv2
    expect(positionalId(d, 'conv2', 'convBlock', 'conv')).toBe('conv3'); // after conv2 (a lettered id ends in a letter; conv2 does not), base is free
    const v3 = presetDesign('inception-v3')!;
    expect(positionalId(v3, 'Mixed_5d', 'inceptionA', 'Mixed_a')).toBe('Mixed_5e');
  });
});
