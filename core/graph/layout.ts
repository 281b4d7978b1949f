/**
 * Layered automatic layout of a graph view with ELK (elkjs, the bundled build: no web worker).
 *
 * A deep network laid out in one line is unreadable when fitted to a window, so the top-level
 * graph is cut into rows that read left to right, top to bottom, preferring cuts where a new stage
 * starts (GoogLeNet: stem + stage 3 / stage 4 / stage 5 + head). ELK lays out each row (layered,
 * left to right, side branches such as aux heads below the main path) and each opened module
 * (its branches top to bottom); edges that wrap from one row to the next are routed here through
 * the gap between rows. Deterministic: the same view gives the same coordinates. Only structure
 * and box sizes matter, so edits that change numbers keep the layout.
 */
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode, LayoutOptions } from 'elkjs/lib/elk-api';
import {
  EDGE_LABEL_SIZE,
  OPEN_HEADER_HEIGHT,
  type EdgeView,
  type GraphView,
  type NodeView,
} from './graphView';

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface NodeBox {
  readonly id: string;
  readonly parentId: string | null;
  /** Top-left corner relative to the parent (the graph, or the opened module). */
  readonly x: number;
  readonly y: number;
  /** Top-left corner in graph coordinates. */
  readonly absX: number;
  readonly absY: number;
  readonly width: number;
  readonly height: number;
}

export interface EdgeRoute {
  readonly id: string;
  /** Orthogonal polyline in graph coordinates, from the source's side to the target's. */
  readonly points: readonly Point[];
  /** Where the edge's shape label goes (its centre, in graph coordinates); draw it only when the edge has label text. */
  readonly label: Point | null;
}

export interface GraphLayout {
  /** The structure this layout was made for (see `layoutKey`). */
  readonly key: string;
  readonly width: number;
  readonly height: number;
  readonly nodes: Readonly<Record<string, NodeBox>>;
  readonly edges: Readonly<Record<string, EdgeRoute>>;
  /** How many rows the top-level graph was cut into. */
  readonly rows: number;
  /** The labelled bands drawn behind each stage's modules (one per stage and row), in drawing order. */
  readonly stages: readonly StageBand[];
}

/** A stage's band: a box behind a run of consecutive main-path modules of one stage in one row, its label at the top. */
export interface StageBand {
  /** `stage:<stage>:<row>`. */
  readonly id: string;
  /** The modules' `stage` in the design (`stem`, `3`, `head`, …). */
  readonly stage: string;
  /** What the band reads: "stem", "inception 4", "head" (see `stageLabel`). */
  readonly label: string;
  /** Top-left corner and size in graph coordinates; the label sits in the top `STAGE_HEADER` pixels. */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface LayoutSettings {
  /** Width ÷ height the rows aim for (default 1.3, the graph area of a landscape window); ignored when `viewport` is given. */
  readonly aspectRatio?: number;
  /**
   * The area the drawing will be fitted into (CSS pixels): the rows are then chosen so the fitted
   * drawing is as large as possible there (the largest fit zoom), whatever the window's shape.
   */
  readonly viewport?: { readonly width: number; readonly height: number };
  /** Force a number of rows (1 = no wrapping); by default chosen from the viewport or the aspect ratio. */
  readonly rows?: number;
  /**
   * The lowest zoom the drawing will be fitted at (with `viewport`). When even the best rows leave the
   * drawing too large for the viewport at this zoom, the rows are chosen so its width fits: the view
   * then pans one way (down), not both, and no column of nodes hangs off the right edge.
   */
  readonly minZoom?: number;
}

/** Space around the whole drawing. */
export const LAYOUT_PADDING = 24;
/** Vertical space between rows; wrapping edges and their labels run through it. */
export const ROW_GAP = 56;
/** Horizontal space between consecutive layers: room for an edge label. */
export const LAYER_GAP = EDGE_LABEL_SIZE.width + 16;
/** Space between the main path and the side branches (aux heads) below it. */
const SIDE_GAP = 24;
/** How far a wrapping edge runs beside a node before turning. */
const WRAP_STUB = 18;
/** Room at the top of each row for the stage labels (only when the design has stages): a 26 px label reads at 9 px at the lowest fit zoom. */
export const STAGE_HEADER = 34;
/** How far a stage band reaches beyond its modules, left, right and below. */
const BAND_PAD = 10;

/** What a stage's band reads: a numbered stage is an inception stage ("inception 4"), a lettered one a stage ("stage A", v4's and Inception-ResNet's A/B/C grids), any other name as it is ("stem", "head"). */
export function stageLabel(stage: string): string {
  if (/^\d+$/.test(stage)) return `inception ${stage}`;
  return /^[a-z]$/i.test(stage) ? `stage ${stage.toUpperCase()}` : stage;
}

const elk = new ELK();

const ROW_OPTIONS: LayoutOptions = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.randomSeed': '1',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.layered.crossingMinimization.forceNodeModelOrder': 'true',
  'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
  'elk.spacing.nodeNode': '24',
  'elk.layered.spacing.nodeNodeBetweenLayers': String(LAYER_GAP),
  'elk.spacing.edgeNode': '16',
  'elk.separateConnectedComponents': 'false',
  'elk.padding': '[top=0,left=0,bottom=0,right=0]',
};

