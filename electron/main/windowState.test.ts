import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WINDOW_STATE,
  fitToScreens,
  loadWindowState,
  saveWindowState,
} from './windowState';

const laptop = { x: 0, y: 0, width: 1920, height: 1080 };
const right = { x: 1920, y: 0, width: 2560, height: 1440 };

describe('window state', () => {
  it('keeps a position on a present screen and drops one on a screen that is gone', () => {
    expect(
      fitToScreens({ x: 2000, y: 100, width: 1600, height: 1000, maximized: false }, [
        laptop,
        right,
      ]),
    ).toEqual({ x: 2000, y: 100, width: 1600, height: 1000, maximized: false });
    expect(
      fitToScreens({ x: 2000, y: 100, width: 1600, height: 1000, maximized: true }, [laptop]),
    ).toEqual({ width: 1600, height: 1000, maximized: true });
    expect(
      fitToScreens({ x: -5000, y: -5000, width: 800, height: 600, maximized: false }, [laptop]),
    ).toEqual({ width: 800, height: 600, maximized: false });
  });

  it('clamps the size to the largest screen and to the minimum', () => {
    expect(fitToScreens({ width: 5000, height: 4000, maximized: false }, [laptop])).toEqual({
      width: 1920,
      height: 1080,
      maximized: false,
    });
    expect(fitToScreens({ width: 100, height: 100, maximized: false }, [laptop])).toEqual({
      width: 800,
      height: 560,
      maximized: false,
    });
  });

  it('remembers between sessions and falls back to defaults for a damaged file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'window-'));
    try {
      const file = join(dir, 'window.json');
      expect(await loadWindowState(file, [laptop])).toEqual(DEFAULT_WINDOW_STATE);
      await saveWindowState(file, { x: 10, y: 20, width: 1000, height: 700, maximized: false });
      expect(await loadWindowState(file, [laptop])).toEqual({
        x: 10,
        y: 20,
        width: 1000,
        height: 700,
        maximized: false,
      });
      await writeFile(file, '{"width": "wide"}');
      expect(await loadWindowState(file, [laptop])).toEqual(DEFAULT_WINDOW_STATE);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
