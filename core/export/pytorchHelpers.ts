/**
 * The helper classes of the exported PyTorch file (ConvBlock, InceptionBlock,
 * NaiveInceptionBlock, AuxHead), written for the instances a design actually builds.
 *
 * Each class has options (the conv bias, the BN eps, the "5×5" kernel, …). An option every
 * instance sets alike is written into the class body as a constant, as torchvision writes its
 * GoogLeNet; an option that differs between instances becomes a keyword argument whose default
 * is the most common value, and only the instances that differ pass it.
 */
import { INDENT, call, layout, pyInt, type PyCall, type PyExpr } from './python';

/** ConvBlock, InceptionBlock, NaiveInceptionBlock, AuxHead, or a block template's class (InceptionA, …). */
export type HelperName = string;

/** One instance of a helper class: the Python literal of each of its option values. */
export interface ClassUse {
  readonly cls: HelperName;
  readonly values: Readonly<Record<string, string>>;
}

/** How one option of a class resolved over every instance of the design. */
export interface ResolvedOption {
  readonly name: string;
  /** True when instances differ: the option is a keyword argument. */
  readonly varying: boolean;
  /** The constant (when uniform) or the keyword argument's default (the most common value). */
  readonly value: string;
  /** What the class body writes: the constant, or the argument's name. */
  readonly expr: string;
}

export interface ClassContext {
  readonly uses: readonly ClassUse[];
  opt(name: string): ResolvedOption;
  /** Keyword arguments that hand this class's options on to a helper it builds (`eps=eps`, `bias=False`). */
  handOn(cls: HelperName, names: readonly string[]): string[];
  /** The `def __init__(...)` line(s): the positional names, then the varying options. */
  init(positional: readonly string[]): string[];
}

export interface HelperClass {
  readonly name: HelperName;
  readonly options: readonly string[];
  /** The helpers one instance builds inside, given how this class's options resolved. */
  inner?(use: ClassUse, ctx: ClassContext): ClassUse[];
  /** The class's source lines. */
  render(ctx: ClassContext): string[];
}

const I1 = INDENT;
const I2 = INDENT + INDENT;
const I3 = I2 + INDENT;

/** Options a class shares with ConvBlock and hands on to the conv blocks it builds. */
export const CONV_FLAVOR = ['bias', 'eps', 'bn_name'] as const;

/** The ConvBlock option values of a flavor (conv bias, BN eps, BN attribute name). */
export function convFlavor(values: Readonly<Record<string, string>>, uneven: boolean): ClassUse {
  return { cls: 'ConvBlock', values: { bias: values.bias, eps: values.eps, bn_name: values.bn_name, uneven: uneven ? 'True' : 'False' } };
}

const convBlockClass: HelperClass = {
  name: 'ConvBlock',
  options: CONV_FLAVOR,
  render(ctx) {
    const uneven = ctx.uses.some((u) => u.values.uneven === 'True');
    const bias = ctx.opt('bias');
    const eps = ctx.opt('eps');
    const bnName = ctx.opt('bn_name');
    const convArgs: PyExpr[] = ['in_channels', 'out_channels', 'kernel_size', 'stride=stride', uneven ? 'padding=0 if uneven else padding' : 'padding=padding'];
    if (bias.varying) convArgs.push('bias=bias');
    else if (bias.value === 'False') convArgs.push('bias=False');
    const bnArgs: PyExpr[] = ['out_channels'];
    if (eps.varying) bnArgs.push('eps=eps');
    else if (eps.value !== '1e-05') bnArgs.push(`eps=${eps.value}`);
    const bn = call('nn.BatchNorm2d', bnArgs);
    const lines = [
      'class ConvBlock(nn.Module):',
      `${I1}"""Conv2d -> BatchNorm2d -> ReLU."""`,
      '',
      ...ctx.init(['in_channels', 'out_channels', 'kernel_size', 'stride=1', 'padding=0']),
      `${I2}super().__init__()`,
    ];
    if (uneven) {
      lines.push(
        `${I2}# nn.Conv2d pads both sides alike; an uneven (left, right, top, bottom) padding goes first.`,
        `${I2}uneven = isinstance(padding, tuple) and len(padding) == 4`,
        `${I2}self.pad = nn.ZeroPad2d(padding) if uneven else nn.Identity()`,
      );
    }
    lines.push(...layout(I2, 'self.conv = ', call('nn.Conv2d', convArgs)));
    let bnCall: string;
    if (bnName.varying) {
      lines.push(
        `${I2}# The batch norm's attribute name sets its state_dict keys ("bn" in torchvision).`,
        `${I2}self.bn_name = bn_name`,
        ...layout(I2, '', call('self.add_module', ['bn_name', bn])),
      );
      bnCall = 'getattr(self, self.bn_name)';
    } else {
      const attr = JSON.parse(bnName.value) as string;
      lines.push(...layout(I2, `self.${attr} = `, bn));
      bnCall = `self.${attr}`;
    }
    lines.push(`${I2}self.relu = nn.ReLU(inplace=True)`, '', `${I1}def forward(self, x):`);
    lines.push(`${I2}return self.relu(${bnCall}(self.conv(${uneven ? 'self.pad(x)' : 'x'})))`);
    return lines;
  },
};

