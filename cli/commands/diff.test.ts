import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../main';
import { serializeDesign } from '../../core/design/designFile';
import { deleteModule, duplicateModule } from '../../core/design/edit';
import { presetDesign, presetNames } from '../../core/presets';

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s), isTty: false });
  return { code, out, err };
}

interface Change {
  id: string;
  status: string;
  params: Record<string, { from: unknown; to: unknown }>;
  delta: { params: number; macs: number };
  outputShape: { a: number[] | null; b: number[] | null };
}

describe('diff A B --json (the issue-14 example)', () => {
  it('tells the edit (inception4c changed) from its consequence (inception4d affected), with totals checked against each side’s summary', async () => {
    const r = await cli(
      'diff',
      'googlenet',
      'googlenet',
      '--set',
      'inception4c.out_3x3=300',
      '--json',
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.changes.map((c: Change) => [c.id, c.status])).toEqual([
      ['inception4c', 'changed'],
      ['inception4d', 'affected'],
    ]);
    const [c4c, c4d] = j.changes as Change[];
    expect(c4c.params).toEqual({ out_3x3: { from: 256, to: 300 } });
    expect(c4c.delta.params).toBe(50_820);
    expect(c4c.outputShape).toEqual({ a: [3, 512, 14, 14], b: [3, 556, 14, 14] });
    expect(c4d.params).toEqual({});
    expect(c4d.delta.params).toBe(15_488);
    expect(j.totals.a.params).toBe(13_389_064);
    expect(j.totals.b.params).toBe(13_455_372);
    expect(j.totals.delta.params).toBe(66_308);

    // Each side's own summary gives the same figures.
    const sa = JSON.parse((await cli('summary', '--preset', 'googlenet', '--json')).out);
    const sb = JSON.parse(
      (await cli('summary', '--preset', 'googlenet', '--set', 'inception4c.out_3x3=300', '--json'))
        .out,
    );
    for (const key of [
      'params',
      'paramsEval',
      'macs',
      'macsTrain',
      'weightBytes',
      'activationBytesEval',
    ] as const) {
      expect([j.totals.a[key], j.totals.b[key], j.totals.delta[key]], key).toEqual([
        sa.totals[key],
        sb.totals[key],
        sb.totals[key] - sa.totals[key],
      ]);
    }
    for (const c of j.changes as Change[]) {
      const na = sa.nodes.find((n: { id: string }) => n.id === c.id);
      const nb = sb.nodes.find((n: { id: string }) => n.id === c.id);
      expect(c.delta).toMatchObject({ params: nb.params - na.params, macs: nb.macs - na.macs });
      expect(c.outputShape).toEqual({ a: na.outputShape, b: nb.outputShape });
    }
  });

  it('prints the change list and totals as text', async () => {
    const r = await cli('diff', 'googlenet', 'googlenet', '--set', 'inception4c.out_3x3=300');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /changed {3}inception4c {3}out_3x3 256 → 300\n.*params 511,432 → 562,252 \(\+50,820\).*output 3×512×14×14 → 3×556×14×14/,
    );
    expect(r.out).toMatch(
      /affected {2}inception4d {3}same parameters; input 3×512×14×14 → 3×556×14×14\n.*\(\+15,488\)/,
    );
    expect(r.out).toMatch(
      /Parameters \(with aux heads\) +13,389,064 +13,455,372 +\+66,308 +\+0\.50 %/,
    );
  });
});

