/**
 * The graph view model: what the explorer draws for a design and its analysis. One node for the
 * input, one per module (aux heads are side branches like any other), one per named output, and,
 * for each opened module, sub-nodes for its branches (input split → each branch's steps → join).
 * Edges carry the shape of the tensor they move. Renderer-independent: the React Flow canvas and
 * the SVG/PNG export both draw from this and from `layoutGraph`.
 */
import { shortCountLabel } from './countLabel';
import type { Analysis, LayerInfo, ModuleInfo } from '../analysis/analyze';
import {
  moduleDelta,
  type DesignDiff,
  type DiffStatus,
  type ModuleDelta,
  type ModuleDiff,
} from '../design/diff';
import { entrySummary } from '../design/diffReport';
import type { Design, Issue, ModuleSpec, ParamValue, Shape } from '../model/types';
import { formatBatchShape, formatCompact } from '../model/format';
import { moduleDef } from '../modules/registry';
import { repeatGroups } from '../design/repeats';

/** Box sizes per node kind, in graph units (CSS pixels at zoom 1). Drawing code must fit inside. */
export const NODE_SIZE = {
  // Two lines (name, shape) that still fit at the lowest fit zoom, where text is drawn 9.6–10.4 px on screen.
  input: { width: 200, height: 76 },
  output: { width: 200, height: 76 },
  module: { width: 192, height: 90 },
  inception: { width: 236, height: 184 },
  step: { width: 172, height: 80 },
  join: { width: 172, height: 40 },
} as const;

/** Room for an edge's shape label at 11 px monospace (e.g. "N=3 · 832×14×14", 15 characters). */
export const EDGE_LABEL_SIZE = { width: 100, height: 16 } as const;

/** The height of an opened module's header (the same content as the closed node). */
export const OPEN_HEADER_HEIGHT = NODE_SIZE.inception.height;

export type NodeKind = 'input' | 'output' | 'module' | 'inception' | 'step' | 'join';

interface NodeBase {
  /** Unique in the view: a module id, `input`, `output:NAME`, or `MODULE::STEP` for sub-nodes. */
  readonly id: string;
  readonly kind: NodeKind;
  /** The opened module a sub-node sits in, else null. */
  readonly parentId: string | null;
  /** The box size for layout; an opened module's size comes from the layout. */
  readonly width: number;
  readonly height: number;
  /** Problems attached to this node (core's messages), empty when fine. */
  readonly issues: readonly Issue[];
}

export interface InputNodeView extends NodeBase {
  readonly kind: 'input';
  readonly shape: Shape | null;
  readonly shapeText: string;
}

export interface OutputNodeView extends NodeBase {
  readonly kind: 'output';
  /** `main`, `aux1`, … */
  readonly name: string;
  readonly source: string;
  readonly shape: Shape | null;
  readonly shapeText: string;
  /** Produced only in train mode (aux heads). */
  readonly trainOnly: boolean;
}

/** One filter count shown on a node (and edited in the inspector). */
export interface CountView {
  readonly field: string;
  /** The template's label: "1×1", "3×3 reduce", … */
  readonly label: string;
  /** The label in a few characters for reduced zoom ("3×3r"; see `shortCountLabel`). */
  readonly short: string;
  /** What the count is, in the template's words ("1×1 filters that reduce channels before the 3×3 convolution."); empty when it has none. */
  readonly doc: string;
  /** The value in the design (possibly invalid, as typed). */
  readonly value: ParamValue;
  readonly text: string;
  /** Differs from the preset. */
  readonly changed: boolean;
  /** Core reported a problem with this field. */
  readonly invalid: boolean;
}

