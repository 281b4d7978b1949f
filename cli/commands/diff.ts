/** `inception-explorer diff A B`: the computed diff of two designs (files or presets). */
import { ownText, terminalLines, type OwnText } from '../../core/export/escape';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { CliCommand } from '../command';
import { applyEditArgs, designFromName, designOptions } from '../designArgs';
import { analyze } from '../../core/analysis/analyze';
import { compareDesigns } from '../../core/design/diff';
import {
  diffCsv,
  diffJson,
  diffMarkdown,
  diffText,
  type DiffLabels,
} from '../../core/design/diffReport';
import { graphSvg } from '../../core/export/graphSvg';
import { formatBytes } from '../../core/model/format';
import { presetNames } from '../../core/presets';
import { issueLines, failureText } from '../report';
import { svgToPng, writeOut } from './export';

const FORMATS = ['text', 'json', 'markdown', 'csv', 'svg', 'png'] as const;
type DiffFormat = (typeof FORMATS)[number];
const BY_EXTENSION: Readonly<Record<string, DiffFormat>> = {
  '.txt': 'text',
  '.json': 'json',
  '.md': 'markdown',
  '.csv': 'csv',
  '.svg': 'svg',
  '.png': 'png',
};

export const diffCommand: CliCommand = {
  name: 'diff',
  summary: 'compare two designs: what changed, where, and what it costs',
  usage: `Usage: inception-explorer diff A B [options]

A and B are design files or presets (${presetNames.join(', ')}). Prints every module that was
added, removed, changed (its parameters differ) or affected (same parameters, different figures
because something upstream changed), in graph order, with Δparams, ΔMACs and output shapes, then
the totals of A and B with Δ and Δ %. Modules match by id, then by position and kind. Across the
family (ids mostly differ) a stage-by-stage summary follows.

  --set MODULE.PARAM=VALUE  edit B, e.g. --set inception4c.out_3x3=300 (repeatable)
  --input CxHxW, --batch N, --classes K, --no-aux   change B's settings
  --json                    print one JSON object: { changes, totals: { a, b, delta, percent }, stages, … }
  --format FORMAT           text (default), json, markdown, csv, svg or png (B's graph with the marks)
  -o, --output OUT          write to OUT; its extension picks the format when --format is not given
  --stages                  always print the stage-by-stage summary
  --theme light|dark        colours of the picture (svg, png)
  --scale N                 pixels per unit of the PNG, 1 to 4 (default 2)`,
  options: {
    set: designOptions.set,
    input: designOptions.input,
    batch: designOptions.batch,
    classes: designOptions.classes,
    'no-aux': designOptions['no-aux'],
    json: { type: 'boolean' },
    format: { type: 'string' },
    output: { type: 'string', short: 'o' },
    stages: { type: 'boolean' },
    theme: { type: 'string' },
    scale: { type: 'string' },
  },
  async run(values, positionals, io) {
    const fail = (message: string | OwnText, code = 2) => {
      io.err(failureText('diff', message));
      return code;
    };
    if (positionals.length !== 2)
      return fail(
        `name two designs to compare, A and B (files or presets); got ${positionals.length}.`,
      );
    const out = values.output as string | undefined;
    if (out !== undefined && existsSync(out) && statSync(out).isDirectory())
      return fail(`${out} is a folder; give a file name with -o.`);
    let format: DiffFormat = values.json ? 'json' : 'text';
    if (values.format !== undefined) {
      if (!FORMATS.includes(values.format as DiffFormat))
        return fail(
          `--format must be one of ${FORMATS.join(', ')}; got ${JSON.stringify(values.format)}.`,
        );
      if (values.json && values.format !== 'json')
        return fail('give either --json or --format, not both.');
      format = values.format as DiffFormat;
    } else if (!values.json && out !== undefined) {
      format = BY_EXTENSION[path.extname(out).toLowerCase()] ?? 'text';
    }
    if (format === 'png' && out === undefined)
      return fail('a PNG is binary: give a file with -o, e.g. -o diff.png.');
    const theme = (values.theme as string | undefined) ?? 'light';
    if (theme !== 'light' && theme !== 'dark')
      return fail(`--theme must be light or dark; got ${JSON.stringify(theme)}.`);
    const scaleText = (values.scale as string | undefined) ?? '2';
    const scale = Number(scaleText);
    if (!/^\d+(\.\d+)?$/.test(scaleText) || scale < 1 || scale > 4)
      return fail(`--scale must be a number from 1 to 4; got ${JSON.stringify(scaleText)}.`);

    const a = await designFromName(positionals[0]);
    if (!a.ok) return fail(ownText(terminalLines`A: ${a.message}`));
    const b0 = await designFromName(positionals[1]);
    if (!b0.ok) return fail(ownText(terminalLines`B: ${b0.message}`));
    const b = applyEditArgs(b0.design, b0.source, values);
    if (!b.ok) return fail(ownText(terminalLines`B: ${b.message}`));
    const edits = [
      ...((values.set as string[] | undefined) ?? []).map((s) => `--set ${s}`),
      ...(['input', 'batch', 'classes'] as const)
        .filter((k) => values[k] !== undefined)
        .map((k) => `--${k} ${String(values[k])}`),
      ...(values['no-aux'] ? ['--no-aux'] : []),
    ];
    const labels: DiffLabels = {
      a: a.source,
      b: edits.length ? `${b.source} with ${edits.join(' ')}` : b.source,
    };

    const analysisA = analyze(a.design);
    const analysisB = analyze(b.design);
    const diff = compareDesigns(a.design, b.design, { a: analysisA, b: analysisB });
    let data: string | Buffer;
    switch (format) {
      case 'json':
        data = `${JSON.stringify(diffJson(diff, labels), null, 2)}\n`;
        break;
      case 'markdown':
        data = diffMarkdown(diff, labels);
        break;
      case 'csv':
        data = diffCsv(diff);
        break;
      case 'svg':
      case 'png': {
        const svg = await graphSvg(b.design, analysisB, { theme, compareWith: a.design });
        data = format === 'png' ? await svgToPng(svg, scale) : svg;
        break;
      }
      default:
        data = diffText(diff, labels, { stages: values.stages ? true : undefined });
    }
    if (out === undefined) io.out(String(data));
    else {
      try {
        await writeOut(out, data);
      } catch (e) {
        return fail(`cannot write ${out}: ${(e as Error).message}.`, 1);
      }
      io.err(
        terminalLines`Wrote the ${format} diff to ${out} (${formatBytes(typeof data === 'string' ? Buffer.byteLength(data) : data.length)}).\n`,
      );
    }
    // Figures of an invalid design are partial: say so, as summary does.
    let code = 0;
    for (const [name, design, analysis] of [
      ['A', a.design, analysisA],
      ['B', b.design, analysisB],
    ] as const) {
      if (analysis.valid) continue;
      io.err(
        terminalLines`${name} (${labels[name === 'A' ? 'a' : 'b']}): its figures are partial. ${ownText(issueLines(analysis.issues, design))}`,
      );
      code = 1;
    }
    return code;
  },
};
