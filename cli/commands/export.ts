/** `inception-explorer export FORMAT`: PyTorch code, graph pictures, summary tables or the design file. */
import { failureText } from '../report';
import { existsSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../../node/host/atomicFile';
import path from 'node:path';
import type { CliCommand } from '../command';
import { designFromArgs, designOptions, designUsage } from '../designArgs';
import { analyze } from '../../core/analysis/analyze';
import { issuePath } from '../../core/design/designFile';
import type { Design } from '../../core/model/types';
import { formatBytes } from '../../core/model/format';
import {
  EXPORT_FORMATS,
  EXPORT_FORMAT_NAMES,
  exportContent,
  isExportFormat,
} from '../../core/export/exportFormats';
import type { ExportIssue } from '../../core/export/pytorch';
import { onnxModel } from '../../core/export/onnx';
import { loadStateDict, seededStateDict } from '../../node/engine/weights';
import { terminalLines, type OwnText } from '../../core/export/escape';
import { picturePlan, svgSize } from '../../core/export/picture';

/** Where Debian (fonts-dejavu-core) keeps the fonts the graph picture names first. */
const FONT_DIRS = [
  '/usr/share/fonts/truetype/dejavu',
  '/usr/share/fonts/dejavu',
  '/usr/local/share/fonts/dejavu',
];
const FONT_FILES = [
  'DejaVuSans.ttf',
  'DejaVuSans-Bold.ttf',
  'DejaVuSansMono.ttf',
  'DejaVuSansMono-Bold.ttf',
];

function problemLines(issues: readonly ExportIssue[], design: Design): string {
  const head = `The design has ${issues.length} problem${issues.length === 1 ? '' : 's'}, so nothing was exported:\n`;
  return (
    head +
    issues
      .map(
        (i) =>
          terminalLines`  ✗ [${i.code}] ${i.message}  (${issuePath(design, i.nodeId, i.field)})\n`,
      )
      .join('')
  );
}

/** The DejaVu font files, when installed; resvg then draws exactly the fonts the SVG names first. */
export function dejaVuFonts(): string[] {
  for (const dir of FONT_DIRS) {
    const files = FONT_FILES.map((f) => path.join(dir, f)).filter((f) => existsSync(f));
    if (files.length) return files;
  }
  return [];
}

/** Rasterizes an SVG with resvg (loaded only when a PNG is asked for). */
export async function svgToPng(svg: string, scale: number): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  const fontFiles = dejaVuFonts();
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    // Without DejaVu, fall back to whatever sans fonts the system has.
    font: fontFiles.length
      ? { loadSystemFonts: false, fontFiles, defaultFontFamily: 'DejaVu Sans' }
      : { loadSystemFonts: true },
  });
  return Buffer.from(resvg.render().asPng());
}

/**
 * Writes a command's output file through the product's one safe writer (node/host/atomicFile.ts):
 * an exclusive, unpredictable temporary sibling renamed over the target, so a planted link at the
 * target or at a guessable temporary name is replaced, never written through, and a failed write
 * leaves no temporary file and no half a file.
 */