interface ModuleViewBase extends NodeBase {
  readonly moduleId: string;
  readonly moduleKind: string;
  /** The template's name: "Inception module", "Conv block", … */
  readonly title: string;
  /** Settings in a few characters: "7×7/2 p3", "1024 → 1000"; empty when unknown. */
  readonly detail: string;
  readonly stage: string;
  readonly aux: boolean;
  /** Whether the main output depends on it (false for aux heads). */
  readonly evalPath: boolean;
  readonly shape: Shape | null;
  readonly shapeText: string;
  readonly params: number;
  readonly paramsText: string;
  readonly macs: number;
  readonly macsText: string;
  /** The module's filter counts (its `filters` parameters that apply). */
  readonly counts: readonly CountView[];
  /**
   * Its status in the diff the graph shows (core/design/diff.ts), or null when unchanged. Against
   * the preset only `added` and `changed` are marked; a comparison marks `affected` too, and
   * draws `removed` modules (A's, absent from the design) as ghosts.
   */
  readonly change: MarkedStatus | null;
  /** What changed, in words ("out_3x3 256 → 300"; "same parameters; input … → …"), when marked. */
  readonly changeText: string | null;
  /** Parameters, MACs and output shape against the matched module; null when unchanged or not comparable. */
  readonly delta: ModuleDelta | null;
  /** The nearest invalid module upstream when this one could not be computed because of it. */
  readonly blockedBy: string | null;
  /** Whether the module has branches to open. */
  readonly openable: boolean;
  readonly open: boolean;
  /**
   * When this node stands for a folded run of identical modules (core/design/repeats.ts): the
   * run's module ids, one block's and the whole run's figures. The node's own params/macs are the
   * total; its shape is the last block's output. Undefined for a single module.
   */
  readonly repeat?: RepeatView;
}

/** A folded run of identical modules drawn as one node marked ×N. */
export interface RepeatView {
  readonly ids: readonly string[];
  readonly count: number;
  /** Whether the run is folded into this one node (false: unfolded, this is its first block). */
  readonly folded: boolean;
  readonly perBlock: {
    readonly params: number;
    readonly macs: number;
    readonly paramsText: string;
    readonly macsText: string;
  };
  readonly total: {
    readonly params: number;
    readonly macs: number;
    readonly paramsText: string;
    readonly macsText: string;
  };
}

export interface ModuleNodeView extends ModuleViewBase {
  readonly kind: 'module';
}

/** A module with branches (an inception module): its counts are shown as a grid and it opens. */
export interface InceptionNodeView extends ModuleViewBase {
  readonly kind: 'inception';
  /** `reduced` or `naive`, when the template has a form. */
  readonly form: string | null;
}

/** One step of an opened module's branch: a conv block, a pool, … */
export interface StepNodeView extends NodeBase {
  readonly kind: 'step';
  readonly moduleId: string;
  readonly branchId: string;
  readonly title: string;
  /** "Conv2d 3×3/1 p1"; empty when not computed. */
  readonly detail: string;
  /** The PyTorch layers of the step, for a tooltip: "conv: Conv2d 3×3/1 p1". */
  readonly layers: readonly string[];
  readonly shape: Shape | null;
  readonly shapeText: string;
  readonly params: number;
  readonly paramsText: string;
}

/** Where an opened module's branches start (`in`) and meet (`out`, the concatenation). */
export interface JoinNodeView extends NodeBase {
  readonly kind: 'join';
  readonly moduleId: string;
  readonly role: 'in' | 'out';
  readonly title: string;
  readonly shape: Shape | null;
  readonly shapeText: string;
}

export type NodeView =
  InputNodeView | OutputNodeView | ModuleNodeView | InceptionNodeView | StepNodeView | JoinNodeView;

export interface EdgeView {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  /** The opened module an internal edge runs in, else null. */
  readonly parentId: string | null;
  readonly shape: Shape | null;
  /** The shape as text, "" when unknown. */
  readonly label: string;
  /** Runs only in train mode (into or out of an aux head). */
  readonly trainOnly: boolean;
  /** Leads to a removed module drawn as a ghost (a comparison). */
  readonly removed?: boolean;
}