const OPEN_OPTIONS: LayoutOptions = {
  ...ROW_OPTIONS,
  'elk.direction': 'DOWN',
  // One-step branches (the 1×1) start at the top like the others.
  'elk.layered.layering.strategy': 'LONGEST_PATH_SOURCE',
  'elk.spacing.nodeNode': '20',
  'elk.layered.spacing.nodeNodeBetweenLayers': String(EDGE_LABEL_SIZE.height + 26),
  'elk.padding': `[top=${OPEN_HEADER_HEIGHT + 16},left=16,bottom=16,right=16]`,
};

/** A string that changes exactly when the layout would: node ids, kinds, parents, sizes and edges (not numbers or labels), and the settings. */
export function layoutKey(view: GraphView, settings: LayoutSettings = {}): string {
  const n = view.nodes.map(
    (v) =>
      `${v.id}|${v.kind}|${v.parentId ?? ''}|${v.width}x${v.height}|${isOpen(v) ? 1 : 0}|${sideBranch(v) ? 1 : 0}`,
  );
  const e = view.edges.map((v) => `${v.source}>${v.target}`);
  const s =
    settings.rows ??
    (settings.viewport
      ? `${Math.round(settings.viewport.width)}x${Math.round(settings.viewport.height)}@${settings.minZoom ?? 0}`
      : (settings.aspectRatio ?? ''));
  return `${n.join(';')}#${e.join(';')}#${s}`;
}

function isOpen(v: NodeView): boolean {
  return (v.kind === 'inception' || v.kind === 'module') && v.open;
}

/** Side branches (aux heads and their outputs) go below the main path. */
function sideBranch(v: NodeView): boolean {
  return v.kind === 'module' || v.kind === 'inception'
    ? !v.evalPath
    : v.kind === 'output'
      ? v.trainOnly
      : false;
}

interface Placed {
  width: number;
  height: number;
  /** Child boxes relative to this node, and routes relative to it, for opened modules. */
  children: { id: string; x: number; y: number; width: number; height: number }[];
  routes: { id: string; points: Point[] }[];
}

function routesOf(n: ElkNode): { id: string; points: Point[] }[] {
  return (n.edges ?? []).map((e) => {
    const points: Point[] = [];
    for (const s of e.sections ?? []) {
      points.push(s.startPoint, ...(s.bendPoints ?? []), s.endPoint);
    }
    return { id: e.id, points: dedupe(points.map((p) => ({ x: p.x, y: p.y }))) };
  });
}

async function layoutOpened(
  v: NodeView,
  children: readonly NodeView[],
  edges: readonly EdgeView[],
): Promise<Placed> {
  const graph: ElkNode = {
    id: v.id,
    layoutOptions: {
      ...OPEN_OPTIONS,
      'elk.nodeSize.minimum': `(${v.width}, ${v.height})`,
      'elk.nodeSize.constraints': 'MINIMUM_SIZE',
    },
    children: children.map((c) => ({ id: c.id, width: c.width, height: c.height })),
    edges: edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  };
  const out = await elk.layout(graph);
  return {
    width: Math.max(v.width, out.width ?? 0),
    height: Math.max(v.height, out.height ?? 0),
    children: (out.children ?? []).map((c) => ({
      id: c.id,
      x: c.x ?? 0,
      y: c.y ?? 0,
      width: c.width ?? 0,
      height: c.height ?? 0,
    })),
    routes: routesOf(out),
  };
}

