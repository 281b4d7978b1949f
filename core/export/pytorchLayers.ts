/**
 * PyTorch code for modules with flat layer names (core/modules/moduleDef.ts `KeyStyle`): their
 * layers are attributes of the network itself, as the Caffe ports write them
 * (`self.inception_3a_1x1 = nn.Conv2d(...)`, `self.inception_3a_1x1_bn = nn.BatchNorm2d(...)`), and
 * forward() computes them layer by layer, one line per branch. The attribute names are the layer
 * ids, so the state_dict keys are exactly core's.
 */
import type { Layer, Padding4, Pair } from '../model/types';
import type { LayerAttrMap, LayerKind } from '../layers/registry';
import { moduleVariable } from '../model/modulePath';
import {
  call,
  flat,
  list,
  pyFloat,
  pyInt,
  pySize,
  sum,
  uniqueVariable,
  type PyExpr,
} from './python';

const even = (p: Padding4): boolean => p[0] === p[1] && p[2] === p[3];
const zero = (p: Padding4): boolean => p.every((x) => x === 0);
const pad = (p: Padding4): string[] => (zero(p) ? [] : [`padding=${pySize([p[0], p[2]])}`]);
const stride = (s: Pair, k: Pair): string[] =>
  s[0] === k[0] && s[1] === k[1] ? [] : [`stride=${pySize(s)}`];

/** Whether a module's layers are named flat (not under `<module>.`). */
export function isFlatModule(id: string, layers: readonly Layer[]): boolean {
  return layers.some((l) => l.id !== id && !l.id.startsWith(`${id}.`));
}

/** Why a flat module cannot be written, or null: PyTorch's layers pad both sides alike. */
export function flatExportProblem(layers: readonly Layer[]): string | null {
  for (const l of layers) {
    const a = l.attrs as { padding?: Padding4 };
    if (a.padding && !even(a.padding))
      return `layer ${l.id} pads unevenly, which the flat (Caffe-named) export does not write`;
  }
  return null;
}

/** How one layer kind is written in a flat module: its attribute and its forward() expression. */
interface FlatLayerCode<K extends LayerKind> {
  /** The `self.<layer id> = …` attribute, or null when forward() computes it with a function. */
  init(a: LayerAttrMap[K]): PyExpr | null;
  /** Its output from its inputs' expressions; absent: `self.<layer id>(input)`. */
  expr?(a: LayerAttrMap[K], ins: readonly PyExpr[]): PyExpr;
}

/** An input expression as an operand of `*` or `+`. */
const operand = (e: PyExpr): string => (typeof e === 'string' ? e : `(${flat(e)})`);

/** Every layer kind's flat PyTorch code: a typed table, so a new kind does not compile until it says how it is written. */
const FLAT_LAYER_CODE: { readonly [K in LayerKind]: FlatLayerCode<K> } = {
  conv2d: {
    init: (a) =>
      call('nn.Conv2d', [
        pyInt(a.inChannels),
        pyInt(a.outChannels),
        `kernel_size=${pySize(a.kernel)}`,
        ...(a.stride[0] === 1 && a.stride[1] === 1 ? [] : [`stride=${pySize(a.stride)}`]),
        ...pad(a.padding),
        ...(a.groups !== 1 ? [`groups=${pyInt(a.groups)}`] : []),
        ...(a.bias ? [] : ['bias=False']),
      ]),
  },
  batchNorm2d: {
    init: (a) =>
      call('nn.BatchNorm2d', [
        pyInt(a.channels),
        ...(a.eps !== 1e-5 ? [`eps=${pyFloat(a.eps)}`] : []),
      ]),
  },
  linear: {
    init: (a) =>
      call('nn.Linear', [
        pyInt(a.inFeatures),
        pyInt(a.outFeatures),
        ...(a.bias ? [] : ['bias=False']),
      ]),
  },
  maxPool2d: {
    init: (a) =>
      call('nn.MaxPool2d', [
        pySize(a.kernel),
        ...stride(a.stride, a.kernel),
        ...pad(a.padding),
        ...(a.ceilMode ? ['ceil_mode=True'] : []),
      ]),
  },
  avgPool2d: {
    init: (a) =>
      call('nn.AvgPool2d', [
        pySize(a.kernel),
        ...stride(a.stride, a.kernel),
        ...pad(a.padding),
        ...(a.ceilMode ? ['ceil_mode=True'] : []),
        ...(a.countIncludePad ? [] : ['count_include_pad=False']),
      ]),
  },
  adaptiveAvgPool2d: { init: (a) => call('nn.AdaptiveAvgPool2d', [pySize(a.output)]) },
  localResponseNorm: {
    init: (a) =>
      call('nn.LocalResponseNorm', [
        pyInt(a.size),
        `alpha=${pyFloat(a.alpha)}`,
        `beta=${pyFloat(a.beta)}`,
        `k=${pyFloat(a.k)}`,
      ]),
  },
  dropout: { init: (a) => call('nn.Dropout', [`p=${pyFloat(a.p)}`]) },
  relu: { init: () => null, expr: (_a, ins) => call('F.relu', [ins[0]]) },
  concat: { init: () => null, expr: (_a, ins) => call('torch.cat', [list(ins), '1']) },
  add: { init: () => null, expr: (_a, ins) => sum(ins) },
  scale: { init: () => null, expr: (a, ins) => `${operand(ins[0])} * ${pyFloat(a.factor)}` },
  flatten: { init: () => null, expr: (_a, ins) => call('torch.flatten', [ins[0], '1']) },
  // torchvision's transform_input: y[:, c] = x[:, c] · scale[c] + shift[c], one channel slice each.
  channelAffine: {
    init: () => null,
    expr: (a, ins) =>
      call('torch.cat', [
        list(
          a.scale.map(
            (f, c) =>
              `${operand(ins[0])}[:, ${c}:${c + 1}] * ${pyFloat(f)} + ${pyFloat(a.shift[c])}`,
          ),
        ),
        '1',
      ]),
  },
};