export interface GraphView {
  readonly nodes: readonly NodeView[];
  readonly edges: readonly EdgeView[];
}

export interface GraphViewOptions {
  /** Modules shown opened (only those with branches open). */
  readonly opened?: Iterable<string>;
  /** The diff of the design against what it is compared with (by default its preset), to mark nodes. */
  readonly diff?: DesignDiff;
  /** A comparison (Compare with…): also mark affected modules and draw removed ones as ghosts. */
  readonly compare?: boolean;
  /**
   * Fold runs of identical consecutive modules into one node marked ×N (a view only: figures,
   * keys and runs are the design's). Runs are named by their first module id.
   */
  readonly fold?: boolean;
  /** First module ids of runs shown unfolded although `fold` is set. */
  readonly unfolded?: Iterable<string>;
}

/** The statuses a node can be marked with. */
export type MarkedStatus = Exclude<DiffStatus, 'unchanged'>;

function markOf(d: ModuleDiff | undefined, compare: boolean): MarkedStatus | null {
  if (!d || d.status === 'unchanged') return null;
  if (d.status === 'affected' && !compare) return null;
  return d.status;
}

/** The fewest identical blocks the graph folds into one ×N node (v3's pairs Mixed_6c/6d and Mixed_7b/7c stay drawn). */
export const FOLD_MIN_BLOCKS = 3;

/**
 * The first block of the folded run that hides module `id` (a block after the first of a run the
 * graph folds, not listed in `unfolded`), or null when `id` is drawn as a node of its own.
 */
export function foldedRunOf(
  design: Design,
  id: string,
  unfolded: Iterable<string> = [],
): string | null {
  const run = repeatGroups(design).find((g) => g.count >= FOLD_MIN_BLOCKS && g.ids.indexOf(id) > 0);
  return run && ![...unfolded].includes(run.ids[0]) ? run.ids[0] : null;
}

export const INPUT_NODE_ID = 'input';
export const outputNodeId = (name: string): string => `output:${name}`;
export const subNodeId = (moduleId: string, local: string): string => `${moduleId}::${local}`;

/** What every step of building a view reads: the design's modules, the analysis by id, the folded runs. */
interface ViewContext {
  readonly design: Design;
  readonly analysis: Analysis;
  readonly options: GraphViewOptions;
  readonly opened: ReadonlySet<string>;
  readonly unfolded: ReadonlySet<string>;
  readonly infoById: ReadonlyMap<string, ModuleInfo>;
  readonly layerById: ReadonlyMap<string, LayerInfo>;
  readonly issuesByNode: ReadonlyMap<string, Issue[]>;
  /** The modules drawn: aux heads only when the design has them on. */
  readonly specById: ReadonlyMap<string, ModuleSpec>;
  /** Each run of identical blocks the graph may fold, by its first block. */
  readonly groupByFirst: ReadonlyMap<string, readonly string[]>;
  /** Blocks hidden in a folded run → the run's first block, which stands for it. */
  readonly hidden: ReadonlyMap<string, string>;
}

function viewContext(design: Design, analysis: Analysis, options: GraphViewOptions): ViewContext {
  const issuesByNode = new Map<string, Issue[]>();
  for (const issue of analysis.issues)
    issuesByNode.set(issue.nodeId, [...(issuesByNode.get(issue.nodeId) ?? []), issue]);
  const specById = new Map<string, ModuleSpec>();
  for (const m of design.modules)
    if (!specById.has(m.id) && (design.aux || !m.aux)) specById.set(m.id, m);
  // Folded runs: the first block stands for the run; the others are hidden and their readers read the first.
  const unfolded = new Set(options.unfolded ?? []);
  const groupByFirst = new Map<string, readonly string[]>();
  const hidden = new Map<string, string>();
  if (!options.compare) {
    for (const g of repeatGroups(design)) {
      if (g.count < FOLD_MIN_BLOCKS || !g.ids.every((id) => specById.has(id))) continue;
      groupByFirst.set(g.ids[0], g.ids);
      if (options.fold && !unfolded.has(g.ids[0]))
        for (const id of g.ids.slice(1)) hidden.set(id, g.ids[0]);
    }
  }
  return {
    design,
    analysis,
    options,
    opened: new Set(options.opened ?? []),
    unfolded,
    infoById: new Map(analysis.modules.map((m) => [m.id, m])),
    layerById: new Map(analysis.layers.map((l) => [l.id, l])),
    issuesByNode,
    specById,
    groupByFirst,
    hidden,
  };
}

