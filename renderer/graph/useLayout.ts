/**
 * The layout of the current graph view. Layout is asynchronous (ELK) and depends only on the
 * structure, so it is cached by `layoutKey`: typing a number never waits for it, and going back
 * to a structure seen before (undo, closing a module) is instant.
 */
import { useEffect, useState } from 'react';
import type { GraphView } from '../../core/graph/graphView';
import { layoutGraph, layoutKey, type GraphLayout } from '../../core/graph/layout';

const cache = new Map<string, GraphLayout>();
const CACHE_LIMIT = 64;

function remember(layout: GraphLayout): void {
  cache.set(layout.key, layout);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
}

/** The layout for `view`: the exact one when known, else the last one while the new one is computed. */
export function useLayout(view: GraphView): { layout: GraphLayout | null; pending: boolean } {
  const key = layoutKey(view);
  const [layout, setLayout] = useState<GraphLayout | null>(() => cache.get(key) ?? null);
  useEffect(() => {
    const known = cache.get(key);
    if (known) {
      setLayout(known);
      return;
    }
    let current = true;
    void layoutGraph(view).then((l) => {
      remember(l);
      if (current) setLayout(l);
    });
    return () => {
      current = false;
    };
    // The view's structure is captured by its key; numbers do not change the layout.
  }, [key]);
  const exact = cache.get(key) ?? null;
  return { layout: exact ?? layout, pending: !exact };
}
