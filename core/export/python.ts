/**
 * Python source building blocks for the PyTorch export: literals as `repr` writes them, and
 * expressions that break over lines the way black does when they pass the line length.
 */
import { pyDocText, pyString } from './escape';

/** The longest line the export writes (PEP 8 allows teams up to 99–100). */
export const MAX_LINE = 100;
/** One indentation level. */
export const INDENT = '    ';

/** A number as Python's `repr` of a float writes it: 1e-05, 0.001, 0.7, 1.0, 1e+16. */
export function pyFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? 'float("inf")' : n < 0 ? 'float("-inf")' : 'float("nan")';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  // JavaScript's shortest round-trip digits are Python's too; only the layout differs.
  const [mantissa, expText] = n.toExponential().split('e');
  const exp = Number(expText);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${whole}.${frac || '0'}`;
}

/** A whole number as a Python int literal. */
export function pyInt(n: number): string {
  return String(n);
}

export function pyBool(b: boolean): string {
  return b ? 'True' : 'False';
}

/** A string as a double-quoted Python literal; see `pyString` (core/export/escape.ts). */
export function pyStr(s: string): string {
  return pyString(s);
}

/** A size as PyTorch modules take it: `3` when square, `(3, 5)` otherwise. */
export function pySize(p: readonly [number, number] | readonly number[]): string {
  return p[0] === p[1] ? pyInt(p[0]) : `(${pyInt(p[0])}, ${pyInt(p[1])})`;
}

/** A Python expression: plain text, a call, a list, or a chain of one operator, so long lines can be broken. */
export type PyExpr = string | PyCall | PyList | PyOp;

/** `base`, or `base_2`, `base_3`, … if taken; records the name as taken. */
export function uniqueVariable(base: string, taken: Set<string>): string {
  let v = base;
  if (taken.has(v)) {
    let n = 2;
    while (taken.has(`${v}_${n}`)) n++;
    v = `${v}_${n}`;
  }
  taken.add(v);
  return v;
}

export interface PyCall {
  readonly type: 'call';
  readonly fn: string;
  readonly args: readonly PyExpr[];
  /** Text right after the closing parenthesis, e.g. a slice. */
  readonly suffix?: string;
}

export interface PyList {
  readonly type: 'list';
  readonly items: readonly PyExpr[];
}

export interface PyOp {
  readonly type: 'op';
  readonly op: '+' | '/';
  readonly terms: readonly PyExpr[];
}

export const call = (fn: string, args: readonly PyExpr[], suffix?: string): PyCall => ({
  type: 'call',
  fn,
  args,
  ...(suffix ? { suffix } : {}),
});
export const list = (items: readonly PyExpr[]): PyList => ({ type: 'list', items });
export const sum = (terms: readonly PyExpr[]): PyOp => ({ type: 'op', op: '+', terms });
export const divide = (a: PyExpr, b: PyExpr): PyOp => ({ type: 'op', op: '/', terms: [a, b] });
/** The expression on one line. */
export function flat(e: PyExpr): string {
  if (typeof e === 'string') return e;
  if (e.type === 'call') return `${e.fn}(${e.args.map(flat).join(', ')})${e.suffix ?? ''}`;
  if (e.type === 'list') return `[${e.items.map(flat).join(', ')}]`;
  return e.terms.map(flat).join(` ${e.op} `);
}

/**
 * Lines for `head + expr + tail` at an indent, broken as black would: on one line when it
 * fits; else the contents of the outermost brackets on one indented line; else one item per
 * line with a trailing comma, each item broken the same way.
 */
export function layout(indent: string, head: string, e: PyExpr, tail = ''): string[] {
  const one = `${indent}${head}${flat(e)}${tail}`;
  if (one.length <= MAX_LINE || typeof e === 'string') return [one];
  const inner = indent + INDENT;
  let open: string;
  let close: string;
  let items: readonly PyExpr[];
  let separator = ',';
  if (e.type === 'call') {
    open = `${e.fn}(`;
    close = `)${e.suffix ?? ''}`;
    items = e.args;
  } else if (e.type === 'list') {
    open = '[';
    close = ']';
    items = e.items;
  } else {
    open = '(';
    close = ')';
    items = e.terms;
    separator = '';
  }
  if (items.length === 0) return [one];
  const hugged = e.type === 'op' ? items.map(flat).join(` ${e.op} `) : items.map(flat).join(', ');
  if (inner.length + hugged.length <= MAX_LINE)
    return [`${indent}${head}${open}`, `${inner}${hugged}`, `${indent}${close}${tail}`];
  const lines = [`${indent}${head}${open}`];
  items.forEach((item, i) => {
    const lead = e.type === 'op' && i > 0 ? `${e.op} ` : '';
    lines.push(...layout(inner, lead, item, separator));
  });
  lines.push(`${indent}${close}${tail}`);
  return lines;
}

/** Words wrapped to fit MAX_LINE after a prefix (`# ` or docstring indentation). */
export function wrapText(text: string, prefix: string, continuation = prefix): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = prefix;
  let empty = true;
  for (const w of words) {
    if (!empty && line.length + 1 + w.length > MAX_LINE) {
      lines.push(line);
      line = continuation;
      empty = true;
    }
    line += empty ? w : ` ${w}`;
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** Text safe inside a triple-quoted docstring; see `pyDocText` (core/export/escape.ts). */
export function docText(s: string): string {
  return pyDocText(s);
}

/** A CamelCase class name from free text ("GoogLeNet (torchvision)" → "GoogLeNetTorchvision"). */
export function className(text: string, fallback: string): string {
  const words = text.match(/[A-Za-z0-9]+/g) ?? [];
  let name = words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  if (!name) name = fallback;
  if (/^[0-9]/.test(name)) name = `${fallback}${name}`;
  return name.slice(0, 64);
}