/** The node a module is drawn as: itself, or the first block of the folded run that hides it. */
const shownAs = (ctx: ViewContext, id: string): string => ctx.hidden.get(id) ?? id;

/** The filter counts a module's node shows (its template's `filters` parameters that are active). */
function countViews(
  def: ReturnType<typeof moduleDef>,
  raw: Readonly<Record<string, ParamValue>>,
  invalidFields: ReadonlySet<string | undefined>,
  changedFields: ReadonlySet<string>,
): CountView[] {
  if (!def) return [];
  const active = def.active ? new Set(def.active(raw)) : null;
  return Object.entries(def.params)
    .filter(([field, p]) => p.group === 'filters' && (!active || active.has(field)))
    .map(([field, p]) => {
      const value = (
        Object.prototype.hasOwnProperty.call(raw, field) ? raw[field] : p.default
      ) as ParamValue;
      return {
        field,
        label: p.label,
        short: shortCountLabel(p.label),
        doc: p.doc ?? '',
        value,
        text: Array.isArray(value) ? value.join('×') : String(value),
        changed: changedFields.has(field),
        invalid: invalidFields.has(field),
      };
    });
}

/** A run's figures: one block's and the whole run's parameters and MACs ("—" until every block has a shape). */
function repeatView(
  ctx: ViewContext,
  groupIds: readonly string[],
  info: ModuleInfo | undefined,
  folded: boolean,
): RepeatView {
  const sumOf = (k: 'params' | 'macs') =>
    groupIds.reduce((a, m) => a + (ctx.infoById.get(m)?.[k] ?? 0), 0);
  const computed = groupIds.every((m) => ctx.infoById.get(m)?.outputShape);
  return {
    ids: groupIds,
    count: groupIds.length,
    folded,
    perBlock: {
      params: info?.params ?? 0,
      macs: info?.macs ?? 0,
      paramsText: computed ? formatCompact(info!.params) : '—',
      macsText: computed ? formatCompact(info!.macs) : '—',
    },
    total: {
      params: sumOf('params'),
      macs: sumOf('macs'),
      paramsText: computed ? formatCompact(sumOf('params')) : '—',
      macsText: computed ? formatCompact(sumOf('macs')) : '—',
    },
  };
}

