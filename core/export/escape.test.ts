import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hostileString } from './__fixtures__/hostileString';
import {
  csvCell,
  markdownCell,
  onnxMetadataText,
  plainText,
  pyDocText,
  pyString,
  safeJsonText,
  ownText,
  terminalBlock,
  terminalLines,
  terminalText,
  xmlText,
  MAX_METADATA_CHARS,
} from './escape';

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/;
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('terminal text', () => {
  it('keeps no control character, ESC, BEL, C1 or bidi override, whatever the input', () => {
    fc.assert(
      fc.property(hostileString(200), (s) => {
        const t = terminalText(s);
        expect(t).not.toMatch(CONTROL);
        expect(t).not.toMatch(LONE);
      }),
    );
  });

  it('shows what it removed', () => {
    expect(terminalText('a\x1b]0;x\x07b')).toBe('a\\x1b]0;x\\x07b');
    expect(terminalText('left\u202eright')).toBe('left\\u202eright');
    expect(terminalText('csi\u009bm')).toBe('csi\\x9bm');
    expect(terminalText('two\nlines')).toBe('two\\x0alines');
  });

  it('keeps the line breaks and carriage returns of a block the program writes', () => {
    expect(terminalBlock('a\n\rb\tc\x1b[2J\x07')).toBe('a\n\rb\tc\\x1b[2J\\x07');
  });
});

describe("terminal lines (the program's own line breaks, every embedded piece on one line)", () => {
  it("keeps the template's lines and escapes every value to one line, whatever the value", () => {
    fc.assert(
      fc.property(hostileString(120), hostileString(40), (name, path) => {
        const t = terminalLines`Wrote ${name} to ${path}.\n  next line\n`;
        const lines = t.split('\n');
        expect(lines).toHaveLength(3);
        expect(lines[0]).toBe(`Wrote ${terminalText(name)} to ${terminalText(path)}.`);
        expect(lines[1]).toBe('  next line');
        expect(t.replace(/\n/g, '')).not.toMatch(CONTROL);
      }),
    );
  });

  it.each([
    ['a line break', 'evil\nforged: ok', 'evil\\x0aforged: ok'],
    ['a carriage return that would redraw the line', 'x\rWrote fine', 'x\\x0dWrote fine'],
    ['an escape sequence', '\u001b[2K\u001b[1Aup', '\\x1b[2K\\x1b[1Aup'],
    ['a line separator', 'a\u2028b', 'a\\u2028b'],
    ['a bidi override', 'abc\u202efdp.exe', 'abc\\u202efdp.exe'],
  ])('shows %s as an escape', (_what, value, shown) => {
    expect(terminalLines`name: ${value}\n`).toBe(`name: ${shown}\n`);
  });

  it("embeds the program's own text as it is, and numbers and missing values as words", () => {
    const list = terminalLines`  ✗ ${'a\nb'}\n  ✗ two`;
    expect(terminalLines`Problems:\n${ownText(list)}\n`).toBe('Problems:\n  ✗ a\\x0ab\n  ✗ two\n');
    expect(terminalLines`${3} ${null} ${undefined} ${true}`).toBe('3 null undefined true');
  });

  it('is idempotent on its own output: escaping twice shows the same', () => {
    const once = terminalLines`${'a\u001b\nb'}`;
    expect(terminalLines`${once}`).toBe(once);
  });
});

describe('Python literals', () => {
  it.each([
    [
      '"""; __import__("os").system("id"); """',
      '"\\"\\"\\"; __import__(\\"os\\").system(\\"id\\"); \\"\\"\\""',
    ],
    ['back\\slash', '"back\\\\slash"'],
    ['bell\x07 and \u202e', '"bell\\x07 and \\u202e"'],
    ['line\nbreak', '"line\\nbreak"'],
    ['café', '"café"'],
    ['\ud800', '"\ufffd"'],
  ])('pyString(%j) = %s', (input, expected) => {
    expect(pyString(input)).toBe(expected);
  });

  it('docstring text escapes every quote and backslash, so no run of quotes can close it', () => {
    expect(pyDocText('a """ b \\ c\nd')).toBe('a \\"\\"\\" b \\\\ c\\\\x0ad');
    expect(pyDocText('ends with a quote"')).toBe('ends with a quote\\"');
    fc.assert(
      fc.property(hostileString(200), (s) => {
        const t = pyDocText(s);
        expect(t).not.toMatch(/(?<!\\)(?:\\\\)*"/);
        expect(t).not.toMatch(CONTROL);
      }),
    );
  });
});

describe('XML text', () => {
  it.each([
    [`<a href="x">'&'</a>`, '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;'],
    [']]><x/>', ']]&gt;&lt;x/&gt;'],
    ['nul\u0000 and \ufffe', 'nul\\x00 and \ufffd'],
    ['\udc00 lone', '\ufffd lone'],
  ])('xmlText(%j) = %s', (input, expected) => {
    expect(xmlText(input)).toBe(expected);
  });
});

describe('Markdown cells', () => {
  it('escapes pipes and every character that starts markup', () => {
    expect(markdownCell('a|b')).toBe('a\\|b');
    expect(markdownCell('![x](http://e/x.png)')).toBe('\\!\\[x\\](http://e/x.png)');
    expect(markdownCell('<img src=x>')).toBe('\\<img src=x\\>');
    expect(markdownCell('two\nlines')).toBe('two\\\\x0alines');
  });

  it('never leaves an unescaped pipe or a line break', () => {
    fc.assert(
      fc.property(hostileString(100), (s) => {
        const t = markdownCell(s);
        expect(t).not.toMatch(/(?<!\\)(?:\\\\)*\|/);
        expect(t).not.toMatch(/[\n\r]/);
      }),
    );
  });
});

describe('CSV cells', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+SUM(A1)', "'+SUM(A1)"],
    ['-2', "'-2"],
    ['@cmd', "'@cmd"],
    ['\tx', "'\tx"],
    ['\rx', '"\'\rx"'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['=cmd|" /C calc"!A0', '"\'=cmd|"" /C calc""!A0"'],
    ['plain', 'plain'],
  ])('csvCell(%j) = %s', (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it('writes numbers as numbers, a negative one too', () => {
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(1569826816)).toBe('1569826816');
    expect(csvCell(true)).toBe('true');
  });
});

describe('JSON text and ONNX metadata', () => {
  it('writes C1 controls, bidi characters and the BOM as escapes, keeping the same JSON value', () => {
    fc.assert(
      fc.property(hostileString(100), (s) => {
        const json = safeJsonText(JSON.stringify({ s }));
        expect(json).not.toMatch(CONTROL);
        expect((JSON.parse(json) as { s: string }).s).toBe(JSON.parse(JSON.stringify(s)));
      }),
    );
  });

  it('keeps metadata short, valid Unicode and free of controls', () => {
    fc.assert(
      fc.property(hostileString(400), (s) => {
        const t = onnxMetadataText(s);
        expect(t.length).toBeLessThanOrEqual(MAX_METADATA_CHARS);
        expect(t).not.toMatch(CONTROL);
        expect(t).not.toMatch(LONE);
      }),
    );
    expect(onnxMetadataText('x'.repeat(1000))).toHaveLength(MAX_METADATA_CHARS);
  });

  it('plainText leaves ordinary text alone', () => {
    expect(plainText('GoogLeNet (torchvision) — ünïcode, 日本語 ✓')).toBe(
      'GoogLeNet (torchvision) — ünïcode, 日本語 ✓',
    );
  });
});
