/** The load summary a run reports about its weights file (see core/run/types.ts WeightsLoadSummary). */
import { basename } from 'node:path';
import type { Layer } from '../../core/model/types';
import type { WeightsLoadSummary } from '../../core/run/types';
import { stateDictSpec } from '../../core/weights/stateDict';
import type { WeightsLoad } from './weights';

/**
 * Summarizes a load from `path` into a design of layers `graph`: how many of its tensors (batch-norm
 * counters aside) came from the file, which were left initialized (state_dict keys) and the design
 * modules owning those ("fresh weights" on the graph); its notes are the key mapping's sentences
 * (prefix stripped, renames, 1001 → 1000 classes) and the file's tensors that were not used.
 */
export function weightsLoadSummary(
  path: string,
  graph: readonly Layer[],
  load: Pick<WeightsLoad, 'loaded' | 'total' | 'reinitialized' | 'ignored' | 'notes'>,
): WeightsLoadSummary {
  const spec = stateDictSpec(graph);
  const moduleOfLayer = new Map(graph.map((l) => [l.id, l.module]));
  const fresh = new Set(load.reinitialized);
  const freshModules = new Set<string>();
  for (const e of spec) {
    const module = moduleOfLayer.get(e.layer);
    if (fresh.has(e.key) && module !== undefined) freshModules.add(module);
  }
  const unused = load.ignored.length
    ? [
        `${load.ignored.length} tensor${load.ignored.length === 1 ? '' : 's'} of the file not used (the design has no place for them): ${load.ignored.slice(0, 8).join(', ')}${load.ignored.length > 8 ? ' …' : ''}.`,
      ]
    : [];
  return {
    source: basename(path),
    loaded: load.loaded,
    total: load.total,
    reinitialized: [...load.reinitialized],
    freshModules: [...freshModules],
    notes: [...load.notes, ...unused],
  };
}
