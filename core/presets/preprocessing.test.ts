import { describe, expect, it } from 'vitest';
import { presetDesign } from './index';
import { IMAGENET_PREPROCESSING, photoRecipe } from './preprocessing';
import type { Design } from '../model/types';

const preset = (name: string): Design => presetDesign(name)!;
/** The preset with its transform_input module switched on. */
const withTransformInput = (d: Design): Design => ({
  ...d,
  modules: d.modules.map((m) =>
    m.kind === 'transformInput' ? { ...m, params: { ...m.params, enabled: true } } : m,
  ),
});

describe('photoRecipe: how a run prepares photos, one rule for the engine, the Run panel and the export', () => {
  it("torchvision's googlenet and inception_v3 with trained weights: [−1, 1], as transform_input=True gives", () => {
    for (const name of ['googlenet-torchvision', 'inception-v3']) {
      const r = photoRecipe(preset(name), true);
      expect(r.preprocessing.mean).toEqual([0.5, 0.5, 0.5]);
      expect(r.preprocessing.std).toEqual([0.5, 0.5, 0.5]);
      expect(r.preprocessing.scaleRounding).toBe('round'); // 256 for 224, 342 for 299
      expect(r.note).toContain('transform_input');
      // Without weights the plain ImageNet recipe applies.
      expect(photoRecipe(preset(name), false).preprocessing.mean).toEqual([0.485, 0.456, 0.406]);
    }
  });

  it('a design whose own transform_input is on keeps ImageNet normalization (no double rescaling)', () => {
    const r = photoRecipe(withTransformInput(preset('inception-v3')), true);
    expect(r.preprocessing.mean).toEqual(IMAGENET_PREPROCESSING.mean);
    expect(r.preprocessing.std).toEqual(IMAGENET_PREPROCESSING.std);
  });

  it("timm's v4 and IRv2: bicubic, floor(299 / crop_pct), mean and std 0.5, with or without weights", () => {
    for (const [name, cropPct] of [
      ['inception-v4', 0.875],
      ['inception-resnet-v2', 0.8975],
    ] as const) {
      for (const trained of [false, true]) {
        const r = photoRecipe(preset(name), trained).preprocessing;
        expect(r).toMatchObject({ interpolation: 'bicubic', scaleRounding: 'floor', cropPct });
        expect(r.mean).toEqual([0.5, 0.5, 0.5]);
      }
    }
    expect(Math.floor(299 / 0.875)).toBe(341);
  });

  it("Cadene's BN-Inception and Caffe's GoogLeNet: BGR in 0..255 minus the means", () => {
    expect(photoRecipe(preset('bn-inception'), true).preprocessing).toMatchObject({
      channelOrder: 'BGR',
      range: 255,
      mean: [104, 117, 128],
    });
    expect(photoRecipe(preset('googlenet-paper'), true).preprocessing).toMatchObject({
      channelOrder: 'BGR',
      mean: [104, 117, 123],
    });
  });

  it('designs without a known preset use ImageNet normalization with no note', () => {
    const r = photoRecipe({ ...preset('googlenet'), preset: null }, true);
    expect(r.preprocessing).toBe(IMAGENET_PREPROCESSING);
    expect(r.note).toBeNull();
  });
});
