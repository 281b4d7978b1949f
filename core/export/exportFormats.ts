/**
 * Every export format in one table: its label, file name and how to make its content from a
 * design. The command line and the app's Export dialog both go through `exportContent`; PNG is
 * the graph SVG, rasterized by the shell (resvg on the command line, a canvas in the app).
 */
import { EXPORT_FORMAT_NAMES, type ExportFormat } from '../host/contract';
import type { Design } from '../model/types';
import { analyze, type Analysis } from '../analysis/analyze';
import { summaryCsv, summaryMarkdown } from '../analysis/summaryTable';
import { serializeDesign } from '../design/designFile';
import { graphSvg, type GraphSvgOptions } from './graphSvg';
import { pytorchCode, type ExportIssue } from './pytorch';
import { onnxModel } from './onnx';
import { base64 } from './onnxGraph';
import { initStateDict } from '../weights/stateDict';
import { formatBytes } from '../model/format';

export interface FormatDef {
  /** What the user picks: "PyTorch code". */
  readonly label: string;
  /** One line on what the file holds. */
  readonly description: string;
  /** File name suffix, without the design's name: "-graph.svg". */
  readonly suffix: string;
  readonly mime: string;
  /** True for PNG: the content made here is SVG for the shell to rasterize. */
  readonly raster: boolean;
  /** True for ONNX: the content is the file's bytes in base64. */
  readonly binary?: boolean;
  make(design: Design, analysis: Analysis, options: ExportOptions): Promise<MadeContent>;
}

export interface ExportOptions {
  /** For the pictures: theme and the modules drawn opened. */
  readonly graph?: GraphSvgOptions;
  /** For ONNX: the seed of the engine's seeded weights (the Run panel's seed, default 0) and batch-norm folding (default on). */
  readonly onnx?: { readonly seed?: number; readonly foldBatchNorm?: boolean };
}

type MadeContent =
  | { readonly ok: true; readonly content: string; readonly summary?: string }
  | { readonly ok: false; readonly issues: readonly ExportIssue[] };

const made = (content: string): MadeContent => ({ ok: true, content });

export const EXPORT_FORMATS: { readonly [F in ExportFormat]: FormatDef } = {
  pytorch: {
    label: 'PyTorch code',
    description: 'A self-contained Python file: the network as an nn.Module, with a smoke test.',
    suffix: '.py',
    mime: 'text/x-python',
    raster: false,
    async make(design, analysis) {
      const r = pytorchCode(design, analysis);
      return r.ok ? made(r.value.code) : r;
    },
  },
  svg: {
    label: 'Graph picture (SVG)',
    description: 'The graph as drawn here: every module with its shape, parameters and MACs.',
    suffix: '-graph.svg',
    mime: 'image/svg+xml',
    raster: false,
    make: async (design, analysis, options) =>
      made(await graphSvg(design, analysis, options.graph)),
  },
  png: {
    label: 'Graph picture (PNG)',
    description: 'The same picture as the SVG, as pixels.',
    suffix: '-graph.png',
    mime: 'image/png',
    raster: true,
    make: async (design, analysis, options) =>
      made(await graphSvg(design, analysis, options.graph)),
  },
  csv: {
    label: 'Summary table (CSV)',
    description: 'Every module and layer: type, settings, output shape, parameters, MACs.',
    suffix: '-summary.csv',
    mime: 'text/csv',
    raster: false,
    make: async (_design, analysis) => made(summaryCsv(analysis)),
  },
  markdown: {
    label: 'Summary table (Markdown)',
    description: 'The module table with totals, for a README or a report.',
    suffix: '-summary.md',
    mime: 'text/markdown',
    raster: false,
    make: async (_design, analysis) => made(summaryMarkdown(analysis)),
  },
  design: {
    label: 'Design file',
    description: 'The design itself, to open here again or share.',
    suffix: '.json',
    mime: 'application/json',
    raster: false,
    make: async (design) => made(serializeDesign(design)),
  },
  onnx: {
    label: 'ONNX model',
    description:
      "The eval-mode network with the engine's weights (seeded by the Run panel's seed): opset 17, dynamic batch, for Netron or ONNX Runtime.",
    suffix: '.onnx',
    mime: 'application/octet-stream',
    raster: false,
    binary: true,
    async make(design, analysis, options) {
      const seed = options.onnx?.seed ?? 0;
      const fold = options.onnx?.foldBatchNorm ?? true;
      const r = onnxModel(design, analysis, initStateDict(analysis.graph, seed), {
        foldBatchNorm: fold,
        weightsSource: `seeded PyTorch-style initialization, seed ${seed}`,
      });
      if (!r.ok) return r;
      const v = r.value;
      const sig = (io: Readonly<Record<string, readonly (number | string)[]>>) =>
        Object.entries(io)
          .map(([k, s]) => `${k} ${s.join('×')}`)
          .join(', ');
      return {
        ok: true,
        content: base64(v.bytes),
        summary: `ONNX model, opset 17, ${formatBytes(v.bytes.length)}: ${v.nodeCount} nodes named by module path; input ${sig(v.inputs)}; output ${sig(v.outputs)} (N is the batch); weights seeded with ${seed} (the Run panel's seed); batch norm ${fold ? 'folded into the convolutions' : 'kept'}.`,
      };
    },
  },
};

export { EXPORT_FORMAT_NAMES };

export function isExportFormat(name: string): name is ExportFormat {
  return Object.prototype.hasOwnProperty.call(EXPORT_FORMATS, name);
}

/** A file name from the design's name: "GoogLeNet (torchvision)" → "googlenet-torchvision.py". */
export function suggestedFileName(design: Design, format: ExportFormat): string {
  const stem = (design.name || design.preset || 'design')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `${stem || 'design'}${EXPORT_FORMATS[format].suffix}`;
}

export type ExportResult =
  | {
      readonly ok: true;
      readonly value: {
        readonly format: ExportFormat;
        readonly content: string;
        readonly fileName: string;
        readonly mime: string;
        readonly summary?: string;
      };
    }
  | { readonly ok: false; readonly issues: readonly ExportIssue[] };

/**
 * The content of one export. An invalid design exports nothing: the result lists its issues
 * (a file that does not build or a picture with broken nodes is not what anyone wants to save).
 */
export async function exportContent(
  format: ExportFormat,
  design: Design,
  analysis: Analysis = analyze(design),
  options: ExportOptions = {},
): Promise<ExportResult> {
  if (!analysis.valid) return { ok: false, issues: analysis.issues };
  const def = EXPORT_FORMATS[format];
  const r = await def.make(design, analysis, options);
  if (!r.ok) return r;
  return {
    ok: true,
    value: {
      format,
      content: r.content,
      fileName: suggestedFileName(design, format),
      mime: def.mime,
      ...(r.summary ? { summary: r.summary } : {}),
    },
  };
}
