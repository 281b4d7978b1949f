/**
 * Counting conventions: the figure each popular tool reports for a network, computed from the
 * analysis' layers by that tool's documented rule (its hook formulas, read from its source), and
 * labelled with the tool's name. The sentences and sources live in the glossary
 * (core/model/glossary.ts, `convention.<id>`), so the help sheet and the summary say the same.
 *
 * Every convention counts the network in eval mode (what ptflops, thop and timm's benchmark set
 * themselves): aux heads do not run. The figures are held to the tools' formulas applied with
 * hooks on torchvision's own models (tools/torch/convention_counts.py →
 * __fixtures__/convention-counts.json).
 */
import { CONVENTION_IDS, glossaryEntry, type ConventionId } from '../model/glossary';
import type { Layer, Shape } from '../model/types';
import type { Conv2dAttrs } from '../layers/conv2d';
import type { LinearAttrs } from '../layers/linear';
import type { BatchNorm2dAttrs } from '../layers/batchNorm2d';
import type { Analysis, LayerInfo } from './analyze';
import type { Result } from '../run/result';
import { formatCompact, formatInt } from '../model/format';

export { CONVENTION_IDS, type ConventionId } from '../model/glossary';

/** What a figure counts, as the tool names it. */
export type ConventionUnit = 'MACs' | 'FLOPs' | 'Mult-Adds' | 'params' | 'activations';

/** One tool's figure for a network. */
export interface ConventionFigure {
  readonly value: number;
  readonly unit: ConventionUnit;
}

/** What a figure is for: one image, the batch of the design's input, or the network itself. */
export type ConventionScope = 'image' | 'batch' | 'network';

/** A counting convention: whose figure it is, what it includes, and how to compute it. */
export interface Convention {
  readonly id: ConventionId;
  /** The tool's name, as the summary labels the figure ("ptflops"). */
  readonly label: string;
  /** What it includes, in one paragraph (the glossary's text). */
  readonly sentence: string;
  /** The tool's documentation or source file the rule was read from. */
  readonly source: string;
  /** What the figure is for: one image, the whole batch of the design's input, or the network. */
  readonly scope: ConventionScope;
  /**
   * The figure for an analyzed design, an integer: for one image, for `batch` images (the design's
   * input batch, scope `batch`) or for the network (parameters). Layers without a shape (an
   * invalid design) count zero.
   */
  compute(analysis: Analysis, batch: number): ConventionFigure;
}

/** A layer with its attributes, its input shapes and its output shape for one image (N = 1). */
interface CountedLayer {
  readonly layer: Layer;
  readonly info: LayerInfo;
  readonly inputs: readonly Shape[];
  readonly output: Shape;
  /** Whether torchvision's code calls it as an nn.Module (else as a torch.nn.functional call). */
  readonly module: boolean;
}

const numel = (s: Shape): number => s.reduce((p, d) => p * d, 1);
const oneImage = (s: Shape): Shape => [1, ...s.slice(1)];

/**
 * Whether torchvision's code runs a parameter-free layer (ReLU, pool) as an nn.Module or as a
 * torch.nn.functional call, which some tools count differently: a layer that is a module of its
 * own (`maxpool1`, `avgpool`) or an element of an nn.Sequential (`inception3a.branch4.0`) must be a
 * module; inside a block, torchvision writes them as calls (BasicConv2d's `F.relu`, Inception v3's
 * `F.avg_pool2d` and `F.max_pool2d`, the aux heads' `F.adaptive_avg_pool2d`).
 */
export function isModuleCall(layer: Pick<Layer, 'id' | 'module'>): boolean {
  if (layer.id === layer.module) return true;
  return /\.\d+$/.test(layer.id);
}

/** The eval-path layers of an analysis with their shapes for one image, in execution order. */
function evalLayers(a: Analysis): CountedLayer[] {
  const info = new Map(a.layers.map((l) => [l.id, l]));
  const evalModules = new Set(a.modules.filter((m) => m.evalPath).map((m) => m.id));
  const out: CountedLayer[] = [];
  for (const layer of a.graph) {
    const i = info.get(layer.id);
    if (!i?.outputShape || !evalModules.has(layer.module)) continue;
    const inputs = layer.inputs.map((src) =>
      src === 'input' ? a.input : (info.get(src)?.outputShape ?? null),
    );
    if (inputs.some((s) => s === null)) continue;
    out.push({
      layer,
      info: i,
      inputs: (inputs as Shape[]).map(oneImage),
      output: oneImage(i.outputShape),
      module: isModuleCall(layer),
    });
  }
  return out;
}

