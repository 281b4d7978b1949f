/**
 * How each module kind is written in PyTorch: the attribute the network class builds in
 * `__init__` and the expression `forward()` computes with it. One entry per kind, in a table
 * typed by ModuleKind, so a new kind without code generation does not compile.
 */
import { moduleDef, moduleDefs, type ModuleKind } from '../modules/registry';
import { resolveParams, type ParamDefs } from '../model/params';
import { blockOf, type BlockTemplate } from '../modules/block';
import { blockClassName, blockCounts, blockUse } from './pytorchBlocks';
import type { Padding4, Pair } from '../model/types';
import { poolLength } from '../layers/spatial';
import { call, divide, list, pyBool, pyFloat, pyInt, pySize, sum, type PyExpr } from './python';
import { flavorValues, type ClassUse } from './pytorchClass';
import { templateCodegens } from '../modules/templatePython';
import type { CodegenContext, ModuleCodegen, ParamsOf } from './codegenTypes';

export type { CodegenContext, ModuleCodegen, ParamsOf } from './codegenTypes';

/** Whether top equals bottom and left equals right, as nn.Conv2d and the pools pad. */
const even = (p: Padding4): boolean => p[0] === p[1] && p[2] === p[3];
const zero = (p: Padding4): boolean => p.every((x) => x === 0);
/** Symmetric padding as a keyword argument (absent when zero). */
const paddingArg = (p: Padding4): string[] =>
  zero(p) || !even(p) ? [] : [`padding=${pySize([p[0], p[2]])}`];
/** Uneven padding in F.pad's order: (left, right, top, bottom). */
const padTuple = (p: Padding4): string => `(${p[2]}, ${p[3]}, ${p[0]}, ${p[1]})`;
const strideArg = (s: Pair, always: boolean): string[] =>
  always || s[0] !== 1 || s[1] !== 1 ? [`stride=${pySize(s)}`] : [];

/**
 * A pool over explicitly padded input. PyTorch drops a last window that starts past the input
 * and its *leading* padding; after F.pad every pad is leading, so in ceil mode one more row or
 * column can survive than the explorer computes. The slice trims it.
 */
function paddedPool(
  ctx: CodegenContext<{ kernel: Pair; stride: Pair; padding: Padding4; ceil_mode: boolean }>,
  padded: PyExpr,
  self: string,
): PyExpr {
  const { kernel, stride, padding, ceil_mode } = ctx.p;
  const [, , h, w] = ctx.inputShapes[0];
  const [, , oh, ow] = ctx.outputShape;
  const th = poolLength(h + padding[0] + padding[1], kernel[0], stride[0], 0, 0, ceil_mode);
  const tw = poolLength(w + padding[2] + padding[3], kernel[1], stride[1], 0, 0, ceil_mode);
  const crop = th !== oh || tw !== ow ? `[:, :, :${oh}, :${ow}]` : undefined;
  return call(self, [padded], crop);
}

function poolArgs(p: {
  kernel: Pair;
  stride: Pair;
  padding: Padding4;
  ceil_mode: boolean;
}): string[] {
  return [
    pySize(p.kernel),
    ...strideArg(p.stride, true),
    ...paddingArg(p.padding),
    ...(p.ceil_mode ? ['ceil_mode=True'] : []),
  ];
}

/** Why forward() pads: PyTorch's layers pad both sides alike. */
const UNEVEN_NOTE =
  'F.pad adds the uneven padding (left, right, top, bottom) that nn layers cannot';

const convBlockUse = (ctx: CodegenContext<ParamsOf<'convBlock'>>): ClassUse => ({
  cls: 'ConvBlock',
  values: { ...flavorValues(ctx.p), uneven: pyBool(!even(ctx.p.padding)) },
});

/** A module that is one submodule applied to its input. */
export const apply = (_ctx: unknown, inputs: readonly string[], self: string): PyExpr =>
  call(self, [inputs[0]]);

/** A block template's module: an instance of the class generated from its steps (core/export/pytorchBlocks.ts). */
function blockCodegen(t: BlockTemplate<ParamDefs>): ModuleCodegen<Record<string, unknown>> {
  const defaults = resolveParams(t.params, {}, { nodeId: t.kind, classes: 1000 }).values as Record<
    string,
    unknown
  >;
  const use = (ctx: CodegenContext<Record<string, unknown>>) =>
    blockUse(blockClassName(t, ctx.p, defaults), ctx.p);
  return {
    use,
    init: (ctx, helpers) =>
      helpers.call(use(ctx), [
        pyInt(ctx.inputShapes[0][1]),
        ...blockCounts(t.params).map((c) => ctx.count(c, ctx.p[c] as number)),
      ]),
    forward: apply,
  };
}

/** The block template behind a module kind, or null for kinds with hand-written code generation. */
export function blockTemplateOf(kind: string): BlockTemplate<ParamDefs> | null {
  return blockOf(moduleDef(kind));
}

/** The code generation of a kind: the table's entry, or one generated for a block template registered at run time. */
export function codegenOf(kind: string): ModuleCodegen<Record<string, unknown>> {
  const known = (pytorchCodegen as Record<string, ModuleCodegen<Record<string, unknown>>>)[kind];
  if (known) return known;
  const t = blockTemplateOf(kind);
  if (!t) throw new Error(`no PyTorch code generation for module kind ${kind}`);
  return blockCodegen(t);
}

const blockCodegens = Object.fromEntries(
  Object.keys(moduleDefs).flatMap((kind) => {
    const t = blockTemplateOf(kind);
    return t ? [[kind, blockCodegen(t)]] : [];
  }),
);

