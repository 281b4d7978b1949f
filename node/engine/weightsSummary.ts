/** The load summary a run reports about its weights file (see core/run/types.ts WeightsLoadSummary). */
import { basename } from 'node:path';
import type { Layer } from '../../core/model/types';
import type { WeightsLoadSummary } from '../../core/run/types';
import { stateDictSpec } from '../../core/weights/stateDict';

/**
 * Summarizes a load from `path` into a design of layers `graph`: how many of its state_dict
 * entries came from the file, which were left initialized (`reinitialized`, state_dict keys) and
 * the design modules owning those ("fresh weights" on the graph). `notes` are the loader's sentences.
 */
export function weightsLoadSummary(
  path: string,
  graph: readonly Layer[],
  reinitialized: readonly string[],
  notes: readonly string[],
): WeightsLoadSummary {
  const spec = stateDictSpec(graph);
  const moduleOfLayer = new Map(graph.map((l) => [l.id, l.module]));
  const fresh = new Set(reinitialized);
  const freshModules = new Set<string>();
  for (const e of spec) {
    const module = moduleOfLayer.get(e.layer);
    if (fresh.has(e.key) && module !== undefined) freshModules.add(module);
  }
  return {
    source: basename(path),
    loaded: spec.length - spec.filter((e) => fresh.has(e.key)).length,
    total: spec.length,
    reinitialized: [...reinitialized],
    freshModules: [...freshModules],
    notes: [...notes],
  };
}