export async function writeOut(file: string, data: string | Uint8Array): Promise<void> {
  await writeFileAtomic(path.resolve(file), data);
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary:
    'write the design as PyTorch code, an ONNX model, a graph picture (PNG, SVG), a table (CSV, Markdown) or a design file',
  usage: `Usage: inception-explorer export FORMAT [FILE] [options] [-o OUT]

FORMAT is one of:
${EXPORT_FORMAT_NAMES.filter((f) => f !== 'onnx')
  .map((f) => `  ${f.padEnd(10)}${EXPORT_FORMATS[f].description}`)
  .join('\n')}
  onnx      The eval-mode network as an ONNX model (opset 17, dynamic batch) with its weights.

Text formats go to stdout unless -o is given; png and onnx need -o. A design with problems
exports nothing: its problems are listed (exit 1).

${designUsage}
  -o, --output OUT          write to OUT instead of stdout
  --open MODULE             draw MODULE opened into its branches (svg, png; repeatable)
  --fold-repeats            draw each run of identical blocks as one node marked ×N, as the app
                            shows them (svg, png; default: every block drawn)
  --theme light|dark        colours of the picture (svg, png; default light)
  --scale N                 pixels per unit of the PNG, 1 to 4 (default 2)
  --weights FILE            onnx: a state_dict, safetensors or a PyTorch checkpoint
                            (default: the engine's seeded weights)
  --seed S                  onnx: seed of the seeded weights, as \`run --seed\` (default 0)
  --no-fold                 onnx: keep batch norm as BatchNormalization nodes (default: folded
                            into the convolutions)`,
  options: {
    ...designOptions,
    output: { type: 'string', short: 'o' },
    open: { type: 'string', multiple: true },
    'fold-repeats': { type: 'boolean' },
    theme: { type: 'string' },
    scale: { type: 'string' },
    weights: { type: 'string' },
    seed: { type: 'string' },
    'no-fold': { type: 'boolean' },
  },
  async run(values, positionals, io) {
    const fail = (message: string | OwnText, code = 2) => {
      io.err(failureText('export', message));
      return code;
    };
    const [format, ...rest] = positionals;
    if (!format) return fail(`name a format: ${EXPORT_FORMAT_NAMES.join(', ')}.`);
    if (format === 'onnx') return exportOnnx(values, rest, fail, io);
    if (values.weights !== undefined || values.seed !== undefined || values['no-fold'])
      return fail('--weights, --seed and --no-fold apply to the onnx format only.');
    if (!isExportFormat(format))
      return fail(
        `unknown format ${JSON.stringify(format)}; choose one of ${EXPORT_FORMAT_NAMES.join(', ')}.`,
      );
    const out = values.output as string | undefined;
    if (format === 'png' && !out)
      return fail('a PNG is binary: give a file with -o, e.g. -o graph.png.');
    if (out !== undefined && existsSync(out) && statSync(out).isDirectory())
      return fail(`${out} is a folder; give a file name with -o.`);
    const theme = (values.theme as string | undefined) ?? 'light';
    if (theme !== 'light' && theme !== 'dark')
      return fail(`--theme must be light or dark; got ${JSON.stringify(theme)}.`);
    const scaleText = (values.scale as string | undefined) ?? '2';
    const scale = Number(scaleText);
    if (!/^\d+(\.\d+)?$/.test(scaleText) || scale < 1 || scale > 4)
      return fail(`--scale must be a number from 1 to 4; got ${JSON.stringify(scaleText)}.`);

    const loaded = await designFromArgs(values, rest);
    if (!loaded.ok) return fail(loaded.message, loaded.exitCode);
    const design = loaded.design;
    const analysis = analyze(design);
    const opened = (values.open as string[] | undefined) ?? [];
    const unknown = opened.filter(
      (id) => !analysis.modules.some((m) => m.id === id && m.steps.length > 0),
    );
    if (unknown.length)
      return fail(
        `--open ${unknown.join(', ')}: only modules with branches open (${
          analysis.modules
            .filter((m) => m.steps.length)
            .map((m) => m.id)
            .join(', ') || 'none here'
        }).`,
      );

    if (values['fold-repeats'] && format !== 'svg' && format !== 'png')
      return fail('--fold-repeats applies to the svg and png formats only.');
    const result = await exportContent(format, design, analysis, {
      graph: { theme, opened, fold: values['fold-repeats'] === true },
    });
    if (!result.ok) {
      io.err(problemLines(result.issues, design));
      return 1;
    }
    if (EXPORT_FORMATS[format].raster) {
      // Checked before resvg allocates anything: a huge design at scale 1 would need gigabytes.
      const size = svgSize(result.value.content);
      const plan = size ? picturePlan(size.width, size.height, scale) : null;
      if (plan && !plan.ok) return fail(plan.message, 1);
    }
    const data = EXPORT_FORMATS[format].raster
      ? await svgToPng(result.value.content, scale)
      : result.value.content;
    if (out === undefined) {
      io.out(result.value.content);
      return 0;
    }
    try {
      await writeOut(out, data);
    } catch (e) {
      return fail(`cannot write ${out}: ${(e as Error).message}.`, 1);
    }
    io.err(
      terminalLines`Wrote ${EXPORT_FORMATS[format].label.toLowerCase()} of ${design.name} to ${out} (${formatBytes(typeof data === 'string' ? Buffer.byteLength(data) : data.length)}).\n`,
    );
    return 0;
  },
};

/**
 * `export onnx`: the eval-mode network with the engine's weights (seeded, or --weights) as one
 * ONNX file. Every problem is reported before anything is written, so no broken file is left.
 */
async function exportOnnx(
  values: Record<string, unknown>,
  positionals: readonly string[],
  fail: (message: string | OwnText, code?: number) => number,
  io: Parameters<CliCommand['run']>[2],
): Promise<number> {
  const out = values.output as string | undefined;
  if (!out) return fail('an ONNX model is binary: give a file with -o, e.g. -o googlenet.onnx.');
  if (existsSync(out) && statSync(out).isDirectory())
    return fail(`${out} is a folder; give a file name with -o.`);
  const seedText = (values.seed as string | undefined) ?? '0';
  if (!/^\d+$/.test(seedText) || Number(seedText) > 0xffffffff)
    return fail(
      `--seed must be a whole number from 0 to 4294967295; got ${JSON.stringify(seedText)}.`,
    );
  const weightsPath = values.weights as string | undefined;
  if (weightsPath !== undefined && values.seed !== undefined)
    return fail('give either --weights or --seed, not both.');
  const loaded = await designFromArgs(values, positionals);
  if (!loaded.ok) return fail(loaded.message);
  const design = loaded.design;
  const analysis = analyze(design);
  if (!analysis.valid) {
    io.err(problemLines(analysis.issues, design));
    return 1;
  }
  const weights = weightsPath
    ? await loadStateDict(weightsPath, analysis.graph, design.preset)
    : { ok: true as const, value: seededStateDict(analysis.graph, Number(seedText)) };
  if (!weights.ok) return fail(weights.error.message, 1);
  const model = onnxModel(design, analysis, weights.value, {
    foldBatchNorm: values['no-fold'] !== true,
    weightsSource: weightsPath
      ? path.basename(weightsPath)
      : `seeded PyTorch-style initialization, seed ${seedText}`,
  });
  if (!model.ok) {
    io.err(problemLines(model.issues, design));
    return 1;
  }
  try {
    await writeOut(out, model.value.bytes);
  } catch (e) {
    return fail(`cannot write ${out}: ${(e as Error).message}.`, 1);
  }
  const v = model.value;
  const sig = (io: Record<string, readonly (number | string)[]>) =>
    Object.entries(io)
      .map(([k, s]) => `${k} ${s.join('×')}`)
      .join(', ');
  io.err(
    terminalLines`Wrote the ONNX model of ${design.name} to ${out} (${formatBytes(v.bytes.length)}; opset 17; ${v.nodeCount} nodes; inputs ${sig(v.inputs)}; outputs ${sig(v.outputs)}; batch norm ${values['no-fold'] ? 'kept' : 'folded'}).\n`,
  );
  return 0;
}
