/**
 * The ONNX export: any valid design's eval-mode network as an ONNX model (opset 17), built from
 * the analysis's layer expansion (the same layers the TF.js engine builds), with a dynamic batch
 * dimension, initializers named by the state_dict, nodes named by module paths, and batch norm
 * folded into the convolutions or kept. The engine's onnxruntime backend runs the same export,
 * one module at a time.
 */
import type { Analysis } from '../analysis/analyze';
import type { Design, Layer, Shape } from '../model/types';
import { formatBytes } from '../model/format';
import type { LayerAttrMap, LayerKind } from '../layers/registry';
import type { ExportIssue } from './pytorch';
import { GENERATOR } from './pytorch';
import { floatValueInfo, int, IR_VERSION, onnx, OnnxGraphBuilder, OPSET } from './onnxGraph';
import { onnxMetadataText } from './escape';
import { onnxEmitters, type OnnxEmitter, type OnnxLayerContext } from './onnxLayers';
import { emptyRecord } from '../model/records';

/** Name of the graph input of a whole-network export. */
export const ONNX_INPUT = 'input';
/** Name of the dynamic batch dimension. */
export const ONNX_BATCH_DIM = 'N';
/**
 * Protobuf refuses messages of 2 GiB or more; ONNX keeps larger weights in external files,
 * which a single-file export cannot.
 */
export const MAX_ONNX_BYTES = 2 ** 31 - 1;

export interface OnnxExportOptions {
  /** Fold eval-mode batch norm into the convolution before it (default true). */
  readonly foldBatchNorm?: boolean;
  /**
   * Export only these modules (ids, in any order; the engine runs one module per session). Values
   * they read from other modules become graph inputs named by the layer that produced them, and
   * each module's output is a graph output named by its module id.
   */
  readonly modules?: readonly string[];
  /**
   * Also output module results (named by module id), e.g. for feature maps: every module's
   * (`true`) or these modules' (ids). Whole-network exports only.
   */
  readonly moduleOutputs?: boolean | readonly string[];
  /**
   * Also output, computed inside the graph, each exported module's output statistics and shape, so
   * a run learns them without splitting the graph or copying feature maps out: `summary:stats`
   * holds [min, max, sum, sum of squares] per module (float32, 4 values each, in the order of
   * `OnnxExport.summaries.modules`) and `summary:shapes` every module's shape, one dimension after
   * the other (float32, exact below 2^24). Whole-network exports only.
   */
  readonly moduleSummaries?: boolean;
  /**
   * Also output the first image of these modules' results (ids), as `firstImage:<id>` of shape
   * 1×C×H×W (or 1×F): the values a feature-map picture needs, a batch's worth cheaper to copy
   * out. Whole-network exports only.
   */
  readonly firstImageOutputs?: readonly string[];
  /** Where the weights came from, for the metadata (e.g. a file name, or "seed 0"). */
  readonly weightsSource?: string;
}

export interface OnnxExport {
  /** The serialized ModelProto. */
  readonly bytes: Uint8Array;
  /** Graph inputs: name → shape, with the batch as `N`. */
  readonly inputs: Readonly<Record<string, readonly (number | string)[]>>;
  /** Graph outputs: name → shape, with the batch as `N`. */
  readonly outputs: Readonly<Record<string, readonly (number | string)[]>>;
  readonly nodeCount: number;
  readonly initializerBytes: number;
  /** With `moduleSummaries`: which module each row of `summary:stats` describes, and each one's rank in `summary:shapes`. */
  readonly summaries?: { readonly modules: readonly string[]; readonly ranks: readonly number[] };
}

/** Graph output of `moduleSummaries`: [min, max, sum, sum of squares] of each module's output. */
export const ONNX_SUMMARY_STATS = 'summary:stats';
/** Graph output of `moduleSummaries`: each module's output shape, dimensions concatenated. */
export const ONNX_SUMMARY_SHAPES = 'summary:shapes';

