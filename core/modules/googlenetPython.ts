/**
 * How GoogLeNet's templates (`inception`, its naive form, `auxHead`) and torchvision's
 * `transform_input` are written in the exported
 * PyTorch file: their helper classes (InceptionBlock, NaiveInceptionBlock, AuxHead, written as a
 * person writes GoogLeNet, with options shared across instances) and the constructor call of each
 * instance. Block templates need none of this: their classes are generated from their steps.
 */
import { INDENT, call, layout, pyFloat, pyInt, pySize, type PyExpr } from '../export/python';
import {
  CONV_FLAVOR,
  convCall,
  convFlavor,
  flavorValues,
  type ClassContext,
  type ClassUse,
  type HelperClass,
} from '../export/pytorchClass';
import type { CodegenContext, ModuleCodegen, ParamsOf } from '../export/codegenTypes';
import { IMAGENET_MEAN, IMAGENET_STD } from './transformInput';

const I1 = INDENT;
const I2 = INDENT + INDENT;
const I3 = I2 + INDENT;
const pyBool = (b: boolean): string => (b ? 'True' : 'False');
const apply = (_ctx: unknown, inputs: readonly string[], self: string): PyExpr =>
  call(self, [inputs[0]]);

/** The "5×5" branch's kernel and padding as the class body writes them. */
function kernel5(ctx: ClassContext): { kernel: string; padding: string | null; uneven: boolean } {
  const k = ctx.opt('kernel_5x5');
  if (!k.varying) {
    const n = Number(k.value);
    if (n % 2 === 1)
      return { kernel: k.value, padding: n > 1 ? pyInt((n - 1) / 2) : null, uneven: false };
    return {
      kernel: k.value,
      padding: `(${(n - 2) / 2}, ${n / 2}, ${(n - 2) / 2}, ${n / 2})`,
      uneven: true,
    };
  }
  if (ctx.uses.every((u) => Number(u.values.kernel_5x5) % 2 === 1))
    return { kernel: 'kernel_5x5', padding: 'kernel_5x5 // 2', uneven: false };
  // An even kernel has no centre: PyTorch's "same" convention puts the extra pixel after.
  return {
    kernel: 'kernel_5x5',
    padding: '((kernel_5x5 - 1) // 2, kernel_5x5 // 2) * 2',
    uneven: true,
  };
}

function branchPool(ctx: ClassContext): string {
  const ceil = ctx.opt('pool_ceil');
  const mode = ceil.varying
    ? ', ceil_mode=pool_ceil'
    : ceil.value === 'True'
      ? ', ceil_mode=True'
      : '';
  return `nn.MaxPool2d(3, stride=1, padding=1${mode})`;
}

function kernelNote(ctx: ClassContext): string[] {
  const k = ctx.opt('kernel_5x5');
  return !k.varying && k.value !== '5'
    ? [
        `${I3}# The "5x5" branch uses a ${k.value}x${k.value} kernel (as torchvision's GoogLeNet does).`,
      ]
    : [];
}

function convBlockArgs(
  cin: string,
  cout: string,
  kernel: string,
  padding: string | null,
): string[] {
  return [cin, cout, `kernel_size=${kernel}`, ...(padding ? [`padding=${padding}`] : [])];
}

