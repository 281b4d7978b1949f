/**
 * The analysis: expands every module of a design into layers and computes, in one pass, each
 * layer's and module's output shape, parameters, buffers, MACs and activation memory, plus every
 * problem with the design. It never throws on user input.
 */
import { isReservedContainerKey, isReservedModuleName } from '../model/reservedNames';
import { derivedNameIssues } from '../model/derivedNames';
import {
  MAX_MODULES,
  type Design,
  type Issue,
  type Layer,
  type ModuleSpec,
  type Shape,
} from '../model/types';
import { resolveParams, MAX_COUNT, paramLabel, type ParamDefs } from '../model/params';
import {
  MAP_SIZE_CODES,
  mapSizeCause,
  type MapCause,
  type PresetShapes,
  type ShapesSeen,
} from './mapCause';
import { presetDesign } from '../presets';
import { formatBytes, formatGot, formatInt } from '../model/format';
import { layerDef } from '../layers/registry';
import { product } from '../layers/layerDef';
import { moduleDef } from '../modules/registry';
import { parseModulePath } from '../model/modulePath';
import { LayerBuilder, type ModuleDef, type ModuleStep } from '../modules/moduleDef';
import { emptyRecord } from '../model/records';

/** Bytes per tensor element: the engine runs in float32. */
export const BYTES_PER_VALUE = 4;
/** The default memory budget for weights and for activations, each. */
export const DEFAULT_MEMORY_BUDGET = 8 * 1024 ** 3;

export const INPUT_LIMITS = {
  batch: { min: 1, max: 4096 },
  channels: { min: 1, max: MAX_COUNT },
  height: { min: 1, max: 8192 },
  width: { min: 1, max: 8192 },
} as const;
export const CLASS_LIMITS = { min: 1, max: MAX_COUNT } as const;

export interface AnalyzeOptions {
  /** Bytes the weights may take, and separately the activations of one forward pass. */
  readonly memoryBudgetBytes?: number;
}

export interface LayerInfo {
  readonly id: string;
  readonly kind: string;
  readonly torchName: string;
  readonly module: string;
  readonly inputs: readonly string[];
  /** Settings in a few characters, e.g. "7×7/2 p3". */
  readonly settings: string;
  readonly outputShape: Shape | null;
  readonly params: number;
  readonly buffers: number;
  readonly macs: number;
  readonly activationBytes: number;
}

export interface ModuleInfo {
  readonly id: string;
  readonly kind: string;
  readonly label: string;
  readonly stage: string;
  readonly aux: boolean;
  readonly inputs: readonly string[];
  readonly inputShapes: readonly Shape[];
  /** Null when the module or something upstream is invalid. */
  readonly outputShape: Shape | null;
  readonly params: number;
  readonly buffers: number;
  /** Multiply-accumulates per image. */
  readonly macs: number;
  /** Bytes of all layer outputs for the whole batch. */
  readonly activationBytes: number;
  readonly layers: readonly string[];
  /** The module's inside as a graph of steps (empty for single-path modules): what opening it shows. */
  readonly steps: readonly ModuleStep[];
  /** Whether the module is on the eval path (the main output depends on it). */
  readonly evalPath: boolean;
  readonly issues: readonly Issue[];
  /** The nearest invalid module upstream, when this one could not be computed because of it. */
  readonly blockedBy: string | null;
}

export interface Totals {
  /** All trainable parameters, aux heads included. */
  readonly params: number;
  /** Parameters on the eval path (no aux heads). */
  readonly paramsEval: number;
  /** MACs per image on the eval path. */
  readonly macs: number;
  /** MACs per image in train mode (with aux heads). */
  readonly macsTrain: number;
  /** BN running mean and variance values. */
  readonly buffers: number;
  readonly weightBytes: number;
  /** Bytes of every layer output of one pass (what training would keep). */
  readonly activationBytes: number;
  readonly activationBytesEval: number;
  /** Estimated peak bytes alive during one inference pass: the largest module's inputs and layer outputs. */
  readonly peakActivationBytes: number;
}

