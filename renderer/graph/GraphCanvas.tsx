/**
 * The network as a node graph (React Flow): the laid-out view of core's analysis, with fit view,
 * a minimap, zoom and pan. Nodes are placed by the automatic layout and are not dragged; the
 * keyboard reaches every module (Tab, then Enter selects it).
 *
 * Legibility: the rows are chosen for the canvas's shape (core/graph/layout.ts), the fitted view
 * keeps clear of the zoom buttons and the minimap, and the zoom level decides how much each node
 * shows (see `levelOfDetail`): below full size, nodes drop their small print and draw what is
 * left larger, so no text on screen is smaller than 9 px at the fitted zoom.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import {
  Background,
  ControlButton,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  useStoreApi,
  type NodeChange,
  type NodeTypes,
  type EdgeTypes,
} from '@xyflow/react';
import { useShallow } from 'zustand/react/shallow';
import { useApp, appStore, type AppState } from '../state/store';
import { derive, useGraphView } from '../state/derived';
import { ablationMarks } from '../../core/weights/ablation';
import { subNodeId } from '../../core/graph/graphView';
import { viewport } from '../app/commands';
import type { GraphLayout } from '../../core/graph/layout';
import type { GraphView } from '../../core/graph/graphView';
import { useLayout } from './useLayout';
import { createEdgeBuilder, createNodeBuilder } from './toFlow';
import type { FlowNode, NodeMarks, RunCheck } from './flowTypes';
import {
  fitViewport,
  COUNT_LABEL_ZOOM,
  levelOfDetail,
  MIN_FIT_ZOOM,
  OVERLAYS,
  revealViewport,
  wholeInView,
  type CanvasSize,
} from './fit';
import { InputNode } from './nodes/InputNode';
import { OutputNode } from './nodes/OutputNode';
import { ModuleNode } from './nodes/ModuleNode';
import { InceptionNode } from './nodes/InceptionNode';
import { StepNode } from './nodes/StepNode';
import { JoinNode } from './nodes/JoinNode';
import { StageNode } from './nodes/StageNode';
import { ShapeEdge } from './edges/ShapeEdge';

const nodeTypes: NodeTypes = {
  networkInput: InputNode,
  networkOutput: OutputNode,
  module: ModuleNode,
  inception: InceptionNode,
  step: StepNode,
  join: JoinNode,
  stage: StageNode,
};

const edgeTypes: EdgeTypes = { shape: ShapeEdge };

const selectSelected = (s: AppState) => s.selectedId;
const selectTheme = (s: AppState) => s.theme;
const selectRunState = (s: AppState) => [s.result, s.resultDesign, s.design] as const;

/** ✓ per module whose measured shape matched, while the result belongs to the design on screen. */
function useRunChecks(): ReadonlyMap<string, RunCheck> {
  const [result, resultDesign, design] = useApp(useShallow(selectRunState));
  return useMemo(() => {
    const checks = new Map<string, RunCheck>();
    if (result && resultDesign === design)
      for (const m of result.modules) checks.set(m.id, m.match ? 'match' : 'mismatch');
    return checks;
  }, [result, resultDesign, design]);
}

const selectMarkState = (s: AppState) => [s.result, s.resultDesign, s.design, s.ablations] as const;

/** "fresh weights" on modules whose tensors did not fit the last run's file; "what-if" and dimmed steps for the ablations. */
function useNodeMarks(): ReadonlyMap<string, NodeMarks> {
  const [result, resultDesign, design, ablations] = useApp(useShallow(selectMarkState));
  return useMemo(() => {
    const marks = new Map<string, NodeMarks>();
    const add = (id: string, m: NodeMarks) => marks.set(id, { ...marks.get(id), ...m });
    if (result?.weights && resultDesign === design)
      for (const id of result.weights.freshModules) add(id, { fresh: true });
    if (ablations.length) {
      const found = ablationMarks(derive(design).analysis, ablations);
      for (const id of found.modules) add(id, { whatIf: true });
      for (const [module, step] of found.steps) add(subNodeId(module, step), { off: true });
    }
    return marks;
  }, [result, resultDesign, design, ablations]);
}

function minimapColor(node: FlowNode): string {
  if (node.type === 'stage') return 'transparent';
  if (node.type === 'module' || node.type === 'inception') {
    if (node.data.view.issues.length) return 'var(--danger)';
    if (node.data.view.change) return `var(--${node.data.view.change})`;
    if (node.type === 'inception') return 'var(--accent)';
    return node.data.view.aux ? 'var(--aux)' : 'var(--node-muted)';
  }
  return 'var(--node-muted)';
}

/** A canvas that reports no size (a test DOM without layout) is laid out for a common laptop window's canvas. */
const UNMEASURED: CanvasSize = { width: 920, height: 630 };

