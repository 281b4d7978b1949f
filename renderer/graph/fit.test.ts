import { describe, expect, it } from 'vitest';
import { analyze } from '../../core/analysis/analyze';
import { graphView } from '../../core/graph/graphView';
import { layoutGraph } from '../../core/graph/layout';
import { presetDesign } from '../../core/presets';
import { fitArea, fitViewport, MIN_FIT_ZOOM, OVERLAYS, revealViewport } from './fit';

const laidOut = async (
  preset: string,
  opened: string,
  canvas: { width: number; height: number },
) => {
  const d = presetDesign(preset)!;
  return layoutGraph(graphView(d, analyze(d), { opened: [opened] }), { viewport: fitArea(canvas) });
};

describe('revealViewport', () => {
  it('is the plain fit when the whole drawing fits', async () => {
    const canvas = { width: 1017, height: 792 };
    const l = await laidOut('googlenet', 'inception4c', canvas);
    expect(revealViewport(l, canvas, l.nodes.inception4c)).toEqual(fitViewport(l, canvas));
  });

  it('moves a just-opened module that the clamped fit leaves off-screen into view, clear of the minimap and the zoom buttons', async () => {
    let moved = 0;
    for (const [preset, id] of [
      ['inception-v3', 'Mixed_7b'],
      ['inception-v3', 'Mixed_7c'],
      ['googlenet', 'inception5b'],
      ['googlenet', 'inception4e'],
    ] as const) {
      for (const canvas of [
        { width: 520, height: 380 },
        { width: 700, height: 420 },
      ]) {
        const l = await laidOut(preset, id, canvas);
        const fitted = fitViewport(l, canvas);
        expect(fitted.zoom).toBe(MIN_FIT_ZOOM); // the whole does not fit: a real test
        const v = revealViewport(l, canvas, l.nodes[id]);
        const b = l.nodes[id];
        const [left, top] = [v.x + b.absX * v.zoom, v.y + b.absY * v.zoom];
        const right = left + Math.min(b.width * v.zoom, canvas.width);
        const label = `${preset} ${id} ${canvas.width}×${canvas.height}`;
        expect(v.zoom).toBe(fitted.zoom);
        if (v.x !== fitted.x || v.y !== fitted.y) moved++;
        expect(left, label).toBeGreaterThanOrEqual(OVERLAYS.controls.width);
        expect(top, label).toBeGreaterThanOrEqual(0);
        // The header (the closed node's place) is on screen, above the minimap when in its columns.
        const headerBottom = top + 184 * v.zoom;
        const minimapTop = canvas.height - OVERLAYS.minimap.margin - OVERLAYS.minimap.height;
        const inMinimapColumns =
          right > canvas.width - OVERLAYS.minimap.margin - OVERLAYS.minimap.width;
        expect(headerBottom, label).toBeLessThanOrEqual(
          inMinimapColumns ? minimapTop : canvas.height,
        );
      }
    }
    expect(moved).toBeGreaterThan(0); // the plain fit would have left some of them out of view
  });
});