export interface Analysis {
  readonly input: Shape;
  readonly modules: readonly ModuleInfo[];
  readonly layers: readonly LayerInfo[];
  /** The expanded layer graph of the valid modules, in execution order. */
  readonly graph: readonly Layer[];
  readonly totals: Totals;
  readonly outputs: Readonly<Record<string, Shape | null>>;
  /** Which output names are produced in eval mode (the rest need train mode). */
  readonly evalOutputs: readonly string[];
  readonly issues: readonly Issue[];
  readonly valid: boolean;
}

/** The labels the app shows for the design-wide settings (messages name settings by them). */
export const SETTING_LABELS: Readonly<Record<string, string>> = {
  'input.batch': 'Batch',
  'input.channels': 'Input channels',
  'input.height': 'Input height',
  'input.width': 'Input width',
  classes: 'Classes',
};

function checkSettings(design: Design, issues: Issue[]): boolean {
  let ok = true;
  const check = (field: string, v: unknown, lim: { min: number; max: number }) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lim.min || v > lim.max) {
      ok = false;
      issues.push({
        code: 'setting.range',
        nodeId: 'design',
        field,
        message: `${SETTING_LABELS[field] ?? field} must be a whole number from ${formatInt(lim.min)} to ${formatInt(lim.max)}; got ${formatGot(v)}.`,
      });
    }
  };
  const input = design.input ?? ({} as Design['input']);
  for (const key of ['batch', 'channels', 'height', 'width'] as const)
    check(`input.${key}`, input[key], INPUT_LIMITS[key]);
  check('classes', design.classes, CLASS_LIMITS);
  return ok;
}

/** Orders modules so every input comes first; reports unknown inputs, duplicates and cycles. */
function orderModules(modules: readonly ModuleSpec[], issues: Issue[]): ModuleSpec[] {
  const byId = new Map<string, ModuleSpec>();
  const plain = new Set(modules.map((m) => m.id));
  for (const m of modules) {
    const path = typeof m.id === 'string' ? parseModulePath(m.id) : null;
    if (!path || isReservedModuleName(path.base)) {
      issues.push({
        code: 'graph.invalidId',
        nodeId: m.id,
        field: 'id',
        message: `${formatGot(m.id)} cannot name a module: use letters, digits and underscores, starting with a letter (at most 64), optionally followed by a dot and a key (features.7), and neither a Python keyword nor an nn.Module attribute such as train, eval or compile.`,
      });
      continue;
    }
    if (path.key !== null && isReservedContainerKey(path.key)) {
      issues.push({
        code: 'graph.invalidId',
        nodeId: m.id,
        field: 'id',
        message: `${m.id}: the key ${path.key} cannot name a module in the container ${path.base}, because PyTorch's nn.ModuleDict already has an attribute of that name (keys, items, forward, training, cuda, …) or it starts with an underscore; rename the module.`,
      });
      continue;
    }
    if (path.key !== null && plain.has(path.base)) {
      issues.push({
        code: 'graph.invalidId',
        nodeId: m.id,
        field: 'id',
        message: `${m.id}: ${path.base} is already a module of its own, so it cannot also hold ${m.id}; rename one of them.`,
      });
      continue;
    }
    if (byId.has(m.id)) {
      issues.push({
        code: 'graph.duplicateId',
        nodeId: m.id,
        field: 'id',
        message: `Two modules are named ${m.id}; module names must be unique.`,
      });
      continue;
    }
    byId.set(m.id, m);
  }
  const indegree = new Map<string, number>();
  const users = new Map<string, string[]>();
  for (const m of byId.values()) {
    let deg = 0;
    for (const src of m.inputs) {
      if (src === 'input') continue;
      if (!byId.has(src)) {
        issues.push({
          code: 'graph.unknownInput',
          nodeId: m.id,
          field: 'inputs',
          message: `${m.id}: its input ${formatGot(src)} is not a module of this design.`,
        });
        continue;
      }
      deg++;
      users.set(src, [...(users.get(src) ?? []), m.id]);
    }
    indegree.set(m.id, deg);
  }
  // Kahn's algorithm, stable in design order.
  const order: ModuleSpec[] = [];
  const ready = [...byId.values()].filter((m) => indegree.get(m.id) === 0).map((m) => m.id);
  const position = new Map([...byId.keys()].map((id, i) => [id, i]));
  while (ready.length) {
    ready.sort((a, b) => position.get(a)! - position.get(b)!);
    const id = ready.shift()!;
    order.push(byId.get(id)!);
    for (const u of users.get(id) ?? []) {
      const d = indegree.get(u)! - 1;
      indegree.set(u, d);
      if (d === 0) ready.push(u);
    }
  }
  const placed = new Set(order);
  for (const m of byId.values()) {
    if (!placed.has(m)) {
      issues.push({
        code: 'graph.cycle',
        nodeId: m.id,
        field: 'inputs',
        message: `${m.id}: its inputs form a cycle; a network must flow one way.`,
      });
    }
  }
  return order;
}

