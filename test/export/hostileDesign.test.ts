/**
 * A design file is untrusted: every string field of it that reaches an export (name, preset,
 * module stages, the edits listed in the PyTorch header) is filled with text built to break out
 * of each target, and every export is checked by parsing it as its reader would: Python's `ast`
 * (the module must hold exactly the statements of a clean export), Python's XML parser (SVG),
 * Python's csv reader (CSV), the Markdown table's columns, and the design file read back.
 * The design of issue 9 (a `preset` that closed the docstring and called os.system) is run too.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze } from '../../core/analysis/analyze';
import { parseDesign, serializeDesign } from '../../core/design/designFile';
import { plainText, terminalText } from '../../core/export/escape';
import { hostileString } from '../../core/export/__fixtures__/hostileString';
import { exportContent } from '../../core/export/exportFormats';
import { presetDesign } from '../../core/presets';
import { main } from '../../cli/main';
import type { Design } from '../../core/model/types';

const PYTHON = '/usr/bin/python3';
const hasPython = existsSync(PYTHON);
const dir = mkdtempSync(join(tmpdir(), 'ie-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** GoogLeNet with hostile text in every free string field a valid design has. */
const hostileDesign: fc.Arbitrary<Design> = fc
  .record({
    name: hostileString(200),
    preset: fc.option(hostileString(64)),
    stage: hostileString(32),
    inception: fc.nat(8),
    edit: fc.boolean(),
  })
  .map(({ name, preset, stage, inception, edit }) => {
    const base = presetDesign('googlenet')!;
    let i = -1;
    const modules = base.modules.map((m) => {
      if (m.kind !== 'inception') return m;
      i++;
      return i === inception
        ? { ...m, stage, params: edit ? { ...m.params, out_3x3: 200 } : m.params }
        : m;
    });
    return { ...base, name, preset, modules };
  });

/** Python: parse each file, list its top-level statements, parse each SVG as XML and each CSV. */
const CHECKER = String.raw`
import ast, csv, io, json, sys
import xml.etree.ElementTree as ET
out = []
for item in json.load(open(sys.argv[1], encoding="utf-8")):
    r = {}
    try:
        tree = ast.parse(open(item["py"], encoding="utf-8").read())
        r["top"] = [type(n).__name__ + ":" + (n.name if hasattr(n, "name") else "") for n in tree.body]
        r["doc"] = ast.get_docstring(tree, clean=False)
        classes = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
        r["calls"] = sorted({n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)} - classes)
    except SyntaxError as e:
        r["pyError"] = str(e)
    try:
        root = ET.fromstring(open(item["svg"], encoding="utf-8").read())
        r["title"] = root.find("{http://www.w3.org/2000/svg}title").text
    except Exception as e:
        r["svgError"] = str(e)
    rows = list(csv.reader(io.StringIO(open(item["csv"], encoding="utf-8", newline="").read())))
    r["csvWidths"] = sorted({len(row) for row in rows})
    out.append(r)
print(json.dumps(out))
`;

interface Checked {
  top?: string[];
  doc?: string;
  calls?: string[];
  pyError?: string;
  title?: string;
  svgError?: string;
  csvWidths: number[];
}

async function exportsOf(
  design: Design,
): Promise<Record<'pytorch' | 'svg' | 'csv' | 'markdown' | 'design', string>> {
  const analysis = analyze(design);
  expect(analysis.valid).toBe(true);
  const out = {} as Record<'pytorch' | 'svg' | 'csv' | 'markdown' | 'design', string>;
  for (const f of ['pytorch', 'svg', 'csv', 'markdown', 'design'] as const) {
    const r = await exportContent(f, design, analysis);
    if (!r.ok) throw new Error(`${f}: ${JSON.stringify(r.issues)}`);
    out[f] = r.value.content;
  }
  return out;
}

