/**
 * One escaping function per target that text from a design file can reach. A design file is
 * untrusted input (it may come from anyone); every string of it (name, preset, module ids,
 * stages, parameter values, output names) goes through the function of the target it lands in,
 * so it can never close a literal, start a formula, draw a link or move the cursor.
 *
 * Targets: Python string literals, docstrings and comments (`export pytorch`), XML text and
 * attributes (SVG), Markdown table cells, CSV cells (with spreadsheet-formula neutralization),
 * JSON text safe to print (the design file itself), a terminal, and ONNX metadata strings.
 */

/**
 * Characters no exported text keeps: C0 and C1 controls, DEL, the Unicode line and paragraph
 * separators, the byte-order mark, and the bidirectional overrides and isolates that reorder
 * what a reader sees against what a parser reads ("Trojan Source", CVE-2021-42574).
 */
const INVISIBLE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/gu;
/** Halves of surrogate pairs standing alone: not Unicode text, invalid in XML and UTF-8. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** Non-characters XML 1.0 forbids outright. */
const XML_NONCHAR = /[\ufffe\uffff]/g;
const INVISIBLE_CHAR = new RegExp(INVISIBLE.source, 'u');

/** `\x1b`, `\u202e`: a character written as its escape, so a reader sees it is there. */
function visibleEscape(ch: string): string {
  const code = ch.codePointAt(0)!;
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Text without invisible or reordering characters: each becomes a visible escape (`\x1b`), lone surrogates U+FFFD. */
export function plainText(s: string): string {
  return String(s).replace(LONE_SURROGATE, '\ufffd').replace(INVISIBLE, visibleEscape);
}

/** Text for one line of a terminal: no ESC, BEL, CR, backspace or other control (C0, C1) survives; each shows as `\x1b`. */
export function terminalText(s: string): string {
  return plainText(s);
}

/**
 * A whole block of terminal output: like `terminalText` but keeps the newlines, tabs and carriage
 * returns that the program itself writes (a progress bar redraws with `\r`).
 */
export function terminalBlock(s: string): string {
  return String(s)
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(INVISIBLE, (ch) =>
      ch === '\n' || ch === '\r' || ch === '\t' ? ch : visibleEscape(ch),
    );
}

const OWN_TEXT = Symbol('ownText');

/** Text the program composed for the terminal itself, whose line breaks are its own (see `ownText`). */
export interface OwnText {
  readonly [OWN_TEXT]: string;
}

/**
 * Marks text the program itself composed for the terminal (a usage text, a list built with
 * `terminalLines`), so embedding it in `terminalLines` keeps its line breaks. Never wrap text that
 * holds an unescaped piece of a design, a file, a path or an error message.
 */
export function ownText(s: string): OwnText {
  return { [OWN_TEXT]: s };
}

/** A value `terminalLines` embeds: text from outside (escaped to one line), a number, or the program's own text. */
export type TerminalValue = string | number | boolean | null | undefined | OwnText;

function terminalPiece(v: TerminalValue): string {
  if (typeof v === 'object' && v !== null) return v[OWN_TEXT];
  return terminalText(String(v));
}

/**
 * A template tag for terminal output that keeps the program's own line breaks: the template's
 * text stays as written (its `\n`, `\r`, indentation), and every embedded value goes through
 * `terminalText`, so a design name, module id, file path, checkpoint key or an error message read
 * from a file shows on one line and cannot forge lines, redraw one with `\r`, or send escape
 * sequences. Values marked with `ownText` are embedded as they are.
 *
 *     io.err(terminalLines`Wrote ${design.name} to ${out}.\n`)
 */
export function terminalLines(
  strings: TemplateStringsArray,
  ...values: readonly TerminalValue[]
): string {
  let out = strings[0];
  values.forEach((v, i) => {
    out += terminalPiece(v) + strings[i + 1];
  });
  return out;
}

/**
 * A Python string literal (double-quoted) of any text: quotes, backslashes, controls, bidi
 * characters and lone surrogates are escapes, so the literal ends where the generator meant and
 * reads as it runs. Other Unicode stays as it is (Python 3 source is UTF-8).
 */
export function pyString(s: string): string {
  let out = '"';
  for (const ch of String(s).replace(LONE_SURROGATE, '\ufffd')) {
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (INVISIBLE_CHAR.test(ch)) out += visibleEscape(ch);
    else out += ch;
  }
  return `${out}"`;
}

/**
 * Text for the inside of a Python triple-quoted docstring (`"""…"""`, not raw): every quote and
 * backslash is escaped (so no run of quotes can close it and no `\N{…}` or `\x` escape is formed),
 * and controls and bidi characters show as visible text (`\x1b` written as `\\x1b`).
 */
export function pyDocText(s: string): string {
  return plainText(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/** Text for a Python `#` comment: one line (no CR, LF, form feed or other control), no bidi characters. */
export function pyCommentText(s: string): string {
  return plainText(s);
}

/** Text for XML character data and attribute values (SVG): markup characters as entities, characters XML 1.0 forbids as visible escapes. */
export function xmlText(s: string): string {
  return String(s)
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(XML_NONCHAR, '\ufffd')
    .replace(INVISIBLE, visibleEscape)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Text for one cell of a Markdown table: one line, pipes escaped, and every character that could
 * start markup (emphasis, code, links, images, HTML, entities) backslash-escaped, so a cell shows
 * its text and never a link, a picture or a tag.
 */
export function markdownCell(s: string): string {
  return plainText(s).replace(/[\\`*_[\]<>|!&]/g, (ch) => `\\${ch}`);
}

/** Characters that make a spreadsheet read a cell as a formula (OWASP's CSV injection list). */
const FORMULA_START = /^[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/;

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break. Text that a
 * spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) gets a leading
 * `'` (OWASP). Numbers are written as numbers, so a negative number stays a number.
 */
export function csvCell(value: string | number | boolean): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  let t = String(value).replace(LONE_SURROGATE, '\ufffd');
  if (FORMULA_START.test(t)) t = `'${t}`;
  return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

/**
 * JSON text that prints safely: JSON.stringify's output with C1 controls, DEL, line separators,
 * bidi characters and the BOM written as `\uXXXX` escapes (still the same JSON value).
 */
export function safeJsonText(json: string): string {
  // JSON.stringify already escapes C0 inside strings; the raw newlines left are its layout.
  return json.replace(INVISIBLE, (ch) =>
    ch < ' ' ? ch : `\\u${ch.codePointAt(0)!.toString(16).padStart(4, '0')}`,
  );
}

/** The longest ONNX metadata value written (the design's name, preset, …), in characters. */
export const MAX_METADATA_CHARS = 256;

/**
 * A string for ONNX metadata (`metadata_props`, `doc_string`, `producer_name`): valid Unicode
 * (lone surrogates become U+FFFD, so the protobuf string is valid UTF-8), no controls or bidi
 * characters, at most MAX_METADATA_CHARS characters.
 */
export function onnxMetadataText(s: string): string {
  const t = plainText(s);
  return t.length > MAX_METADATA_CHARS ? `${t.slice(0, MAX_METADATA_CHARS - 1)}…` : t;
}