/** The "5×5" branch's kernel and padding as the class body writes them. */
function kernel5(ctx: ClassContext): { kernel: string; padding: string | null; uneven: boolean } {
  const k = ctx.opt('kernel_5x5');
  if (!k.varying) {
    const n = Number(k.value);
    if (n % 2 === 1) return { kernel: k.value, padding: n > 1 ? pyInt((n - 1) / 2) : null, uneven: false };
    return { kernel: k.value, padding: `(${(n - 2) / 2}, ${n / 2}, ${(n - 2) / 2}, ${n / 2})`, uneven: true };
  }
  if (ctx.uses.every((u) => Number(u.values.kernel_5x5) % 2 === 1)) return { kernel: 'kernel_5x5', padding: 'kernel_5x5 // 2', uneven: false };
  // An even kernel has no centre: PyTorch's "same" convention puts the extra pixel after.
  return { kernel: 'kernel_5x5', padding: '((kernel_5x5 - 1) // 2, kernel_5x5 // 2) * 2', uneven: true };
}

function branchPool(ctx: ClassContext): string {
  const ceil = ctx.opt('pool_ceil');
  const mode = ceil.varying ? ', ceil_mode=pool_ceil' : ceil.value === 'True' ? ', ceil_mode=True' : '';
  return `nn.MaxPool2d(3, stride=1, padding=1${mode})`;
}

function convCall(ctx: ClassContext, args: readonly string[]): PyCall {
  return call('ConvBlock', [...args, ...ctx.handOn('ConvBlock', CONV_FLAVOR)]);
}

function kernelNote(ctx: ClassContext): string[] {
  const k = ctx.opt('kernel_5x5');
  return !k.varying && k.value !== '5' ? [`${I3}# The "5x5" branch uses a ${k.value}x${k.value} kernel (as torchvision's GoogLeNet does).`] : [];
}

function convBlockArgs(cin: string, cout: string, kernel: string, padding: string | null): string[] {
  return [cin, cout, `kernel_size=${kernel}`, ...(padding ? [`padding=${padding}`] : [])];
}

const inceptionClass: HelperClass = {
  name: 'InceptionBlock',
  options: ['kernel_5x5', 'pool_ceil', ...CONV_FLAVOR],
  inner(use, ctx) {
    const k = kernel5(ctx);
    return [convFlavor(use.values, false), convFlavor(use.values, false), convFlavor(use.values, k.uneven), convFlavor(use.values, false), convFlavor(use.values, false), convFlavor(use.values, false)];
  },
  render(ctx) {
    const k = kernel5(ctx);
    const sequential = (attr: string, items: readonly PyExpr[], note: { before: number; lines: string[] } | null = null) => {
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
      ...ctx.init(['in_channels', 'out_1x1', 'red_3x3', 'out_3x3', 'red_5x5', 'out_5x5', 'out_1x1pool']),
      `${I2}super().__init__()`,
      ...layout(I2, 'self.branch1 = ', convCall(ctx, convBlockArgs('in_channels', 'out_1x1', '1', null))),
      ...sequential('branch2', [convCall(ctx, convBlockArgs('in_channels', 'red_3x3', '1', null)), convCall(ctx, convBlockArgs('red_3x3', 'out_3x3', '3', '1'))]),
      ...sequential(
        'branch3',
        [convCall(ctx, convBlockArgs('in_channels', 'red_5x5', '1', null)), convCall(ctx, convBlockArgs('red_5x5', 'out_5x5', k.kernel, k.padding))],
        { before: 1, lines: kernelNote(ctx) },
      ),
      ...sequential('branch4', [branchPool(ctx), convCall(ctx, convBlockArgs('in_channels', 'out_1x1pool', '1', null))]),
      '',
      `${I1}def forward(self, x):`,
      `${I2}branches = [self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)]`,
      `${I2}return torch.cat(branches, 1)`,
    ];
  },
};

const naiveInceptionClass: HelperClass = {
  name: 'NaiveInceptionBlock',
  options: ['kernel_5x5', 'pool_ceil', ...CONV_FLAVOR],
  inner(use, ctx) {
    return [convFlavor(use.values, false), convFlavor(use.values, false), convFlavor(use.values, kernel5(ctx).uneven)];
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
      ...layout(I2, 'self.branch1 = ', convCall(ctx, convBlockArgs('in_channels', 'out_1x1', '1', null))),
      ...layout(I2, 'self.branch2 = ', convCall(ctx, convBlockArgs('in_channels', 'out_3x3', '3', '1'))),
      ...kernelNote(ctx).map((l) => l.replace(I3, I2)),
      ...layout(I2, 'self.branch3 = ', convCall(ctx, convBlockArgs('in_channels', 'out_5x5', k.kernel, k.padding))),
      `${I2}self.branch4 = ${branchPool(ctx)}`,
      '',
      `${I1}def forward(self, x):`,
      `${I2}branches = [self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)]`,
      `${I2}return torch.cat(branches, 1)`,
    ];
  },
};