describe('diff with design files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ie-diff-'));
  const write = (name: string, d: ReturnType<typeof presetDesign>) => {
    const file = join(dir, name);
    writeFileSync(file, serializeDesign(d!));
    return file;
  };

  it('reports an inserted module as added and a deleted one as removed, nothing else changed', async () => {
    const inserted = write(
      'inserted.json',
      duplicateModule(presetDesign('googlenet')!, 'inception4c'),
    );
    const j1 = JSON.parse((await cli('diff', 'googlenet', inserted, '--json')).out);
    expect(j1.changes.map((c: Change) => [c.id, c.status])).toEqual([['inception4c_2', 'added']]);
    expect(j1.totals.delta.params).toBe(511_432);
    const deleted = write('deleted.json', deleteModule(presetDesign('googlenet')!, 'inception4c'));
    const j2 = JSON.parse((await cli('diff', 'googlenet', deleted, '--json')).out);
    expect(j2.changes.map((c: Change) => [c.id, c.status])).toEqual([['inception4c', 'removed']]);
    expect(j2.rewired).toEqual(['inception4d']);
    expect(j2.totals.delta.params).toBe(-511_432);
  });

  it('exports Markdown, CSV and the marked graph picture', async () => {
    const md = await cli(
      'diff',
      'googlenet',
      'googlenet',
      '--set',
      'inception4c.out_3x3=300',
      '--format',
      'markdown',
    );
    expect(md.out).toContain(
      '| inception4c | changed | out\\_3x3 256 → 300 | 511,432 → 562,252 | +50,820 |',
    );
    expect(md.out).toContain(
      '| Parameters (with aux heads) | 13,389,064 | 13,455,372 | +66,308 | +0.50 % |',
    );
    const csvFile = join(dir, 'diff.csv');
    const csv = await cli(
      'diff',
      'googlenet',
      'googlenet',
      '--set',
      'inception4c.out_3x3=300',
      '-o',
      csvFile,
    );
    expect(csv.code).toBe(0);
    const lines = readFileSync(csvFile, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(
      'section,id,status,matched_by,kind,changes,params_a,params_b,delta_params,macs_a,macs_b,delta_macs,activation_bytes_a,activation_bytes_b,delta_activation_bytes,output_shape_a,output_shape_b',
    );
    expect(lines.find((l) => l.startsWith('module,inception4c,'))).toContain(
      ',511432,562252,50820,',
    );
    expect(lines.find((l) => l.startsWith('total,with aux heads,'))).toContain(
      ',13389064,13455372,66308,',
    );
    const svgFile = join(dir, 'diff.svg');
    expect(
      (
        await cli(
          'diff',
          'googlenet',
          'googlenet',
          '--set',
          'inception4c.out_3x3=300',
          '-o',
          svgFile,
        )
      ).code,
    ).toBe(0);
    const svg = readFileSync(svgFile, 'utf8');
    expect(svg).toContain('>CHANGED</text>');
    expect(svg).toContain('>AFFECTED</text>');
  });

  it('escapes text from design files in Markdown and CSV', async () => {
    const hostile = write('hostile.json', {
      ...presetDesign('googlenet')!,
      name: '=HYPERLINK("x")|![x](y)',
    });
    const md = (await cli('diff', 'googlenet', hostile, '--format', 'markdown')).out;
    expect(md).toContain('(=HYPERLINK("x")\\|\\!\\[x\\](y))');
    const j = JSON.parse((await cli('diff', 'googlenet', hostile, '--json')).out);
    expect(j.b.name).toBe('=HYPERLINK("x")|![x](y)');
  });
});

describe('diff across the family', () => {
  it('adds a stage-by-stage summary when the ids differ, for every pair of presets on main', async () => {
    for (const other of presetNames.filter((p) => p !== 'googlenet')) {
      const r = await cli('diff', 'googlenet', other, '--stages');
      expect(r.code).toBe(0);
      expect(r.out).toContain('Stage by stage');
      expect(r.out).toMatch(/^stem \(conv1 … /m);
      const j = JSON.parse((await cli('diff', 'googlenet', other, '--json')).out);
      expect(
        j.stages.reduce(
          (s: number, row: { b: { params: number } | null }) => s + (row.b?.params ?? 0),
          0,
        ),
      ).toBe(j.totals.b.params);
    }
  });
});

describe('diff: user errors', () => {
  it('says what is wrong, exit 2', async () => {
    expect(await cli('diff', 'googlenet')).toMatchObject({
      code: 2,
      err: expect.stringContaining('name two designs to compare'),
    });
    expect(await cli('diff', 'googlenet', 'nope')).toMatchObject({
      code: 2,
      err: expect.stringContaining('B: "nope" is neither a design file nor a preset'),
    });
    expect(await cli('diff', 'googlenet', 'googlenet', '--set', 'nope.x=1')).toMatchObject({
      code: 2,
      err: expect.stringContaining('there is no module "nope"'),
    });
    expect(await cli('diff', 'googlenet', 'googlenet', '--format', 'png')).toMatchObject({
      code: 2,
      err: expect.stringContaining('a PNG is binary'),
    });
    expect(await cli('diff', 'googlenet', 'googlenet', '--format', 'xls')).toMatchObject({
      code: 2,
      err: expect.stringContaining('--format must be one of'),
    });
  });

  it('prints the diff of an invalid B and says its figures are partial, exit 1', async () => {
    const r = await cli('diff', 'googlenet', 'googlenet', '--set', 'inception4c.out_3x3=0');
    expect(r.code).toBe(1);
    expect(r.out).toContain('changed   inception4c');
    expect(r.err).toContain(
      'B (preset googlenet with --set inception4c.out_3x3=0): its figures are partial.',
    );
  });
});
