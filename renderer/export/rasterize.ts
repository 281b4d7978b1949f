/** The graph SVG as PNG pixels, drawn by the browser: an <img> of the SVG onto a canvas. */
import { picturePlan, svgSize as pictureSize } from '../../core/export/picture';

/** The SVG's own size, from its width and height attributes. */
export function svgSize(svg: string): { width: number; height: number } {
  const size = pictureSize(svg);
  if (!size) throw new Error('The picture has no width and height.');
  return size;
}

/** Rasterizes an SVG at `scale` pixels per unit and returns the PNG as base64 (no data: prefix). */
export async function svgToPngBase64(svg: string, scale = 2): Promise<string> {
  const { width, height } = svgSize(svg);
  // Larger pictures are drawn smaller: at most 64 megapixels and 16,384 pixels a side (core's one rule).
  const plan = picturePlan(width, height, scale, true);
  if (!plan.ok) throw new Error(plan.message);
  const s = plan.scale;
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * s);
  canvas.height = Math.round(height * s);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This window cannot draw pictures (no 2D canvas).');
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  const url = canvas.toDataURL('image/png');
  return url.slice(url.indexOf(',') + 1);
}
