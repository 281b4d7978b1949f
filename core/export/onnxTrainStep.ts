/**
 * One training step of a design as one ONNX model (opset 17), built from each layer kind's
 * training rule (onnxBackward.ts): the train-mode forward, loss = CE(main) + auxWeight·Σ CE(aux),
 * the backward, and torch.optim.SGD's or Adam's update as element-wise ops. Every parameter,
 * optimizer slot and running statistic is a graph input and its new value a graph output, so the
 * engine feeds each step's outputs back as the next step's inputs.
 */
import type { Analysis } from '../analysis/analyze';
import type { Design, Layer, Shape } from '../model/types';
import type { LayerKind } from '../layers/registry';
import { errResult, okResult, type Result } from '../run/types';
import { stateDictSpec } from '../weights/stateDict';
import { GENERATOR } from './pytorch';
import {
  floatValueInfo,
  int,
  IR_VERSION,
  onnx,
  OnnxGraphBuilder,
  OPSET,
  tensorValueInfo,
} from './onnxGraph';
import { ONNX_INPUT, outputLayerOf } from './onnx';
import {
  OnnxConstants,
  onnxBackwardRules,
  untrainableReason,
  type OnnxBackwardContext,
  type OnnxTrainContext,
  type OnnxTrainEmitter,
  type TrainForward,
} from './onnxBackward';

export interface OnnxTrainStepOptions {
  /** Images per step (the graph's batch is fixed). */
  readonly batch: number;
  readonly optimizer: 'sgd' | 'adam';
  /** SGD momentum (dampening 0, no Nesterov), 0 for none. */
  readonly momentum: number;
  /** L2 weight decay added to each gradient, as torch.optim.SGD/Adam do. */
  readonly weightDecay: number;
  /** Adam's β1, β2 (0.9, 0.999) and ε (1e-8). */
  readonly betas?: readonly [number, number];
  readonly eps?: number;
  /** Weight of each aux head's cross-entropy. */
  readonly auxWeight: number;
  /** Apply the design's dropout through mask inputs. */
  readonly dropout: boolean;
}

/** A tensor carried from one step to the next: fed as `input`, its new value read from `output`. */
export interface CarriedTensor {
  /**
   * `params` (every parameter, flat), `momentum_buffer` / `exp_avg` / `exp_avg_sq` (flat, in the
   * same layout), a running statistic's state_dict key, or `num_batches_tracked`.
   */
  readonly name: string;
  readonly input: string;
  readonly output: string;
  readonly shape: readonly number[];
}

/** Where a parameter lives in the flat `params` tensor (and in each flat optimizer slot). */
export interface ParamSlot {
  readonly key: string;
  readonly offset: number;
  readonly shape: readonly number[];
  /** The layer owning it. */
  readonly layer: string;
}

/** A dropout layer's mask input: N × the layer's shape, 0 or 1/(1 − p). */
export interface DropoutMask {
  readonly input: string;
  readonly layer: string;
  readonly p: number;
  readonly shape: readonly number[];
}

export interface OnnxTrainStep {
  readonly bytes: Uint8Array;
  /** The flat parameters and optimizer slots, the running statistics and the batch counter, each input → output. */
  readonly carried: readonly CarriedTensor[];
  /**
   * Every parameter in state_dict order: also a graph input of its own (named by its key), which
   * the engine feeds as a view of the flat `params` buffer, so the two always agree.
   */
  readonly params: readonly ParamSlot[];
  /** Total parameter count (the length of `params` and of each slot). */
  readonly paramCount: number;
  /** Running statistics (state_dict keys). */
  readonly buffers: readonly string[];
  readonly masks: readonly DropoutMask[];
  /** Output heads: `main` first, then the aux heads, each with its loss output. */
  readonly heads: readonly { readonly name: string; readonly loss: string }[];
  /** Scalar inputs of the optimizer: SGD `lr`; Adam `adam.step_size` (lr / (1 − β1ᵗ)) and `adam.bias_correction2_sqrt`. */
  readonly scalars: readonly string[];
  readonly nodeCount: number;
}