/** Sums a per-layer rule over the eval path. */
function sumEval(a: Analysis, rule: (l: CountedLayer) => number): number {
  let total = 0;
  for (const l of evalLayers(a)) total += rule(l);
  return total;
}

const convAttrs = (l: CountedLayer) => l.layer.attrs as Conv2dAttrs;
const linearAttrs = (l: CountedLayer) => l.layer.attrs as LinearAttrs;
const bnAttrs = (l: CountedLayer) => l.layer.attrs as BatchNorm2dAttrs;

/** Conv and linear MACs of one image (the analysis' own figure), no biases. */
const torchvisionMacs = (l: CountedLayer): number => l.info.macs;

/** ptflops/pytorch_ops.py: module hooks, plus the patched functional calls (pytorch_engine.py). */
function ptflopsRule(l: CountedLayer): number {
  const twice = l.module ? 2 : 1; // a module's forward calls the patched F.* once more
  switch (l.layer.kind) {
    case 'conv2d': {
      // conv_flops_counter_hook: MACs, plus N × prod(output[1:]) with a bias
      return l.info.macs + (convAttrs(l).bias ? numel(l.output) : 0);
    }
    case 'linear': {
      // linear_flops_counter_hook: (in × out + bias out) × prod(input[:-1])
      const a = linearAttrs(l);
      return a.inFeatures * a.outFeatures + (a.bias ? a.outFeatures : 0);
    }
    case 'batchNorm2d':
      return 2 * numel(l.inputs[0]); // bn_flops_counter_hook, affine
    case 'relu':
      return twice * numel(l.output); // relu_flops_counter_hook / _numel_functional_flops_hook
    case 'maxPool2d':
    case 'avgPool2d':
    case 'adaptiveAvgPool2d':
      return twice * numel(l.inputs[0]); // pool_flops_counter_hook / _numel_functional_flops_hook
    default:
      return 0; // dropout, concat, flatten, add, scale, LRN, channelAffine: not in its mappings
  }
}

/** thop/vision/basic_hooks.py with calc_func.py; nn modules only (thop/profile.py). */
function thopRule(l: CountedLayer): number {
  switch (l.layer.kind) {
    case 'conv2d':
      return l.info.macs; // calculate_conv2d_flops: no bias
    case 'linear':
      return linearAttrs(l).inFeatures * numel(l.output); // calculate_linear
    case 'batchNorm2d':
      return 4 * numel(l.inputs[0]); // calculate_norm (2 × numel), doubled for affine
    case 'avgPool2d':
      return l.module ? numel(l.output) : 0; // count_avgpool; F.avg_pool2d is not hooked
    case 'adaptiveAvgPool2d': {
      if (!l.module) return 0;
      // count_adap_avgpool: kernel = input / output size (true division), int((kernel + 1) × y.numel())
      const [, , h, w] = l.inputs[0];
      const [, , oh, ow] = l.output;
      return Math.trunc(((h / oh) * (w / ow) + 1) * numel(l.output));
    }
    default:
      return 0; // ReLU, max pools and dropout are zero_ops; the rest have no rule
  }
}

/** fvcore/nn/jit_handles.py for the ops of _DEFAULT_SUPPORTED_OPS (flop_count.py), eval mode. */
function fvcoreRule(l: CountedLayer): number {
  switch (l.layer.kind) {
    case 'conv2d':
    case 'linear':
      return l.info.macs; // conv_flop_jit, linear_flop_jit: no bias
    case 'batchNorm2d':
      return 2 * numel(l.inputs[0]); // batchnorm_flop_jit, not training, affine
    case 'adaptiveAvgPool2d':
      return numel(l.inputs[0]); // elementwise_flop_counter(1, 0)
    default:
      return 0;
  }
}

