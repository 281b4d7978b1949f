import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from './main';
import spec from '../core/analysis/__fixtures__/spec-googlenet.json';
import conventionGolden from '../core/analysis/__fixtures__/convention-counts.json';
import { CONVENTION_IDS, CONVENTIONS } from '../core/analysis/conventions';

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s), isTty: false });
  return { code, out, err };
}

describe('summary --convention', () => {
  // Figures measured with hooks on torchvision's models (tools/torch/convention_counts.py).
  const golden = (name: string) => conventionGolden.cases.find((c) => c.name === name)!;

  it('prints ptflops’ figure for GoogLeNet, exactly and as ptflops prints it', async () => {
    const r = await cli('summary', '--preset', 'googlenet-torchvision', '--convention', 'ptflops');
    expect(r.code).toBe(0);
    const want = golden('googlenet-torchvision').conventions.ptflops;
    expect(r.out).toContain('Counting conventions (eval mode: aux heads off)');
    expect(r.out).toMatch(
      new RegExp(`\\nptflops +${want.toLocaleString('en-US')} MACs per image +1\\.51 GMac\\n`),
    );
    expect(r.out).toContain(CONVENTIONS.ptflops.sentence.slice(0, 40));
  });

  it('takes repeated names and comma lists; --json carries the figures only when asked', async () => {
    const r = await cli(
      'summary',
      '--preset',
      'inception-v3',
      '--convention',
      'thop,fvcore',
      '--convention',
      'torchinfo',
      '--json',
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    const want = golden('inception-v3').conventions;
    expect(j.conventions.map((c: { id: string; value: number }) => [c.id, c.value])).toEqual([
      ['thop', want.thop],
      ['fvcore', want.fvcore],
      ['torchinfo', want.torchinfo],
    ]);
    expect(j.conventions[2]).toMatchObject({ unit: 'Mult-Adds', scope: 'batch' });
    const plain = JSON.parse((await cli('summary', '--preset', 'inception-v3', '--json')).out);
    expect(plain.conventions).toBeUndefined();
  });

  it('lists every convention with what it includes for all', async () => {
    const r = await cli('summary', '--preset', 'inception-v3', '--convention', 'all');
    expect(r.code).toBe(0);
    const want = golden('inception-v3').conventions;
    for (const id of CONVENTION_IDS) {
      const c = CONVENTIONS[id];
      expect(r.out, id).toMatch(
        new RegExp(`\\n${c.label.replace(/[()]/g, '\\$&')} +${want[id].toLocaleString('en-US')} `),
      );
      expect(r.out, id).toContain(`Source: ${c.source}`);
    }
  });

  it('names an unknown convention and the valid ones, with exit code 2', async () => {
    const r = await cli('summary', '--convention', 'flopz');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      `inception-explorer summary: Unknown counting convention "flopz"; use one or more of ${CONVENTION_IDS.join(', ')}, or all.\n`,
    );
  });
});

describe('summary --json', () => {
  it('prints the spec figures for googlenet', async () => {
    const r = await cli('summary', '--preset', 'googlenet', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.input).toEqual([3, 3, 224, 224]);
    expect(j.totals).toMatchObject(spec.googlenet.totals);
    for (const [id, want] of Object.entries(spec.googlenet.nodes)) {
      const node = j.nodes.find((n: { id: string }) => n.id === id);
      expect(node, id).toMatchObject({
        id,
        outputShape: want.outputShape,
        params: want.params,
        macs: want.macs,
      });
    }
    expect(j.issues).toEqual([]);
  });

  it('prints the torchvision totals', async () => {
    const j = JSON.parse((await cli('summary', '--preset', 'googlenet-torchvision', '--json')).out);
    expect(j.totals).toMatchObject(spec['googlenet-torchvision'].totals);
  });

  it('applies --set, --batch, --classes and --no-aux', async () => {
    const r = await cli(
      'summary',
      '--json',
      '--set',
      'inception4c.out_3x3=300',
      '--batch',
      '1',
      '--classes',
      '10',
      '--no-aux',
    );
    const j = JSON.parse(r.out);
    expect(j.input).toEqual([1, 3, 224, 224]);
    expect(j.nodes.find((n: { id: string }) => n.id === 'inception4c').outputShape).toEqual([
      1, 556, 14, 14,
    ]);
    expect(j.nodes.some((n: { id: string }) => n.id.startsWith('aux'))).toBe(false);
    expect(j.totals.params).toBe(j.totals.paramsEval);
    expect(j.nodes.find((n: { id: string }) => n.id === 'fc1').outputShape).toEqual([1, 10]);
  });

  it('prints a torchinfo-style table by default', async () => {
    const r = await cli('summary');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/inception4c \(Inception module\)\s+3×512×14×14\s+511,432\s+99,850,240/);
    expect(r.out).toMatch(/Total params \(with aux heads\)\s+13,389,064/);
    const layers = await cli('summary', '--layers');
    expect(layers.out).toMatch(/└ branch2\.1\.conv \(Conv2d\) 3×3\/1 p1/);
  });
});

