/**
 * Block templates: a module whose inside is a small graph of steps, each with its inputs. A
 * template writes its steps once, with a `BlockGraph`; from that one description come its layers
 * (state_dict keys and all), the steps shown when the module is opened in the graph, and the
 * PyTorch class of the export (one class per template, one submodule per named step, a forward
 * that follows the steps). Splits and re-joins, tails after the join (projection → scale → add
 * the module's input → ReLU), pool-only branches, asymmetric kernels and stride-2 steps are all
 * just steps.
 */
import type { Padding4, Pair } from '../model/types';
import type { ParamDefs, ResolvedParams } from '../model/params';
import type { LayerKind, LayerAttrMap } from '../layers/registry';
import {
  defineModule,
  LayerBuilder,
  type ExpandContext,
  type KeyStyle,
  type ModuleDef,
  type ModuleStep,
} from './moduleDef';
import { requireFeatureMap } from './checks';

/** A channel count: its value and how the block's Python class writes it (`in_channels`, `out_1x1`, `384`). */
export interface Channels {
  readonly value: number;
  readonly expr: string;
}

/** The output of a step, to feed to later steps. */
export interface StepRef {
  /** The step's local id, or `in` for the module's input. */
  readonly step: string;
  readonly channels: Channels;
}

export interface ConvOptions {
  readonly kernel: number | Pair;
  readonly stride?: number | Pair;
  /** Per-side padding, or `same` (odd kernels: (k − 1) / 2 on each side). Default: same at stride 1, else 0. */
  readonly padding?: number | Pair | Padding4 | 'same';
  /** Conv bias; default: the block's `conv_bias` flavor (or false with batch norm, true without). */
  readonly bias?: boolean;
  /** `batch`: conv → BatchNorm2d (eps from the block's `bn_eps`); `none`: the conv alone. Default: the block's `norm`. */
  readonly norm?: 'batch' | 'none';
  /** A ReLU after the conv (and its norm); default true. False makes a plain nn.Conv2d (no norm allowed). */
  readonly relu?: boolean;
  /** What the opened module shows for the step: "1×3", "3×3 reduce". */
  readonly title?: string;
}

export interface PoolOptions {
  readonly kernel: number | Pair;
  readonly stride?: number | Pair;
  readonly padding?: number | Pair | Padding4;
  readonly ceil?: boolean;
  readonly title?: string;
}

/** One step of a block as the export and the graph view read it. */
export type BlockOp =
  | {
      readonly op: 'conv';
      readonly cin: Channels;
      readonly cout: Channels;
      readonly kernel: Pair;
      readonly stride: Pair;
      readonly padding: Padding4;
      readonly bias: boolean;
      readonly norm: 'batch' | 'none';
      readonly eps: number;
      readonly normName: string;
      readonly relu: boolean;
    }
  | {
      readonly op: 'maxPool' | 'avgPool';
      readonly kernel: Pair;
      readonly stride: Pair;
      readonly padding: Padding4;
      readonly ceil: boolean;
      readonly countIncludePad: boolean;
    }
  | { readonly op: 'adaptiveAvgPool'; readonly size: Pair }
  | { readonly op: 'concat' | 'add' | 'relu' | 'flatten' }
  | { readonly op: 'scale'; readonly factor: number }
  | { readonly op: 'dropout'; readonly p: number }
  | { readonly op: 'batchNorm'; readonly channels: Channels; readonly eps: number }
  | {
      readonly op: 'lrn';
      readonly size: number;
      readonly alpha: number;
      readonly beta: number;
      readonly k: number;
    }
  | {
      readonly op: 'linear';
      readonly cin: Channels;
      readonly cout: Channels;
      readonly bias: boolean;
    };

export interface BlockStep {
  /** Local id; for a named step also its PyTorch attribute path (`branch3x3_2a`, `branch1.0`). */
  readonly id: string;
  /** Whether the step is a submodule of the block (it holds state or is an nn.Module attribute). */
  readonly named: boolean;
  readonly inputs: readonly string[];
  readonly title: string;
  readonly layers: readonly string[];
  readonly channels: Channels;
  readonly spec: BlockOp;
}

/** The flavor a block hands its conv steps: bias, normalization and its attribute name. */
export interface BlockFlavor {
  readonly conv_bias?: boolean;
  readonly bn_eps?: number;
  readonly bn_name?: string;
  readonly norm?: string;
}

