/**
 * The helper classes of the exported PyTorch file, written for the instances a design actually
 * builds: ConvBlock (here), the classes templates write by hand (core/modules/templatePython.ts)
 * and those generated from block templates (pytorchBlocks.ts).
 *
 * Each class has options (the conv bias, the BN eps, the "5×5" kernel, …). An option every
 * instance sets alike is written into the class body as a constant, as torchvision writes its
 * GoogLeNet; an option that differs between instances becomes a keyword argument whose default
 * is the most common value, and only the instances that differ pass it.
 */
import { INDENT, call, layout, type PyCall, type PyExpr } from './python';
import {
  CONV_FLAVOR,
  type ClassContext,
  type ClassUse,
  type HelperClass,
  type HelperName,
  type ResolvedOption,
} from './pytorchClass';
import { templateHelperClasses } from '../modules/templatePython';

export type { ClassContext, ClassUse, HelperClass, HelperName } from './pytorchClass';
export { CONV_FLAVOR, convFlavor } from './pytorchClass';

const I1 = INDENT;
const I2 = INDENT + INDENT;

const convBlockClass: HelperClass = {
  name: 'ConvBlock',
  options: CONV_FLAVOR,
  render(ctx) {
    const uneven = ctx.uses.some((u) => u.values.uneven === 'True');
    const bias = ctx.opt('bias');
    const eps = ctx.opt('eps');
    const bnName = ctx.opt('bn_name');
    const convArgs: PyExpr[] = [
      'in_channels',
      'out_channels',
      'kernel_size',
      'stride=stride',
      uneven ? 'padding=0 if uneven else padding' : 'padding=padding',
    ];
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

/** Conv2d -> ReLU without normalization (a block step with norm "none", as Caffe's GoogLeNet is built). */
const convReluClass: HelperClass = {
  name: 'ConvReLU',
  options: ['bias'],
  render(ctx) {
    const uneven = ctx.uses.some((u) => u.values.uneven === 'True');
    const bias = ctx.opt('bias');
    const convArgs: PyExpr[] = [
      'in_channels',
      'out_channels',
      'kernel_size',
      'stride=stride',
      uneven ? 'padding=0 if uneven else padding' : 'padding=padding',
    ];
    if (bias.varying) convArgs.push('bias=bias');
    else if (bias.value === 'False') convArgs.push('bias=False');
    return [
      'class ConvReLU(nn.Module):',
      `${I1}"""Conv2d -> ReLU."""`,
      '',
      ...ctx.init(['in_channels', 'out_channels', 'kernel_size', 'stride=1', 'padding=0']),
      `${I2}super().__init__()`,
      ...(uneven
        ? [
            `${I2}# nn.Conv2d pads both sides alike; an uneven (left, right, top, bottom) padding goes first.`,
            `${I2}uneven = isinstance(padding, tuple) and len(padding) == 4`,
            `${I2}self.pad = nn.ZeroPad2d(padding) if uneven else nn.Identity()`,
          ]
        : []),
      ...layout(I2, 'self.conv = ', call('nn.Conv2d', convArgs)),
      `${I2}self.relu = nn.ReLU(inplace=True)`,
      '',
      `${I1}def forward(self, x):`,
      `${I2}return self.relu(self.conv(${uneven ? 'self.pad(x)' : 'x'}))`,
    ];
  },
};

/**
 * Parents before the helpers they build: options resolve in this order, and print in reverse.
 * Templates' classes that build others (they have `inner`) come before ConvBlock, which they
 * build; those that build nothing (TransformInput) after, so they print first.
 */
const HELPERS: readonly HelperClass[] = [
  ...templateHelperClasses.filter((h) => h.inner),
  convBlockClass,
  convReluClass,
  ...templateHelperClasses.filter((h) => !h.inner),
];

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
        const args = [
          'self',
          ...positional,
          ...varying.map((o) => `${o.name}=${NONE_DEFAULT.has(o.name) ? 'None' : o.value}`),
        ];
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
