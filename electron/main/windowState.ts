/** The main window's size and position, remembered between sessions and kept on a visible screen. */
import { z } from 'zod';
import { readJsonFile, writeFileAtomic } from '../../node/host/atomicFile';

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface WindowState {
  /** Absent when the window should be centered. */
  readonly x?: number;
  readonly y?: number;
  readonly width: number;
  readonly height: number;
  readonly maximized: boolean;
}

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1400, height: 900, maximized: false };
export const MIN_WINDOW_SIZE = { width: 800, height: 560 } as const;

const stateSchema = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  maximized: z.boolean(),
});

/** Area shared by two rectangles (0 when they do not overlap). */
function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Fits a remembered state to the screens present now: the size is clamped to the largest work
 * area, and a position that would leave the title bar off every screen is dropped (centered).
 */
export function fitToScreens(state: WindowState, workAreas: readonly Rect[]): WindowState {
  const largest = workAreas.reduce<Rect | null>(
    (best, a) => (!best || a.width * a.height > best.width * best.height ? a : best),
    null,
  );
  const maxW = largest?.width ?? state.width;
  const maxH = largest?.height ?? state.height;
  const width = Math.max(Math.min(state.width, maxW), Math.min(MIN_WINDOW_SIZE.width, maxW));
  const height = Math.max(Math.min(state.height, maxH), Math.min(MIN_WINDOW_SIZE.height, maxH));
  if (state.x === undefined || state.y === undefined)
    return { width, height, maximized: state.maximized };
  // The top 40 px (title bar) must be on a screen, or the user cannot move the window back.
  const titleBar: Rect = { x: state.x, y: state.y, width, height: 40 };
  const visible = workAreas.some((a) => overlap(titleBar, a) >= Math.min(100 * 40, width * 40) / 2);
  return visible
    ? { x: state.x, y: state.y, width, height, maximized: state.maximized }
    : { width, height, maximized: state.maximized };
}

/** Reads the remembered state; the defaults when there is none or it is damaged. */
export async function loadWindowState(
  file: string,
  workAreas: readonly Rect[],
): Promise<WindowState> {
  const r = stateSchema.safeParse(await readJsonFile(file));
  return fitToScreens(r.success ? r.data : DEFAULT_WINDOW_STATE, workAreas);
}

export function saveWindowState(file: string, state: WindowState): Promise<void> {
  return writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}