/** The canvas's size in CSS pixels, rounded to 8 px so tiny resizes do not re-layout. */
function useCanvasSize(ref: React.RefObject<HTMLDivElement | null>): CanvasSize | null {
  const [size, setSize] = useState<CanvasSize | null>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      const width = Math.round(el.clientWidth / 8) * 8;
      const height = Math.round(el.clientHeight / 8) * 8;
      if (width > 0 && height > 0)
        setSize((s) => (s && s.width === width && s.height === height ? s : { width, height }));
      else setSize((s) => s ?? UNMEASURED);
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return size;
}

/** The structure of the top level (ids and boxes): a change means nodes appeared, vanished or moved, so the view refits. */
function topStructure(layout: GraphLayout | null): string {
  if (!layout) return '';
  return Object.values(layout.nodes)
    .filter((n) => n.parentId === null)
    .map(
      (n) =>
        `${n.id}@${Math.round(n.absX)},${Math.round(n.absY)},${Math.round(n.width)}x${Math.round(n.height)}`,
    )
    .join(';');
}

/** Fits the whole layout into the canvas, or reveals one node (`reveal`), animated over `duration` ms. */
function useFit(frame: RefObject<HTMLDivElement | null>, layout: GraphLayout | null) {
  const flow = useReactFlow();
  return useCallback(
    (duration = 200, reveal: string | null = null) => {
      const el = frame.current;
      if (!layout || !el) return;
      const canvas =
        el.clientWidth > 0 && el.clientHeight > 0
          ? { width: el.clientWidth, height: el.clientHeight }
          : UNMEASURED;
      const box = reveal ? layout.nodes[reveal] : undefined;
      void flow.setViewport(
        box ? revealViewport(layout, canvas, box) : fitViewport(layout, canvas),
        duration > 0 ? { duration } : undefined,
      );
    },
    [flow, layout, frame],
  );
}

/** Points the app's viewport commands (menu, shortcuts, toolbar) at this canvas. */
function useViewportCommands(fit: () => void): void {
  const flow = useReactFlow();
  useEffect(() => {
    viewport.fitView = () => fit();
    viewport.zoomIn = () => void flow.zoomIn({ duration: 150 });
    viewport.zoomOut = () => void flow.zoomOut({ duration: 150 });
    viewport.focusNode = (id) =>
      void flow.fitView({ nodes: [{ id }], duration: 250, maxZoom: 1, padding: 0.5 });
  }, [flow, fit]);
}

/**
 * Refits when the top level changes (first layout, a module opened or closed, inserted,
 * duplicated or deleted, a new window size): new nodes must not land off-screen. A module just
 * opened stays in view, clear of the minimap, even when the whole does not fit.
 */
function useRefitOnNewStructure(
  view: GraphView,
  layout: GraphLayout | null,
  pending: boolean,
  fit: (duration?: number, reveal?: string | null) => void,
): void {
  const structure = topStructure(layout);
  const fitted = useRef('');
  const openedBefore = useRef<ReadonlySet<string>>(new Set());
  useEffect(() => {
    if (!layout || pending || !structure || fitted.current === structure) return;
    const first = fitted.current === '';
    fitted.current = structure;
    const opened = new Set(
      view.nodes
        .filter((v) => (v.kind === 'inception' || v.kind === 'module') && v.open)
        .map((v) => v.id),
    );
    const fresh = [...opened].find((id) => !openedBefore.current.has(id)) ?? null;
    openedBefore.current = opened;
    fit(first ? 0 : 200, first ? null : fresh);
  }, [structure, layout, pending, fit, view]);
}

/**
 * How long the zoom must rest before the node text is resized for it. Resizing restyles and lays
 * out the text of every node: on every wheel step that cost frames with IRv2 unfolded
 * (`npm run bench:panzoom`); during a zoom the text scales with the drawing instead.
 */
const LOD_SETTLE_MS = 120;

/**
 * The level of detail follows the zoom without re-rendering React: a data attribute and a CSS
 * variable on the frame (app.css sizes the node text from it), set once the zoom rests. Returns
 * whether to show the minimap: only while part of the network is out of view (when all of it is
 * in view it would only cover nodes).
 */