/** torchinfo/layer_info.py LayerInfo.calculate_macs, for a batch of N. */
function torchinfoRule(l: CountedLayer, batch: number): number {
  switch (l.layer.kind) {
    case 'conv2d': {
      const a = convAttrs(l);
      const weights =
        (a.outChannels * a.inChannels * a.kernel[0] * a.kernel[1]) / a.groups +
        (a.bias ? a.outChannels : 0);
      return weights * batch * l.output[2] * l.output[3];
    }
    case 'linear': {
      const a = linearAttrs(l);
      return (a.inFeatures * a.outFeatures + (a.bias ? a.outFeatures : 0)) * batch;
    }
    case 'batchNorm2d':
      return batch * 2 * bnAttrs(l).channels; // output_size[0] × (weight + bias)
    default:
      return 0; // no parameters, no mult-adds
  }
}

/** Parameters an eval-mode ONNX export carries once each batch norm is folded into its conv. */
function onnxFoldedParams(a: Analysis): number {
  const layers = evalLayers(a);
  const byId = new Map(layers.map((l) => [l.layer.id, l]));
  const readers = new Map<string, number>();
  for (const l of layers)
    for (const src of l.layer.inputs) readers.set(src, (readers.get(src) ?? 0) + 1);
  // A batch norm is folded when it alone reads a convolution's output.
  const foldedInto = new Set<string>();
  for (const l of layers) {
    if (l.layer.kind !== 'batchNorm2d') continue;
    const src = byId.get(l.layer.inputs[0]);
    if (src?.layer.kind === 'conv2d' && readers.get(src.layer.id) === 1) {
      foldedInto.add(src.layer.id);
      foldedInto.add(l.layer.id);
    }
  }
  let total = 0;
  for (const l of layers) {
    if (l.layer.kind === 'batchNorm2d') {
      if (!foldedInto.has(l.layer.id)) total += 4 * bnAttrs(l).channels;
    } else if (l.layer.kind === 'conv2d') {
      const c = convAttrs(l);
      total += l.info.params - (c.bias ? c.outChannels : 0);
      if (c.bias || foldedInto.has(l.layer.id)) total += c.outChannels;
    } else total += l.info.params;
  }
  return total;
}

/** timm benchmark.py → fvcore activation_count.py: outputs of convolutions and linear layers. */
function activationRule(l: CountedLayer): number {
  return l.layer.kind === 'conv2d' || l.layer.kind === 'linear' ? numel(l.output) : 0;
}

function convention(
  id: ConventionId,
  label: string,
  scope: ConventionScope,
  compute: Convention['compute'],
): Convention {
  const entry = glossaryEntry(`convention.${id}`);
  return { id, label, sentence: entry.text, source: entry.source, scope, compute };
}

/** Every convention, by id, in the order the summary lists them. */
export const CONVENTIONS: Readonly<Record<ConventionId, Convention>> = {
  torchvision: convention('torchvision', 'torchvision', 'image', (a) => ({
    value: sumEval(a, torchvisionMacs),
    unit: 'MACs',
  })),
  fvcore: convention('fvcore', 'fvcore', 'image', (a) => ({
    value: sumEval(a, fvcoreRule),
    unit: 'FLOPs',
  })),
  ptflops: convention('ptflops', 'ptflops', 'image', (a) => ({
    value: sumEval(a, ptflopsRule),
    unit: 'MACs',
  })),
  thop: convention('thop', 'thop', 'image', (a) => ({ value: sumEval(a, thopRule), unit: 'MACs' })),
  flops: convention('flops', 'FLOPs (flop_counter)', 'image', (a) => ({
    value: 2 * sumEval(a, torchvisionMacs),
    unit: 'FLOPs',
  })),
  torchinfo: convention('torchinfo', 'torchinfo', 'batch', (a, batch) => ({
    value: sumEval(a, (l) => torchinfoRule(l, batch)),
    unit: 'Mult-Adds',
  })),
  keras: convention('keras', 'Keras', 'network', (a) => ({
    value: a.totals.params + a.totals.buffers,
    unit: 'params',
  })),
  'onnx-folded': convention('onnx-folded', 'ONNX (BN folded)', 'network', (a) => ({
    value: onnxFoldedParams(a),
    unit: 'params',
  })),
  'timm-activations': convention('timm-activations', 'timm', 'image', (a) => ({
    value: sumEval(a, activationRule),
    unit: 'activations',
  })),
};

/** The convention of an id, or null for a name that is none of them. */
export function conventionById(id: string): Convention | null {
  return (CONVENTION_IDS as readonly string[]).includes(id)
    ? CONVENTIONS[id as ConventionId]
    : null;
}