describe('user errors: a message, a non-zero exit, no stack trace', () => {
  it.each([
    [
      ['summary', '--set', 'inception4c.out_3x3=-5'],
      1,
      'inception4c: 3×3 must be a whole number from 1 to 65,536; got -5.',
    ],
    [['summary', '--set', 'inception4c.out_3x3=1000000000'], 1, 'got 1,000,000,000.'],
    [
      ['summary', '--input', '3x299x299'],
      1,
      'fc1: the fully connected layer expects 1,024 input features',
    ],
    [['summary', '--set', 'inception9z.out_3x3=3'], 2, 'there is no module "inception9z"'],
    [['summary', '--set', 'oops'], 2, 'is not of the form MODULE.PARAM=VALUE'],
    [['summary', '--preset', 'resnet'], 2, 'unknown preset "resnet"'],
    [['summary', '--input', '224'], 2, '--input must look like 3x224x224'],
    [['summary', '--batch', 'lots'], 2, '--batch must be a whole number'],
    [['summary', '--frobnicate'], 2, "Unknown option '--frobnicate'"],
    [['summary', '/nonexistent/design.json'], 1, '/nonexistent/design.json does not exist.'],
    [['nonsense'], 2, 'unknown command "nonsense"'],
  ])('%j', async (argv, code, text) => {
    const r = await cli(...(argv as string[]));
    expect(r.code).toBe(code);
    expect(r.err).toContain(text);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('explains a hostile design file with JSON paths', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ie-cli-'));
    const file = join(dir, 'bad.json');
    const good = JSON.parse((await cli('design')).out);
    good.modules[10].params.out_3x3 = 1e12;
    good.version = 1;
    writeFileSync(file, JSON.stringify(good));
    const r = await cli('summary', file);
    // A design file that does not match the schema is an invalid design: exit 1, with the stable code design.schema.
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      '✗ [design.schema] $.modules[10].params.out_3x3: 1,000,000,000,000 is far too large',
    );
    writeFileSync(file, 'garbage');
    expect((await cli('summary', file)).err).toContain('is not valid JSON');
  });
});

describe('design', () => {
  it('writes a design file that summary reads back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ie-cli-'));
    const file = join(dir, 'd.json');
    const d = await cli('design', '--set', 'inception3a.form=naive');
    expect(d.code).toBe(0);
    writeFileSync(file, d.out);
    const s = JSON.parse((await cli('summary', file, '--json')).out);
    expect(s.nodes.find((n: { id: string }) => n.id === 'inception3a').outputShape).toEqual([
      3, 416, 28, 28,
    ]);
  });
});

describe('the installed command', () => {
  it('runs through npx-style bin with no build step', () => {
    const out = execFileSync(
      process.execPath,
      ['bin/inception-explorer.mjs', 'summary', '--json'],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(out).totals.params).toBe(13_389_064);
    const bad = spawnSync(
      process.execPath,
      ['bin/inception-explorer.mjs', 'summary', '--set', 'inception4c.out_3x3=-5'],
      { encoding: 'utf8' },
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('3×3 must be a whole number');
  });
});

describe('hostile files through the command line', () => {
  it('refuses __proto__ keys and 50 MB files with a message and exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ie-cli-'));
    const proto = join(dir, 'proto.json');
    writeFileSync(
      proto,
      (await cli('design')).out.replace('"params": {', '"params": {"__proto__": {"x": 1}, '),
    );
    const r = await cli('summary', proto);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      '$.modules[0].params["__proto__"]: The key "__proto__" is not allowed in a design file.',
    );
    const huge = join(dir, 'huge.json');
    writeFileSync(huge, Buffer.alloc(50 * 1024 * 1024, 32));
    const h = await cli('summary', huge);
    expect(h.code).toBe(1);
    expect(h.err).toContain('huge.json is 50.0 MiB, over the limit of 16.0 MiB.');
  });
});
