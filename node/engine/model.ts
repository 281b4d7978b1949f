/**
 * Compiles an analyzed design into TF.js ops (through each layer kind's builder) and runs forward
 * passes module by module, freeing every intermediate tensor as soon as nothing needs it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Analysis } from '../../core/analysis/analyze';
import type { Design, Layer, Shape } from '../../core/model/types';
import type { LayerAttrMap, LayerKind } from '../../core/layers/registry';
import type { RunMode } from '../../core/run/types';
import type { StateDict } from './weights';
import { layerBuilders } from './layers/builders';
import type { BuildContext, Built, LayerBuilder, LayerBuilders, LayerOp } from './layers/layerOp';

export interface CompileOptions {
  readonly mode: RunMode;
  /** Fold eval-mode batch norm into the preceding convolution (default true). */
  readonly foldBatchNorm?: boolean;
  /** Apply dropout in train mode (default true); parity runs turn it off. */
  readonly dropout?: boolean;
  readonly dropoutSeed?: number;
  /** Builders to use instead of the inference ones (training swaps in trainable layers). */
  readonly builders?: LayerBuilders;
}

interface Step {
  readonly id: string;
  readonly op: LayerOp;
  /** Canonical ids of the tensors it reads (`input` for the network input). */
  readonly inputs: readonly string[];
}

export interface ModulePlan {
  readonly id: string;
  readonly steps: readonly Step[];
  /** Canonical id of the tensor that is the module's output. */
  readonly output: string;
  /** The NCHW shape core computed for the whole batch. */
  readonly expectedShape: Shape | null;
}

export interface CompiledModel {
  readonly mode: RunMode;
  readonly modules: readonly ModulePlan[];
  /** Output name (`main`, `aux1`, …) → canonical tensor id. */
  readonly outputs: Readonly<Record<string, string>>;
  /** Number of layers that run (after folding and fusing). */
  readonly opCount: number;
  dispose(): void;
}

/** The layer of a module whose output leaves it: the last one no other layer of the module reads. */
function moduleOutputLayer(layers: readonly Layer[]): string {
  const read = new Set(layers.flatMap((l) => l.inputs));
  const unread = layers.filter((l) => !read.has(l.id));
  return (unread.length ? unread[unread.length - 1] : layers[layers.length - 1]).id;
}

import { activeModules } from './runDesign';
import { emptyRecord } from '../../core/model/records';

/** Output names produced in a mode. */
export function activeOutputs(analysis: Analysis, mode: RunMode): string[] {
  return mode === 'train'
    ? Object.keys(analysis.outputs).filter((k) => analysis.outputs[k])
    : [...analysis.evalOutputs];
}