/** The node of one module (or of the folded run it starts), sized by its template and its counts. */
function moduleNode(ctx: ViewContext, id: string): ModuleNodeView | InceptionNodeView {
  const { options } = ctx;
  const spec = ctx.specById.get(id)!;
  const info = ctx.infoById.get(id);
  const def = moduleDef(spec.kind);
  const raw = spec.params ?? {};
  const issues = info?.issues.length ? info.issues : (ctx.issuesByNode.get(id) ?? []);
  const change = options.diff?.byId.get(id);
  const counts = countViews(
    def,
    raw,
    new Set(issues.map((i) => i.field).filter(Boolean)),
    new Set(change?.params.map((p) => p.field) ?? []),
  );
  const steps = info?.steps ?? [];
  const openable = steps.length > 0 || typeof def?.steps === 'function';
  const groupIds = ctx.groupByFirst.get(id);
  const folded = groupIds !== undefined && options.fold === true && !ctx.unfolded.has(id);
  // A folded run does not open into branches: unfold it first (its blocks then open one by one).
  const open = openable && ctx.opened.has(id) && steps.length > 0 && !folded;
  const layers = (info?.layers ?? [])
    .map((l) => ctx.layerById.get(l))
    .filter((l): l is LayerInfo => Boolean(l));
  const lastInfo = folded ? ctx.infoById.get(groupIds[groupIds.length - 1]) : info;
  const shape = lastInfo?.outputShape ?? null;
  const repeat = groupIds ? repeatView(ctx, groupIds, info, folded) : undefined;
  const ownParams = folded ? repeat!.total.params : (info?.params ?? 0);
  const ownMacs = folded ? repeat!.total.macs : (info?.macs ?? 0);
  const mark = markOf(change, options.compare === true);
  const base = {
    id,
    parentId: null,
    issues,
    moduleId: id,
    moduleKind: spec.kind,
    title: def?.label ?? spec.kind,
    detail: layers.find((l) => l.settings && l.kind !== 'batchNorm2d')?.settings ?? '',
    stage: spec.stage ?? '',
    aux: spec.aux === true,
    evalPath: info?.evalPath ?? !spec.aux,
    shape,
    shapeText: formatBatchShape(shape),
    params: ownParams,
    paramsText: shape && info ? formatCompact(ownParams) : '—',
    macs: ownMacs,
    macsText: shape && info ? formatCompact(ownMacs) : '—',
    counts,
    ...(repeat ? { repeat } : {}),
    change: mark,
    changeText: mark ? entrySummary(change!) : null,
    delta: moduleDelta(change),
    blockedBy: info?.blockedBy ?? null,
    openable,
    open,
  };
  if (!openable) return { ...base, kind: 'module', ...NODE_SIZE.module };
  const formDef = def?.params.form;
  const form = formDef ? String(raw.form ?? formDef.default) : null;
  // The rows the template asks for, but never fewer than its counts need (one row with four
  // counts would push the cost line out of the node).
  const size = openableNodeSize(counts.length, def?.countRows);
  return { ...base, kind: 'inception', ...size, form };
}

/** The output shape an edge from `src` carries (the design input's for the input node). */
function shapeFrom(ctx: ViewContext, src: string): Shape | null {
  if (src === INPUT_NODE_ID) return ctx.analysis.input.length ? ctx.analysis.input : null;
  return ctx.infoById.get(src)?.outputShape ?? null;
}

/** The edges into a module from what it reads (a hidden block's readers read its run's node). */
function moduleEdges(ctx: ViewContext, id: string): EdgeView[] {
  const spec = ctx.specById.get(id)!;
  const trainOnly = spec.aux === true || (ctx.infoById.has(id) && !ctx.infoById.get(id)!.evalPath);
  const edges: EdgeView[] = [];
  for (const src of spec.inputs) {
    const from =
      src === INPUT_NODE_ID ? INPUT_NODE_ID : ctx.specById.has(src) ? shownAs(ctx, src) : null;
    if (!from) continue;
    const s = shapeFrom(ctx, from === INPUT_NODE_ID ? from : src);
    edges.push({
      id: `${from}->${id}`,
      source: from,
      target: id,
      parentId: null,
      shape: s,
      label: s ? formatBatchShape(s) : '',
      trainOnly,
    });
  }
  return edges;
}

/** One output node per design output, with the edge from the module that produces it. */
function addOutputs(ctx: ViewContext, nodes: NodeView[], edges: EdgeView[]): void {
  for (const [name, src] of Object.entries(ctx.design.outputs ?? {})) {
    if (!ctx.specById.has(src)) continue;
    const s = ctx.analysis.outputs[name] ?? null;
    const trainOnly = !ctx.analysis.evalOutputs.includes(name);
    const id = outputNodeId(name);
    const source = shownAs(ctx, src);
    nodes.push({
      id,
      kind: 'output',
      parentId: null,
      ...NODE_SIZE.output,
      issues: [],
      name,
      source,
      shape: s,
      shapeText: formatBatchShape(s),
      trainOnly,
    });
    edges.push({
      id: `${source}->${id}`,
      source,
      target: id,
      parentId: null,
      shape: s,
      label: s ? formatBatchShape(s) : '',
      trainOnly,
    });
  }
}

