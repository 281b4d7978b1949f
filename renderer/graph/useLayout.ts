/** The layout of the graph view for the canvas's size, computed off the render path and cached by structure. */
import { useEffect, useState } from 'react';
import type { GraphView } from '../../core/graph/graphView';
import { fitArea, MIN_FIT_ZOOM } from './fit';
import {
  layoutGraph,
  layoutKey,
  type GraphLayout,
  type LayoutSettings,
} from '../../core/graph/layout';

const cache = new Map<string, GraphLayout>();
const CACHE_LIMIT = 64;

function remember(layout: GraphLayout): void {
  cache.set(layout.key, layout);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
}

/**
 * The layout for `view` fitted to `canvas` (rows chosen for its shape): the exact one when known,
 * else the last one while the new one is computed. Nothing until the canvas has been measured.
 */
export function useLayout(
  view: GraphView,
  canvas: { width: number; height: number } | null,
): { layout: GraphLayout | null; pending: boolean } {
  const settings: LayoutSettings = canvas
    ? { viewport: fitArea(canvas), minZoom: MIN_FIT_ZOOM }
    : {};
  const key = canvas ? layoutKey(view, settings) : '';
  const [layout, setLayout] = useState<GraphLayout | null>(() =>
    key ? (cache.get(key) ?? null) : null,
  );
  useEffect(() => {
    if (!key) return;
    const known = cache.get(key);
    if (known) {
      setLayout(known);
      return;
    }
    let current = true;
    void layoutGraph(view, settings).then((l) => {
      remember(l);
      if (current) setLayout(l);
    });
    return () => {
      current = false;
    };
    // The view's structure and the canvas size are captured by the key; numbers do not change the layout.
  }, [key]);
  const exact = key ? (cache.get(key) ?? null) : null;
  return { layout: exact ?? layout, pending: !exact };
}