/** Longest path from the sources, over top-level edges. */
function layerIndex(ids: readonly string[], edges: readonly EdgeView[]): Map<string, number> {
  const preds = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of edges) preds.get(e.target)?.push(e.source);
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (id: string): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0; // a cycle (an invalid design): break it anywhere
    visiting.add(id);
    let l = 0;
    for (const p of preds.get(id) ?? []) if (preds.has(p)) l = Math.max(l, visit(p) + 1);
    visiting.delete(id);
    layer.set(id, l);
    return l;
  };
  for (const id of ids) visit(id);
  return layer;
}

/** Picks where `rows` rows start: near equal widths, snapped to a stage boundary when one is close (when `snap`). */
function cutsFor(
  layerWidths: readonly number[],
  rows: number,
  stageStarts: ReadonlySet<number>,
  snap = true,
): number[] {
  const total = layerWidths.reduce((a, w) => a + w + LAYER_GAP, 0);
  if (rows <= 1) return [];
  const starts: number[] = [];
  let acc = 0;
  const cumulative = layerWidths.map((w) => (acc += w + LAYER_GAP) - w - LAYER_GAP); // x where each layer starts
  for (let k = 1; k < rows; k++) {
    const ideal = (total * k) / rows;
    let best = -1;
    let bestCost = Infinity;
    for (let i = 1; i < layerWidths.length; i++) {
      if (starts.length && i <= starts[starts.length - 1]) continue;
      // A stage boundary is worth about one and a half layers of imbalance.
      const cost =
        Math.abs(cumulative[i] - ideal) -
        (snap && stageStarts.has(i) ? 1.5 * (total / layerWidths.length) : 0);
      if (cost < bestCost) {
        bestCost = cost;
        best = i;
      }
    }
    if (best > 0) starts.push(best);
  }
  return starts;
}

/** How many rows from the aspect ratio alone (no viewport known). */
function rowsForAspect(
  layerWidths: readonly number[],
  layerHeight: number,
  settings: LayoutSettings,
): number {
  const total = layerWidths.reduce((a, w) => a + w + LAYER_GAP, 0);
  const aspect = settings.aspectRatio ?? 1.3;
  return Math.max(
    1,
    Math.min(layerWidths.length, Math.round(Math.sqrt(total / (aspect * (layerHeight + ROW_GAP))))),
  );
}

/** One top-level node as the row chooser sees it: its layer, box, whether it is a side branch, and its first predecessor. */
interface RowItem {
  readonly layer: number;
  readonly width: number;
  readonly height: number;
  readonly side: boolean;
  readonly pred: number | null;
}

/**
 * Estimates the drawing's size for a set of cuts, as the row layout below will make it: each
 * layer starts where the widths before it in its row end; a side branch stays in its source's
 * row, in a band below the main path.
 */
function estimateSize(
  items: readonly RowItem[],
  layerWidths: readonly number[],
  cuts: readonly number[],
  header: number,
): { width: number; height: number } {
  const rowOfLayer = (l: number) => cuts.filter((c) => l >= c).length;
  const rowStart = (r: number) => (r === 0 ? 0 : cuts[r - 1]);
  const start: number[] = [];
  let x = 0;
  layerWidths.forEach((w, l) => {
    if (l > 0 && cuts.includes(l)) x = 0;
    start.push(x);
    x += w + LAYER_GAP;
  });
  const rowCount = cuts.length + 1;
  const main = new Array<number>(rowCount).fill(0);
  const side = new Array<number>(rowCount).fill(0);
  let width = 0;
  const rowOf = (i: number): number => {
    const it = items[i];
    return it.side && it.pred !== null ? rowOf(it.pred) : rowOfLayer(it.layer);
  };
  items.forEach((it, i) => {
    const r = rowOf(i);
    // A side branch placed in an earlier row than its layer continues that row to the right.
    let left = start[it.layer];
    if (rowOfLayer(it.layer) !== r) {
      left = 0;
      for (let l = rowStart(r); l < it.layer; l++) left += layerWidths[l] + LAYER_GAP;
    }
    width = Math.max(width, left + it.width);
    if (it.side) side[r] = Math.max(side[r], it.height);
    else main[r] = Math.max(main[r], it.height);
  });
  const height =
    main.reduce((a, h, r) => a + header + h + (side[r] ? SIDE_GAP + side[r] : 0), 0) +
    ROW_GAP * (rowCount - 1);
  return { width: width + WRAP_STUB + 3 * LAYOUT_PADDING, height: height + 2 * LAYOUT_PADDING };
}