/** Builds the view of a design from its analysis. Pure and deterministic. */
export function graphView(
  design: Design,
  analysis: Analysis,
  options: GraphViewOptions = {},
): GraphView {
  const ctx = viewContext(design, analysis, options);
  const inputShape = shapeFrom(ctx, INPUT_NODE_ID);
  const nodes: NodeView[] = [
    {
      id: INPUT_NODE_ID,
      kind: 'input',
      parentId: null,
      ...NODE_SIZE.input,
      issues: ctx.issuesByNode.get('design')?.filter((i) => i.field?.startsWith('input.')) ?? [],
      shape: inputShape,
      shapeText: formatBatchShape(inputShape),
    },
  ];
  const edges: EdgeView[] = [];
  // Modules in execution order, then any the analysis could not order (bad ids, cycles) in design order.
  const order = [
    ...analysis.modules.map((m) => m.id).filter((id) => ctx.specById.has(id)),
    ...[...ctx.specById.keys()].filter((id) => !ctx.infoById.has(id)),
  ];
  for (const id of order) {
    if (ctx.hidden.has(id)) continue;
    const node = moduleNode(ctx, id);
    nodes.push(node);
    edges.push(...moduleEdges(ctx, id));
    const info = ctx.infoById.get(id);
    if (node.open && info) addBranches(info, ctx.layerById, nodes, edges);
  }
  if (options.compare && options.diff) addRemoved(options.diff, nodes, edges);
  addOutputs(ctx, nodes, edges);
  return { nodes, edges };
}

/** A's modules that the design no longer has, as ghost nodes fed (dashed) by what fed them in A. */
function addRemoved(diff: DesignDiff, nodes: NodeView[], edges: EdgeView[]): void {
  const toB = new Map<string, string>();
  for (const e of diff.entries) if (e.a && e.b) toB.set(e.a.id, e.b.id);
  const removed = new Set(diff.removed.map((e) => e.id));
  for (const e of diff.removed) {
    const a = e.a!;
    const def = moduleDef(a.kind);
    nodes.push({
      id: a.id,
      kind: 'module',
      parentId: null,
      ...NODE_SIZE.module,
      issues: [],
      moduleId: a.id,
      moduleKind: a.kind,
      title: def?.label ?? a.kind,
      detail: '',
      stage: a.stage,
      aux: a.aux,
      evalPath: !a.aux,
      shape: a.outputShape,
      shapeText: formatBatchShape(a.outputShape),
      params: a.params,
      paramsText: a.outputShape ? formatCompact(a.params) : '—',
      macs: a.macs,
      macsText: a.outputShape ? formatCompact(a.macs) : '—',
      counts: [],
      change: 'removed',
      changeText: entrySummary(e),
      delta: null,
      blockedBy: null,
      openable: false,
      open: false,
    });
    for (const src of a.inputs) {
      const from = src === INPUT_NODE_ID ? INPUT_NODE_ID : removed.has(src) ? src : toB.get(src);
      if (!from) continue;
      edges.push({
        id: `${from}->${a.id}`,
        source: from,
        target: a.id,
        parentId: null,
        shape: null,
        label: '',
        trainOnly: false,
        removed: true,
      });
    }
  }
}

/**
 * The box of a module that opens (CSS pixels at zoom 1), from how many counts it shows: three to
 * a row (GoogLeNet's six fill two rows of the 236×184 box), each row 33 px. `minRows`: the rows
 * its template declares (ModuleDef.countRows); the view, not the template, turns rows into pixels.
 */