export const inceptionClass: HelperClass = {
  name: 'InceptionBlock',
  options: ['kernel_5x5', 'pool_ceil', ...CONV_FLAVOR],
  inner(use, ctx) {
    const k = kernel5(ctx);
    return [
      convFlavor(use.values, false),
      convFlavor(use.values, false),
      convFlavor(use.values, k.uneven),
      convFlavor(use.values, false),
      convFlavor(use.values, false),
      convFlavor(use.values, false),
    ];
  },
  render(ctx) {
    const k = kernel5(ctx);
    const sequential = (
      attr: string,
      items: readonly PyExpr[],
      note: { before: number; lines: string[] } | null = null,
    ) => {
      const lines = [`${I2}self.${attr} = nn.Sequential(`];
      items.forEach((e, i) => {
        if (note && note.before === i) lines.push(...note.lines);
        lines.push(...layout(I3, '', e, ','));
      });
      lines.push(`${I2})`);
      return lines;
    };
    return [
      'class InceptionBlock(nn.Module):',
      `${I1}"""Four branches on the same input, concatenated on channels: 1x1; 1x1 reduce -> 3x3;`,
      `${I1}1x1 reduce -> 5x5; 3x3 max pool -> 1x1 projection."""`,
      '',
      ...ctx.init([
        'in_channels',
        'out_1x1',
        'red_3x3',
        'out_3x3',
        'red_5x5',
        'out_5x5',
        'out_1x1pool',
      ]),
      `${I2}super().__init__()`,
      ...layout(
        I2,
        'self.branch1 = ',
        convCall(ctx, convBlockArgs('in_channels', 'out_1x1', '1', null)),
      ),
      ...sequential('branch2', [
        convCall(ctx, convBlockArgs('in_channels', 'red_3x3', '1', null)),
        convCall(ctx, convBlockArgs('red_3x3', 'out_3x3', '3', '1')),
      ]),
      ...sequential(
        'branch3',
        [
          convCall(ctx, convBlockArgs('in_channels', 'red_5x5', '1', null)),
          convCall(ctx, convBlockArgs('red_5x5', 'out_5x5', k.kernel, k.padding)),
        ],
        { before: 1, lines: kernelNote(ctx) },
      ),
      ...sequential('branch4', [
        branchPool(ctx),
        convCall(ctx, convBlockArgs('in_channels', 'out_1x1pool', '1', null)),
      ]),
      '',
      `${I1}def forward(self, x):`,
      `${I2}branches = [self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)]`,
      `${I2}return torch.cat(branches, 1)`,
    ];
  },
};

export const naiveInceptionClass: HelperClass = {
  name: 'NaiveInceptionBlock',
  options: ['kernel_5x5', 'pool_ceil', ...CONV_FLAVOR],
  inner(use, ctx) {
    return [
      convFlavor(use.values, false),
      convFlavor(use.values, false),
      convFlavor(use.values, kernel5(ctx).uneven),
    ];
  },
  render(ctx) {
    const k = kernel5(ctx);
    return [
      'class NaiveInceptionBlock(nn.Module):',
      `${I1}"""The paper's naive inception module: 1x1, 3x3 and 5x5 convolutions and a 3x3 max pool,`,
      `${I1}all on the same input, concatenated on channels (the pool passes every input channel on)."""`,
      '',
      ...ctx.init(['in_channels', 'out_1x1', 'out_3x3', 'out_5x5']),
      `${I2}super().__init__()`,
      ...layout(
        I2,
        'self.branch1 = ',
        convCall(ctx, convBlockArgs('in_channels', 'out_1x1', '1', null)),
      ),
      ...layout(
        I2,
        'self.branch2 = ',
        convCall(ctx, convBlockArgs('in_channels', 'out_3x3', '3', '1')),
      ),
      ...kernelNote(ctx).map((l) => l.replace(I3, I2)),
      ...layout(
        I2,
        'self.branch3 = ',
        convCall(ctx, convBlockArgs('in_channels', 'out_5x5', k.kernel, k.padding)),
      ),
      `${I2}self.branch4 = ${branchPool(ctx)}`,
      '',
      `${I1}def forward(self, x):`,
      `${I2}branches = [self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)]`,
      `${I2}return torch.cat(branches, 1)`,
    ];
  },
};

export const auxHeadClass: HelperClass = {
  name: 'AuxHead',
  options: ['pool', 'conv_out', 'in_size', 'hidden', 'dropout', ...CONV_FLAVOR],
  inner(use) {
    return [convFlavor(use.values, false)];
  },
  render(ctx) {
    const pool = ctx.opt('pool');
    const convOut = ctx.opt('conv_out');
    const inSize = ctx.opt('in_size');
    const hidden = ctx.opt('hidden');
    const dropout = ctx.opt('dropout');
    // in_size values are "(h, w)"; the body multiplies them out.
    const size = inSize.varying
      ? ['in_size[0]', 'in_size[1]']
      : (JSON.parse(inSize.value.replace('(', '[').replace(')', ']')) as number[]).map(String);
    const inFeatures = size.every((s) => s === '1')
      ? convOut.expr
      : `${convOut.expr} * ${size.join(' * ')}`;
    const poolLines = pool.varying
      ? [`${I2}self.pool = pool if pool is not None else ${pool.value}`]
      : [`${I2}self.pool = ${pool.value}`];
    return [
      'class AuxHead(nn.Module):',
      `${I1}"""The auxiliary classifier: pool -> 1x1 conv block -> fc -> ReLU -> dropout -> fc."""`,
      '',
      ...ctx.init(['in_channels', 'num_classes']),
      `${I2}super().__init__()`,
      ...poolLines,
      ...layout(I2, 'self.conv = ', convCall(ctx, ['in_channels', convOut.expr, 'kernel_size=1'])),
      ...layout(I2, 'self.fc1 = ', call('nn.Linear', [inFeatures, hidden.expr])),
      `${I2}self.relu = nn.ReLU(inplace=True)`,
      `${I2}self.dropout = nn.Dropout(p=${dropout.expr})`,
      ...layout(I2, 'self.fc2 = ', call('nn.Linear', [hidden.expr, 'num_classes'])),
      '',
      `${I1}def forward(self, x):`,
      `${I2}x = self.pool(x)`,
      `${I2}x = self.conv(x)`,
      `${I2}x = torch.flatten(x, 1)`,
      `${I2}x = self.relu(self.fc1(x))`,
      `${I2}x = self.dropout(x)`,
      `${I2}return self.fc2(x)`,
    ];
  },
};