/**
 * Chooses the cuts that make the fitted drawing largest in `viewport`: every row count, with and
 * without snapping to stage boundaries; a snapped choice wins unless the other is 1 % larger.
 * When no choice fits at `minZoom`, the shortest drawing whose width fits at `minZoom` wins.
 */
function cutsForViewport(
  items: readonly RowItem[],
  layerWidths: readonly number[],
  stageStarts: ReadonlySet<number>,
  viewport: { width: number; height: number },
  header: number,
  minZoom = 0,
): number[] {
  let best: number[] = [];
  let bestScore = -1;
  let fits = false;
  let narrow: number[] | null = null;
  let narrowScore = Infinity;
  for (let rows = 1; rows <= Math.min(layerWidths.length, 20); rows++) {
    for (const snap of [true, false]) {
      const cuts = cutsFor(layerWidths, rows, stageStarts, snap);
      const size = estimateSize(items, layerWidths, cuts, header);
      const zoom = Math.min(viewport.width / size.width, viewport.height / size.height);
      if (rows <= 12 && zoom * (snap ? 1.01 : 1) > bestScore + 1e-9) {
        bestScore = zoom * (snap ? 1.01 : 1);
        best = cuts;
      }
      if (zoom >= minZoom) fits = true;
      const heightScore = size.height * (snap ? 0.99 : 1);
      if (size.width * minZoom <= viewport.width && heightScore < narrowScore - 1e-9) {
        narrowScore = heightScore;
        narrow = cuts;
      }
    }
  }
  return fits || !narrow ? best : narrow;
}

/** Lays out a view. Resolves to boxes for every node and routes for every edge. */
export async function layoutGraph(
  view: GraphView,
  settings: LayoutSettings = {},
): Promise<GraphLayout> {
  const parts = splitView(view);
  // 1. Opened modules first, so their sizes are known.
  const placed = await layoutOpenedModules(parts);
  const header = parts.top.some((v) => stageOf(v) !== null) ? STAGE_HEADER : 0;
  // 2. Rows: cut the layers of the top-level graph.
  const rows = chooseRows(parts, header, settings);
  // 3. ELK per row.
  const drawing = await layoutRows(parts, placed, rows, header);
  // 4. Edges between rows.
  routeWrappingEdges(parts, rows, drawing);
  const { nodes, edges, stages } = drawing;
  for (const e of view.edges) if (!edges[e.id]) edges[e.id] = { id: e.id, points: [], label: null };
  return {
    key: layoutKey(view, settings),
    width: drawing.width + LAYOUT_PADDING,
    height: drawing.height,
    nodes,
    edges,
    rows: rows.count,
    stages,
  };
}

/** The view split into its top-level graph and each opened module's inside. */
interface ViewParts {
  readonly top: readonly NodeView[];
  readonly byId: ReadonlyMap<string, NodeView>;
  /** Top-level edges between top-level nodes. */
  readonly topEdges: readonly EdgeView[];
  readonly childrenOf: ReadonlyMap<string, readonly NodeView[]>;
  readonly innerEdges: ReadonlyMap<string, readonly EdgeView[]>;
}

function splitView(view: GraphView): ViewParts {
  const childrenOf = new Map<string, NodeView[]>();
  for (const v of view.nodes)
    if (v.parentId) childrenOf.set(v.parentId, [...(childrenOf.get(v.parentId) ?? []), v]);
  const innerEdges = new Map<string, EdgeView[]>();
  for (const e of view.edges)
    if (e.parentId) innerEdges.set(e.parentId, [...(innerEdges.get(e.parentId) ?? []), e]);
  const top = view.nodes.filter((v) => v.parentId === null);
  const topIds = new Set(top.map((v) => v.id));
  const topEdges = view.edges.filter(
    (e) => e.parentId === null && topIds.has(e.source) && topIds.has(e.target),
  );
  return { top, byId: new Map(top.map((v) => [v.id, v])), topEdges, childrenOf, innerEdges };
}

/** The stage a main-path module is drawn in a band of, or null (side branches, other nodes, no stage). */
function stageOf(v: NodeView): string | null {
  return (v.kind === 'module' || v.kind === 'inception') && !sideBranch(v) && v.stage
    ? v.stage
    : null;
}