const toPair = (v: number | Pair): Pair => (typeof v === 'number' ? [v, v] : v);
function toPad(v: number | Pair | Padding4, kernel: Pair): Padding4 {
  if (typeof v === 'number') return [v, v, v, v];
  if (v.length === 2) return [v[0], v[0], v[1], v[1]];
  void kernel;
  return v as Padding4;
}
const samePad = (k: Pair): Padding4 => [
  Math.floor((k[0] - 1) / 2),
  Math.ceil((k[0] - 1) / 2),
  Math.floor((k[1] - 1) / 2),
  Math.ceil((k[1] - 1) / 2),
];
const sizeText = (k: Pair) => (k[0] === k[1] ? `${k[0]}×${k[0]}` : `${k[0]}×${k[1]}`);

/** The shared stem of step names (`branch3x3_2a`, `branch3x3_2b` → `branch3x3`), to name their join; null when too short. */
function commonBase(ids: readonly string[]): string | null {
  let p = ids[0] ?? '';
  for (const id of ids) while (!id.startsWith(p)) p = p.slice(0, -1);
  p = p.replace(/_\d*[a-z]?$/, '').replace(/[_.]+$/, '');
  return p.length >= 3 && !ids.includes(p) ? p : null;
}

/** Adds channel expressions, folding numbers: `out_1x1 + out_3x3 * 2 + 192`. */
export function sumChannels(parts: readonly Channels[]): Channels {
  const value = parts.reduce((a, c) => a + c.value, 0);
  const counts = new Map<string, number>();
  let constant = 0;
  for (const c of parts) {
    if (/^\d+$/.test(c.expr)) constant += Number(c.expr);
    else counts.set(c.expr, (counts.get(c.expr) ?? 0) + 1);
  }
  const terms = [...counts].map(([e, n]) =>
    n === 1 ? e : `${/[+ ]/.test(e) ? `(${e})` : e} * ${n}`,
  );
  if (constant || terms.length === 0) terms.push(String(constant));
  return { value, expr: terms.join(' + ') };
}

/**
 * What a template's `build` writes its steps with. Every method adds one step and returns its
 * output; a `name` makes the step a submodule (its layers' ids, hence state_dict keys, start
 * with it), `null` keeps it an operation of forward().
 */
export class BlockGraph {
  readonly steps: BlockStep[] = [];
  private readonly channels = new Map<string, Channels>();
  private readonly outputs = new Map<string, string>();
  private anon = 0;

  constructor(
    private readonly b: LayerBuilder,
    /** The module input's layer id and channels. */
    input: { layer: string; channels: number },
    private readonly flavor: BlockFlavor,
    /** The block's resolved parameters: counts are looked up here by name. */
    private readonly values: Readonly<Record<string, unknown>>,
  ) {
    this.outputs.set('in', input.layer);
    this.channels.set('in', { value: input.channels, expr: 'in_channels' });
  }

  /** The layer id holding a step's output. */
  outputLayer(ref: StepRef): string {
    return this.outputs.get(ref.step)!;
  }

  /** The module's input. */
  get input(): StepRef {
    return { step: 'in', channels: this.channels.get('in')! };
  }

  /** A channel count from a count parameter (`'out_1x1'`), a fixed number, or a step's channels (`g.input.channels`). */
  count(c: string | number | Channels): Channels {
    if (typeof c === 'object') return c;
    if (typeof c === 'number') return { value: c, expr: String(c) };
    const v = this.values[c];
    if (typeof v !== 'number') throw new Error(`block count ${c} is not a number parameter`);
    return { value: v, expr: c };
  }

  private id(name: string | null, base: string): { id: string; named: boolean } {
    if (name !== null) return { id: name, named: true };
    let id = base;
    while (this.outputs.has(id)) id = `${base}_${++this.anon}`;
    return { id, named: false };
  }

  private push<K extends LayerKind>(
    name: string | null,
    base: string,
    from: readonly StepRef[],
    title: string,
    channels: Channels,
    spec: BlockOp,
    layers: (path: string, ins: string[]) => [string, K, LayerAttrMap[K]][],
  ): StepRef {
    const { id, named } = this.id(name, base);
    if (this.outputs.has(id) || id === 'in') throw new Error(`block step ${id} is defined twice`);
    const ins = from.map((r) => this.outputs.get(r.step)!);
    let prev = ins;
    const ids: string[] = [];
    for (const [local, kind, attrs] of layers(id, ins)) {
      const full = this.b.add(local, kind, prev, attrs);
      ids.push(full);
      prev = [full];
    }
    this.outputs.set(id, ids[ids.length - 1]);
    this.channels.set(id, channels);
    this.steps.push({
      id,
      named,
      inputs: from.map((r) => r.step),
      title,
      layers: ids,
      channels,
      spec,
    });
    return { step: id, channels };
  }