const inceptionUse = (ctx: CodegenContext<ParamsOf<'inception'>>): ClassUse => ({
  cls: ctx.p.form === 'naive' ? 'NaiveInceptionBlock' : 'InceptionBlock',
  values: {
    kernel_5x5: pyInt(ctx.p.kernel_5x5),
    pool_ceil: pyBool(ctx.p.pool_ceil),
    ...flavorValues(ctx.p),
  },
});

const auxHeadUse = (ctx: CodegenContext<ParamsOf<'auxHead'>>): ClassUse => {
  const p = ctx.p;
  const pool =
    p.pool === 'adaptive'
      ? `nn.AdaptiveAvgPool2d(${pySize(p.pool_size)})`
      : `nn.AvgPool2d(${pySize(p.pool_kernel)}, stride=${pySize(p.pool_stride)})`;
  return {
    cls: 'AuxHead',
    values: {
      pool,
      conv_out: pyInt(p.conv_out),
      in_size: `(${p.in_size[0]}, ${p.in_size[1]})`,
      hidden: pyInt(p.hidden),
      dropout: pyFloat(p.dropout),
      ...flavorValues(p),
    },
  };
};

export const inceptionCodegen: ModuleCodegen<ParamsOf<'inception'>> = {
  use: inceptionUse,
  init(ctx, helpers) {
    const { p } = ctx;
    const counts =
      p.form === 'naive'
        ? [p.out_1x1, p.out_3x3, p.out_5x5]
        : [p.out_1x1, p.red_3x3, p.out_3x3, p.red_5x5, p.out_5x5, p.out_1x1pool];
    return helpers.call(inceptionUse(ctx), [pyInt(ctx.inputShapes[0][1]), ...counts.map(pyInt)]);
  },
  forward: apply,
};

export const auxHeadCodegen: ModuleCodegen<ParamsOf<'auxHead'>> = {
  use: auxHeadUse,
  init: (ctx, helpers) =>
    helpers.call(auxHeadUse(ctx), [
      pyInt(ctx.inputShapes[0][1]),
      ctx.count('out_features', ctx.p.out_features),
    ]),
  forward: apply,
};

/** torchvision's transform_input as a class, written as torchvision's `_transform_input` is. */
export const transformInputClass: HelperClass = {
  name: 'TransformInput',
  options: [],
  render: () => [
    'class TransformInput(nn.Module):',
    `${I1}"""torchvision's transform_input: ImageNet-normalized RGB to the (x - 0.5) / 0.5 range of the`,
    `${I1}original TensorFlow weights."""`,
    '',
    `${I1}def forward(self, x):`,
    ...[0, 1, 2].map(
      (c) =>
        `${I2}x_ch${c} = torch.unsqueeze(x[:, ${c}], 1) * (${IMAGENET_STD[c]} / 0.5) + (${IMAGENET_MEAN[c]} - 0.5) / 0.5`,
    ),
    `${I2}return torch.cat((x_ch0, x_ch1, x_ch2), 1)`,
  ],
};

const transformUse = (ctx: CodegenContext<ParamsOf<'transformInput'>>): ClassUse | null =>
  ctx.p.enabled ? { cls: 'TransformInput', values: {} } : null;

export const transformInputCodegen: ModuleCodegen<ParamsOf<'transformInput'>> = {
  use: transformUse,
  // Off, the module is the identity, as torchvision's transform_input=False is.
  init: (ctx, helpers) => {
    const use = transformUse(ctx);
    return use ? helpers.call(use, []) : call('nn.Identity', []);
  },
  forward: apply,
};
