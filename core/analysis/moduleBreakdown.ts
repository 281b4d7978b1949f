/**
 * What the inspector leads with for a selected module: its input and output shapes (N×C×H×W),
 * parameters, MACs per image and activation memory, and the same per step of its inside (the
 * steps opening the module shows: "3×3 reduce", "3×3", "pool proj", …). Every figure comes from
 * the analysis, so it agrees with the graph and with PyTorch.
 */
import type { Analysis, LayerInfo } from './analyze';
import type { Shape } from '../model/types';

export interface StepFigures {
  /** Local id (`branch2.1`). */
  readonly id: string;
  readonly title: string;
  /** The branch it belongs to (`branch2`). */
  readonly group: string;
  readonly outputShape: Shape | null;
  readonly params: number;
  /** Multiply-accumulates per image. */
  readonly macs: number;
}

export interface ModuleBreakdown {
  readonly id: string;
  readonly inputShapes: readonly Shape[];
  /** Null when the module or something upstream is invalid. */
  readonly outputShape: Shape | null;
  readonly params: number;
  readonly macs: number;
  /** Bytes of the module's layer outputs for the whole batch (float32). */
  readonly activationBytes: number;
  /** Per step, in the order opening the module shows them; empty for single-path modules. */
  readonly steps: readonly StepFigures[];
}

/** The figures of module `id`, or null when the analysis has no such module. */
export function moduleBreakdown(analysis: Analysis, id: string): ModuleBreakdown | null {
  const info = analysis.modules.find((m) => m.id === id);
  if (!info) return null;
  const layers = new Map<string, LayerInfo>(analysis.layers.map((l) => [l.id, l]));
  const steps = info.steps.map((s): StepFigures => {
    const ls = s.layers.map((l) => layers.get(l)).filter((l): l is LayerInfo => Boolean(l));
    return {
      id: s.id,
      title: s.title,
      group: s.group,
      outputShape:
        ls.length === s.layers.length && ls.length ? ls[ls.length - 1].outputShape : null,
      params: ls.reduce((a, l) => a + l.params, 0),
      macs: ls.reduce((a, l) => a + l.macs, 0),
    };
  });
  return {
    id,
    inputShapes: info.inputShapes,
    outputShape: info.outputShape,
    params: info.params,
    macs: info.macs,
    activationBytes: info.activationBytes,
    steps,
  };
}
