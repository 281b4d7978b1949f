/**
 * The network as a node graph (React Flow): the laid-out view of core's analysis, with fit view,
 * a minimap, zoom and pan. Nodes are placed by the automatic layout and are not dragged; the
 * keyboard reaches every module (Tab, then Enter selects it).
 */
import { useCallback, useEffect, useMemo, useRef } from 'react';
import { Background, Controls, MiniMap, ReactFlow, useReactFlow, type NodeChange, type NodeTypes, type EdgeTypes } from '@xyflow/react';
import { useShallow } from 'zustand/react/shallow';
import { useApp, appStore, type AppState } from '../state/store';
import { useGraphView } from '../state/derived';
import { viewport } from '../app/commands';
import { useLayout } from './useLayout';
import { createEdgeBuilder, createNodeBuilder } from './toFlow';
import type { FlowNode, RunCheck } from './flowTypes';
import { InputNode } from './nodes/InputNode';
import { OutputNode } from './nodes/OutputNode';
import { ModuleNode } from './nodes/ModuleNode';
import { InceptionNode } from './nodes/InceptionNode';
import { StepNode } from './nodes/StepNode';
import { JoinNode } from './nodes/JoinNode';
import { ShapeEdge } from './edges/ShapeEdge';

const nodeTypes: NodeTypes = {
  networkInput: InputNode,
  networkOutput: OutputNode,
  module: ModuleNode,
  inception: InceptionNode,
  step: StepNode,
  join: JoinNode,
};

const edgeTypes: EdgeTypes = { shape: ShapeEdge };

const selectSelected = (s: AppState) => s.selectedId;
const selectTheme = (s: AppState) => s.theme;
const selectRunState = (s: AppState) => [s.result, s.resultDesign, s.design] as const;

const FIT_OPTIONS = { padding: 0.04, maxZoom: 1 } as const;

/** ✓ per module whose measured shape matched, while the result belongs to the design on screen. */
function useRunChecks(): ReadonlyMap<string, RunCheck> {
  const [result, resultDesign, design] = useApp(useShallow(selectRunState));
  return useMemo(() => {
    const checks = new Map<string, RunCheck>();
    if (result && resultDesign === design) for (const m of result.modules) checks.set(m.id, m.match ? 'match' : 'mismatch');
    return checks;
  }, [result, resultDesign, design]);
}

function minimapColor(node: FlowNode): string {
  if (node.type === 'module' || node.type === 'inception') {
    if (node.data.view.issues.length) return 'var(--danger)';
    if (node.data.view.change) return `var(--${node.data.view.change})`;
    if (node.type === 'inception') return 'var(--accent)';
    return node.data.view.aux ? 'var(--aux)' : 'var(--node-muted)';
  }
  return 'var(--node-muted)';
}

export function GraphCanvas() {
  const view = useGraphView();
  const { layout, pending } = useLayout(view);
  const checks = useRunChecks();
  const selectedId = useApp(selectSelected);
  const theme = useApp(selectTheme);
  const nodeBuilder = useRef(createNodeBuilder());
  const edgeBuilder = useRef(createEdgeBuilder());
  const nodes = useMemo(() => nodeBuilder.current(view, layout, checks, selectedId), [view, layout, checks, selectedId]);
  const edges = useMemo(() => edgeBuilder.current(view, layout), [view, layout]);
  const flow = useReactFlow();

  useEffect(() => {
    viewport.fitView = () => void flow.fitView({ ...FIT_OPTIONS, duration: 200 });
    viewport.zoomIn = () => void flow.zoomIn({ duration: 150 });
    viewport.zoomOut = () => void flow.zoomOut({ duration: 150 });
    viewport.focusNode = (id) => void flow.fitView({ nodes: [{ id }], duration: 250, maxZoom: 1, padding: 0.5 });
  }, [flow]);

  const onNodesChange = useCallback((changes: NodeChange<FlowNode>[]) => {
    for (const c of changes) {
      if (c.type !== 'select') continue;
      if (c.selected) appStore.getState().select(c.id);
      else if (appStore.getState().selectedId === c.id) appStore.getState().select(null);
    }
  }, []);

  if (!layout) {
    return (
      <div className="canvas-empty" role="status">
        Laying out the network…
      </div>
    );
  }
  return (
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
      fitView
      fitViewOptions={FIT_OPTIONS}
      minZoom={0.08}
      maxZoom={2.5}
      aria-busy={pending}
      aria-label="Network graph"
      data-testid="graph"
    >
      <Background gap={24} size={1} />
      <MiniMap<FlowNode> pannable zoomable style={{ width: 168, height: 112 }} ariaLabel="Minimap of the network" nodeColor={minimapColor} nodeStrokeWidth={0} />
      <Controls showInteractive={false} fitViewOptions={FIT_OPTIONS} aria-label="Zoom controls" />
    </ReactFlow>
  );
}
