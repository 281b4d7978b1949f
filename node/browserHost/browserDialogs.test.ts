import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveInFolder } from './browserDialogs';

const folder = '/home/u/.inception-explorer/designs';

describe('file names the page answers in the browser host dialogs', () => {
  it.each([
    ['net', 'net.json'],
    ['net.json', 'net.json'],
    ['net.JSON', 'net.JSON'],
    ['net.json.', 'net.json'],
    ['net.json. . ', 'net.json'],
    ['  my design v2  ', 'my design v2.json'],
    ['café', 'café.json'],
  ])('%j is saved as %j', (name, file) => {
    expect(resolveInFolder(folder, name, '.json')).toBe(join(folder, file));
  });

  it.each([
    ['a control character', 'net\u0007.json'],
    ['an escape sequence', 'net\u001b[31m'],
    ['a C1 control', 'net\u009b'],
    ['a right-to-left override', 'evil\u202enosj.exe'],
    ['a bidi isolate', 'a\u2066b'],
    ['a zero-width space', 'a\u200bb'],
    ['a line separator', 'a\u2028b'],
  ])('refuses %s, naming it visibly', (_what, name) => {
    let message = '';
    try {
      resolveInFolder(folder, name, '.json');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(
      /is not a usable file name: it holds control characters or characters that change the reading direction\./,
    );
    expect(message).not.toMatch(
      /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200b\u2028]/,
    );
  });

  it.each([
    ['../outside'],
    ['a/b'],
    ['a\\b'],
    ['.hidden'],
    ['..'],
    ['...'],
    [''],
    ['con'],
    ['NUL.json'],
    ['x'.repeat(201)],
    ['a:b'],
    ['a\u0000b'],
  ])('refuses %j', (name) => {
    expect(() => resolveInFolder(folder, name, '.json')).toThrow(/is not a usable file name/);
  });
});

describe('resolveWeightsName', () => {
  it('resolves weights files in the weights folder and its uploads, and nothing else', async () => {
    const { resolveWeightsName } = await import('./browserDialogs');
    const { join } = await import('node:path');
    expect(resolveWeightsName('/h/weights', 'googlenet.pth')).toBe(
      join('/h/weights', 'googlenet.pth'),
    );
    expect(resolveWeightsName('/h/weights', 'uploads/g-abc123.safetensors')).toBe(
      join('/h/weights', 'uploads', 'g-abc123.safetensors'),
    );
    expect(() => resolveWeightsName('/h/weights', '../designs/net.json')).toThrow(
      'is not a weights file',
    );
    expect(() => resolveWeightsName('/h/weights', 'uploads/../../x.pth')).toThrow(
      'not a usable file name',
    );
  });
});