describe.skipIf(!hasPython)(
  'hostile strings in a design file reach no export as code or markup',
  () => {
    it('every export of 60 hostile designs parses as its reader reads it, and holds only the clean statements', async () => {
      const designs = fc.sample(hostileDesign, { numRuns: 60, seed: 9 });
      designs.unshift({ ...presetDesign('googlenet')!, name: 'clean' });
      const items: { py: string; svg: string; csv: string }[] = [];
      const markdown: string[] = [];
      for (const [i, d] of designs.entries()) {
        const e = await exportsOf(d);
        const files = {
          py: join(dir, `d${i}.py`),
          svg: join(dir, `d${i}.svg`),
          csv: join(dir, `d${i}.csv`),
        };
        writeFileSync(files.py, e.pytorch);
        writeFileSync(files.svg, e.svg);
        writeFileSync(files.csv, e.csv);
        items.push(files);
        markdown.push(e.markdown);
        // The design file reads back as the same design.
        const back = parseDesign(e.design);
        expect(back.ok && back.design).toEqual(d);
        expect(e.design).not.toMatch(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      }
      writeFileSync(join(dir, 'items.json'), JSON.stringify(items));
      writeFileSync(join(dir, 'check.py'), CHECKER);
      const checked = JSON.parse(
        execFileSync(PYTHON, [join(dir, 'check.py'), join(dir, 'items.json')], {
          encoding: 'utf8',
        }),
      ) as Checked[];
      const clean = checked[0];
      expect(clean.pyError).toBeUndefined();
      checked.forEach((r, i) => {
        const d = designs[i];
        expect(
          r.pyError,
          `design ${i}: ${JSON.stringify(d.name)} / ${JSON.stringify(d.preset)}`,
        ).toBeUndefined();
        // The same statements as a clean export: a docstring, imports, the classes and the smoke test.
        expect(r.top!.length).toBe(clean.top!.length);
        expect(r.top!.filter((t) => !t.startsWith('ClassDef'))).toEqual(
          clean.top!.filter((t) => !t.startsWith('ClassDef')),
        );
        expect(r.calls).toEqual(clean.calls);
        // The name is data in the docstring, shown as the reader sees it.
        expect(r.doc).toContain('PyTorch code for');
        expect(r.svgError, `design ${i}`).toBeUndefined();
        expect(r.title).toBe(plainText(d.name || 'Untitled design'));
        expect(r.csvWidths).toEqual([8]);
      });
      for (const md of markdown) {
        // The module table: every row has exactly its five cells (six unescaped pipes).
        const table = md.split('\n\n')[0].split('\n');
        expect(table.length).toBeGreaterThan(10);
        for (const row of table) expect(row.match(/(?<!\\)\|/g)?.length, row).toBe(6);
      }
    }, 120_000);

    it('the design of issue 9 exports to a file that runs no command', () => {
      const marker = join(dir, 'pw');
      const payload = '"""; __import__("os").system("touch pw"); """';
      expect(payload.length).toBeLessThanOrEqual(64);
      const design = { ...presetDesign('googlenet')!, preset: payload, name: `n${payload}` };
      const file = join(dir, 'issue9.py');
      writeFileSync(file, serializeDesign(design));
      const py = join(dir, 'issue9-export.py');
      const r = spawnSync(
        process.execPath,
        [
          join(__dirname, '..', '..', 'bin', 'inception-explorer.mjs'),
          'export',
          'pytorch',
          file,
          '-o',
          py,
        ],
        { encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      // Executing the module body (classes, imports) without torch: only the docstring could run code.
      const probe = spawnSync(
        PYTHON,
        [
          '-c',
          `import ast,sys; t=ast.parse(open(sys.argv[1]).read()); exec(compile(ast.Module(body=t.body[:1], type_ignores=[]), "x", "exec"))`,
          py,
        ],
        { encoding: 'utf8', cwd: dir },
      );
      expect(probe.status, probe.stderr).toBe(0);
      expect(existsSync(marker)).toBe(false);
      const text = readFileSync(py, 'utf8');
      expect(text).toContain(
        'Preset \\"\\"\\"; __import__(\\"os\\").system(\\"touch pw\\"); \\"\\"\\" is unknown',
      );
    }, 60_000);
  },
);

describe('the command line prints no raw control sequence from a design', () => {
  it('export and summary messages show ESC, BEL and bidi characters as escapes', async () => {
    const name = 'evil\x1b]0;owned\x07\x1b[2J\u202ename';
    const design = {
      ...presetDesign('googlenet')!,
      name,
      modules: presetDesign('googlenet')!.modules.map((m, i) =>
        i === 3 ? { ...m, id: 'bad\x1b[31mid' } : m,
      ),
    };
    const file = join(dir, 'evil.json');
    writeFileSync(file, serializeDesign(design));
    const out: string[] = [];
    const io = {
      out: (s: string) => void out.push(s),
      err: (s: string) => void out.push(s),
      isTty: false,
    };
    expect(await main(['export', 'pytorch', file], io)).toBe(1);
    expect(await main(['summary', file], io)).toBe(1);
    const good = join(dir, 'evil-name.json');
    writeFileSync(good, serializeDesign({ ...presetDesign('googlenet')!, name }));
    expect(await main(['export', 'csv', good, '-o', join(dir, 'evil.csv')], io)).toBe(0);
    const text = out.join('');
    expect(text).not.toMatch(/[\u0007\u001b\u009b\u202e]/);
    expect(text).toContain(terminalText(name));
  });
});
