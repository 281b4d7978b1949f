import { describe, expect, it } from 'vitest';
import { MAX_PICTURE_PIXELS, MAX_PICTURE_SIDE, picturePlan, svgSize } from './picture';

describe('picture size caps', () => {
  it('draws a picture that fits at the scale asked', () => {
    expect(picturePlan(1000, 800, 2)).toEqual({ ok: true, width: 2000, height: 1600, scale: 2 });
  });

  it.each([
    [
      33_114,
      25_454,
      1,
      /33,114×25,454 pixels \(843 megapixels\) at scale 1; PNG pictures are at most 64 megapixels and 16,384 pixels a side\. Export svg instead, or open fewer modules\./,
    ],
    [
      5_000,
      4_000,
      4,
      /20,000×16,000 pixels \(320 megapixels\) at scale 4; .+ Use a scale of 1\.78 or less/,
    ],
    [20_000, 100, 1, /20,000×100 pixels \(2\.0 megapixels\) at scale 1; .+16,384 pixels a side/],
  ])('refuses %i×%i units at scale %i', (w, h, scale, message) => {
    const r = picturePlan(w, h, scale);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(message);
  });

  it('shrinks instead when asked (the app), staying within both caps', () => {
    for (const [w, h] of [
      [33_114, 25_454],
      [20_000, 100],
      [8_000, 8_000],
    ]) {
      const r = picturePlan(w, h, 2, true);
      expect(r.ok).toBe(true);
      if (r.ok) {
        expect(r.width * r.height).toBeLessThanOrEqual(MAX_PICTURE_PIXELS * 1.001);
        expect(Math.max(r.width, r.height)).toBeLessThanOrEqual(MAX_PICTURE_SIDE);
      }
    }
  });

  it('reads the SVG size', () => {
    expect(svgSize('<svg xmlns="x" width="120" height="80.5">')).toEqual({
      width: 120,
      height: 80.5,
    });
    expect(svgSize('<svg>')).toBeNull();
  });
});