  /** A convolution, by default with the block's norm (conv → BatchNorm2d) and a ReLU: torchvision's BasicConv2d. */
  conv(name: string, from: StepRef, out: string | number | Channels, o: ConvOptions): StepRef {
    const cout = this.count(out);
    const kernel = toPair(o.kernel);
    const stride = toPair(o.stride ?? 1);
    const padding =
      o.padding === 'same' || (o.padding === undefined && stride[0] === 1 && stride[1] === 1)
        ? samePad(kernel)
        : toPad(o.padding ?? 0, kernel);
    const norm = o.norm ?? (o.relu === false || this.flavor.norm === 'none' ? 'none' : 'batch');
    const bias = o.bias ?? this.flavor.conv_bias ?? norm === 'none';
    const eps = this.flavor.bn_eps ?? 1e-5;
    const normName = this.flavor.bn_name ?? 'bn';
    const relu = o.relu ?? true;
    // With a ReLU the step is a conv block (`name.conv`, `name.bn`, `name.relu`: one submodule, as
    // torchvision's BasicConv2d); without one it is a plain nn.Conv2d named `name`. With flat keys
    // the conv is `name` and its batch norm `name_bn`, both attributes of the network (Caffe ports).
    if (norm === 'batch' && !relu)
      throw new Error(
        `block step ${name}: a conv with batch norm is a conv block and ends in a ReLU`,
      );
    const flat = this.b.keys === 'flat';
    const wrapped = relu && !flat;
    const title =
      o.title ??
      `${sizeText(kernel)}${stride[0] > 1 || stride[1] > 1 ? ` /${stride[0] === stride[1] ? stride[0] : stride.join('×')}` : ''}`;
    const spec: BlockOp = {
      op: 'conv',
      cin: from.channels,
      cout,
      kernel,
      stride,
      padding,
      bias,
      norm,
      eps,
      normName,
      relu,
    };
    return this.push(name, 'conv', [from], title, cout, spec, (path) => {
      const at = (s: string) => (wrapped ? `${path}.${s}` : path);
      const out: [string, LayerKind, LayerAttrMap[LayerKind]][] = [
        [
          at('conv'),
          'conv2d',
          {
            inChannels: from.channels.value,
            outChannels: cout.value,
            kernel,
            stride,
            padding,
            groups: 1,
            bias,
          },
        ],
      ];
      if (norm === 'batch')
        out.push([
          flat ? `${path}_bn` : `${path}.${normName}`,
          'batchNorm2d',
          { channels: cout.value, eps, momentum: 0.1 },
        ]);
      if (relu) out.push([flat ? `${path}_relu` : `${path}.relu`, 'relu', {}]);
      return out as [string, 'conv2d', LayerAttrMap['conv2d']][];
    });
  }

  private pool(
    kind: 'maxPool' | 'avgPool',
    name: string | null,
    from: StepRef,
    o: PoolOptions,
    countIncludePad: boolean,
  ): StepRef {
    const kernel = toPair(o.kernel);
    const stride = toPair(o.stride ?? kernel);
    const padding = toPad(o.padding ?? 0, kernel);
    const ceil = o.ceil ?? false;
    const title =
      o.title ??
      `${kind === 'maxPool' ? 'max' : 'avg'} pool ${sizeText(kernel)}${stride[0] > 1 ? ` /${stride[0]}` : ''}`;
    const spec: BlockOp = { op: kind, kernel, stride, padding, ceil, countIncludePad };
    if (kind === 'maxPool')
      return this.push(name, 'pool', [from], title, from.channels, spec, (path) => [
        [path, 'maxPool2d', { kernel, stride, padding, ceilMode: ceil }],
      ]);
    return this.push(name, 'pool', [from], title, from.channels, spec, (path) => [
      [path, 'avgPool2d', { kernel, stride, padding, ceilMode: ceil, countIncludePad }],
    ]);
  }

  /** Max pooling (padding counts as −∞). */
  maxPool(name: string | null, from: StepRef, o: PoolOptions): StepRef {
    return this.pool('maxPool', name, from, o, true);
  }

  /** Average pooling; `countIncludePad` false keeps padding out of the mean (timm), true counts it (torchvision). */
  avgPool(
    name: string | null,
    from: StepRef,
    o: PoolOptions & { readonly countIncludePad: boolean },
  ): StepRef {
    return this.pool('avgPool', name, from, o, o.countIncludePad);
  }