/** Analyzes a design: shapes, counts, costs and problems of every module and layer. */
export function analyze(design: Design, options: AnalyzeOptions = {}): Analysis {
  // Issues are pushed in reading order: settings, the module list, each module in graph order,
  // the outputs, then memory.
  const issues: Issue[] = [];
  const settingsOk = checkSettings(design, issues);
  const { specs, disabledAux } = selectModules(design, issues);
  const ordered = orderModules(specs, issues);
  const walk = walkModules(design, ordered, disabledAux, settingsOk, issues);
  issues.push(...derivedNameIssues(namedModules(ordered, walk.graph)));
  const { outputs, evalOutputs, evalSet } = resolveOutputs(design, walk.infos, disabledAux, issues);
  const modules = ordered
    .filter((m) => walk.infos.has(m.id))
    .map((m) => ({ ...walk.infos.get(m.id)!, evalPath: evalSet.has(m.id) }));
  const totals = totalsOf(modules);
  checkMemory(modules, totals, options.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET, issues);
  return {
    input: walk.inputShape,
    modules,
    layers: walk.layerInfos,
    graph: walk.graph,
    totals,
    outputs,
    evalOutputs,
    issues,
    valid: issues.length === 0,
  };
}

/** Each module with the ids of its layers (none for a module that could not be expanded). */
function namedModules(ordered: readonly ModuleSpec[], graph: readonly Layer[]) {
  const layers = new Map<string, string[]>(ordered.map((m) => [m.id, []]));
  for (const l of graph) layers.get(l.module)?.push(l.id);
  return ordered.map((m) => ({ id: m.id, layers: layers.get(m.id)! }));
}

/** The modules the analysis walks (at most MAX_MODULES; aux heads only when the design turns them on). */
function selectModules(
  design: Design,
  issues: Issue[],
): { specs: ModuleSpec[]; disabledAux: ReadonlySet<string> } {
  const all = Array.isArray(design.modules) ? design.modules : [];
  if (all.length > MAX_MODULES) {
    issues.push({
      code: 'graph.tooLarge',
      nodeId: 'design',
      message: `The design has ${formatInt(all.length)} modules; at most ${formatInt(MAX_MODULES)} are supported.`,
    });
  }
  const specs = all.slice(0, MAX_MODULES).filter((m) => design.aux || !m.aux);
  if (specs.length === 0)
    issues.push({ code: 'graph.empty', nodeId: 'design', message: 'The design has no modules.' });
  const disabledAux = new Set(all.filter((m) => m.aux && !design.aux).map((m) => m.id));
  return { specs, disabledAux };
}

/** What the walk over the modules has found so far, and what it returns. */
interface Walk {
  /** The design's input shape; empty when the settings are invalid. */
  readonly inputShape: Shape;
  readonly settingsOk: boolean;
  readonly classes: number;
  readonly disabledAux: ReadonlySet<string>;
  /** Each module's output shape (null: invalid or blocked). */
  readonly outShape: Map<string, Shape | null>;
  /** Each module's last layer, the id its users read. */
  readonly outLayer: Map<string, string>;
  /** For a module without an output: itself when invalid, else the invalid module upstream. */
  readonly blocker: Map<string, string | null>;
  readonly infos: Map<string, ModuleInfo>;
  readonly layerInfos: LayerInfo[];
  readonly graph: Layer[];
}

