/**
 * Why a module receives a map of another size than it was built for, in words: the one rule
 * every "does not fit" message goes through (a fully connected layer's features, a pool window or
 * a kernel larger than its input). It names the actual cause, found against the design's preset:
 * the first module upstream whose output size changed while its input did not (an edit such as a
 * pool's padding, or an inserted module), else the input size, else just the size that arrives.
 */
import type { Design, ModuleSpec, Shape } from '../model/types';
import { paramLabel } from '../model/params';
import { moduleDef } from '../modules/registry';

/** Issue codes whose message gets a cause and a fix from `mapSizeCause`. */
export const MAP_SIZE_CODES: ReadonlySet<string> = new Set([
  'linear.inFeatures',
  'pool.windowTooLarge',
  'shape.collapsed',
]);

/** How a cause that is the input size begins (core/analysis/inputSizeNotice.ts gathers those into one banner). */
export const INPUT_SIZE_CAUSE = 'the input size (';

/** The shapes of a module as the analysis saw them. */
export interface ShapesSeen {
  readonly inputShapes: readonly Shape[];
  readonly outputShape: Shape | null;
}

/** The preset's side: its design, and the shapes of its modules and input. */
export interface PresetShapes {
  readonly design: Design;
  readonly modules: ReadonlyMap<string, ShapesSeen>;
  readonly input: Shape;
}

export interface MapCause {
  /** "the Padding edit of maxpool3 upstream makes the map that reaches it 13×13 (built for 14×14)" */
  readonly cause: string;
  /** "Undo that edit" */
  readonly fix: string;
}

const hw = (s: Shape | null | undefined): string | null =>
  s && s.length === 4 ? `${s[2]}×${s[3]}` : null;

/** The parameters of `spec` that differ from `base`'s, by their labels ("Padding", "Stride"). */
function changedLabels(spec: ModuleSpec, base: ModuleSpec): string[] {
  const defs = moduleDef(spec.kind)?.params ?? {};
  const keys = new Set([...Object.keys(spec.params ?? {}), ...Object.keys(base.params ?? {})]);
  const changed: string[] = [];
  for (const k of keys)
    if (JSON.stringify(spec.params?.[k]) !== JSON.stringify(base.params?.[k]))
      changed.push(paramLabel(defs, k));
  return changed;
}

const list = (xs: readonly string[]) =>
  xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;

/**
 * The cause and the fix for module `moduleId` receiving a map of another size than it was built
 * for. `seen` holds the shapes of the modules analysed so far, in execution order (so everything
 * upstream of `moduleId`); `preset` is the design's preset analysed, or null when it has none.
 */
export function mapSizeCause(
  design: Design,
  moduleId: string,
  seen: ReadonlyMap<string, ShapesSeen>,
  preset: PresetShapes | null,
): MapCause {
  const specs = new Map(design.modules.map((m) => [m.id, m]));
  const arriving = hw(seen.get(moduleId)?.inputShapes[0]);
  const reaches = arriving
    ? `the map that reaches it is ${arriving}`
    : 'the map that reaches it has another size';
  if (!preset) return { cause: reaches, fix: 'Change the input size or the modules before it' };
  const presetSpecs = new Map(preset.design.modules.map((m) => [m.id, m]));
  const builtFor = hw(preset.modules.get(moduleId)?.inputShapes[0]);
  const sizes =
    arriving && builtFor && arriving !== builtFor
      ? ` (${arriving}; it was built for ${builtFor})`
      : '';
  // Upstream modules, in execution order.
  const ancestors = new Set<string>();
  const stack = [...(specs.get(moduleId)?.inputs ?? [])];
  while (stack.length) {
    const id = stack.pop()!;
    if (ancestors.has(id) || !specs.has(id)) continue;
    ancestors.add(id);
    stack.push(...specs.get(id)!.inputs);
  }
  for (const [id, shapes] of seen) {
    if (!ancestors.has(id)) continue;
    const base = preset.modules.get(id);
    const spec = specs.get(id)!;
    if (!base) {
      if (hw(shapes.outputShape) !== hw(shapes.inputShapes[0]))
        return {
          cause: `the inserted ${id} upstream changes the map that reaches it${sizes}`,
          fix: `Remove ${id} or make it keep the map size`,
        };
      continue;
    }
    const changedHere =
      hw(shapes.outputShape) !== hw(base.outputShape) &&
      hw(shapes.inputShapes[0]) === hw(base.inputShapes[0]);
    if (changedHere) {
      const labels = presetSpecs.has(id) ? changedLabels(spec, presetSpecs.get(id)!) : [];
      const what = labels.length ? `the ${list(labels)} edit of ${id}` : id;
      return {
        cause: `${what} upstream changes the map that reaches it${sizes}`,
        fix: `Undo that edit`,
      };
    }
  }
  const size = design.input ? `${design.input.height}×${design.input.width}` : null;
  const presetSize = hw(preset.input);
  if (size && presetSize && size !== presetSize) {
    return {
      cause: `${INPUT_SIZE_CAUSE}${size}; the preset's is ${presetSize}) changes the map that reaches it${sizes}`,
      fix: `Use the input size it was built for (${presetSize})`,
    };
  }
  return { cause: reaches, fix: 'Change the input size or the modules before it' };
}