  adaptiveAvgPool(
    name: string | null,
    from: StepRef,
    size: number | Pair,
    title = 'global avg pool',
  ): StepRef {
    const s = toPair(size);
    return this.push(
      name,
      'adaptive_pool',
      [from],
      title,
      from.channels,
      { op: 'adaptiveAvgPool', size: s },
      (path) => [[path, 'adaptiveAvgPool2d', { output: s }]],
    );
  }

  /** Joins on channels. */
  concat(from: readonly StepRef[], name: string | null = null, title = 'Concat'): StepRef {
    return this.push(
      name,
      commonBase(from.map((r) => r.step)) ?? 'cat',
      from,
      title,
      sumChannels(from.map((r) => r.channels)),
      { op: 'concat' },
      (path) => [[path, 'concat', {}]],
    );
  }

  /** Sums same-shaped inputs: a residual connection (the shortcut is an input like any other). */
  add(from: readonly StepRef[], name: string | null = null, title = 'Add'): StepRef {
    return this.push(name, 'add', from, title, from[0].channels, { op: 'add' }, (path) => [
      [path, 'add', {}],
    ]);
  }

  /** Multiplies by a constant (Inception-ResNet's residual scale). */
  scale(from: StepRef, factor: number, name: string | null = null): StepRef {
    return this.push(
      name,
      'scale',
      [from],
      `× ${factor}`,
      from.channels,
      { op: 'scale', factor },
      (path) => [[path, 'scale', { factor }]],
    );
  }

  relu(from: StepRef, name: string | null = null): StepRef {
    return this.push(name, 'relu', [from], 'ReLU', from.channels, { op: 'relu' }, (path) => [
      [path, 'relu', {}],
    ]);
  }

  /** A batch norm on its own step (Caffe-style networks name it apart from its conv). */
  batchNorm(name: string, from: StepRef, eps = this.flavor.bn_eps ?? 1e-5): StepRef {
    return this.push(
      name,
      'bn',
      [from],
      'BatchNorm',
      from.channels,
      { op: 'batchNorm', channels: from.channels, eps },
      (path) => [[path, 'batchNorm2d', { channels: from.channels.value, eps, momentum: 0.1 }]],
    );
  }

  /** Local response normalization across channels. */
  lrn(
    name: string | null,
    from: StepRef,
    o: { size: number; alpha?: number; beta?: number; k?: number },
  ): StepRef {
    const spec = {
      op: 'lrn',
      size: o.size,
      alpha: o.alpha ?? 1e-4,
      beta: o.beta ?? 0.75,
      k: o.k ?? 1,
    } as const;
    return this.push(name, 'lrn', [from], 'LRN', from.channels, spec, (path) => [
      [
        path,
        'localResponseNorm',
        { size: spec.size, alpha: spec.alpha, beta: spec.beta, k: spec.k },
      ],
    ]);
  }

  dropout(name: string, from: StepRef, p: number): StepRef {
    return this.push(
      name,
      'dropout',
      [from],
      `dropout ${p}`,
      from.channels,
      { op: 'dropout', p },
      (path) => [[path, 'dropout', { p }]],
    );
  }

  /** Flattens a map to a vector: a 1×1 map (after a global pool), or one of `size` (C·H·W features). */
  flatten(from: StepRef, size?: Pair): StepRef {
    const n = size ? size[0] * size[1] : 1;
    const channels =
      n === 1
        ? from.channels
        : {
            value: from.channels.value * n,
            expr: `${/[+ ]/.test(from.channels.expr) ? `(${from.channels.expr})` : from.channels.expr} * ${n}`,
          };
    return this.push(null, 'flatten', [from], 'flatten', channels, { op: 'flatten' }, (path) => [
      [path, 'flatten', {}],
    ]);
  }

  /** A fully connected layer; `out` may be `num_classes` when the parameter follows the design's classes. */
  linear(name: string, from: StepRef, out: Channels, bias = true): StepRef {
    return this.push(
      name,
      'fc',
      [from],
      'Linear',
      out,
      { op: 'linear', cin: from.channels, cout: out, bias },
      (path) => [
        [path, 'linear', { inFeatures: from.channels.value, outFeatures: out.value, bias }],
      ],
    );
  }
}

export interface BlockTemplate<P extends ParamDefs> extends Omit<
  ModuleDef<P>,
  'expand' | 'steps' | 'arity'