export type OnnxResult =
  | { readonly ok: true; readonly value: OnnxExport }
  | { readonly ok: false; readonly issues: readonly ExportIssue[] };

/** Thrown inside the export for a layer it cannot write; caught and turned into an issue. */
class LayerExportError extends Error {
  constructor(
    readonly layer: Layer,
    message: string,
  ) {
    super(message);
  }
}

const dynamicBatch = (s: Shape): (number | string)[] => [ONNX_BATCH_DIM, ...s.slice(1)];

/** Which batch norm layer folds into which convolution: a conv read only by that BN, in the same module. */
function foldPlan(
  graph: readonly Layer[],
): Map<string, Layer<'batchNorm2d', LayerAttrMap['batchNorm2d']>> {
  const byId = new Map(graph.map((l) => [l.id, l]));
  const readers = new Map<string, number>();
  for (const l of graph) for (const i of l.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  const plan = new Map<string, Layer<'batchNorm2d', LayerAttrMap['batchNorm2d']>>();
  for (const l of graph) {
    if (l.kind !== 'batchNorm2d') continue;
    const producer = byId.get(l.inputs[0]);
    if (
      producer?.kind === 'conv2d' &&
      producer.module === l.module &&
      readers.get(producer.id) === 1
    )
      plan.set(producer.id, l as Layer<'batchNorm2d', LayerAttrMap['batchNorm2d']>);
  }
  return plan;
}

/**
 * The eval-mode network of a valid design as an ONNX model. `weights` are float32 values by
 * state_dict key (seeded or loaded). A design the export cannot write gives issues naming the
 * module and layer, never a partial model.
 */
export function onnxModel(
  design: Design,
  analysis: Analysis,
  weights: ReadonlyMap<string, Float32Array>,
  options: OnnxExportOptions = {},
): OnnxResult {
  if (!analysis.valid) return { ok: false, issues: analysis.issues };
  const chosen = exportedModules(analysis, options.modules);
  if (!chosen.ok) return chosen;
  const modules = chosen.value;
  const moduleIds = new Set(modules.map((m) => m.id));
  const layers = analysis.graph.filter((l) => moduleIds.has(l.module));
  const shapes = new Map<string, Shape>([[ONNX_INPUT, analysis.input]]);
  for (const l of analysis.layers) if (l.outputShape) shapes.set(l.id, l.outputShape);

  const g = new OnnxGraphBuilder();
  const graphInputs = addGraphInputs(g, layers, moduleIds, analysis.graph, shapes);
  const emitted = emitLayers(g, layers, shapes, weights, options.foldBatchNorm !== false);
  if (!emitted.ok) return emitted;
  const graphOutputs = addGraphOutputs(g, design, analysis, options, modules, {
    shapes,
    graphInputs,
    resolve: emitted.value,
  });
  const summaries =
    options.moduleSummaries && !options.modules
      ? addSummaries(g, analysis, modules, emitted.value, graphOutputs)
      : undefined;
  if (options.firstImageOutputs?.length && !options.modules)
    addFirstImages(g, analysis, modules, options.firstImageOutputs, emitted.value, graphOutputs);
  const model = modelProto(design, analysis, options, g, graphInputs, graphOutputs);
  const bytes = onnx.ModelProto.encode(model).finish();
  return {
    ok: true,
    value: {
      bytes,
      inputs: graphInputs,
      outputs: graphOutputs,
      nodeCount: g.nodes.length,
      initializerBytes: g.bytes,
      ...(summaries ? { summaries } : {}),
    },
  };
}

type Dims = readonly (number | string)[];

/** The eval-path modules to export: all of them, or the ones `wanted` names (each must be on the eval path). */
function exportedModules(
  analysis: Analysis,
  wantedIds: readonly string[] | undefined,
): { ok: true; value: Analysis['modules'] } | { ok: false; issues: ExportIssue[] } {
  const evalModules = analysis.modules.filter((m) => m.evalPath);
  if (!wantedIds) return { ok: true, value: evalModules };
  const wanted = new Set(wantedIds);
  const unknown = [...wanted].filter((id) => !evalModules.some((m) => m.id === id));
  if (unknown.length) {
    return {
      ok: false,
      issues: unknown.map((id) => ({
        code: 'export.onnx',
        nodeId: id,
        message: `${id}: this module is not part of the eval-mode network, so it has no ONNX form.`,
      })),
    };
  }
  return { ok: true, value: evalModules.filter((m) => wanted.has(m.id)) };
}

/** Values from outside the exported part become graph inputs: the network input, or another module's output. */
function addGraphInputs(
  g: OnnxGraphBuilder,
  layers: readonly Layer[],
  moduleIds: ReadonlySet<string>,
  graph: readonly Layer[],
  shapes: ReadonlyMap<string, Shape>,
): Record<string, Dims> {
  const moduleOf = new Map(graph.map((l) => [l.id, l.module]));
  const graphInputs: Record<string, Dims> = emptyRecord();
  for (const l of layers) {
    for (const i of l.inputs) {
      if (moduleIds.has(moduleOf.get(i) ?? '') || g.has(i)) continue;
      g.input(i);
      graphInputs[i] = dynamicBatch(shapes.get(i)!);
    }
  }
  return graphInputs;
}

/**
 * Writes each layer's nodes and initializers through its kind's emitter. A batch norm folded into
 * its convolution, and a layer its emitter aliases (dropout, a one-input concat or add), write
 * nothing: their id resolves to the value that stands for them. Returns that resolution, or the
 * issue that stopped the export.
 */
function emitLayers(
  g: OnnxGraphBuilder,
  layers: readonly Layer[],
  shapes: ReadonlyMap<string, Shape>,
  weights: ReadonlyMap<string, Float32Array>,
  foldBatchNorm: boolean,
): { ok: true; value: (id: string) => string } | { ok: false; issues: ExportIssue[] } {
  const fold = foldBatchNorm ? foldPlan(layers) : new Map();
  const folded = new Set([...fold.values()].map((l) => l.id));
  const alias = new Map<string, string>();
  const resolve = (id: string): string => alias.get(id) ?? id;
  try {
    for (const layer of layers) {
      const emitter = (onnxEmitters as Record<string, OnnxEmitter<LayerKind> | undefined>)[
        layer.kind
      ];
      if (!emitter)
        throw new LayerExportError(
          layer,
          `layer kind ${layer.kind} has no ONNX form in this version`,
        );
      if (folded.has(layer.id)) {
        alias.set(layer.id, resolve(layer.inputs[0]));
        continue;
      }
      const ctx: OnnxLayerContext = {
        graph: g,
        inputs: layer.inputs.map(resolve),
        inputShapes: layer.inputs.map((i) => shapes.get(i)!),
        outputShape: shapes.get(layer.id)!,
        foldedBatchNorm: fold.get(layer.id) ?? null,
        weight(key, size) {
          const w = weights.get(key);
          if (!w) throw new LayerExportError(layer, `the weights have no tensor ${key}`);
          if (w.length !== size)
            throw new LayerExportError(
              layer,
              `the weight tensor ${key} holds ${w.length} values but the layer needs ${size}`,
            );
          return w;
        },
      };
      const emitted = emitter(layer as Layer<LayerKind, never>, ctx);
      if ('alias' in emitted) alias.set(layer.id, emitted.alias);
      if (g.bytes > MAX_ONNX_BYTES) {
        throw new LayerExportError(
          layer,
          `the weights up to this layer take ${formatBytes(g.bytes)}, more than the 2 GiB a single ONNX file can hold (protobuf's limit); make the layers smaller`,
        );
      }
    }
  } catch (e) {
    if (!(e instanceof LayerExportError)) throw e;
    return {
      ok: false,
      issues: [
        {
          code: 'export.onnx',
          nodeId: e.layer.module,
          field: e.layer.id,
          message: `${e.layer.module} (layer ${e.layer.id}): ${e.message}, so it cannot be exported to ONNX.`,
        },
      ],
    };
  }
  return { ok: true, value: resolve };
}

/** Graph outputs: the design's named eval outputs (and each module's, when asked), or each exported module's output. */
function addGraphOutputs(
  g: OnnxGraphBuilder,
  design: Design,
  analysis: Analysis,
  options: OnnxExportOptions,
  modules: Analysis['modules'],
  values: {
    shapes: ReadonlyMap<string, Shape>;
    graphInputs: Readonly<Record<string, Dims>>;
    resolve(id: string): string;
  },
): Record<string, Dims> {
  const { shapes, graphInputs, resolve } = values;
  const moduleOutputLayer = new Map(
    analysis.modules.map((m) => [
      m.id,
      outputLayerOf(analysis.graph.filter((l) => l.module === m.id)),
    ]),
  );
  const graphOutputs: Record<string, Dims> = emptyRecord();
  const moved = new Map<string, string>();
  const addOutput = (name: string, layerId: string) => {
    if (graphOutputs[name]) return;
    // A flat (Caffe-named) module's first layer has the module's own name (conv1_7x7_s2): that
    // value moves aside so the module's output can take the name.
    if (g.has(name) && !graphInputs[name] && resolve(layerId) !== name && !moved.has(name)) {
      g.renameValue(name, `${name}:layer`);
      moved.set(name, `${name}:layer`);
    }
    const value = moved.get(resolve(layerId)) ?? resolve(layerId);
    // A layer whose id is the output's name (a one-layer module) is the output itself; any other
    // value gets an Identity node, so outputs never share a value or alias a graph input.
    if (value !== name || graphInputs[name]) g.node('Identity', `output.${name}`, [value], name);
    graphOutputs[name] = dynamicBatch(shapes.get(layerId)!);
  };
  if (options.modules) {
    for (const m of modules) addOutput(m.id, moduleOutputLayer.get(m.id)!);
  } else {
    for (const name of analysis.evalOutputs) {
      const moduleId = design.outputs[name];
      addOutput(name, moduleOutputLayer.get(moduleId)!);
    }
    const wanted = options.moduleOutputs;
    if (wanted)
      for (const m of modules)
        if (wanted === true || wanted.includes(m.id)) addOutput(m.id, moduleOutputLayer.get(m.id)!);
  }
  return graphOutputs;
}

/**
 * The reductions of `moduleSummaries`: each module's output flattened (a view, no copy), its
 * min, max, sum and sum of squares (one pass each over values that are often still in cache), and
 * its shape; all modules' figures concatenated into two small outputs, so a run copies out a few
 * hundred numbers instead of every feature map. Sums rather than means: the caller divides by the
 * element count it reads from the shape, whatever the batch.
 */
function addSummaries(
  g: OnnxGraphBuilder,
  analysis: Analysis,
  modules: Analysis['modules'],
  resolve: (id: string) => string,
  graphOutputs: Record<string, Dims>,
): { modules: string[]; ranks: number[] } {
  const flat = g.int64s('summary:flatShape', [-1]);
  const stats: string[] = [];
  const shapes: string[] = [];
  const ranks: number[] = [];
  for (const m of modules) {
    const value = moduleValue(g, analysis, m.id, resolve);
    const at = `summary.${m.id}`;
    const x = g.node('Reshape', `${at}.flatten`, [value, flat], `${at}:flat`);
    for (const op of ['ReduceMin', 'ReduceMax', 'ReduceSum', 'ReduceSumSquare'] as const) {
      // ReduceSum takes its axes as an input from opset 13, the others as an attribute until 18;
      // with none given, all axes are reduced (keepdims: a [1] tensor that Concat takes).
      stats.push(g.node(op, `${at}.${op}`, [x], `${at}:${op}`, { keepdims: int(1) }));
    }
    const shape = g.node('Shape', `${at}.shape`, [value], `${at}:shape`);
    shapes.push(g.node('Cast', `${at}.shapeFloat`, [shape], `${at}:shapeFloat`, { to: int(1) }));
    ranks.push(m.outputShape?.length ?? 0);
  }
  g.node('Concat', 'summary.stats', stats, ONNX_SUMMARY_STATS, { axis: int(0) });
  g.node('Concat', 'summary.shapes', shapes, ONNX_SUMMARY_SHAPES, { axis: int(0) });
  graphOutputs[ONNX_SUMMARY_STATS] = [stats.length];
  graphOutputs[ONNX_SUMMARY_SHAPES] = [ranks.reduce((a, b) => a + b, 0)];
  return { modules: modules.map((m) => m.id), ranks };
}

/** A module output's value: its layer's, or where a flat module's graph output moved it. */
function moduleValue(
  g: OnnxGraphBuilder,
  analysis: Analysis,
  id: string,
  resolve: (id: string) => string,
): string {
  const value = resolve(outputLayerOf(analysis.graph.filter((l) => l.module === id)));
  return g.has(`${value}:layer`) ? `${value}:layer` : value;
}

/** The `firstImageOutputs`: a Slice of image 0 of each wanted module's output. */
function addFirstImages(
  g: OnnxGraphBuilder,
  analysis: Analysis,
  modules: Analysis['modules'],
  wanted: readonly string[],
  resolve: (id: string) => string,
  graphOutputs: Record<string, Dims>,
): void {
  const zero = g.int64s('firstImage:starts', [0]);
  const one = g.int64s('firstImage:ends', [1]);
  for (const m of modules) {
    if (!wanted.includes(m.id) || !m.outputShape) continue;
    const name = `firstImage:${m.id}`;
    g.node(
      'Slice',
      `firstImage.${m.id}`,
      [moduleValue(g, analysis, m.id, resolve), zero, one, zero],
      name,
    );
    graphOutputs[name] = [1, ...m.outputShape.slice(1)];
  }
}

/** The model around the graph: IR and opset versions, producer, and metadata a reader of the file sees in Netron. */
function modelProto(
  design: Design,
  analysis: Analysis,
  options: OnnxExportOptions,
  g: OnnxGraphBuilder,
  graphInputs: Record<string, Dims>,
  graphOutputs: Record<string, Dims>,
) {
  const metadata: Record<string, string> = {
    design: design.name,
    preset: design.preset ?? '',
    batch_norm: options.foldBatchNorm === false ? 'kept' : 'folded into the convolutions',
    weights: options.weightsSource ?? '',
    parameters: String(analysis.totals.paramsEval),
    macs_per_image: String(analysis.totals.macs),
  };
  return onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: OPSET })],
    producerName: 'inception-explorer',
    producerVersion: GENERATOR.replace(/^Inception Explorer /, ''),
    docString: onnxMetadataText(`${design.name}: the eval-mode network, exported by ${GENERATOR}.`),
    metadataProps: Object.entries(metadata)
      .filter(([, v]) => v !== '')
      .map(([key, value]) =>
        onnx.StringStringEntryProto.create({ key, value: onnxMetadataText(value) }),
      ),
    graph: onnx.GraphProto.create({
      name: onnxMetadataText(design.name) || 'design',
      node: g.nodes,
      initializer: g.initializers,
      input: Object.entries(graphInputs).map(([name, dims]) => floatValueInfo(name, dims)),
      output: Object.entries(graphOutputs).map(([name, dims]) => floatValueInfo(name, dims)),
    }),
  });
}

/** The layer of a module whose output leaves it: the last one no other layer of the module reads. */
export function outputLayerOf(layers: readonly Layer[]): string {
  const read = new Set(layers.flatMap((l) => l.inputs));
  const unread = layers.filter((l) => !read.has(l.id));
  return (unread.length ? unread[unread.length - 1] : layers[layers.length - 1]).id;
}