/** Each opened module's inside, laid out on its own. */
async function layoutOpenedModules(parts: ViewParts): Promise<Map<string, Placed>> {
  const placed = new Map<string, Placed>();
  for (const v of parts.top) {
    const kids = parts.childrenOf.get(v.id);
    if (isOpen(v) && kids?.length)
      placed.set(v.id, await layoutOpened(v, kids, parts.innerEdges.get(v.id) ?? []));
  }
  return placed;
}

/** How the top-level graph is cut into rows. */
interface Rows {
  /** Each top-level node's layer (longest path from the sources). */
  readonly layers: ReadonlyMap<string, number>;
  readonly count: number;
  /** The row a top-level node is drawn in. */
  rowOf(id: string): number;
}

/**
 * The widest box of each layer, the tallest main-path and side-branch boxes, and the layers where
 * a new stage starts (the preferred places to cut).
 */
function measureLayers(top: readonly NodeView[], layers: ReadonlyMap<string, number>) {
  const layerCount = Math.max(0, ...layers.values()) + 1;
  const layerWidths = new Array<number>(layerCount).fill(0);
  let mainHeight = 0;
  let sideHeight = 0;
  const stageStarts = new Set<number>();
  let lastStage: string | null = null;
  for (const v of [...top].sort((a, b) => layers.get(a.id)! - layers.get(b.id)!)) {
    const l = layers.get(v.id)!;
    layerWidths[l] = Math.max(layerWidths[l], v.width);
    if (sideBranch(v)) sideHeight = Math.max(sideHeight, v.height);
    else mainHeight = Math.max(mainHeight, v.height);
    const stage = stageOf(v);
    if (stage !== null) {
      if (lastStage !== null && stage !== lastStage) stageStarts.add(l);
      lastStage = stage;
    }
  }
  return { layerWidths, mainHeight, sideHeight, stageStarts };
}

/**
 * Cuts the top-level graph into rows. The rows are chosen from the closed boxes, so opening a
 * module keeps every node in its row: the opened module grows in place (its header where the
 * closed node was), and only what comes after it in its row, and the rows below, move.
 */
function chooseRows(parts: ViewParts, header: number, settings: LayoutSettings): Rows {
  const { top, topEdges, byId } = parts;
  const layers = layerIndex(
    top.map((v) => v.id),
    topEdges,
  );
  const { layerWidths, mainHeight, sideHeight, stageStarts } = measureLayers(top, layers);
  const index = new Map(top.map((v, i) => [v.id, i]));
  const firstPred = new Map<string, string>();
  for (const e of topEdges) if (!firstPred.has(e.target)) firstPred.set(e.target, e.source);
  const items: RowItem[] = top.map((v) => {
    const p = firstPred.get(v.id);
    return {
      layer: layers.get(v.id)!,
      width: v.width,
      height: v.height,
      side: sideBranch(v),
      pred: p !== undefined ? (index.get(p) ?? null) : null,
    };
  });
  const cuts =
    settings.rows === undefined &&
    settings.viewport &&
    settings.viewport.width > 0 &&
    settings.viewport.height > 0
      ? cutsForViewport(
          items,
          layerWidths,
          stageStarts,
          settings.viewport,
          header,
          settings.minZoom,
        )
      : cutsFor(
          layerWidths,
          settings.rows ??
            rowsForAspect(
              layerWidths,
              header + mainHeight + (sideHeight ? sideHeight + 32 : 0),
              settings,
            ),
          stageStarts,
        );
  // Main-path nodes fall in the row of their layer; a side branch stays in its source's row.
  const rows = new Map<string, number>();
  const rowOf = (id: string): number => {
    const known = rows.get(id);
    if (known !== undefined) return known;
    rows.set(id, cuts.filter((c) => layers.get(id)! >= c).length);
    const pred = firstPred.get(id);
    if (sideBranch(byId.get(id)!) && pred !== undefined) rows.set(id, rowOf(pred));
    return rows.get(id)!;
  };
  return { layers, count: cuts.length + 1, rowOf };
}

/** The drawing so far: boxes and routes in graph coordinates, each row's band, and the extent. */
interface Drawing {
  readonly nodes: Record<string, NodeBox>;
  readonly edges: Record<string, EdgeRoute>;
  readonly rowBoxes: { y: number; height: number }[];
  readonly stages: StageBand[];
  width: number;
  height: number;
}