/** Graph input and output names of the step. */
export const TRAIN_IO = {
  input: ONNX_INPUT,
  target: 'target',
  lr: 'lr',
  stepSize: 'adam.step_size',
  bc2Sqrt: 'adam.bias_correction2_sqrt',
  params: 'params',
  counter: 'num_batches_tracked',
  loss: 'loss',
  hits: 'hits',
  gradL1: 'grad_l1',
} as const;

const next = (name: string) => `${name}:next`;

/**
 * The training-step model of a valid design. Inputs: `input` (N×C×H×W float32), `target` (N
 * int64), the optimizer's scalars, `mask:<layer>` per dropout, every parameter by its key, and
 * every carried tensor; outputs: `loss` (total), `loss:<head>`, `hits` (main's top-1 count),
 * `grad_l1` (Σ|g| over all parameters, for the NaN/Inf check) and every carried tensor's new value
 * (`<name>:next`). The optimizer runs once over all parameters laid end to end (a few element-wise
 * ops instead of a few per tensor: a thousand fewer nodes for GoogLeNet). Errors: `train.onnx`
 * naming each layer kind (and layer) it cannot train; `train.design` for a head that is not N×K.
 */
export function onnxTrainStep(
  design: Design,
  analysis: Analysis,
  options: OnnxTrainStepOptions,
): Result<OnnxTrainStep> {
  if (!analysis.valid)
    return errResult('train.design', 'The design is not valid, so it cannot be trained.');
  const blocked = untrainableLayers(analysis.graph);
  if (blocked.length)
    return errResult('train.onnx', `ONNX Runtime cannot train ${describeBlocked(blocked)}.`);
  const n = options.batch;
  const g = new OnnxGraphBuilder();
  const consts = new OnnxConstants(g);
  const graphInputs: ReturnType<typeof floatValueInfo>[] = [];
  const graphOutputs: ReturnType<typeof floatValueInfo>[] = [];
  const withBatch = (s: Shape): number[] => [n, ...s.slice(1)];
  const shapes = new Map<string, number[]>([[ONNX_INPUT, withBatch(analysis.input)]]);
  for (const l of analysis.layers) if (l.outputShape) shapes.set(l.id, withBatch(l.outputShape));

  const floatInput = (name: string, dims: readonly number[]) => {
    g.input(name);
    graphInputs.push(floatValueInfo(name, dims));
    return name;
  };
  /** Declares a graph output the caller's node writes under `name` (no Identity copy). */
  const declareOutput = (name: string, dims: readonly number[]) => {
    graphOutputs.push(floatValueInfo(name, dims));
    return name;
  };
  floatInput(ONNX_INPUT, shapes.get(ONNX_INPUT)!);
  g.input(TRAIN_IO.target);
  graphInputs.push(tensorValueInfo(TRAIN_IO.target, [n], onnx.TensorProto.DataType.INT64));
  const scalars =
    options.optimizer === 'sgd' ? [TRAIN_IO.lr] : [TRAIN_IO.stepSize, TRAIN_IO.bc2Sqrt];
  for (const s of scalars) floatInput(s, []);

  const spec = stateDictSpec(analysis.graph);
  const specByKey = new Map(spec.map((e) => [e.key, e]));
  for (const e of spec) if (e.role !== 'counter') floatInput(e.key, e.shape);
  const hasCounter = spec.some((e) => e.role === 'counter');
  const carried: CarriedTensor[] = [];
  const carry = (name: string, dims: readonly number[]) => {
    carried.push({ name, input: name, output: declareOutput(next(name), dims), shape: dims });
    return next(name);
  };

  // Forward, in execution order.
  const alias = new Map<string, string>();
  const resolve = (id: string) => alias.get(id) ?? id;
  const saved = new Map<string, Readonly<Record<string, string>>>();
  const updated = new Set<string>();
  const masks: DropoutMask[] = [];
  const ruleOf = (l: Layer) =>
    onnxBackwardRules[l.kind as LayerKind] as unknown as OnnxTrainEmitter<LayerKind>;
  const baseCtx = (l: Layer): OnnxTrainContext => ({
    graph: g,
    consts,
    inputs: l.inputs.map(resolve),
    inputShapes: l.inputs.map((i) => shapes.get(i)!),
    outputShape: shapes.get(l.id)!,
    param(key) {
      if (!specByKey.has(key))
        throw new Error(`${l.id} asked for ${key}, which is not in the state_dict.`);
      return key;
    },
    mask() {
      const p = (l.attrs as { p?: number }).p ?? 0;
      if (!options.dropout || p <= 0) return null;
      const name = `mask:${l.id}`;
      const dims = shapes.get(l.id)!;
      masks.push({ input: name, layer: l.id, p, shape: dims });
      return floatInput(name, dims);
    },
    bufferOutput(key) {
      updated.add(key);
      return carry(key, specByKey.get(key)!.shape);
    },
  });
  for (const l of analysis.graph) {
    const f: TrainForward = ruleOf(l).forward(l as Layer<LayerKind, never>, baseCtx(l));
    if ('alias' in f) alias.set(l.id, f.alias);
    else saved.set(l.id, f.saved ?? {});
  }

  // Heads and loss.
  const heads = Object.keys(design.outputs)
    .filter((name) => analysis.outputs[name])
    .sort((a, b) => (a === 'main' ? -1 : b === 'main' ? 1 : 0));
  if (!heads.includes('main'))
    return errResult('train.design', 'The design has no main output to train against.');
  const grads = new Map<string, string[]>();
  const contribute = (id: string, value: string) =>
    grads.set(id, [...(grads.get(id) ?? []), value]);
  const target2 = g.node(
    'Unsqueeze',
    'loss.target',
    [TRAIN_IO.target, consts.int64s([1])],
    'loss.target',
  );
  const headLosses: { name: string; loss: string }[] = [];
  const weighted: string[] = [];
  for (const name of heads) {
    const layerId = outputLayerOf(analysis.graph.filter((l) => l.module === design.outputs[name]));
    const shape = shapes.get(layerId)!;
    if (shape.length !== 2)
      return errResult(
        'train.design',
        `The ${name} output is ${shape.slice(1).join('×')} per image; cross-entropy needs one score per class (N×K).`,
      );
    const k = shape[1];
    const z = resolve(layerId);
    const at = `loss.${name}`;
    const logp = g.node('LogSoftmax', `${at}.logSoftmax`, [z], `${at}.logSoftmax`, {
      axis: int(1),
    });
    const picked = g.node('GatherElements', `${at}.picked`, [logp, target2], `${at}.picked`, {
      axis: int(1),
    });
    const mean = g.node('ReduceMean', `${at}.mean`, [picked], `${at}.mean`, { keepdims: int(0) });
    const lossName = declareOutput(`loss:${name}`, []);
    const ce = g.node('Neg', `${at}.ce`, [mean], lossName);
    headLosses.push({ name, loss: lossName });
    const w = name === 'main' ? 1 : options.auxWeight;
    weighted.push(
      w === 1 ? ce : g.node('Mul', `${at}.weighted`, [ce, consts.scalar(w)], `${at}.weighted`),
    );
    // d(w·CE)/dz = w·(softmax(z) − onehot)/N.
    const oneHot = g.has(`loss.onehot${k}`)
      ? `loss.onehot${k}`
      : g.node(
          'OneHot',
          `loss.onehot${k}`,
          [
            TRAIN_IO.target,
            consts.int64s([k]),
            g.floats(`loss.onehotValues${k}`, [2], Float32Array.of(0, 1)),
          ],
          `loss.onehot${k}`,
          { axis: int(-1) },
        );
    const p = g.node('Exp', `${at}.softmax`, [logp], `${at}.softmax`);
    const diff = g.node('Sub', `${at}.diff`, [p, oneHot], `${at}.diff`);
    contribute(layerId, g.node('Mul', `${at}.grad`, [diff, consts.scalar(w / n)], `${at}.grad`));
    if (name === 'main') {
      const top = g.node('ArgMax', 'hits.argmax', [z], 'hits.argmax', {
        axis: int(1),
        keepdims: int(0),
      });
      const same = g.node('Equal', 'hits.equal', [top, TRAIN_IO.target], 'hits.equal');
      const f = g.node('Cast', 'hits.float', [same], 'hits.float', { to: int(1) });
      g.node('ReduceSum', 'hits.sum', [f], declareOutput(TRAIN_IO.hits, []), {
        keepdims: int(0),
      });
    }
  }
  const total = declareOutput(TRAIN_IO.loss, []);
  if (weighted.length === 1) g.node('Identity', 'loss.total', weighted, total);
  else g.node('Sum', 'loss.total', weighted, total);

  // Backward, in reverse execution order; a value read by several layers sums their gradients.
  const needGrad = new Set<string>();
  const owning = new Set(spec.filter((e) => e.role === 'param').map((e) => e.layer));
  for (const l of analysis.graph)
    if (owning.has(l.id) || l.inputs.some((i) => needGrad.has(i))) needGrad.add(l.id);
  const paramGrads = new Map<string, string>();
  for (const l of [...analysis.graph].reverse()) {
    const parts = grads.get(l.id);
    if (!parts || !needGrad.has(l.id)) continue;
    const dY =
      parts.length === 1 ? parts[0] : g.node('Sum', `${l.id}:grad.sum`, parts, `${l.id}:grad.sum`);
    const ctx: OnnxBackwardContext = {
      ...baseCtx(l),
      output: resolve(l.id),
      saved: saved.get(l.id) ?? {},
      dY,
      needGrad: l.inputs.map((i) => needGrad.has(i)),
      paramGrad(key, value) {
        paramGrads.set(key, value);
      },
    };
    const dx = ruleOf(l).backward(l as Layer<LayerKind, never>, ctx);
    l.inputs.forEach((i, j) => {
      if (dx[j] && needGrad.has(i)) contribute(i, dx[j]!);
    });
  }

  // Optimizer over all parameters laid end to end: torch.optim.SGD / Adam (PyTorch 1.13's rules).
  const params: ParamSlot[] = [];
  let paramCount = 0;
  for (const e of spec)
    if (e.role === 'param') {
      params.push({ key: e.key, offset: paramCount, shape: e.shape, layer: e.layer });
      paramCount += e.shape.reduce((a, b) => a * b, 1);
    }
  const flatDims = [paramCount];
  const flatParams = floatInput(TRAIN_IO.params, flatDims);
  const flatOf = (key: string) =>
    g.node(
      'Reshape',
      `opt.${key}.flat`,
      [paramGrads.get(key)!, consts.int64s([-1])],
      `opt.${key}.flat`,
    );
  const unreached = params.filter((p) => !paramGrads.has(p.key));
  const gradParts = params.map((p) =>
    paramGrads.has(p.key)
      ? flatOf(p.key)
      : g.node(
          'ConstantOfShape',
          `opt.${p.key}.zero`,
          [consts.int64s([p.shape.reduce((a, b) => a * b, 1)])],
          `opt.${p.key}.zero`,
        ),
  );
  let grad = g.node('Concat', 'opt.grad', gradParts, 'opt.grad', { axis: int(0) });
  g.node('ReduceL1', 'opt.gradL1', [grad], declareOutput(TRAIN_IO.gradL1, [1]), {
    keepdims: int(1),
  });
  if (options.weightDecay) {
    // PyTorch skips a parameter whose grad is None (no gradient reaches it): no decay there either.
    let decay = consts.scalar(options.weightDecay);
    if (unreached.length) {
      const rate = new Float32Array(paramCount).fill(options.weightDecay);
      for (const p of unreached)
        rate.fill(0, p.offset, p.offset + p.shape.reduce((a, b) => a * b, 1));
      decay = g.floats('opt.decayRate', flatDims, rate);
    }
    grad = g.node(
      'Add',
      'opt.decayed',
      [grad, g.node('Mul', 'opt.decay', [flatParams, decay], 'opt.decay')],
      'opt.decayed',
    );
  }
  const newParams = carry(TRAIN_IO.params, flatDims);
  if (options.optimizer === 'sgd') {
    let direction = grad;
    if (options.momentum) {
      const slot = floatInput('momentum_buffer', flatDims);
      const buf = carry(slot, flatDims);
      g.node(
        'Add',
        'opt.buf',
        [g.node('Mul', 'opt.bufOld', [slot, consts.scalar(options.momentum)], 'opt.bufOld'), grad],
        buf,
      );
      direction = buf;
    }
    const update = g.node('Mul', 'opt.update', [direction, TRAIN_IO.lr], 'opt.update');
    g.node('Sub', 'opt.new', [flatParams, update], newParams);
  } else {
    const [beta1, beta2] = options.betas ?? [0.9, 0.999];
    const eps = options.eps ?? 1e-8;
    const m0 = floatInput('exp_avg', flatDims);
    const v0 = floatInput('exp_avg_sq', flatDims);
    const m = carry(m0, flatDims);
    const v = carry(v0, flatDims);
    g.node(
      'Add',
      'opt.m',
      [
        g.node('Mul', 'opt.mOld', [m0, consts.scalar(beta1)], 'opt.mOld'),
        g.node('Mul', 'opt.mNew', [grad, consts.scalar(1 - beta1)], 'opt.mNew'),
      ],
      m,
    );
    const g2 = g.node('Mul', 'opt.g2', [grad, grad], 'opt.g2');
    g.node(
      'Add',
      'opt.v',
      [
        g.node('Mul', 'opt.vOld', [v0, consts.scalar(beta2)], 'opt.vOld'),
        g.node('Mul', 'opt.vNew', [g2, consts.scalar(1 - beta2)], 'opt.vNew'),
      ],
      v,
    );
    // denom = √v / √(1 − β2ᵗ) + ε; p ← p − (lr / (1 − β1ᵗ))·m / denom.
    const vHat = g.node(
      'Div',
      'opt.vHat',
      [g.node('Sqrt', 'opt.sqrtV', [v], 'opt.sqrtV'), TRAIN_IO.bc2Sqrt],
      'opt.vHat',
    );
    const denom = g.node('Add', 'opt.denom', [vHat, consts.scalar(eps)], 'opt.denom');
    const ratio = g.node('Div', 'opt.ratio', [m, denom], 'opt.ratio');
    const update = g.node('Mul', 'opt.update', [ratio, TRAIN_IO.stepSize], 'opt.update');
    g.node('Sub', 'opt.new', [flatParams, update], newParams);
  }
  const bufferKeys = spec.filter((e) => e.role === 'buffer').map((e) => e.key);
  for (const key of bufferKeys)
    if (!updated.has(key))
      g.node('Identity', `keep.${key}`, [key], carry(key, specByKey.get(key)!.shape));
  if (hasCounter) {
    floatInput(TRAIN_IO.counter, []);
    g.node(
      'Add',
      'counter.next',
      [TRAIN_IO.counter, consts.scalar(1)],
      carry(TRAIN_IO.counter, []),
    );
  }

  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: OPSET })],
    producerName: 'inception-explorer',
    producerVersion: GENERATOR.replace(/^Inception Explorer /, ''),
    graph: onnx.GraphProto.create({
      name: 'train_step',
      node: g.nodes,
      initializer: g.initializers,
      input: graphInputs,
      output: graphOutputs,
    }),
  });
  return okResult({
    bytes: onnx.ModelProto.encode(model).finish(),
    carried,
    params,
    paramCount,
    buffers: bufferKeys,
    masks,
    heads: headLosses,
    scalars,
    nodeCount: g.nodes.length,
  });
}

