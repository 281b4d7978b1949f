/**
 * PyTorch classes for block templates (core/modules/block.ts), generated from the template's steps:
 * one class per template, whose constructor takes `in_channels` and the template's counts, one
 * submodule per named step (a conv block is a ConvBlock; a step named `a.0`, `a.1`, … becomes an
 * nn.Sequential `a`), and a forward() that computes the steps in order. The attribute paths are the
 * step names, so the state_dict keys are the explorer's layer ids.
 */
import type { ParamDefs, ResolvedParams } from '../model/params';
import type { Padding4, Pair } from '../model/types';
import { runBlock, type BlockStep, type BlockTemplate } from '../modules/block';
import {
  INDENT,
  call,
  docText,
  layout,
  wrapText,
  list,
  pyBool,
  pyFloat,
  pyInt,
  pySize,
  pyStr,
  sum,
  uniqueVariable,
  type PyExpr,
} from './python';
import {
  CONV_FLAVOR,
  convFlavor,
  type ClassContext,
  type ClassUse,
  type HelperClass,
} from './pytorchHelpers';

const I1 = INDENT;
const I2 = INDENT + INDENT;
const I3 = I2 + INDENT;

/** Parameters handed to ConvBlock rather than deciding the class: conv bias, BN eps, BN attribute. */
const FLAVOR_FIELDS = new Set(['conv_bias', 'bn_eps', 'bn_name']);

/** The constructor's positional counts: the template's filter counts and class-count parameters, in declaration order. */
export function blockCounts(params: ParamDefs): string[] {
  return Object.entries(params)
    .filter(([, d]) => (d.type === 'int' && d.group === 'filters') || d.type === 'countOrClasses')
    .map(([k]) => k);
}

/** The parameters that shape the class itself (kernel choices, norm, …): instances that differ in them get classes of their own. */
function variantKey(params: ParamDefs, p: Readonly<Record<string, unknown>>): string {
  const counts = new Set(blockCounts(params));
  return JSON.stringify(
    Object.keys(params)
      .filter((k) => !counts.has(k) && !FLAVOR_FIELDS.has(k))
      .map((k) => [k, p[k]]),
  );
}

function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).slice(0, 4);
}

/** The class an instance needs: the template's class name, suffixed when its shaping parameters differ from the defaults. */
export function blockClassName(
  t: BlockTemplate<ParamDefs>,
  p: Readonly<Record<string, unknown>>,
  defaults: Readonly<Record<string, unknown>>,
): string {
  const base = t.pythonClass ?? t.kind.charAt(0).toUpperCase() + t.kind.slice(1);
  const key = variantKey(t.params, p);
  return key === variantKey(t.params, defaults) ? base : `${base}_${hash(key)}`;
}

/** One instance as the helper classes see it: its class and its ConvBlock flavor. */
export function blockUse(cls: string, p: Readonly<Record<string, unknown>>): ClassUse {
  return {
    cls,
    values: {
      bias: pyBool(p.conv_bias === true),
      eps: pyFloat(typeof p.bn_eps === 'number' ? p.bn_eps : 1e-5),
      bn_name: pyStr(typeof p.bn_name === 'string' ? p.bn_name : 'bn'),
    },
  };
}

const even = (p: Padding4): boolean => p[0] === p[1] && p[2] === p[3];
const zero = (p: Padding4): boolean => p.every((x) => x === 0);
const padArg = (p: Padding4): string[] =>
  zero(p)
    ? []
    : even(p)
      ? [`padding=${pySize([p[0], p[2]])}`]
      : [`padding=(${p[2]}, ${p[3]}, ${p[0]}, ${p[1]})`];
const strideArg = (s: Pair, k: Pair | null): string[] =>
  k && s[0] === k[0] && s[1] === k[1]
    ? []
    : s[0] === 1 && s[1] === 1 && k === null
      ? []
      : [`stride=${pySize(s)}`];

/** The class of one block template variant, built from the steps of a representative instance; or why the export cannot write it. */
export function blockHelper(
  name: string,
  t: BlockTemplate<ParamDefs>,
  p: ResolvedParams<ParamDefs>,
): HelperClass | { problem: string } {
  const { graph, output } = runBlock(t, p, {
    id: 'block',
    inputs: [[1, 1, 1, 1]],
    inputIds: ['input'],
  });
  const steps = graph.steps;
  for (const s of steps) {
    if ((s.spec.op === 'maxPool' || s.spec.op === 'avgPool') && !even(s.spec.padding)) {
      return {
        problem: `its step ${s.id} pads unevenly, which the PyTorch export of a block cannot write yet (nn pools pad both sides alike).`,
      };
    }
  }
  const convBlocks = steps.filter(
    (s) => s.spec.op === 'conv' && s.spec.relu && s.spec.norm === 'batch',
  );
  const convRelus = steps.filter(
    (s) => s.spec.op === 'conv' && s.spec.relu && s.spec.norm === 'none',
  );
  return {
    name,
    options: convBlocks.length || convRelus.length ? CONV_FLAVOR : [],
    inner(use) {
      return [
        ...convBlocks.map((s) =>
          convFlavor(use.values, s.spec.op === 'conv' && !even(s.spec.padding)),
        ),
        ...convRelus.map((s) => ({
          cls: 'ConvReLU',
          values: {
            bias: use.values.bias,
            uneven: s.spec.op === 'conv' && !even(s.spec.padding) ? 'True' : 'False',
          },
        })),
      ];
    },
    render(ctx) {
      return renderBlock(name, t, steps, output.step, ctx);
    },
  };
}

