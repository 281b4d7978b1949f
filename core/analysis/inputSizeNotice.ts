/**
 * One notice for a design whose input size differs from its preset's and so no longer fits the
 * modules built for a fixed map size (a fixed average pool, an aux head's classifier): the app
 * shows it once, as a banner with the fix, instead of leaving each module to say it alone.
 */
import type { Design, Issue } from '../model/types';
import { presetDesign } from '../presets';
import { INPUT_SIZE_CAUSE, MAP_SIZE_CODES } from './mapCause';

export interface InputSizeNotice {
  /** The preset's input size, pixels: the fix. */
  readonly presetSize: { readonly height: number; readonly width: number };
  /** The modules that no longer fit because of the input size, in the analysis's order. */
  readonly moduleIds: readonly string[];
  /** One sentence with the cause and the fix. */
  readonly message: string;
}

/**
 * The notice for `design` given its analysis issues, or null when its input size is its preset's
 * (or it has no preset) or nothing fails because of it. Only issues whose cause core attributed to
 * the input size (`mapSizeCause`) count; a failure an edit upstream caused is that edit's.
 */
export function inputSizeNotice(design: Design, issues: readonly Issue[]): InputSizeNotice | null {
  const preset = design.preset ? presetDesign(design.preset) : undefined;
  if (!preset) return null;
  const { height, width } = preset.input;
  if (design.input.height === height && design.input.width === width) return null;
  const moduleIds = [
    ...new Set(
      issues
        .filter((i) => MAP_SIZE_CODES.has(i.code) && i.message.includes(INPUT_SIZE_CAUSE))
        .map((i) => i.nodeId),
    ),
  ];
  if (moduleIds.length === 0) return null;
  const names =
    moduleIds.length <= 3
      ? moduleIds.join(', ')
      : `${moduleIds.slice(0, 3).join(', ')} and ${moduleIds.length - 3} more`;
  const n = moduleIds.length;
  return {
    presetSize: { height, width },
    moduleIds,
    message: `The input is ${design.input.height}×${design.input.width}, but this network was built for ${height}×${width}: ${n} module${n === 1 ? '' : 's'} built for a fixed map size no longer ${n === 1 ? 'fits' : 'fit'} (${names}). Use ${height}×${width}, or change those modules.`,
  };
}