/** Builds the ops of a valid design for one mode. Throws only on a broken invariant. */
export function compileModel(
  design: Design,
  analysis: Analysis,
  weights: StateDict,
  options: CompileOptions,
): CompiledModel {
  if (!analysis.valid)
    throw new Error('compileModel needs a valid design; check analysis.valid first.');
  const mode = options.mode;
  const modules = activeModules(analysis, mode);
  const moduleIds = new Set(modules.map((m) => m.id));
  const graph = analysis.graph.filter((l) => moduleIds.has(l.module));
  const shapes = new Map<string, Shape>([['input', analysis.input]]);
  for (const l of analysis.layers) if (l.outputShape) shapes.set(l.id, l.outputShape);
  const layerById = new Map(graph.map((l) => [l.id, l]));

  const uses = new Map<string, number>();
  for (const l of graph) for (const i of l.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  const alias = new Map<string, string>();
  const canonical = (id: string): string => {
    let c = id;
    while (alias.has(c)) c = alias.get(c)!;
    return c;
  };
  const ops = new Map<string, LayerOp>();
  const steps = new Map<string, Step>();

  for (const layer of graph) {
    const ctx: BuildContext = {
      mode,
      foldBatchNorm: options.foldBatchNorm ?? true,
      dropout: options.dropout ?? true,
      dropoutSeed: options.dropoutSeed ?? 0,
      inputShapes: layer.inputs.map((i) => shapes.get(i)!),
      outputShape: shapes.get(layer.id)!,
      weight(key) {
        const w = weights.get(key);
        if (!w) throw new Error(`The weights have no tensor ${key}, which ${layer.id} needs.`);
        return w;
      },
      fusible(id) {
        const c = canonical(id);
        const op = ops.get(c);
        const producer = layerById.get(c);
        if (!op || !producer || producer.module !== layer.module || uses.get(c) !== 1) return null;
        return op;
      },
    };
    const builder = (options.builders ?? layerBuilders)[layer.kind as LayerKind] as
      LayerBuilder<LayerKind> | undefined;
    if (!builder) throw new Error(`No TF.js builder for layer kind ${layer.kind}.`);
    const built: Built = builder(layer as Layer<LayerKind, LayerAttrMap[LayerKind]>, ctx);
    if ('alias' in built) {
      const c = canonical(built.alias);
      alias.set(layer.id, c);
      // The aliased tensor loses this layer as a reader and gains this layer's readers.
      uses.set(c, (uses.get(c) ?? 0) - 1 + (uses.get(layer.id) ?? 0));
    } else {
      ops.set(layer.id, built.op);
      steps.set(layer.id, { id: layer.id, op: built.op, inputs: layer.inputs.map(canonical) });
    }
  }

  const prepared: LayerOp[] = [];
  const disposeAll = () => {
    for (const op of prepared) op.dispose?.();
    prepared.length = 0;
  };
  try {
    for (const op of new Set(ops.values())) {
      op.prepare?.();
      prepared.push(op);
    }
  } catch (e) {
    disposeAll();
    throw e;
  }

  const plans: ModulePlan[] = modules.map((m) => {
    const layers = graph.filter((l) => l.module === m.id);
    return {
      id: m.id,
      // Inputs are re-resolved: a later layer may have been folded into an earlier one's op.
      steps: layers
        .filter((l) => steps.has(l.id))
        .map((l) => ({ ...steps.get(l.id)!, inputs: l.inputs.map(canonical) })),
      output: canonical(moduleOutputLayer(layers)),
      expectedShape: m.outputShape,
    };
  });
  const outputs: Record<string, string> = emptyRecord();
  for (const name of activeOutputs(analysis, mode)) {
    const plan = plans.find((p) => p.id === design.outputs[name]);
    if (plan) outputs[name] = plan.output;
  }
  return { mode, modules: plans, outputs, opCount: steps.size, dispose: disposeAll };
}

/** Thrown inside a forward pass when the caller asks it to stop. */
export class StopRequested extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export interface ForwardHooks {
  /** Index of the first image of this batch slice in the whole batch. */
  readonly batchOffset?: number;
  /** Checked before every layer; a reason stops the pass with StopRequested. */
  shouldStop?(): string | null;
  /** Called after each module with its output (engine layout), its compute time and its index in the model. */
  onModule?(plan: ModulePlan, output: tf.Tensor, ms: number, index: number): void;
}

/**
 * Part of the network to run: modules `from` (inclusive) to `to` (exclusive). A part that does
 * not start at the first module takes the tensors earlier modules left for later ones (`carry`,
 * engine layout, by canonical id) instead of the input; one that stops early returns its own.
 */
export interface ForwardRange {
  readonly from: number;
  readonly to: number;
  readonly carry?: ReadonlyMap<string, tf.Tensor>;
}

export interface ForwardResult {
  /** Output tensors in engine layout (those the part produced); the caller disposes them. */
  readonly outputs: Readonly<Record<string, tf.Tensor>>;
  /** Tensors later modules read, when the part stopped early; the caller disposes them. */
  readonly carry: ReadonlyMap<string, tf.Tensor>;
  readonly moduleMs: readonly number[];
  /** Sum of the layers' compute time (observation excluded). */
  readonly totalMs: number;
  /** Largest tensor memory seen during the pass. */
  readonly peakBytes: number;
}

/** Canonical ids of the tensors produced before module `at` that modules from `at` on (or the outputs) read. */
export function crossingTensors(model: CompiledModel, at: number): string[] {
  const before = new Set<string>(['input']);
  for (const plan of model.modules.slice(0, at)) for (const step of plan.steps) before.add(step.id);
  const needed = new Set<string>();
  for (const plan of model.modules.slice(at)) {
    for (const step of plan.steps) for (const i of step.inputs) if (before.has(i)) needed.add(i);
    if (before.has(plan.output)) needed.add(plan.output);
  }
  for (const id of Object.values(model.outputs)) if (before.has(id)) needed.add(id);
  return [...needed];
}

/**
 * Runs one forward pass (or a part of one, see ForwardRange) on an NCHW input. Every intermediate
 * is freed, also on errors and stops.
 */
export function forward(
  model: CompiledModel,
  input: tf.Tensor4D | null,
  hooks: ForwardHooks = {},
  range?: ForwardRange,
): ForwardResult {
  const from = range?.from ?? 0;
  const to = range?.to ?? model.modules.length;
  const modules = model.modules.slice(from, to);
  const carryOut = to < model.modules.length ? crossingTensors(model, to) : [];
  // Plan when each tensor is last needed: module steps read tensors, module ends observe one.
  const lastUse = new Map<string, number>();
  let action = 0;
  for (const plan of modules) {
    for (const step of plan.steps) {
      for (const i of step.inputs) lastUse.set(i, action);
      action++;
    }
    lastUse.set(plan.output, action++);
  }
  const keep = new Set([...Object.values(model.outputs), ...carryOut]);
  const freeAfter = new Map<number, string[]>();
  for (const [id, at] of lastUse)
    if (!keep.has(id)) freeAfter.set(at, [...(freeAfter.get(at) ?? []), id]);

  const live = new Map<string, tf.Tensor>();
  const state = { batchOffset: hooks.batchOffset ?? 0 };
  const moduleMs: number[] = [];
  let peakBytes = tf.memory().numBytes;
  let totalMs = 0;
  action = 0;
  const release = () => {
    for (const id of freeAfter.get(action) ?? []) {
      live.get(id)?.dispose();
      live.delete(id);
    }
    action++;
  };
  try {
    if (from === 0) {
      if (!input) throw new Error('forward needs the input to start at the first module.');
      live.set('input', tf.transpose(input, [0, 2, 3, 1]));
    } else {
      for (const id of crossingTensors(model, from)) {
        const t = range?.carry?.get(id);
        if (!t)
          throw new Error(
            `forward from module ${from} needs the tensor ${id} from earlier modules.`,
          );
        live.set(id, tf.clone(t));
      }
    }
    modules.forEach((plan, i) => {
      let ms = 0;
      for (const step of plan.steps) {
        const reason = hooks.shouldStop?.();
        if (reason) throw new StopRequested(reason);
        const inputs = step.inputs.map((id) => live.get(id)!);
        const t0 = performance.now();
        const out = tf.tidy(() => step.op.run(inputs, state));
        ms += performance.now() - t0;
        live.set(step.id, out);
        peakBytes = Math.max(peakBytes, tf.memory().numBytes);
        release();
      }
      totalMs += ms;
      moduleMs.push(ms);
      hooks.onModule?.(plan, live.get(plan.output)!, ms, from + i);
      release();
    });
    const outputs: Record<string, tf.Tensor> = emptyRecord();
    if (to === model.modules.length)
      for (const [name, id] of Object.entries(model.outputs)) outputs[name] = live.get(id)!;
    const carry = new Map<string, tf.Tensor>();
    for (const id of carryOut) carry.set(id, live.get(id)!);
    const kept = new Set<tf.Tensor>([...Object.values(outputs), ...carry.values()]);
    for (const t of live.values()) if (!kept.has(t)) t.dispose();
    return { outputs, carry, moduleMs, totalMs, peakBytes };
  } catch (e) {
    for (const t of live.values()) t.dispose();
    throw e;
  }
}