const codeOf = <K extends LayerKind>(l: Layer): FlatLayerCode<K> =>
  FLAT_LAYER_CODE[l.kind as K] as FlatLayerCode<K>;

/** The `self.<layer id> = …` attribute of a layer, or null when forward() computes it with a function. */
export function flatLayerInit(l: Layer): PyExpr | null {
  return codeOf(l).init(l.attrs as never);
}

/** Layers a layer is written inside of: conv → bn → ReLU, … → flatten, … → dropout. */
const INTO = new Set(['batchNorm2d', 'relu', 'flatten', 'dropout']);
/** Layers written inside the layer that reads them. */
const INLINED = new Set(['maxPool2d', 'avgPool2d', 'flatten', 'dropout']);

/** A layer's output from its inputs' expressions. */
function layerExpr(l: Layer, ins: readonly PyExpr[]): PyExpr {
  const code = codeOf(l);
  return code.expr ? code.expr(l.attrs as never, ins) : call(`self.${l.id}`, [ins[0]]);
}

/**
 * forward() lines of a flat module: one assignment per branch, the module's output last. A layer
 * read once, by the next layer of a chain, is written inside its reader's call.
 * `value(id)` gives the variable of an input from outside the module.
 */
export function flatForward(
  layers: readonly Layer[],
  outputLayer: string,
  outputVar: string,
  value: (id: string) => string,
  taken: Set<string>,
): { head: string; expr: PyExpr }[] {
  const mine = new Set(layers.map((l) => l.id));
  const readers = new Map<string, number>();
  for (const l of layers) for (const i of l.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  const exprs = new Map<string, PyExpr>();
  const out: { head: string; expr: PyExpr }[] = [];
  const varName = (id: string) => uniqueVariable(moduleVariable(id), taken);
  for (const l of layers) {
    const ins = l.inputs.map((i) => (mine.has(i) ? exprs.get(i)! : value(i)));
    const expr = layerExpr(l, ins);
    if (l.id === outputLayer) {
      out.push({ head: `${outputVar} = `, expr });
      break;
    }
    // One line per conv step: a conv is written inside its batch norm and ReLU, a pool, flatten or
    // dropout inside the layer that reads it; a step's output (after its ReLU) gets a variable.
    const reader = layers.find((r) => r.inputs.includes(l.id));
    const inline =
      readers.get(l.id) === 1 &&
      reader !== undefined &&
      (INTO.has(reader.kind) ||
        (INLINED.has(l.kind) && reader.kind !== 'concat' && reader.kind !== 'add'));
    if (inline) {
      exprs.set(l.id, expr);
      continue;
    }
    const v = varName(l.id.replace(/_(relu|bn)$/, ''));
    out.push({ head: `${v} = `, expr });
    exprs.set(l.id, v);
  }
  return out;
}