/** How each step's submodule is written in __init__, or null for an operation of forward(). */
function submodule(s: BlockStep, ctx: ClassContext): PyExpr | null {
  const sp = s.spec;
  switch (sp.op) {
    case 'conv':
      if (sp.relu && sp.norm === 'none')
        return call('ConvReLU', [
          sp.cin.expr,
          sp.cout.expr,
          `kernel_size=${pySize(sp.kernel)}`,
          ...strideArg(sp.stride, null),
          ...padArg(sp.padding),
          ...ctx.handOn('ConvReLU', ['bias']),
        ]);
      if (sp.relu)
        return call('ConvBlock', [
          sp.cin.expr,
          sp.cout.expr,
          `kernel_size=${pySize(sp.kernel)}`,
          ...strideArg(sp.stride, null),
          ...padArg(sp.padding),
          ...ctx.handOn('ConvBlock', CONV_FLAVOR),
        ]);
      return call('nn.Conv2d', [
        sp.cin.expr,
        sp.cout.expr,
        `kernel_size=${pySize(sp.kernel)}`,
        ...strideArg(sp.stride, null),
        ...(even(sp.padding) ? padArg(sp.padding) : []),
        ...(sp.bias ? [] : ['bias=False']),
      ]);
    case 'maxPool':
    case 'avgPool':
      if (!s.named) return null;
      return call(sp.op === 'maxPool' ? 'nn.MaxPool2d' : 'nn.AvgPool2d', poolArgs(sp));
    case 'adaptiveAvgPool':
      return s.named ? call('nn.AdaptiveAvgPool2d', [pySize(sp.size)]) : null;
    case 'relu':
      return s.named ? call('nn.ReLU', []) : null;
    case 'dropout':
      return call('nn.Dropout', [`p=${pyFloat(sp.p)}`]);
    case 'batchNorm':
      return call('nn.BatchNorm2d', [
        sp.channels.expr,
        ...(sp.eps !== 1e-5 ? [`eps=${pyFloat(sp.eps)}`] : []),
      ]);
    case 'lrn':
      return call('nn.LocalResponseNorm', [
        pyInt(sp.size),
        `alpha=${pyFloat(sp.alpha)}`,
        `beta=${pyFloat(sp.beta)}`,
        `k=${pyFloat(sp.k)}`,
      ]);
    case 'linear':
      return call('nn.Linear', [sp.cin.expr, sp.cout.expr, ...(sp.bias ? [] : ['bias=False'])]);
    default:
      return null;
  }
}

function poolArgs(sp: {
  kernel: Pair;
  stride: Pair;
  padding: Padding4;
  ceil: boolean;
  countIncludePad: boolean;
  op: string;
}): string[] {
  return [
    `kernel_size=${pySize(sp.kernel)}`,
    `stride=${pySize(sp.stride)}`,
    ...(zero(sp.padding) ? [] : [`padding=${pySize([sp.padding[0], sp.padding[2]])}`]),
    ...(sp.ceil ? ['ceil_mode=True'] : []),
    ...(sp.op === 'avgPool' && !sp.countIncludePad ? ['count_include_pad=False'] : []),
  ];
}

/** The expression computing a step from its inputs' expressions; `self` reaches its submodule. */
function forwardExpr(s: BlockStep, ins: readonly PyExpr[], self: string): PyExpr {
  const sp = s.spec;
  switch (sp.op) {
    case 'maxPool':
    case 'avgPool':
      return s.named
        ? call(self, [ins[0]])
        : call(sp.op === 'maxPool' ? 'F.max_pool2d' : 'F.avg_pool2d', [ins[0], ...poolArgs(sp)]);
    case 'adaptiveAvgPool':
      return s.named
        ? call(self, [ins[0]])
        : call('F.adaptive_avg_pool2d', [ins[0], pySize(sp.size)]);
    case 'relu':
      return s.named ? call(self, [ins[0]]) : call('F.relu', [ins[0]]);
    case 'concat':
      return call('torch.cat', [list(ins), '1']);
    case 'add':
      return sum(ins);
    case 'scale':
      return `${flatText(ins[0])} * ${pyFloat(sp.factor)}`;
    case 'flatten':
      return call('torch.flatten', [ins[0], '1']);
    case 'conv':
      return call(self, [
        even(sp.padding) || sp.relu
          ? ins[0]
          : call('F.pad', [
              ins[0],
              `(${sp.padding[2]}, ${sp.padding[3]}, ${sp.padding[0]}, ${sp.padding[1]})`,
            ]),
      ]);
    default:
      return call(self, [ins[0]]);
  }
}

