/** The graph SVG as PNG pixels, drawn by the browser: an <img> of the SVG onto a canvas. */

/** The SVG's own size, from its width and height attributes. */
export function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg[^>]*\swidth="(\d+(?:\.\d+)?)"[^>]*\sheight="(\d+(?:\.\d+)?)"/.exec(svg);
  if (!m) throw new Error('The picture has no width and height.');
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** Browsers cap canvases (Chromium at 16,384 pixels a side); larger pictures are drawn smaller. */
const MAX_SIDE = 16_384;

/** Rasterizes an SVG at `scale` pixels per unit and returns the PNG as base64 (no data: prefix). */
export async function svgToPngBase64(svg: string, scale = 2): Promise<string> {
  const { width, height } = svgSize(svg);
  const s = Math.min(scale, MAX_SIDE / width, MAX_SIDE / height);
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
