import { describe, expect, it } from 'vitest';
import {
  parseDesign,
  serializeDesign,
  validateDesign,
  issuePath,
  MAX_DESIGN_BYTES,
} from './designFile';
import { presetDesign, presetNames } from '../presets';
import { setParam } from './edit';

const text = () => serializeDesign(presetDesign('googlenet')!);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests mutate arbitrary JSON
const mutate = (f: (o: Record<string, any>) => void): string => {
  const o = JSON.parse(text());
  f(o);
  return JSON.stringify(o);
};
const errorsOf = (t: string) => {
  const r = parseDesign(t);
  if (r.ok) throw new Error('expected the file to be rejected');
  return r.errors;
};

describe('design files: save → load is exact', () => {
  it.each(presetNames)('round-trips %s', (name) => {
    const d = presetDesign(name)!;
    const r = parseDesign(serializeDesign(d));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.design).toEqual(d);
      expect(serializeDesign(r.design)).toBe(serializeDesign(d));
    }
  });

  it('keeps edits, including invalid work in progress', () => {
    const d = setParam(presetDesign('googlenet')!, 'inception4c', 'out_3x3', -5);
    const r = parseDesign(serializeDesign(d));
    expect(r.ok && r.design).toEqual(d);
  });

  it('writes a versioned format tag', () => {
    const o = JSON.parse(text());
    expect(o.format).toBe('inception-explorer/design');
    expect(o.version).toBe(1);
  });
});

describe('design files: bad input gives errors with JSON paths', () => {
  it('rejects text that is not JSON', () => {
    expect(errorsOf('{"format": ')[0].message).toMatch(/^The file is not valid JSON/);
    expect(errorsOf('')[0].path).toBe('$');
  });

  it('rejects other formats and versions', () => {
    expect(errorsOf('[1,2]')[0].message).toBe('A design file holds one JSON object.');
    expect(errorsOf(mutate((o) => (o.format = 'onnx')))[0]).toEqual({
      path: '$.format',
      message: expect.stringContaining('not an Inception Explorer design file'),
    });
    expect(errorsOf(mutate((o) => (o.version = 7)))[0]).toEqual({
      path: '$.version',
      message:
        'This design file is version 7; this app reads version 1. Update Inception Explorer to open it.',
    });
  });

  it('names wrong types by path', () => {
    const errors = errorsOf(mutate((o) => (o.modules[10].params.out_3x3 = { n: 3 })));
    expect(errors.map((e) => e.path)).toContain('$.modules[10].params.out_3x3');
    expect(errorsOf(mutate((o) => (o.input.height = null))).map((e) => e.path)).toContain(
      '$.input.height',
    );
    expect(errorsOf(mutate((o) => (o.modules = {}))).map((e) => e.path)).toContain('$.modules');
  });

  it('rejects absurd numbers such as 10^12 filters', () => {
    const errors = errorsOf(mutate((o) => (o.modules[10].params.out_3x3 = 1e12)));
    expect(errors).toEqual([
      {
        path: '$.modules[10].params.out_3x3',
        message: '1,000,000,000,000 is far too large (filter counts are at most 65,536)',
      },
    ]);
  });

  it('rejects __proto__ keys without polluting anything', () => {
    const hostile = text().replace('"params": {', '"params": {"__proto__": {"polluted": true}, ');
    const errors = errorsOf(hostile);
    expect(errors[0]).toEqual({
      path: '$.modules[0].params["__proto__"]',
      message: 'The key "__proto__" is not allowed in a design file.',
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const top = text().replace('{', '{"__proto__": {"polluted": true},');
    expect(errorsOf(top)[0].path).toBe('$["__proto__"]');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const constructor = mutate((o) => (o.outputs = { ['constructor']: 'fc1', main: 'fc1' }));
    expect(parseDesign(constructor).ok).toBe(true);
  });

  it('refuses huge files before parsing them', () => {
    const huge = ' '.repeat(50 * 1024 * 1024);
    const errors = errorsOf(huge);
    expect(errors[0].message).toBe(`The file is 50.0 MiB; design files are at most 16.0 MiB.`);
    expect(MAX_DESIGN_BYTES).toBe(16 * 1024 * 1024);
  });

  it('survives deep nesting', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(parseDesign(deep).ok).toBe(false);
  });

  it('rejects non-objects given to validateDesign', () => {
    expect(validateDesign(null).ok).toBe(false);
    expect(validateDesign('x').ok).toBe(false);
  });
});

describe('issuePath', () => {
  it('points at the parameter of an analysis issue', () => {
    const d = presetDesign('googlenet')!;
    expect(issuePath(d, 'inception4c', 'out_3x3')).toBe('$.modules[10].params.out_3x3');
    expect(issuePath(d, 'design', 'input.height')).toBe('$.input.height');
    expect(issuePath(d, 'conv2', 'inputs')).toBe('$.modules[2].inputs');
  });
});

describe('messages for odd files and values', () => {
  it('accepts a UTF-8 byte-order mark before the JSON', () => {
    const r = parseDesign(`\ufeff${text()}`);
    expect(r.ok && r.design).toEqual(presetDesign('googlenet'));
  });

  it.each([
    ['"classes": 1000', '"classes": null', '$.classes', 'must be a number; got null.'],
    [
      '"classes": 1000',
      '"classes": 1e400',
      '$.classes',
      'must be a number; got a number too large to hold (it reads as infinity).',
    ],
    ['"batch": 3', '"batch": "3"', '$.input.batch', 'must be a number; got "3".'],
    ['"aux": true', '"aux": null', '$.aux', 'must be true or false; got null.'],
    ['"name": "GoogLeNet"', '"name": 7', '$.name', 'must be text; got 7.'],
    [
      '"out_1x1": 64',
      '"out_1x1": null',
      '$.modules[4].params.out_1x1',
      'must be a number, true or false, a text of at most 64 characters, or a list of 1 to 4 numbers; got null.',
    ],
    [
      '"out_1x1": 64',
      '"out_1x1": 1e400',
      '$.modules[4].params.out_1x1',
      'must be a number, true or false, a text of at most 64 characters, or a list of 1 to 4 numbers; got a number too large to hold (it reads as infinity).',
    ],
    [
      '"out_1x1": 64',
      '"out_1x1": {}',
      '$.modules[4].params.out_1x1',
      'must be a number, true or false, a text of at most 64 characters, or a list of 1 to 4 numbers; got an object.',
    ],
  ])('%s → %s says what is wrong, not "Invalid input"', (from, to, path, message) => {
    const r = parseDesign(text().replace(from, to));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toEqual([{ path, message }]);
  });

  it('never quotes the content of a file that is not JSON', () => {
    const r = parseDesign('root:x:0:0:root:/root:/bin/bash\n');
    expect(!r.ok && r.errors[0].message).toBe(
      'The file is not valid JSON: unexpected character "r".',
    );
  });
});

describe('design file: weights', () => {
  it('keeps the weights file with the design, and leaves it out when there is none', async () => {
    const { presetDesign } = await import('../presets');
    const { setWeights } = await import('./edit');
    const base = presetDesign('googlenet')!;
    const withWeights = setWeights(base, '/home/u/googlenet.pth');
    const text = serializeDesign(withWeights);
    expect(JSON.parse(text).weights).toEqual({ path: '/home/u/googlenet.pth' });
    const back = parseDesign(text);
    expect(back.ok && back.design.weights).toEqual({ path: '/home/u/googlenet.pth' });
    expect(serializeDesign(setWeights(withWeights, null))).toBe(serializeDesign(base));
    expect(parseDesign(text.replace('"path"', '"where"')).ok).toBe(false);
  });
});
