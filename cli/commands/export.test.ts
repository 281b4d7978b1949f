import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { main } from '../main';
import { analyze } from '../../core/analysis/analyze';
import { summaryCsv, summaryMarkdown } from '../../core/analysis/summaryTable';
import { parseDesign, serializeDesign } from '../../core/design/designFile';
import { presetDesign } from '../../core/presets';

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s), isTty: false });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'export-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('inception-explorer export', () => {
  it('writes an ONNX model with seeded or loaded weights, and nothing when the weights do not fit', async () => {
    const out = join(dir, 'net.onnx');
    const r = await cli(
      'export',
      'onnx',
      '--set',
      'inception4c.out_3x3=300',
      '--no-fold',
      '-o',
      out,
    );
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(
      /^Wrote the ONNX model of GoogLeNet to .*net\.onnx \(\d+\.\d MiB; opset 17; \d+ nodes; inputs input N×3×224×224; outputs main N×1000; batch norm kept\)\.\n$/,
    );
    expect(readFileSync(out).length).toBeGreaterThan(20e6);
    expect((await cli('export', 'onnx')).err).toMatch(
      /an ONNX model is binary: give a file with -o/,
    );
    const weights = join(dir, 'wrong.safetensors');
    writeFileSync(weights, Buffer.from('not safetensors'));
    const bad = join(dir, 'bad.onnx');
    const w = await cli('export', 'onnx', '--weights', weights, '-o', bad);
    expect(w.code).toBe(1);
    expect(w.err).toContain('wrong.safetensors');
    expect(existsSync(bad)).toBe(false);
    expect((await cli('export', 'pytorch', '--no-fold')).err).toMatch(
      /apply to the onnx format only/,
    );
  });

  it('prints PyTorch code for an edited preset on stdout', async () => {
    const r = await cli('export', 'pytorch', '--set', 'inception4c.out_3x3=300', '--classes', '10');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain('class GoogLeNet(nn.Module):');
    expect(r.out).toContain('self.inception4c = InceptionBlock(512, 128, 128, 300, 24, 64, 64)');
    expect(r.out).toContain('def __init__(self, num_classes=10):');
    expect(r.out).toContain('inception4c.out_3x3: 256 -> 300');
  });

  it('prints the tables and the design file exactly as core writes them', async () => {
    const d = presetDesign('googlenet-torchvision')!;
    const a = analyze(d);
    expect((await cli('export', 'csv', '--preset', 'googlenet-torchvision')).out).toBe(
      summaryCsv(a),
    );
    expect((await cli('export', 'markdown', '--preset', 'googlenet-torchvision')).out).toBe(
      summaryMarkdown(a),
    );
    const design = await cli('export', 'design', '--preset', 'googlenet-torchvision');
    expect(design.out).toBe(serializeDesign(d));
    expect(parseDesign(design.out).ok).toBe(true);
  });

  it('writes an SVG with every module to -o and says where', async () => {
    const file = join(dir, 'graph.svg');
    const r = await cli('export', 'svg', '-o', file);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(r.err).toMatch(
      /^Wrote graph picture \(svg\) of GoogLeNet to .*graph\.svg \(\d+(\.\d)? KiB\)\.\n$/,
    );
    const svg = readFileSync(file, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    for (const m of presetDesign('googlenet')!.modules) expect(svg).toContain(`id="node-${m.id}"`);
  });

  it('draws every block of IRv2, or with --fold-repeats each run as one ×N node', async () => {
    const every = await cli('export', 'svg', '--preset', 'inception-resnet-v2');
    expect(every.code).toBe(0);
    expect(every.out).toContain('id="node-repeat_1.19"');
    const folded = await cli('export', 'svg', '--preset', 'inception-resnet-v2', '--fold-repeats');
    expect(folded.code).toBe(0);
    expect(folded.out).not.toContain('id="node-repeat_1.19"');
    expect(folded.out).toContain('runs of identical blocks drawn folded: ×10, ×20, ×9');
    const csv = await cli('export', 'csv', '--preset', 'inception-resnet-v2', '--fold-repeats');
    expect(csv.code).toBe(2);
    expect(csv.err).toContain('--fold-repeats applies to the svg and png formats only.');
  });

  it('rasterizes the graph to a PNG at the chosen scale', async () => {
    const svgFile = join(dir, 'scale.svg');
    await cli('export', 'svg', '--no-aux', '-o', svgFile);
    const [, w, h] = /width="(\d+)" height="(\d+)"/
      .exec(readFileSync(svgFile, 'utf8'))!
      .map(Number);
    const file = join(dir, 'nested', 'graph.png');
    const r = await cli('export', 'png', '--no-aux', '--scale', '1', '-o', file);
    expect(r.code, r.err).toBe(0);
    const png = PNG.sync.read(readFileSync(file));
    expect([png.width, png.height]).toEqual([w, h]);
    // Not blank: the background and the darker text and borders are both there.
    const pixels = new Set<number>();
    for (let i = 0; i < png.data.length; i += 4 * 97) pixels.add(png.data.readUInt32BE(i));
    expect(pixels.size).toBeGreaterThan(20);
  });

  it('exports nothing for an invalid design, lists its problems and exits 1', async () => {
    const file = join(dir, 'never.py');
    const r = await cli('export', 'pytorch', '--set', 'inception4c.out_3x3=-5', '-o', file);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain('The design has 1 problem, so nothing was exported:');
    expect(r.err).toContain(
      'inception4c: 3×3 must be a whole number from 1 to 65,536; got -5.  ($.modules[10].params.out_3x3)',
    );
    expect(existsSync(file)).toBe(false);
  });

  it('explains what PyTorch cannot take: a module named like an nn.Module attribute', async () => {
    const d = presetDesign('googlenet')!;
    const renamed = {
      ...d,
      modules: d.modules.map((m) =>
        m.id === 'dropout'
          ? { ...m, id: 'eval' }
          : m.inputs[0] === 'dropout'
            ? { ...m, inputs: ['eval'] }
            : m,
      ),
    };
    const file = join(dir, 'reserved.json');
    writeFileSync(file, serializeDesign(renamed));
    const r = await cli('export', 'pytorch', file);
    expect(r.code).toBe(1);
    expect(r.err).toContain('"eval" cannot name a module');
    expect(r.err).toContain('nn.Module attribute such as train, eval or compile');
    // Core refuses the name, so no format exports it.
    expect((await cli('export', 'markdown', file)).code).toBe(1);
  });

  it.each([
    [['export'], 'name a format: pytorch, svg, png, csv, markdown, design, onnx.'],
    [
      ['export', 'keras'],
      'unknown format "keras"; choose one of pytorch, svg, png, csv, markdown, design, onnx.',
    ],
    [['export', 'png'], 'a PNG is binary: give a file with -o, e.g. -o graph.png.'],
    [['export', 'svg', '--theme', 'blue'], '--theme must be light or dark; got "blue".'],
    [
      ['export', 'png', '-o', 'x.png', '--scale', '9'],
      '--scale must be a number from 1 to 4; got "9".',
    ],
    [['export', 'svg', '--open', 'conv1'], '--open conv1: only modules with branches open'],
  ])('%j is a usage error with a message', async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.out).toBe('');
  });
});