export function openableNodeSize(counts: number, minRows = 1): { width: number; height: number } {
  const rows = Math.max(1, minRows, Math.ceil(counts / 3));
  return { width: NODE_SIZE.inception.width, height: NODE_SIZE.inception.height + (rows - 2) * 33 };
}

/**
 * The sub-nodes of an opened module: its input, one node per step with edges from the steps it
 * reads, and the output step drawn as the join (`out`) where the branches meet.
 */
function addBranches(
  info: ModuleInfo,
  layerById: ReadonlyMap<string, LayerInfo>,
  nodes: NodeView[],
  edges: EdgeView[],
): void {
  const id = info.id;
  const inShape = info.inputShapes[0] ?? null;
  const inId = subNodeId(id, 'in');
  const outId = subNodeId(id, 'out');
  nodes.push({
    id: inId,
    kind: 'join',
    parentId: id,
    ...NODE_SIZE.join,
    issues: [],
    moduleId: id,
    role: 'in',
    title: 'Input',
    shape: inShape,
    shapeText: formatBatchShape(inShape),
  });
  const steps = info.steps;
  const last = steps[steps.length - 1];
  const nodeOf = new Map<string, { id: string; shape: Shape | null }>([
    ['in', { id: inId, shape: inShape }],
  ]);
  const stepShape = (layerIds: readonly string[]) => {
    const l = layerById.get(layerIds[layerIds.length - 1]);
    return l?.outputShape ?? null;
  };
  const link = (src: string, target: string) => {
    const from = nodeOf.get(src);
    if (!from) return;
    // The split node shows the input shape; its edges carry no label of their own.
    const label = from.id !== inId && from.shape ? formatBatchShape(from.shape) : '';
    edges.push({
      id: `${from.id}->${target}`,
      source: from.id,
      target,
      parentId: id,
      shape: from.shape,
      label,
      trainOnly: false,
    });
  };
  for (const step of steps) {
    if (step === last) continue;
    const layers = step.layers.map((l) => layerById.get(l));
    const first = layers[0];
    const shape = stepShape(step.layers);
    const known = layers.every(Boolean);
    const params = known ? layers.reduce((a, l) => a + l!.params, 0) : 0;
    const stepId = subNodeId(id, step.id);
    nodes.push({
      id: stepId,
      kind: 'step',
      parentId: id,
      ...NODE_SIZE.step,
      issues: [],
      moduleId: id,
      branchId: step.group,
      title: step.title,
      detail: first ? `${first.torchName} ${first.settings}`.trim() : '',
      layers: step.layers.map((l) => {
        const info = layerById.get(l);
        return `${l.slice(id.length + 1)}: ${info ? `${info.torchName} ${info.settings}`.trim() : 'not computed'}`;
      }),
      shape,
      shapeText: formatBatchShape(shape),
      params,
      paramsText: known ? formatCompact(params) : '—',
    });
    for (const src of step.inputs) link(src, stepId);
    nodeOf.set(step.id, { id: stepId, shape });
  }
  const joinLayer = last ? layerById.get(last.layers[last.layers.length - 1]) : undefined;
  nodes.push({
    id: outId,
    kind: 'join',
    parentId: id,
    ...NODE_SIZE.join,
    issues: [],
    moduleId: id,
    role: 'out',
    title: last && last.title !== 'Concat' ? last.title : (joinLayer?.torchName ?? 'Concat'),
    shape: info.outputShape,
    shapeText: formatBatchShape(info.outputShape),
  });
  for (const src of last?.inputs ?? []) {
    const from = nodeOf.get(src);
    if (from)
      edges.push({
        id: `${from.id}->${outId}`,
        source: from.id,
        target: outId,
        parentId: id,
        shape: from.shape,
        label: from.shape ? formatBatchShape(from.shape) : '',
        trainOnly: false,
      });
  }
}