> {
  /** Writes the block's steps; returns the step whose output is the module's output. */
  build(g: BlockGraph, p: ResolvedParams<P>): StepRef;
  /** The class name of the PyTorch export (`InceptionA`); the kind in PascalCase by default. */
  readonly pythonClass?: string;
  /** How its layer ids extend the module id; `nested` (a submodule) by default. */
  readonly keys?: KeyStyle;
  /** A one-line docstring for that class; the template's description by default. */
  readonly pythonDoc?: string;
}

/** A block's steps and layers for one module instance, or null when its input is not a feature map. */
export function runBlock<P extends ParamDefs>(
  t: BlockTemplate<P>,
  p: ResolvedParams<P>,
  ctx: Pick<ExpandContext, 'id' | 'inputs' | 'inputIds'>,
): { graph: BlockGraph; output: StepRef; builder: LayerBuilder } {
  const builder = new LayerBuilder(ctx.id, t.keys ?? 'nested');
  const cin = ctx.inputs[0]?.[1] ?? 0;
  const graph = new BlockGraph(
    builder,
    { layer: ctx.inputIds[0] ?? 'input', channels: cin },
    p as BlockFlavor,
    p as Record<string, unknown>,
  );
  const output = t.build(graph, p);
  return { graph, output, builder };
}

/** The steps of a block for the graph view: every step with its inputs, the output step last. */
export function blockSteps(graph: BlockGraph, output: StepRef): ModuleStep[] {
  const steps = graph.steps.map((s) => ({
    id: s.id,
    title: s.title,
    group: s.id.split('.')[0],
    layers: s.layers,
    inputs: s.inputs,
  }));
  const i = steps.findIndex((s) => s.id === output.step);
  return [...steps.slice(0, i), ...steps.slice(i + 1), steps[i]];
}

/** Declares a block template: its expansion and its opened view come from its steps. */
export function defineBlock<P extends ParamDefs>(
  t: BlockTemplate<P>,
): ModuleDef<P> & { readonly block: BlockTemplate<P> } {
  const def = defineModule<P>({
    ...t,
    arity: { min: 1, max: 1 },
    expand(p, ctx) {
      const problem = requireFeatureMap(ctx);
      if (problem) return problem;
      const { graph, output, builder } = runBlock(t, p, ctx);
      return { layers: builder.layers, output: graph.outputLayer(output) };
    },
    steps(p, ctx) {
      // Channel counts only: the input's channel count does not change the structure.
      const { graph, output } = runBlock(t, p, {
        id: ctx.id,
        inputs: [[1, 1, 1, 1]],
        inputIds: ['input'],
      });
      return blockSteps(graph, output);
    },
  });
  return { ...def, block: t };
}

/**
 * The flavor parameters of a block: norm (batch norm or none), conv bias, BN eps and the BN
 * attribute name, with the reference's defaults (torchvision v3: batch, no bias, 0.001, `bn`).
 */
export function blockFlavorParams(
  d: {
    norm?: 'batch' | 'none';
    conv_bias?: boolean;
    bn_eps?: number;
    bn_name?: 'bn' | 'batchnorm';
  } = {},
) {
  return {
    norm: {
      type: 'enum',
      label: 'Norm',
      values: ['batch', 'none'],
      default: d.norm ?? 'batch',
      group: 'flavor',
      doc: 'batch: every conv is conv → BatchNorm2d → ReLU; none: conv (with bias) → ReLU.',
    },
    conv_bias: {
      type: 'bool',
      label: 'Conv bias',
      default: d.conv_bias ?? false,
      group: 'flavor',
      doc: 'Whether convolutions have a bias (torchvision: no).',
    },
    bn_eps: {
      type: 'float',
      label: 'BN eps',
      min: 0,
      exclusiveMin: true,
      max: 1,
      default: d.bn_eps ?? 1e-3,
      group: 'flavor',
      doc: 'Batch-norm epsilon (torchvision v3: 0.001).',
    },
    bn_name: {
      type: 'enum',
      label: 'BN attribute',
      values: ['bn', 'batchnorm'],
      default: d.bn_name ?? 'bn',
      group: 'flavor',
      doc: 'The attribute name of the batch norm in the state_dict.',
    },
  } as const satisfies ParamDefs;
}

/** Whether a module definition is a block template. */
export function blockOf(def: ModuleDef | undefined): BlockTemplate<ParamDefs> | null {
  return def && 'block' in def
    ? ((def as { block: BlockTemplate<ParamDefs> }).block ?? null)
    : null;
}