/** Analyzes each module in graph order, each from its inputs' shapes. */
function walkModules(
  design: Design,
  ordered: readonly ModuleSpec[],
  disabledAux: ReadonlySet<string>,
  settingsOk: boolean,
  issues: Issue[],
): Walk {
  const walk: Walk = {
    inputShape: settingsOk
      ? [design.input.batch, design.input.channels, design.input.height, design.input.width]
      : [],
    settingsOk,
    classes:
      Number.isInteger(design.classes) && design.classes >= 1
        ? Math.min(design.classes, MAX_COUNT)
        : 1000,
    disabledAux,
    outShape: new Map(),
    outLayer: new Map(),
    blocker: new Map(),
    infos: new Map(),
    layerInfos: [],
    graph: [],
  };
  for (const spec of ordered) issues.push(...analyzeModule(design, spec, walk));
  return walk;
}

/** The shapes of a module's inputs, problems with them, and the nearest invalid module upstream. */
function moduleInputs(
  spec: ModuleSpec,
  walk: Walk,
): { inputShapes: Shape[]; issues: Issue[]; blockedBy: string | null } {
  const inputShapes: Shape[] = [];
  const issues: Issue[] = [];
  let blockedBy: string | null = null;
  for (const src of spec.inputs) {
    if (src === 'input') {
      if (walk.settingsOk) inputShapes.push(walk.inputShape);
      else blockedBy = 'design';
    } else if (walk.disabledAux.has(src)) {
      issues.push({
        code: 'graph.unknownInput',
        nodeId: spec.id,
        field: 'inputs',
        message: `${spec.id}: its input ${src} is an auxiliary head, which is turned off.`,
      });
    } else {
      const s = walk.outShape.get(src);
      if (s) inputShapes.push(s);
      else blockedBy = blockedBy ?? walk.blocker.get(src) ?? src;
    }
  }
  return { inputShapes, issues, blockedBy };
}

/**
 * A module's expansion issues, with the `{cause}` and `{fix}` of map-size problems filled in from
 * the modules upstream (and the preset's shapes, when the design has one).
 */
function explainIssues(
  design: Design,
  spec: ModuleSpec,
  inputShapes: readonly Shape[],
  expansionIssues: readonly Issue[],
  walk: Walk,
): Issue[] {
  const seen = new Map<string, ShapesSeen>(walk.infos);
  seen.set(spec.id, { inputShapes, outputShape: null });
  let cause: MapCause | null = null;
  return expansionIssues.map((issue) => {
    if (!issue.message.includes('{cause}')) return issue;
    cause ??= mapSizeCause(design, spec.id, seen, presetShapes(design.preset));
    return {
      ...issue,
      message: issue.message.replace('{cause}', cause.cause).replace('{fix}', cause.fix),
    };
  });
}