/** The blocked kinds as a clause: each kind, its first layers and the reason. */
export function describeBlocked(
  blocked: readonly { kind: string; layers: readonly string[]; reason: string }[],
): string {
  return blocked
    .map(
      (b) =>
        `${b.kind} (${b.layers.slice(0, 3).join(', ')}${b.layers.length > 3 ? ', …' : ''}): ${b.reason}`,
    )
    .join('; ');
}

/** The layer kinds of a graph ONNX Runtime cannot train, each with its layers and the reason (empty when all train). */
export function untrainableLayers(
  graph: readonly Layer[],
): { kind: string; layers: string[]; reason: string }[] {
  const out = new Map<string, { kind: string; layers: string[]; reason: string }>();
  for (const l of graph) {
    const reason = untrainableReason(l);
    if (!reason) continue;
    const key = `${l.kind}\n${reason}`;
    if (!out.has(key)) out.set(key, { kind: l.kind, layers: [], reason });
    out.get(key)!.layers.push(l.id);
  }
  return [...out.values()];
}

/** The gradient model of one layer (for parity tests): its inputs, state and dY in; y, dx, dW out. */
export interface OnnxLayerGradient {
  readonly bytes: Uint8Array;
  /** Graph inputs in order: `x0`, `x1`, … (the layer's inputs), its state_dict tensors, `mask`, `dY`. */
  readonly inputs: readonly { readonly name: string; readonly shape: readonly number[] }[];
  /** `y`, `dx0`, … (inputs that get a gradient), `grad:<key>` per parameter, `<key>:next` per running statistic. */
  readonly outputs: readonly string[];
}

