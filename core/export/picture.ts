/**
 * How large a PNG of the graph picture may be: one rule for the command line (resvg) and the app
 * (a canvas). A valid 20,000-module design drawn at scale 1 would be a picture of billions of
 * pixels (8 GB of RGBA); pictures are capped in pixels, with a message saying what to do.
 */

/** The most pixels a PNG export holds (256 MB of RGBA while it is drawn). */
export const MAX_PICTURE_PIXELS = 64_000_000;
/** The longest side a PNG export has (Chromium's canvas limit; resvg's is larger). */
export const MAX_PICTURE_SIDE = 16_384;

/** The SVG's own size in units, from its width and height attributes; null when it has none. */
export function svgSize(svg: string): { width: number; height: number } | null {
  const m = /<svg[^>]*\swidth="(\d+(?:\.\d+)?)"[^>]*\sheight="(\d+(?:\.\d+)?)"/.exec(svg);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : null;
}

export type PicturePlan =
  | { readonly ok: true; readonly width: number; readonly height: number; readonly scale: number }
  | { readonly ok: false; readonly message: string };

/**
 * The pixel size of a picture `width` × `height` units drawn at `scale` pixels per unit, or why it
 * cannot be drawn: over MAX_PICTURE_PIXELS or MAX_PICTURE_SIDE. With `shrink`, a picture that is
 * too large is drawn at the largest scale that fits instead (the app does; the command line says so).
 */
export function picturePlan(
  width: number,
  height: number,
  scale: number,
  shrink = false,
): PicturePlan {
  const fit = Math.min(
    scale,
    MAX_PICTURE_SIDE / width,
    MAX_PICTURE_SIDE / height,
    Math.sqrt(MAX_PICTURE_PIXELS / (width * height)),
  );
  const size = (s: number) => ({
    width: Math.max(1, Math.round(width * s)),
    height: Math.max(1, Math.round(height * s)),
  });
  if (fit >= scale) return { ok: true, ...size(scale), scale };
  if (shrink && fit > 0) return { ok: true, ...size(fit), scale: fit };
  const want = size(scale);
  const mp = (want.width * want.height) / 1e6;
  return {
    ok: false,
    message:
      `the picture would be ${want.width.toLocaleString('en-US')}×${want.height.toLocaleString('en-US')} pixels (${mp >= 10 ? mp.toFixed(0) : mp.toFixed(1)} megapixels) at scale ${scale}; ` +
      `PNG pictures are at most ${MAX_PICTURE_PIXELS / 1e6} megapixels and ${MAX_PICTURE_SIDE.toLocaleString('en-US')} pixels a side. ` +
      (fit >= 1
        ? `Use a scale of ${Math.floor(fit * 100) / 100} or less, `
        : 'Export svg instead, ') +
      (fit >= 1 ? 'export svg instead, or open fewer modules.' : 'or open fewer modules.'),
  };
}