/** Analyzes one module from its inputs, records it in the walk, and returns its issues. */
function analyzeModule(design: Design, spec: ModuleSpec, walk: Walk): Issue[] {
  const def = moduleDef(spec.kind);
  const inputs = moduleInputs(spec, walk);
  const { inputShapes } = inputs;
  const mIssues = inputs.issues;
  let blockedBy = inputs.blockedBy;
  let e: ModuleExpansion = {
    layers: [],
    infos: [],
    output: null,
    outputLayer: null,
    issues: [],
    steps: [],
  };
  if (!def) {
    mIssues.push({
      code: 'graph.unknownKind',
      nodeId: spec.id,
      field: 'kind',
      message: `${spec.id}: ${formatGot(spec.kind)} is not a known module kind.`,
    });
  } else {
    const inputIds = spec.inputs.map((src) =>
      src === 'input' ? 'input' : (walk.outLayer.get(src) ?? src),
    );
    e = expandModule(
      spec,
      def,
      inputShapes,
      inputIds,
      walk.classes,
      mIssues.length === 0 && blockedBy === null,
    );
    mIssues.push(...explainIssues(design, spec, inputShapes, e.issues, walk));
    if (e.outputLayer) walk.outLayer.set(spec.id, e.outputLayer);
  }
  // A module with problems of its own is not blocked by another's.
  if (mIssues.length) blockedBy = null;
  const output = e.output;
  walk.outShape.set(spec.id, output);
  walk.blocker.set(spec.id, output ? null : mIssues.length ? spec.id : blockedBy);
  for (const l of e.layers) walk.graph.push(l);
  for (const l of e.infos) walk.layerInfos.push(l);
  const mine = e.infos;
  walk.infos.set(spec.id, {
    id: spec.id,
    kind: spec.kind,
    label: def?.label ?? spec.kind,
    stage: spec.stage ?? '',
    aux: spec.aux === true,
    inputs: spec.inputs,
    inputShapes,
    outputShape: output,
    params: sum(mine, (l) => l.params),
    buffers: sum(mine, (l) => l.buffers),
    macs: sum(mine, (l) => l.macs),
    activationBytes: sum(mine, (l) => l.activationBytes),
    layers: e.layers.map((l) => l.id),
    steps: e.steps,
    evalPath: false,
    issues: mIssues,
    blockedBy,
  });
  return mIssues;
}

/** The shape of each named output, which outputs eval mode produces, and the modules on the eval path. */
function resolveOutputs(
  design: Design,
  infos: ReadonlyMap<string, ModuleInfo>,
  disabledAux: ReadonlySet<string>,
  issues: Issue[],
) {
  const outputs: Record<string, Shape | null> = emptyRecord();
  const outputSpec = design.outputs && typeof design.outputs === 'object' ? design.outputs : {};
  if (!Object.prototype.hasOwnProperty.call(outputSpec, 'main')) {
    issues.push({
      code: 'graph.noOutput',
      nodeId: 'design',
      field: 'outputs',
      message: 'The design names no main output.',
    });
  }
  for (const [name, src] of Object.entries(outputSpec)) {
    if (disabledAux.has(src)) continue;
    if (!infos.has(src)) {
      if (!issues.some((i) => i.nodeId === src)) {
        issues.push({
          code: 'graph.noOutput',
          nodeId: 'design',
          field: 'outputs',
          message: `The output ${name} names ${formatGot(src)}, which is not a module of this design.`,
        });
      }
      continue;
    }
    outputs[name] = infos.get(src)!.outputShape;
  }
  const evalSet = upstreamOf(outputSpec.main, infos);
  const evalOutputs = Object.entries(outputSpec)
    .filter(([name, src]) => evalSet.has(src) && outputs[name] !== undefined)
    .map(([name]) => name);
  return { outputs, evalOutputs, evalSet };
}

/** The module `id` and every module it depends on (empty when `id` is not a module). */
function upstreamOf(id: unknown, infos: ReadonlyMap<string, ModuleInfo>): Set<string> {
  const found = new Set<string>();
  if (typeof id !== 'string' || !infos.has(id)) return found;
  const stack = [id];
  while (stack.length) {
    const m = stack.pop()!;
    if (found.has(m) || !infos.has(m)) continue;
    found.add(m);
    stack.push(...infos.get(m)!.inputs.filter((s) => s !== 'input'));
  }
  return found;
}

/** The design's totals, summed over all modules or over the eval path. */
function totalsOf(modules: readonly ModuleInfo[]): Totals {
  const evalModules = modules.filter((m) => m.evalPath);
  return {
    params: sum(modules, (m) => m.params),
    paramsEval: sum(evalModules, (m) => m.params),
    macs: sum(evalModules, (m) => m.macs),
    macsTrain: sum(modules, (m) => m.macs),
    buffers: sum(modules, (m) => m.buffers),
    weightBytes: sum(modules, (m) => m.params + m.buffers) * BYTES_PER_VALUE,
    activationBytes: sum(modules, (m) => m.activationBytes),
    activationBytesEval: sum(evalModules, (m) => m.activationBytes),
    peakActivationBytes: modules.reduce(
      (peak, m) =>
        Math.max(peak, m.activationBytes + sum(m.inputShapes, (s) => product(s) * BYTES_PER_VALUE)),
      0,
    ),
  };
}