/**
 * The code generation of every module kind: written here for single-layer kinds, declared by the
 * templates that write their own Python (core/modules/templatePython.ts), generated for block
 * templates. The exporter names no template: it spreads their table.
 */
export const pytorchCodegen = {
  ...(blockCodegens as { readonly [K in ModuleKind]: ModuleCodegen<ParamsOf<K>> }),
  ...templateCodegens,
  ...handWritten(),
} as { readonly [K in ModuleKind]: ModuleCodegen<ParamsOf<K>> };

function handWritten() {
  return {
    convBlock: {
      use: convBlockUse,
      init(ctx, helpers) {
        const { p } = ctx;
        const padding = even(p.padding)
          ? paddingArg(p.padding)
          : [`padding=${padTuple(p.padding)}`];
        return helpers.call(convBlockUse(ctx), [
          pyInt(ctx.inputShapes[0][1]),
          pyInt(p.out_channels),
          `kernel_size=${pySize(p.kernel)}`,
          ...strideArg(p.stride, false),
          ...padding,
        ]);
      },
      forward: apply,
    },
    linear: {
      init(ctx) {
        const s = ctx.inputShapes[0];
        const { in_size: size } = ctx.p;
        let inFeatures: string;
        if (s.length === 4)
          inFeatures = size[0] * size[1] === 1 ? pyInt(s[1]) : `${s[1]} * ${size[0]} * ${size[1]}`;
        else inFeatures = pyInt(s.slice(1).reduce((a, x) => a * x, 1));
        return call('nn.Linear', [
          inFeatures,
          ctx.count('out_features', ctx.p.out_features),
          ...(ctx.p.bias ? [] : ['bias=False']),
        ]);
      },
      forward: (ctx, inputs, self) =>
        call(self, [
          ctx.inputShapes[0].length === 2 ? inputs[0] : `torch.flatten(${inputs[0]}, 1)`,
        ]),
    },
    maxPool: {
      init: (ctx) => call('nn.MaxPool2d', poolArgs(ctx.p)),
      forward: (ctx, inputs, self) =>
        even(ctx.p.padding)
          ? call(self, [inputs[0]])
          : paddedPool(
              ctx,
              call('F.pad', [inputs[0], padTuple(ctx.p.padding), 'value=float("-inf")']),
              self,
            ),
      note: (ctx) => (even(ctx.p.padding) ? null : `${UNEVEN_NOTE}: -inf, as max pooling pads.`),
    },
    avgPool: {
      init: (ctx) =>
        call('nn.AvgPool2d', [
          ...poolArgs(ctx.p),
          ...(ctx.p.count_include_pad ? [] : ['count_include_pad=False']),
        ]),
      forward(ctx, inputs, self) {
        if (even(ctx.p.padding)) return call(self, [inputs[0]]);
        const pad = padTuple(ctx.p.padding);
        const values = paddedPool(ctx, call('F.pad', [inputs[0], pad]), self);
        if (ctx.p.count_include_pad) return values;
        // The mean over real values only: the pooled values over the pooled share of real pixels.
        const share = paddedPool(
          ctx,
          call('F.pad', [`torch.ones_like(${inputs[0]}[:, :1])`, pad]),
          self,
        );
        return divide(values, share);
      },
      note: (ctx) =>
        even(ctx.p.padding)
          ? null
          : `${UNEVEN_NOTE}${ctx.p.count_include_pad ? '.' : '; dividing by the pooled ones keeps padding out of the mean.'}`,
    },
    adaptiveAvgPool: {
      init: (ctx) => call('nn.AdaptiveAvgPool2d', [pySize(ctx.p.output_size)]),
      forward: apply,
    },
    localResponseNorm: {
      init(ctx) {
        const { size, alpha, beta, k } = ctx.p;
        const args = [pyInt(size)];
        if (alpha !== 1e-4) args.push(`alpha=${pyFloat(alpha)}`);
        if (beta !== 0.75) args.push(`beta=${pyFloat(beta)}`);
        if (k !== 1) args.push(`k=${pyFloat(k)}`);
        return call('nn.LocalResponseNorm', args);
      },
      forward: apply,
    },
    dropout: {
      init: (ctx) => call('nn.Dropout', [`p=${pyFloat(ctx.p.p)}`]),
      forward: apply,
    },
    relu: {
      // Not in place: the input may be read again by another module.
      init: () => call('nn.ReLU', []),
      forward: apply,
    },
    conv2d: {
      init(ctx) {
        const { p } = ctx;
        return call('nn.Conv2d', [
          pyInt(ctx.inputShapes[0][1]),
          pyInt(p.out_channels),
          `kernel_size=${pySize(p.kernel)}`,
          ...strideArg(p.stride, false),
          ...paddingArg(p.padding),
          ...(p.groups !== 1 ? [`groups=${pyInt(p.groups)}`] : []),
          ...(p.bias ? [] : ['bias=False']),
        ]);
      },
      forward: (ctx, inputs, self) =>
        call(self, [
          even(ctx.p.padding) ? inputs[0] : call('F.pad', [inputs[0], padTuple(ctx.p.padding)]),
        ]),
      note: (ctx) => (even(ctx.p.padding) ? null : `${UNEVEN_NOTE}.`),
    },
    concat: {
      init: () => null,
      forward: (_ctx, inputs) => call('torch.cat', [list(inputs), '1']),
    },
    add: {
      init: () => null,
      forward: (_ctx, inputs) => sum(inputs),
    },
    scale: {
      init: () => null,
      forward: (ctx, inputs) => `${inputs[0]} * ${pyFloat(ctx.p.factor)}`,
    },
  } satisfies Partial<{ readonly [K in ModuleKind]: ModuleCodegen<ParamsOf<K>> }>;
}