/**
 * One layer's train-mode forward and backward as an ONNX model, through the same rule the
 * training step uses: y = layer(x…) in train mode, and dL/dx, dL/dW for L = Σ y·dY. `outputShape`
 * is the layer's output for `inputShapes` (batch included). Throws for a kind that cannot train.
 */
export function onnxLayerGradient(
  layer: Layer,
  inputShapes: readonly Shape[],
  outputShape: Shape,
  stateShapes: ReadonlyMap<string, readonly number[]>,
): OnnxLayerGradient {
  const reason = untrainableReason(layer);
  if (reason) throw new Error(`${layer.id} cannot train: ${reason}.`);
  const g = new OnnxGraphBuilder();
  const consts = new OnnxConstants(g);
  const inputs: { name: string; shape: readonly number[] }[] = [];
  const outputs: string[] = [];
  const infos: ReturnType<typeof floatValueInfo>[] = [];
  const outInfos: ReturnType<typeof floatValueInfo>[] = [];
  const declare = (name: string, shape: readonly number[]) => {
    g.input(name);
    inputs.push({ name, shape });
    infos.push(floatValueInfo(name, shape));
    return name;
  };
  const emit = (name: string, value: string, shape: readonly number[]) => {
    g.node('Identity', `output.${name}`, [value], name);
    outputs.push(name);
    outInfos.push(floatValueInfo(name, shape));
  };
  const xs = inputShapes.map((s, i) => declare(`x${i}`, s));
  for (const [key, shape] of stateShapes)
    if (!key.endsWith('num_batches_tracked')) declare(key, shape);
  const rule = onnxBackwardRules[layer.kind as LayerKind] as unknown as OnnxTrainEmitter<LayerKind>;
  const buffers = new Set<string>();
  const ctx: OnnxTrainContext = {
    graph: g,
    consts,
    inputs: xs,
    inputShapes,
    outputShape,
    param: (key) => key,
    mask: () => declare('mask', outputShape),
    bufferOutput: (key) => {
      buffers.add(key);
      outInfos.push(floatValueInfo(next(key), stateShapes.get(key)!));
      outputs.push(next(key));
      return next(key);
    },
  };
  const f = rule.forward(layer as Layer<LayerKind, never>, ctx);
  const y = 'alias' in f ? f.alias : f.output;
  emit('y', y, outputShape);
  const dY = declare('dY', outputShape);
  const grads = new Map<string, string>();
  const dx = rule.backward(layer as Layer<LayerKind, never>, {
    ...ctx,
    output: y,
    saved: 'alias' in f ? {} : (f.saved ?? {}),
    dY,
    needGrad: xs.map(() => true),
    paramGrad: (key, value) => grads.set(key, value),
  });
  dx.forEach((d, i) => d && emit(`dx${i}`, d, inputShapes[i]));
  for (const [key, value] of grads) emit(`grad:${key}`, value, stateShapes.get(key)!);
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: OPSET })],
    producerName: 'inception-explorer',
    graph: onnx.GraphProto.create({
      name: `grad_${layer.kind}`,
      node: g.nodes,
      initializer: g.initializers,
      input: infos,
      output: outInfos,
    }),
  });
  return { bytes: onnx.ModelProto.encode(model).finish(), inputs, outputs };
}