/** Where edges meet a node: the middle of its closed box (an opened module's header). */
function anchorY(b: Box, v: NodeView | undefined): number {
  return b.y + Math.min(b.height, v ? v.height : b.height) / 2;
}

/** What every row's layout reads: the view, the opened modules' insides, the rows, and the stage header's height. */
interface RowContext {
  readonly parts: ViewParts;
  readonly placed: ReadonlyMap<string, Placed>;
  readonly rows: Rows;
  readonly header: number;
}

/** Lays out each row with ELK, top to bottom, main path first so side branches are placed below it. */
async function layoutRows(
  parts: ViewParts,
  placed: ReadonlyMap<string, Placed>,
  rows: Rows,
  header: number,
): Promise<Drawing> {
  const ordered = [...parts.top.filter((v) => !sideBranch(v)), ...parts.top.filter(sideBranch)];
  const drawing: Drawing = { nodes: {}, edges: {}, rowBoxes: [], stages: [], width: 0, height: 0 };
  const context: RowContext = { parts, placed, rows, header };
  let y = LAYOUT_PADDING;
  for (let r = 0; r < rows.count; r++) {
    const rowNodes = ordered.filter((v) => rows.rowOf(v.id) === r);
    const rowHeight = await layoutRow(r, rowNodes, y, context, drawing);
    drawing.rowBoxes.push({ y, height: rowHeight + header });
    y += header + rowHeight + ROW_GAP;
  }
  drawing.height = y - ROW_GAP + LAYOUT_PADDING;
  return drawing;
}

/** Lays out row `r` starting at `rowTop`, adds its nodes, edges and stage bands to the drawing, and returns its content's height. */
async function layoutRow(
  r: number,
  rowNodes: readonly NodeView[],
  rowTop: number,
  { parts, placed, rows, header }: RowContext,
  drawing: Drawing,
): Promise<number> {
  const { byId } = parts;
  const rowIds = new Set(rowNodes.map((v) => v.id));
  const rowEdges = parts.topEdges.filter((e) => rowIds.has(e.source) && rowIds.has(e.target));
  const size = (v: NodeView) => placed.get(v.id) ?? { width: v.width, height: v.height };
  const rowGraph: ElkNode = {
    id: `row${r}`,
    layoutOptions: ROW_OPTIONS,
    children: rowNodes.map((v) => ({ id: v.id, width: size(v).width, height: size(v).height })),
    // Keep the main path straight; side branches bend.
    edges: rowEdges.map((e) => ({
      id: e.id,
      sources: [e.source],
      targets: [e.target],
      layoutOptions: (sideBranch(byId.get(e.target)!)
        ? {}
        : { 'elk.layered.priority.straightness': '10' }) as LayoutOptions,
    })),
  };
  const out = await elk.layout(rowGraph);
  const x0 = LAYOUT_PADDING;
  const y = rowTop + header;
  const boxes = new Map(
    (out.children ?? []).map((c) => [
      c.id,
      { x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 },
    ]),
  );
  let routes = routesOf(out);
  const mainNodes = rowNodes.filter((v) => !sideBranch(v));
  const mainLayers = mainNodes.map((v) => rows.layers.get(v.id)!);
  let lineBottom = 0;
  if (mainNodes.length && new Set(mainLayers).size === mainLayers.length) {
    lineBottom = straightenRow(mainNodes, rowNodes.filter(sideBranch), boxes, rowEdges);
    routes = rowEdges.map((e) => ({
      id: e.id,
      points: straightRoute(
        boxes.get(e.source)!,
        boxes.get(e.target)!,
        anchorY(boxes.get(e.source)!, byId.get(e.source)),
        anchorY(boxes.get(e.target)!, byId.get(e.target)),
      ),
    }));
  }
  let rowHeight = 0;
  for (const [id, b] of boxes) {
    rowHeight = Math.max(rowHeight, b.y + b.height);
    drawing.nodes[id] = {
      id,
      parentId: null,
      x: x0 + b.x,
      y: y + b.y,
      absX: x0 + b.x,
      absY: y + b.y,
      width: b.width,
      height: b.height,
    };
    const inner = placed.get(id);
    if (inner) placeInside(drawing, drawing.nodes[id], inner);
  }
  for (const route of routes) {
    const points = route.points.map((p) => ({ x: x0 + p.x, y: y + p.y }));
    drawing.edges[route.id] = { id: route.id, points, label: labelPoint(points, 'horizontal') };
  }
  if (header) drawing.stages.push(...bandsOf(mainNodes, boxes, r, rowTop, y, x0, lineBottom));
  drawing.width = Math.max(drawing.width, x0 + (out.width ?? 0));
  return rowHeight;
}