const auxHeadClass: HelperClass = {
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
    const size = inSize.varying ? ['in_size[0]', 'in_size[1]'] : (JSON.parse(inSize.value.replace('(', '[').replace(')', ']')) as number[]).map(String);
    const inFeatures = size.every((s) => s === '1') ? convOut.expr : `${convOut.expr} * ${size.join(' * ')}`;
    const poolLines = pool.varying ? [`${I2}self.pool = pool if pool is not None else ${pool.value}`] : [`${I2}self.pool = ${pool.value}`];
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

/** Parents before the helpers they build: options resolve in this order, and print in reverse. */
const HELPERS: readonly HelperClass[] = [auxHeadClass, naiveInceptionClass, inceptionClass, convBlockClass];

/** The most common value (the first seen on a tie). */
function mostCommon(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = values[0];
  for (const [v, n] of counts) if (n > counts.get(best)!) best = v;
  return best;
}

/** Options whose keyword default is None and whose real default is built in the body. */
const NONE_DEFAULT = new Set(['pool']);

/** The helper classes of one export: resolved from every instance, then printed and called. */
export class HelperClasses {
  private readonly contexts = new Map<HelperName, ClassContext>();
  private readonly order: HelperName[] = [];
  private readonly helpers: ReadonlyMap<HelperName, HelperClass>;

  /** `blocks`: the classes of block templates the design uses; they build ConvBlocks, so they resolve first. */
  constructor(uses: readonly ClassUse[], blocks: readonly HelperClass[] = []) {
    const all = [...uses];
    const helpers = [...blocks, ...HELPERS];
    this.helpers = new Map(helpers.map((h) => [h.name, h]));
    for (const helper of helpers) {
      const mine = all.filter((u) => u.cls === helper.name);
      if (mine.length === 0) continue;
      const ctx = this.resolve(helper, mine);
      this.contexts.set(helper.name, ctx);
      this.order.unshift(helper.name);
      if (helper.inner) for (const u of mine) all.push(...helper.inner(u, ctx));
    }
  }

  private resolve(helper: HelperClass, uses: readonly ClassUse[]): ClassContext {
    const options = new Map<string, ResolvedOption>();
    for (const name of helper.options) {
      const values = uses.map((u) => u.values[name]);
      const varying = new Set(values).size > 1;
      const value = mostCommon(values);
      options.set(name, { name, varying, value, expr: varying ? name : value });
    }
    const opt = (name: string): ResolvedOption => {
      const o = options.get(name);
      if (!o) throw new Error(`${helper.name} has no option ${name}`);
      return o;
    };
    return {
      uses,
      opt,
      handOn: (cls, names) => {
        const target = this.contexts.get(cls);
        const out: string[] = [];
        for (const name of names) {
          const theirs = target?.opt(name);
          if (!theirs?.varying) continue;
          const mine = opt(name);
          if (mine.varying) out.push(`${name}=${name}`);
          else if (mine.value !== theirs.value) out.push(`${name}=${mine.value}`);
        }
        return out;
      },
      init: (positional) => {
        const varying = helper.options.map(opt).filter((o) => o.varying);
        const args = ['self', ...positional, ...varying.map((o) => `${o.name}=${NONE_DEFAULT.has(o.name) ? 'None' : o.value}`)];
        return layout(INDENT, 'def ', call('__init__', args), ':');
      },
    };
  }

  /** Whether the export builds this class. */
  has(name: HelperName): boolean {
    return this.contexts.has(name);
  }

  /** The constructor call of one instance: its arguments, then the options where it differs from the default. */
  call(use: ClassUse, args: readonly PyExpr[]): PyCall {
    const ctx = this.contexts.get(use.cls);
    if (!ctx) throw new Error(`${use.cls} was not registered before it was called`);
    const extra: string[] = [];
    for (const name of this.helpers.get(use.cls)!.options) {
      const o = ctx.opt(name);
      if (o.varying && use.values[name] !== o.value) extra.push(`${name}=${use.values[name]}`);
    }
    return call(use.cls, [...args, ...extra]);
  }

  /** Every class the export builds, ConvBlock first, separated by two blank lines. */
  render(): string[] {
    const lines: string[] = [];
    for (const name of this.order) {
      if (lines.length) lines.push('', '');
      lines.push(...this.helpers.get(name)!.render(this.contexts.get(name)!));
    }
    return lines;
  }
}
