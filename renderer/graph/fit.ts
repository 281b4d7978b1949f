/**
 * Fitting the laid-out graph into the canvas, and the level of detail the zoom allows.
 *
 * The 9 px rule: every piece of node text is drawn at least 9 CSS pixels tall on screen at the
 * fitted zoom. Full-size nodes use fonts of 10 px and up, which stay legible down to a zoom of
 * 0.9; below it nodes drop their small print (labels of the counts, the template line, the edge
 * labels) and size the rest from 1 / zoom (app.css, `--lod-scale`), down to `MIN_FIT_ZOOM`.
 * A fitted view never goes below that zoom: a network too large to fit at it shows its start,
 * and the minimap the rest.
 */
import type { GraphLayout } from '../../core/graph/layout';

export interface CanvasSize {
  readonly width: number;
  readonly height: number;
}

/** The lowest zoom a fit uses; the compact node text is sized so it still reads at 9 px here. */
export const MIN_FIT_ZOOM = 0.36;

/**
 * From this zoom up the count cells show their short labels at reduced detail (two lines a cell);
 * below it the layout's rows (33 px each) cannot hold two 9 px lines, and the full labels stay
 * in the cells' tooltips and the inspector.
 */
export const COUNT_LABEL_ZOOM = 0.42;

/** From this zoom up nodes show everything (their smallest font, 10 px, is 9 px on screen at 0.9). */
export const FULL_DETAIL_ZOOM = 0.9;

/** Below this zoom nodes also drop their cost line, so the title, counts and shape stay large. */
export const MINIMAL_DETAIL_ZOOM = 0.5;

/** What the canvas draws over the graph, in CSS pixels from its corners (React Flow's panels). */
export const OVERLAYS = {
  /** The zoom buttons, bottom left: 15 px margin + 26 px buttons. */
  controls: { width: 15 + 28, height: 15 + 3 * 27 },
  /** The minimap, bottom right (shown only while part of the network is out of view). */
  minimap: { width: 168, height: 112, margin: 15 },
} as const;

/** Space kept free around the fitted drawing. */
const FIT_MARGIN = 10;

export type LevelOfDetail = 'full' | 'compact' | 'minimal';

/** How much each node shows at `zoom`. */
export function levelOfDetail(zoom: number): LevelOfDetail {
  if (zoom >= FULL_DETAIL_ZOOM) return 'full';
  return zoom >= MINIMAL_DETAIL_ZOOM ? 'compact' : 'minimal';
}

/** The area a fitted drawing may use: the canvas less a column for the zoom buttons on the left. */
export function fitArea(canvas: CanvasSize): {
  x: number;
  y: number;
  width: number;
  height: number;
} {
  const x = OVERLAYS.controls.width + FIT_MARGIN;
  return {
    x,
    y: FIT_MARGIN,
    width: Math.max(1, canvas.width - x - FIT_MARGIN),
    height: Math.max(1, canvas.height - 2 * FIT_MARGIN),
  };
}

/** Whether the whole layout is on screen at `transform` ([pan x, pan y, zoom]) in a canvas of `canvas`. */
export function wholeInView(
  layout: GraphLayout,
  transform: readonly [number, number, number],
  canvas: CanvasSize,
): boolean {
  const [x, y, zoom] = transform;
  return (
    x >= -1 &&
    y >= -1 &&
    x + layout.width * zoom <= canvas.width + 1 &&
    y + layout.height * zoom <= canvas.height + 1
  );
}

/**
 * The viewport (pan x, y in CSS pixels; zoom) that shows the whole layout as large as possible,
 * at most 1 and at least `MIN_FIT_ZOOM`, clear of the zoom buttons (the minimap only shows while
 * part of the network is out of view). A drawing larger than the canvas at the minimum zoom is
 * shown from its top-left corner.
 */
export function fitViewport(
  layout: GraphLayout,
  canvas: CanvasSize,
): { x: number; y: number; zoom: number } {
  const area = fitArea(canvas);
  const zoom = Math.min(
    1,
    Math.max(MIN_FIT_ZOOM, Math.min(area.width / layout.width, area.height / layout.height)),
  );
  const x = area.x + Math.max(0, (area.width - layout.width * zoom) / 2);
  const y = area.y + Math.max(0, (area.height - layout.height * zoom) / 2);
  return { x, y, zoom };
}

/**
 * The fitted viewport (`fitViewport`), moved so `box` (graph coordinates, e.g. a module just
 * opened) is in view: when the drawing does not fit at the lowest fit zoom, the fit shows its
 * top-left corner, and the box could lie off-screen or under the minimap (shown then, bottom right).
 */
export function revealViewport(
  layout: GraphLayout,
  canvas: CanvasSize,
  box: { absX: number; absY: number; width: number; height: number },
): { x: number; y: number; zoom: number } {
  const fitted = fitViewport(layout, canvas);
  const { zoom } = fitted;
  if (wholeInView(layout, [fitted.x, fitted.y, zoom], canvas)) return fitted;
  const area = fitArea(canvas);
  let { x, y } = fitted;
  // Horizontally: the box's right edge into the area, then its left edge (a box wider than the area shows its left part).
  x -= Math.max(0, x + (box.absX + box.width) * zoom - (area.x + area.width));
  x += Math.max(0, area.x - (x + box.absX * zoom));
  // Vertically, above the minimap when the box reaches into its columns.
  const minimapLeft = canvas.width - OVERLAYS.minimap.margin - OVERLAYS.minimap.width;
  const underMinimap = x + (box.absX + box.width) * zoom > minimapLeft;
  const bottom = underMinimap
    ? canvas.height - OVERLAYS.minimap.margin - OVERLAYS.minimap.height - FIT_MARGIN
    : area.y + area.height;
  y -= Math.max(0, y + (box.absY + box.height) * zoom - bottom);
  y += Math.max(0, area.y - (y + box.absY * zoom));
  return { x, y, zoom };
}