/**
 * ELK balances nodes between their successors, so the main path jogs where an aux head branches
 * off. When each layer of the row holds at most one main-path node, this puts them on one line,
 * the side branches in a band below; it moves `boxes` and returns the bottom of the closed line.
 */
function straightenRow(
  mainNodes: readonly NodeView[],
  sideNodes: readonly NodeView[],
  boxes: ReadonlyMap<string, Box>,
  rowEdges: readonly EdgeView[],
): number {
  // The line is set by the closed boxes; an opened module keeps its top where its closed box's is.
  const centre = Math.max(...mainNodes.map((v) => v.height / 2));
  for (const v of mainNodes) boxes.get(v.id)!.y = centre - v.height / 2;
  if (sideNodes.length) {
    const sides = sideNodes.map((v) => boxes.get(v.id)!);
    const sideTop = Math.min(...sides.map((b) => b.y));
    for (const b of sides) b.y = b.y - sideTop + 2 * centre + SIDE_GAP;
    // A side branch under an opened module moves down below it, with the side nodes it links to.
    for (const group of sideGroups(
      sideNodes.map((v) => v.id),
      rowEdges,
    )) {
      let push = 0;
      for (const id of group) {
        const b = boxes.get(id)!;
        for (const v of mainNodes) {
          const m = boxes.get(v.id)!;
          if (m.x < b.x + b.width && b.x < m.x + m.width)
            push = Math.max(push, m.y + m.height + SIDE_GAP - b.y);
        }
      }
      if (push > 0) for (const id of group) boxes.get(id)!.y += push;
    }
  }
  return 2 * centre;
}

/** Adds an opened module's inside (laid out relative to it) to the drawing, in graph coordinates. */
function placeInside(drawing: Drawing, box: NodeBox, inner: Placed): void {
  for (const k of inner.children)
    drawing.nodes[k.id] = {
      id: k.id,
      parentId: box.id,
      x: k.x,
      y: k.y,
      absX: box.absX + k.x,
      absY: box.absY + k.y,
      width: k.width,
      height: k.height,
    };
  for (const route of inner.routes) {
    const points = route.points.map((p) => ({ x: box.absX + p.x, y: box.absY + p.y }));
    drawing.edges[route.id] = { id: route.id, points, label: labelPoint(points, 'first') };
  }
}

/** Routes edges between rows: out of the source's right side, along the gap under its row, down the target's left side and in. */
function routeWrappingEdges(parts: ViewParts, rows: Rows, drawing: Drawing): void {
  const { nodes, edges, rowBoxes } = drawing;
  for (const e of parts.topEdges) {
    if (edges[e.id]) continue;
    const s = nodes[e.source];
    const t = nodes[e.target];
    if (!s || !t) continue;
    const sr = rows.rowOf(e.source);
    const tr = rows.rowOf(e.target);
    const gapY =
      tr > sr
        ? rowBoxes[sr].y + rowBoxes[sr].height + ROW_GAP / 2
        : rowBoxes[Math.max(0, sr - 1)].y - ROW_GAP / 2;
    const sx = s.absX + s.width;
    const sy = anchorY(
      { x: s.absX, y: s.absY, width: s.width, height: s.height },
      parts.byId.get(e.source),
    );
    const tx = t.absX;
    const ty = anchorY(
      { x: t.absX, y: t.absY, width: t.width, height: t.height },
      parts.byId.get(e.target),
    );
    const outX = sx + WRAP_STUB;
    const inX = Math.max(LAYOUT_PADDING / 2, tx - WRAP_STUB);
    const points = dedupe([
      { x: sx, y: sy },
      { x: outX, y: sy },
      { x: outX, y: gapY },
      { x: inX, y: gapY },
      { x: inX, y: ty },
      { x: tx, y: ty },
    ]);
    drawing.width = Math.max(drawing.width, outX + LAYOUT_PADDING);
    edges[e.id] = { id: e.id, points, label: { x: (outX + inX) / 2, y: gapY } };
  }
}