/** Reports weights or peak activations over the memory budget, pointing at the heaviest module. */
function checkMemory(
  modules: readonly ModuleInfo[],
  totals: Totals,
  budget: number,
  issues: Issue[],
): void {
  if (modules.length === 0) return;
  const heaviest = (key: 'params' | 'activationBytes') =>
    modules.reduce((a, m) => (m[key] > a[key] ? m : a), modules[0]);
  if (totals.weightBytes > budget) {
    const m = heaviest('params');
    // The total is the design's, not one module's: the issue names the design and points at the heaviest module.
    issues.push({
      code: 'memory.weights',
      nodeId: 'design',
      message: `The design's weights would take ${formatBytes(totals.weightBytes)}, more than the ${formatBytes(budget)} available; the heaviest module, ${m.id}, alone holds ${formatInt(m.params)} parameters. Use fewer filters.`,
    });
  }
  if (totals.peakActivationBytes > budget) {
    const m = heaviest('activationBytes');
    issues.push({
      code: 'memory.activations',
      nodeId: m.id,
      message: `${m.id}: a forward pass would need about ${formatBytes(totals.peakActivationBytes)} of activations at once here, more than the ${formatBytes(budget)} available. Use a smaller batch, input or filter counts.`,
    });
  }
}

interface ModuleExpansion {
  readonly layers: readonly Layer[];
  readonly infos: readonly LayerInfo[];
  readonly output: Shape | null;
  readonly outputLayer: string | null;
  readonly issues: readonly Issue[];
  readonly steps: readonly ModuleStep[];
}

/**
 * Re-analysis after an edit only redoes the modules whose spec or inputs changed: edits replace
 * the edited module's spec object and keep the others, so results are cached per spec object.
 */
const expansionCache = new WeakMap<
  ModuleSpec,
  { readonly key: string; readonly value: ModuleExpansion }
>();

function expandModule(
  spec: ModuleSpec,
  def: ModuleDef,
  inputShapes: readonly Shape[],
  inputIds: readonly string[],
  classes: number,
  canExpand: boolean,
): ModuleExpansion {
  const key = `${classes}|${canExpand}|${inputIds.join(',')}|${inputShapes.map((x) => x.join('x')).join(',')}`;
  const hit = expansionCache.get(spec);
  if (hit && hit.key === key) return hit.value;
  const value = computeExpansion(spec, def, inputShapes, inputIds, classes, canExpand);
  expansionCache.set(spec, { key, value });
  return value;
}