function flatText(e: PyExpr): string {
  return typeof e === 'string' ? e : `(${layout('', '', e).join(' ')})`;
}

const PY_RESERVED = new Set([
  'x',
  'self',
  'torch',
  'nn',
  'F',
  'in',
  'out',
  'input',
  'list',
  'sum',
  'type',
  'id',
]);

/** Steps whose names group as `a.0`, `a.1`, …: an nn.Sequential when they form a chain, else an nn.ModuleList. */
function sequences(
  steps: readonly BlockStep[],
): Map<string, { steps: BlockStep[]; chain: boolean }> {
  const groups = new Map<string, BlockStep[]>();
  for (const s of steps) {
    const m = /^([A-Za-z_]\w*)\.(\d+)$/.exec(s.id);
    if (!s.named || !m) continue;
    groups.set(m[1], [...(groups.get(m[1]) ?? []), s]);
  }
  const readers = new Map<string, number>();
  for (const s of steps) for (const i of s.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  const out = new Map<string, { steps: BlockStep[]; chain: boolean }>();
  for (const [base, g] of groups) {
    const sorted = [...g].sort((a, b) => Number(a.id.split('.')[1]) - Number(b.id.split('.')[1]));
    const chain = sorted.every(
      (s, i) =>
        Number(s.id.split('.')[1]) === i &&
        (i === 0 ||
          (s.inputs.length === 1 &&
            s.inputs[0] === sorted[i - 1].id &&
            readers.get(sorted[i - 1].id) === 1)),
    );
    out.set(base, { steps: sorted, chain });
  }
  return out;
}

function renderBlock(
  name: string,
  t: BlockTemplate<ParamDefs>,
  steps: readonly BlockStep[],
  outputStep: string,
  ctx: ClassContext,
): string[] {
  const doc = (t.pythonDoc ?? t.description)
    .replace(/→/g, '->')
    .replace(/×/g, 'x')
    .replace(/‖/g, '||')
    .replace(/–/g, '-');
  const lines = [`class ${name}(nn.Module):`, ...wrapText(`"""${docText(doc)}"""`, I1), ''];
  const positional = ['in_channels', ...blockCounts(t.params)];
  lines.push(...ctx.init(positional), `${I2}super().__init__()`);
  const seqs = sequences(steps);
  const inSeq = new Map<string, string>();
  for (const [base, g] of seqs) for (const s of g.steps) inSeq.set(s.id, base);
  const written = new Set<string>();
  for (const s of steps) {
    const base = inSeq.get(s.id);
    if (base !== undefined) {
      if (written.has(base)) continue;
      written.add(base);
      const g = seqs.get(base)!;
      lines.push(
        `${I2}self.${base} = nn.${g.chain ? 'Sequential' : 'ModuleList'}(${g.chain ? '' : '['}`,
      );
      for (const m of g.steps)
        lines.push(...layout(I3, '', submodule(m, ctx) ?? call('nn.Identity', []), ','));
      lines.push(`${I2}${g.chain ? ')' : '])'}`);
      continue;
    }
    const init = submodule(s, ctx);
    if (init && s.named) lines.push(...layout(I2, `self.${s.id} = `, init));
  }
  lines.push('', `${I1}def forward(self, x):`);
  // Each step's value: a variable named for the step, or the expression itself when an unnamed
  // one-input step is read once (a pool feeding the next conv reads as one line).
  const readers = new Map<string, number>();
  for (const s of steps) for (const i of s.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  const value = new Map<string, PyExpr>([['in', 'x']]);
  const taken = new Set<string>(PY_RESERVED);
  const varName = (id: string) => uniqueVariable(id.replace(/\./g, '_'), taken);
  for (const s of steps) {
    const base = inSeq.get(s.id);
    const g = base !== undefined ? seqs.get(base)! : null;
    let expr: PyExpr;
    if (g?.chain) {
      // The whole chain runs at its last step.
      if (s !== g.steps[g.steps.length - 1]) continue;
      expr = call(`self.${base}`, [value.get(g.steps[0].inputs[0])!]);
    } else {
      const self = g ? `self.${base}[${s.id.split('.')[1]}]` : `self.${s.id}`;
      expr = forwardExpr(
        s,
        s.inputs.map((i) => value.get(i)!),
        self,
      );
    }
    if (s.id === outputStep) {
      lines.push(...layout(I2, 'return ', expr));
      break;
    }
    const inline =
      !s.named &&
      s.inputs.length === 1 &&
      readers.get(s.id) === 1 &&
      s.spec.op !== 'concat' &&
      s.spec.op !== 'add';
    if (inline) {
      value.set(s.id, expr);
      continue;
    }
    const v = varName(g?.chain ? base! : s.id);
    lines.push(...layout(I2, `${v} = `, expr));
    value.set(s.id, v);
  }
  return lines;
}
