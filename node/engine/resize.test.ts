/**
 * Resizing agrees with PIL, which torchvision's and timm's eval transforms call: antialiased
 * bilinear and bicubic (Keys' a = −0.5), shrinking and enlarging, and Resize + CenterCrop with the
 * shorter side rounded (torchvision's named sizes) or floored (timm's floor(size / crop_pct)).
 * Fixtures: tools/torch/make_resize_golden.py. PIL's coefficients are fixed-point, the app's
 * float, so values agree within one level.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resizeAndCrop, resizeImage, type RgbImage } from './imageInput';

interface Golden {
  readonly width: number;
  readonly height: number;
  readonly rgb: number[];
  readonly resizes: {
    interpolation: 'bilinear' | 'bicubic';
    width: number;
    height: number;
    rgb: number[];
  }[];
  readonly crops: {
    crop: number;
    cropPct: number;
    rounding: 'round' | 'floor';
    interpolation: 'bilinear' | 'bicubic';
    side: number;
    rgb: number[];
  }[];
}

const golden = JSON.parse(
  readFileSync(
    path.join(path.dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'resize-golden.json'),
    'utf8',
  ),
) as Golden;
const source: RgbImage = {
  width: golden.width,
  height: golden.height,
  rgb: Float32Array.from(golden.rgb),
};

/** Largest and mean absolute difference from PIL's 8-bit result. */
function difference(got: Float32Array, want: readonly number[]): { max: number; mean: number } {
  expect(got.length).toBe(want.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / want.length };
}

describe('resizing as PIL does', () => {
  it.each(golden.resizes.map((c) => [`${c.interpolation} to ${c.width}×${c.height}`, c] as const))(
    '%s',
    (_, c) => {
      const out = resizeImage(source, c.width, c.height, c.interpolation);
      const d = difference(out.rgb, c.rgb);
      expect(d.max).toBeLessThanOrEqual(1.01);
      expect(d.mean).toBeLessThan(0.02);
    },
  );

  it.each(
    golden.crops.map(
      (c) =>
        [`${c.interpolation}, ${c.rounding}(${c.crop} / ${c.cropPct}) = ${c.side}`, c] as const,
    ),
  )('Resize + CenterCrop, %s', (_, c) => {
    const out = resizeAndCrop(source, c.crop, c.crop, c.cropPct, c.rounding, c.interpolation);
    const d = difference(out.rgb, c.rgb);
    expect(d.max).toBeLessThanOrEqual(1.01);
    expect(d.mean).toBeLessThan(0.02);
  });

  it('the other rounding of the shorter side is measurably different (the rule matters)', () => {
    const c = golden.crops.find(
      (x) => x.rounding === 'floor' && x.side !== Math.round(x.crop / x.cropPct),
    )!;
    const wrong = resizeAndCrop(source, c.crop, c.crop, c.cropPct, 'round', c.interpolation);
    expect(difference(wrong.rgb, c.rgb).mean).toBeGreaterThan(1);
  });
});
