import { describe, expect, it } from 'vitest';
import {
  MAX_LINE,
  call,
  className,
  divide,
  docText,
  layout,
  list,
  pyFloat,
  pySize,
  sum,
  wrapText,
} from './python';

describe('pyFloat writes floats as Python repr does', () => {
  it.each([
    [1e-5, '1e-05'],
    [0.001, '0.001'],
    [1e-4, '0.0001'],
    [0.7, '0.7'],
    [1, '1.0'],
    [-0.5, '-0.5'],
    [0, '0.0'],
    [123.25, '123.25'],
    [1e16, '1e+16'],
    [2.5e-7, '2.5e-07'],
    [1234567890123456, '1234567890123456.0'],
  ])('%s → %s', (n, text) => {
    expect(pyFloat(n)).toBe(text);
  });
});

describe('layout breaks long expressions as black does', () => {
  it('keeps a short statement on one line', () => {
    expect(layout('    ', 'x = ', call('f', ['a', 'b']))).toEqual(['    x = f(a, b)']);
  });

  it('hugs the arguments on one indented line when they fit there', () => {
    const args = Array.from({ length: 8 }, (_, i) => `argument_${i}`);
    const lines = layout('', 'y = ', call('function', args));
    expect(lines).toEqual(['y = function(', `    ${args.join(', ')}`, ')']);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(MAX_LINE);
  });

  it('puts one argument per line with a trailing comma when even that is too long', () => {
    const args = Array.from({ length: 20 }, (_, i) => `argument_${i}`);
    const lines = layout('', 'y = ', call('function', args));
    expect(lines[0]).toBe('y = function(');
    expect(lines.slice(1, -1)).toEqual(args.map((a) => `    ${a},`));
    expect(lines.at(-1)).toBe(')');
  });

  it('breaks a long sum or division inside parentheses with the operator leading', () => {
    const terms = Array.from({ length: 10 }, (_, i) => `a_rather_long_name_${i}`);
    expect(layout('', 'x = ', sum(terms))).toEqual([
      'x = (',
      `    ${terms[0]}`,
      ...terms.slice(1).map((t) => `    + ${t}`),
      ')',
    ]);
    const lines = layout(
      '',
      'x = ',
      divide(call('f', ['y'.repeat(60)]), call('g', ['z'.repeat(60)])),
    );
    expect(lines).toEqual(['x = (', `    f(${'y'.repeat(60)})`, `    / g(${'z'.repeat(60)})`, ')']);
  });

  it('writes lists and slices', () => {
    expect(layout('', 'x = ', call('torch.cat', [list(['a', 'b']), '1']))).toEqual([
      'x = torch.cat([a, b], 1)',
    ]);
    expect(layout('', 'x = ', call('self.pool', ['x'], '[:, :, :7, :7]'))).toEqual([
      'x = self.pool(x)[:, :, :7, :7]',
    ]);
  });
});

describe('text helpers', () => {
  it('writes square sizes as one number', () => {
    expect(pySize([3, 3])).toBe('3');
    expect(pySize([3, 5])).toBe('(3, 5)');
  });

  it('wraps words under the line length with a continuation prefix', () => {
    const lines = wrapText('word '.repeat(60), '# ', '#   ');
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(MAX_LINE);
    expect(lines[1].startsWith('#   word')).toBe(true);
  });

  it('keeps docstrings closed whatever a design name holds', () => {
    expect(docText('a """ b \\ c\nd')).toBe('a \\"\\"\\" b \\\\ c\\\\x0ad');
    expect(docText('say "hi"')).toBe('say \\"hi\\"');
  });

  it('derives a class name from free text', () => {
    expect(className('GoogLeNet (torchvision)', 'Network')).toBe('GoogLeNetTorchvision');
    expect(className('my net, v2', 'Network')).toBe('MyNetV2');
    expect(className('2024 edit', 'Network')).toBe('Network2024Edit');
    expect(className('—', 'Network')).toBe('Network');
  });
});