/** The side nodes of a row split into groups linked by the row's edges (an aux head and its output). */
function sideGroups(ids: readonly string[], edges: readonly EdgeView[]): string[][] {
  const group = new Map(ids.map((id) => [id, id]));
  const find = (id: string): string => (group.get(id) === id ? id : find(group.get(id)!));
  for (const e of edges)
    if (group.has(e.source) && group.has(e.target)) group.set(find(e.source), find(e.target));
  const out = new Map<string, string[]>();
  for (const id of ids) out.set(find(id), [...(out.get(find(id)) ?? []), id]);
  return [...out.values()];
}

/**
 * The stage bands of one row: each run of main-path modules of one stage, left to right, gets a
 * box from the label's room above its highest module (as tall as the row's, `contentTop - rowTop`)
 * to below its modules (at least to the bottom of the closed line, `lineBottom`, relative to `contentTop`).
 */
function bandsOf(
  mainNodes: readonly NodeView[],
  boxes: ReadonlyMap<string, Box>,
  row: number,
  rowTop: number,
  contentTop: number,
  x0: number,
  lineBottom: number,
): StageBand[] {
  const runs: { stage: string; boxes: Box[]; right: number }[] = [];
  // Removed modules drawn as ghosts (a comparison) stay outside the bands.
  const staged = mainNodes
    .filter(
      (v) => (v.kind === 'module' || v.kind === 'inception') && v.stage && v.change !== 'removed',
    )
    .map((v) => ({ stage: (v as { stage: string }).stage, box: boxes.get(v.id)! }))
    .sort((a, b) => a.box.x - b.box.x);
  for (const { stage, box } of staged) {
    const last = runs[runs.length - 1];
    // A module beside the previous run's last one (parallel paths of an edited design) joins it, so bands never overlap.
    if (last && (last.stage === stage || box.x < last.right)) {
      last.boxes.push(box);
      last.right = Math.max(last.right, box.x + box.width);
    } else runs.push({ stage, boxes: [box], right: box.x + box.width });
  }
  const seen = new Map<string, number>();
  return runs.map(({ stage, boxes: bs }) => {
    const left = Math.min(...bs.map((b) => b.x));
    const right = Math.max(...bs.map((b) => b.x + b.width));
    const top = Math.min(...bs.map((b) => b.y));
    const bottom = Math.max(lineBottom, ...bs.map((b) => b.y + b.height));
    const n = seen.get(stage) ?? 0;
    seen.set(stage, n + 1);
    return {
      id: `stage:${stage}:${row}${n ? `.${n}` : ''}`,
      stage,
      label: stageLabel(stage),
      x: x0 + left - BAND_PAD,
      y: contentTop + top - (contentTop - rowTop),
      width: right - left + 2 * BAND_PAD,
      height: contentTop - rowTop + bottom - top + BAND_PAD,
    };
  });
}

/** Right side of `s` to left side of `t`, turning once near the source so the label fits the run into `t`. */
function straightRoute(s: Box, t: Box, sy: number, ty: number): Point[] {
  const sx = s.x + s.width;
  if (sy === ty)
    return [
      { x: sx, y: sy },
      { x: t.x, y: ty },
    ];
  const bend = Math.min(sx + WRAP_STUB, (sx + t.x) / 2);
  return [
    { x: sx, y: sy },
    { x: bend, y: sy },
    { x: bend, y: ty },
    { x: t.x, y: ty },
  ];
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where a label reads best: the middle of the longest horizontal segment (else the longest), or of the segment leaving the source. */
function labelPoint(points: readonly Point[], flow: 'horizontal' | 'first'): Point | null {
  if (flow === 'first')
    return points.length > 1
      ? { x: (points[0].x + points[1].x) / 2, y: (points[0].y + points[1].y) / 2 }
      : null;
  let best: Point | null = null;
  let bestScore = -1;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    const along = a.y === b.y;
    const length = Math.abs(a.x - b.x) + Math.abs(a.y - b.y);
    const score = length + (along ? 1e6 : 0);
    if (score > bestScore) {
      bestScore = score;
      best = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
    }
  }
  return best;
}

function dedupe(points: Point[]): Point[] {
  return points.filter((p, i) => i === 0 || p.x !== points[i - 1].x || p.y !== points[i - 1].y);
}
