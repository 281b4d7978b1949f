/** The state_dict of an analyzed design: every tensor key, shape and role, in PyTorch's order. */
import type { Layer, TensorSpec } from '../model/types';
import { layerDef } from '../layers/registry';
import { parseModulePath } from '../model/modulePath';
import { initTensor, type InitScheme } from './init';

export interface StateEntry extends TensorSpec {
  /** The layer owning the tensor. */
  readonly layer: string;
  /** Shape of that layer's weight (fan-in for biases). */
  readonly weightShape: readonly number[];
}

/**
 * All state_dict entries of a layer graph, in PyTorch's registration order: module by module, except
 * that the modules of one container (`features.0`, `features.1`, …) come together where its first
 * member is, as `self.features = nn.Sequential(...)` registers them.
 */
export function stateDictSpec(graph: readonly Layer[]): StateEntry[] {
  const first = new Map<string, number>();
  const ordered = graph
    .map((layer, i) => {
      const path = parseModulePath(layer.module);
      if (!path || path.key === null) return { layer, i, r: i };
      if (!first.has(path.base)) first.set(path.base, i);
      return { layer, i, r: first.get(path.base)! };
    })
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.layer);
  const out: StateEntry[] = [];
  for (const layer of ordered) {
    const tensors = layerDef(layer).tensors(layer.attrs, layer.id);
    const weight = tensors.find((t) => t.key.endsWith('.weight'));
    for (const t of tensors)
      out.push({ ...t, layer: layer.id, weightShape: weight?.shape ?? t.shape });
  }
  return out;
}

/** Deterministic weights for a layer graph, keyed by state_dict name. */
export function initStateDict(
  graph: readonly Layer[],
  seed: number,
  scheme: InitScheme = 'pytorch',
): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const e of stateDictSpec(graph)) out.set(e.key, initTensor(e, e.weightShape, seed, scheme));
  return out;
}
