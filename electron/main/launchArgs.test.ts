import { describe, expect, it } from 'vitest';
import { designPathFromArgv } from './launchArgs';

describe('design file on the command line', () => {
  it('finds the design among Electron and Chromium arguments', () => {
    expect(
      designPathFromArgv(['/opt/app/inception-explorer', '--no-sandbox', 'nets/a.json'], '/home/u'),
    ).toBe('/home/u/nets/a.json');
    expect(designPathFromArgv(['electron', '.vite/build/main.cjs', '/abs/b.JSON'], '/x')).toBe(
      '/abs/b.JSON',
    );
    expect(designPathFromArgv(['app', 'file:///tmp/with%20space.json'], '/x')).toBe(
      '/tmp/with space.json',
    );
  });

  it('returns null when no design is named', () => {
    expect(designPathFromArgv(['app'], '/x')).toBeNull();
    expect(designPathFromArgv(['app', '--flag=a.json', 'notes.txt'], '/x')).toBeNull();
  });
});