function useZoomFollowers(
  frame: RefObject<HTMLDivElement | null>,
  layout: GraphLayout | null,
): boolean {
  const rf = useStoreApi();
  const [minimap, setMinimap] = useState(false);
  const layoutRef = useRef(layout);
  layoutRef.current = layout;
  useEffect(() => {
    const el = frame.current;
    if (!el) return;
    let shown = -1;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const show = (zoom: number) => {
      shown = zoom;
      el.dataset.lod = levelOfDetail(zoom);
      el.dataset.countLabels = zoom >= COUNT_LABEL_ZOOM ? 'shown' : 'hidden';
      el.style.setProperty('--lod-scale', String(1 / Math.max(zoom, MIN_FIT_ZOOM)));
    };
    const apply = ([x, y, zoom]: readonly [number, number, number]) => {
      const l = layoutRef.current;
      setMinimap(
        l
          ? !wholeInView(l, [x, y, zoom], { width: el.clientWidth, height: el.clientHeight })
          : false,
      );
      clearTimeout(timer);
      if (zoom === shown) return;
      if (shown < 0) show(zoom);
      else timer = setTimeout(() => show(zoom), LOD_SETTLE_MS);
    };
    apply(rf.getState().transform);
    const unsubscribe = rf.subscribe((s) => apply(s.transform));
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, [rf, layout, frame]);
  return minimap;
}

export function GraphCanvas() {
  const frame = useRef<HTMLDivElement>(null);
  const size = useCanvasSize(frame);
  const view = useGraphView();
  const { layout, pending } = useLayout(view, size);
  const checks = useRunChecks();
  const marks = useNodeMarks();
  const selectedId = useApp(selectSelected);
  const theme = useApp(selectTheme);
  const nodeBuilder = useRef(createNodeBuilder());
  const edgeBuilder = useRef(createEdgeBuilder());
  const nodes = useMemo(
    () => nodeBuilder.current(view, layout, checks, selectedId, marks),
    [view, layout, checks, selectedId, marks],
  );
  const edges = useMemo(() => edgeBuilder.current(view, layout), [view, layout]);
  const fit = useFit(frame, layout);
  useViewportCommands(fit);
  useRefitOnNewStructure(view, layout, pending, fit);
  const minimap = useZoomFollowers(frame, layout);

  const onNodesChange = useCallback((changes: NodeChange<FlowNode>[]) => {
    for (const c of changes) {
      if (c.type !== 'select') continue;
      if (c.selected) appStore.getState().select(c.id);
      else if (appStore.getState().selectedId === c.id) appStore.getState().select(null);
    }
  }, []);

  return (
    <div
      className="graph-frame"
      ref={frame}
      data-lod="full"
      onKeyDown={(e) => {
        // Enter on a module selects it (React Flow) and takes the user on to its first field.
        const target = e.target as HTMLElement;
        if (e.key !== 'Enter' || !target.classList.contains('react-flow__node')) return;
        const id = target.dataset.id;
        requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            if (id && appStore.getState().selectedId === id)
              document
                .querySelector<HTMLElement>(
                  '.inspector .param-group input, .inspector .param-group select',
                )
                ?.focus();
          }),
        );
      }}
    >
      {!layout ? (
        <div className="canvas-empty" role="status">
          Laying out the network…
        </div>
      ) : (
        <ReactFlow<FlowNode>
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          onNodesChange={onNodesChange}
          onPaneClick={() => appStore.getState().select(null)}
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable
          nodesFocusable
          edgesFocusable={false}
          colorMode={theme}
          minZoom={0.08}
          maxZoom={2.5}
          aria-busy={pending}
          aria-label="Network graph"
          data-testid="graph"
        >
          <Background gap={24} size={1} />
          {minimap && (
            <MiniMap<FlowNode>
              pannable
              zoomable
              style={{ width: OVERLAYS.minimap.width, height: OVERLAYS.minimap.height }}
              ariaLabel="Minimap of the network"
              nodeColor={minimapColor}
              nodeStrokeWidth={0}
            />
          )}
          <Controls showInteractive={false} showFitView={false} aria-label="Zoom controls">
            <ControlButton
              onClick={() => fit()}
              title="Fit the network to the window"
              aria-label="Fit view"
              className="react-flow__controls-fitview"
            >
              <svg viewBox="0 0 32 30" aria-hidden="true">
                <path d="M3.692 4.63c0-.53.4-.938.939-.938h5.215V0H4.708C2.13 0 0 2.054 0 4.63v5.216h3.692V4.631zM27.354 0h-5.2v3.692h5.17c.53 0 .984.4.984.939v5.215H32V4.631A4.624 4.624 0 0027.354 0zm.954 24.83c0 .532-.4.94-.939.94h-5.215v3.768h5.215c2.577 0 4.631-2.13 4.631-4.707v-5.139h-3.692v5.139zm-23.677.94c-.531 0-.939-.4-.939-.94v-5.138H0v5.139c0 2.577 2.13 4.707 4.708 4.707h5.138V25.77H4.631z" />
              </svg>
            </ControlButton>
          </Controls>
        </ReactFlow>
      )}
    </div>
  );
}