function computeExpansion(
  spec: ModuleSpec,
  def: ModuleDef,
  inputShapes: readonly Shape[],
  inputIds: readonly string[],
  classes: number,
  canExpand: boolean,
): ModuleExpansion {
  const issues: Issue[] = [];
  if (
    !Array.isArray(spec.inputs) ||
    spec.inputs.length < def.arity.min ||
    spec.inputs.length > def.arity.max
  ) {
    const want =
      def.arity.min === def.arity.max ? `${def.arity.min}` : `${def.arity.min} to ${def.arity.max}`;
    const n = Array.isArray(spec.inputs) ? spec.inputs.length : 0;
    issues.push({
      code: 'graph.arity',
      nodeId: spec.id,
      field: 'inputs',
      message: `${spec.id}: a ${def.label.toLowerCase()} takes ${want} input${want === '1' ? '' : 's'}; it has ${n}.`,
    });
  }
  const raw = spec.params && typeof spec.params === 'object' ? spec.params : {};
  const active = def.active ? new Set(def.active(raw)) : null;
  const { values, issues: pIssues } = resolveParams(
    def.params,
    raw,
    { nodeId: spec.id, classes },
    active,
  );
  issues.push(...pIssues);
  const steps = def.steps ? def.steps(values, { id: spec.id }) : [];
  const none = { layers: [], infos: [], output: null, outputLayer: null, issues, steps };
  if (issues.length > 0 || !canExpand) return none;
  const expansion = def.expand(values, {
    id: spec.id,
    inputs: inputShapes,
    inputIds,
    classes,
    builder: () => new LayerBuilder(spec.id),
  });
  if (expansion.problems?.length) {
    for (const p of expansion.problems) issues.push(toIssue(spec.id, def.params, spec.id, p));
    return none;
  }
  const shapes = new Map<string, Shape>();
  inputIds.forEach((id, i) => shapes.set(id, inputShapes[i]));
  const infos: LayerInfo[] = [];
  let failed = false;
  for (const layer of expansion.layers) {
    const ldef = layerDef(layer);
    const ins = layer.inputs.map((i) => shapes.get(i));
    if (ins.some((x) => !x)) continue; // downstream of a failed layer
    const r = ldef.infer(layer.attrs, ins as Shape[]);
    if (!r.ok) {
      failed = true;
      for (const p of r.problems) issues.push(toIssue(spec.id, def.params, layer.id, p));
      continue;
    }
    shapes.set(layer.id, r.shape);
    let params = 0;
    let buffers = 0;
    for (const t of ldef.tensors(layer.attrs, layer.id)) {
      if (t.role === 'param') params += product(t.shape);
      else if (t.role === 'buffer') buffers += product(t.shape);
    }
    infos.push({
      id: layer.id,
      kind: layer.kind,
      torchName: ldef.torchName,
      module: spec.id,
      inputs: layer.inputs,
      settings: ldef.describe(layer.attrs),
      outputShape: r.shape,
      params,
      buffers,
      macs: ldef.macs(layer.attrs, ins as Shape[], r.shape),
      activationBytes: product(r.shape) * BYTES_PER_VALUE,
    });
  }
  // A module that failed reports no partial layers.
  if (failed) return none;
  return {
    layers: expansion.layers,
    infos,
    output: shapes.get(expansion.output) ?? null,
    outputLayer: expansion.output,
    issues,
    steps,
  };
}

function sum<T>(xs: readonly T[], f: (x: T) => number): number {
  let s = 0;
  for (const x of xs) s += f(x);
  return s;
}

/**
 * A layer's problem as the module's issue. The layer's field names the module parameter that sets
 * it: the same key, or `<layer>_<key>` (an aux head's `pool_kernel` sets its `pool` layer's
 * kernel). A map-size problem gets `{cause}` and `{fix}` slots, filled by `mapSizeCause` once the
 * modules upstream are known, and ends naming the parameter that can fix it by its label.
 */
function toIssue(
  moduleId: string,
  params: ParamDefs,
  layerId: string,
  p: { code: Issue['code']; field?: string; message: string },
): Issue {
  const local = layerId === moduleId ? '' : layerId.slice(moduleId.length + 1);
  const has = (k: string) => Object.prototype.hasOwnProperty.call(params, k);
  const field = p.field
    ? has(p.field)
      ? p.field
      : local && has(`${local}_${p.field}`)
        ? `${local}_${p.field}`
        : undefined
    : undefined;
  const tail = MAP_SIZE_CODES.has(p.code)
    ? `; {cause}. {fix}${field ? `, or change "${paramLabel(params, field)}"` : ''}`
    : '';
  return {
    code: p.code,
    nodeId: moduleId,
    field,
    message: `${moduleId}: ${local ? `in ${local}, ` : ''}${p.message}${tail}.`,
  };
}

const presetShapesCache = new Map<string, PresetShapes | null>();

/** The preset's design and shapes, analysed once per preset name (for `mapSizeCause`). */
function presetShapes(name: string | null | undefined): PresetShapes | null {
  if (!name) return null;
  if (!presetShapesCache.has(name)) {
    const d = presetDesign(name);
    const a = d ? analyze(d) : null;
    presetShapesCache.set(
      name,
      d && a
        ? { design: d, modules: new Map(a.modules.map((m) => [m.id, m])), input: a.input }
        : null,
    );
  }
  return presetShapesCache.get(name)!;
}