/**
 * Reads a list of convention names (`ptflops`, `thop,fvcore`, `all`), as the CLI's repeatable
 * `--convention` gives them: each entry may hold a comma list; `all` stands for every convention.
 * Returns them in the order given without repeats, or `convention.unknown` naming the valid ones.
 */
export function parseConventions(names: readonly string[]): Result<readonly ConventionId[]> {
  const out: ConventionId[] = [];
  const unknown: string[] = [];
  for (const raw of names.flatMap((n) => n.split(','))) {
    const name = raw.trim();
    if (name === '') continue;
    const ids: readonly string[] = name === 'all' ? CONVENTION_IDS : [name];
    for (const id of ids) {
      if (!conventionById(id)) unknown.push(name);
      else if (!out.includes(id as ConventionId)) out.push(id as ConventionId);
    }
  }
  if (unknown.length || out.length === 0)
    return {
      ok: false,
      error: {
        code: 'convention.unknown',
        message: `${unknown.length ? `Unknown counting convention ${unknown.map((u) => JSON.stringify(u)).join(', ')}` : 'No counting convention was named'}; use one or more of ${CONVENTION_IDS.join(', ')}, or all.`,
      },
    };
  return { ok: true, value: out };
}

/** "1.51 G" + "Mac" → "1.51 GMac"; "512" + "Mac" → "512 Mac". */
function compact(value: number, unit: string): string {
  const s = formatCompact(value);
  return /[A-Z]$/.test(s) ? `${s}${unit}` : `${s} ${unit}`;
}

/** A figure as its tool prints it, e.g. "1.51 GMac" (ptflops), "13,019,960 params" (Keras). */
export function formatFigure(f: ConventionFigure): string {
  switch (f.unit) {
    case 'MACs':
      return compact(f.value, 'Mac');
    case 'FLOPs':
      return compact(f.value, 'FLOPs');
    case 'Mult-Adds':
      return `${formatCompact(f.value)} mult-adds`;
    case 'params':
      return `${formatInt(f.value)} params`;
    case 'activations':
      return `${formatCompact(f.value)} activations`;
  }
}

/** One convention's figure for a design, labelled: "ptflops: 1.51 GMac". */
export interface ConventionRow {
  readonly id: ConventionId;
  readonly label: string;
  readonly value: number;
  readonly unit: ConventionUnit;
  readonly scope: ConventionScope;
  /** The figure as its tool prints it: "1.51 GMac", "4.5 G mult-adds (N=3)". */
  readonly printed: string;
  /** The label and the printed figure: "ptflops: 1.51 GMac". */
  readonly text: string;
  readonly sentence: string;
  readonly source: string;
}

/** The figures of some conventions for an analysis whose input batch is `batch`. */
export function conventionRows(
  a: Analysis,
  ids: readonly ConventionId[],
  batch: number,
): ConventionRow[] {
  return ids.map((id) => {
    const c = CONVENTIONS[id];
    const f = c.compute(a, batch);
    const printed = `${formatFigure(f)}${c.scope === 'batch' ? ` (N=${batch})` : ''}`;
    return {
      id,
      label: c.label,
      value: f.value,
      unit: f.unit,
      scope: c.scope,
      printed,
      text: `${c.label}: ${printed}`,
      sentence: c.sentence,
      source: c.source,
    };
  });
}

/** Wraps a paragraph to lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * The conventions' figures as a plain-text table for a terminal: the tool, the exact figure with
 * its unit and scope, the figure as the tool prints it, then what it includes and its source.
 */
export function conventionsText(rows: readonly ConventionRow[]): string {
  const scope = { image: ' per image', batch: ' per batch', network: '' } as const;
  const figure = (r: ConventionRow) => `${formatInt(r.value)} ${r.unit}${scope[r.scope]}`;
  const w0 = Math.max(...rows.map((r) => r.label.length)) + 2;
  const w1 = Math.max(...rows.map((r) => figure(r).length)) + 2;
  const out = ['Counting conventions (eval mode: aux heads off)'];
  for (const r of rows) {
    out.push(`${r.label.padEnd(w0)}${figure(r).padEnd(w1)}${r.printed}`);
    for (const l of wrap(r.sentence, 92)) out.push(`    ${l}`);
    out.push(`    Source: ${r.source}`);
  }
  return `${out.join('\n')}\n`;
}
