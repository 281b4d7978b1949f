/** Test input: text built to break out of every export target (core/export/escape.ts). */
import fc from 'fast-check';

/** Strings built to break out of each target, mixed with arbitrary Unicode (lone surrogates included). */
export const hostileString = (maxLength: number): fc.Arbitrary<string> =>
  fc
    .array(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 6 }),
        fc.constantFrom(
          '"""',
          "'''",
          '"',
          '\\',
          '\\N{',
          '\n',
          '\r\n',
          '\f',
          '\x1b]0;pwned\x07',
          '\x1b[2J',
          '\x9b31m',
          '\u202e',
          '\u2066',
          '\u2028',
          '\ufeff',
          '\ud800',
          '<![CDATA[',
          ']]>',
          '<script>',
          '&amp;',
          '=HYPERLINK("x")',
          '+1',
          '-2',
          '@SUM(A1)',
          '\t',
          '|',
          '![x](http://e/x.png)',
          '[a](javascript:x)',
          '`',
          '*',
          '__import__("os").system("touch /tmp/pwned")',
          ';',
          '#',
        ),
      ),
      { maxLength: 8 },
    )
    .map((parts) => parts.join('').slice(0, maxLength));
