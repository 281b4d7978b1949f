/**
 * Turns the graph view and its layout into React Flow nodes and edges. Node objects are reused
 * when nothing they show changed, so an edit re-renders only the nodes whose numbers moved.
 */
import type { GraphView, NodeView } from '../../core/graph/graphView';
import type { GraphLayout } from '../../core/graph/layout';
import type { FlowNode, NodeMarks, RunCheck, ShapeFlowEdge } from './flowTypes';

const FLOW_TYPE: Record<NodeView['kind'], FlowNode['type']> = {
  input: 'networkInput',
  output: 'networkOutput',
  module: 'module',
  inception: 'inception',
  step: 'step',
  join: 'join',
};

function ariaLabel(v: NodeView): string {
  switch (v.kind) {
    case 'module':
    case 'inception':
      return v.moduleId;
    case 'input':
      return 'input';
    case 'output':
      return `output ${v.name}`;
    case 'step':
      return `${v.moduleId} ${v.branchId}: ${v.title}`;
    case 'join':
      return `${v.moduleId} ${v.role === 'in' ? 'input' : 'concatenation'}`;
  }
}

interface Memo {
  signature: string;
  node: FlowNode;
}

/** Builds flow nodes, reusing the previous objects (by id) whose content is unchanged. */
export function createNodeBuilder() {
  let previous = new Map<string, Memo>();
  return (
    view: GraphView,
    layout: GraphLayout | null,
    checks: ReadonlyMap<string, RunCheck>,
    selectedId: string | null,
    marks: ReadonlyMap<string, NodeMarks> = new Map(),
  ): FlowNode[] => {
    const next = new Map<string, Memo>();
    const nodes: FlowNode[] = [];
    if (!layout) return nodes;
    // Stage bands first, so they draw behind everything.
    for (const band of layout.stages) {
      const signature = JSON.stringify(band);
      const old = previous.get(band.id);
      const node: FlowNode =
        old && old.signature === signature
          ? old.node
          : {
              id: band.id,
              type: 'stage',
              position: { x: band.x, y: band.y },
              width: band.width,
              height: band.height,
              data: { band },
              draggable: false,
              connectable: false,
              selectable: false,
              focusable: false,
              zIndex: -1,
              ariaLabel: `stage ${band.label}`,
            };
      next.set(band.id, { signature, node });
      nodes.push(node);
    }
    for (const v of view.nodes) {
      const box = layout.nodes[v.id];
      if (!box) continue;
      const check = checks.get(v.id) ?? null;
      const selected = v.id === selectedId;
      const mark = marks.get(v.id);
      const signature = `${JSON.stringify(v)}|${box.x},${box.y},${box.width},${box.height}|${check}|${selected}|${mark ? JSON.stringify(mark) : ''}`;
      const old = previous.get(v.id);
      if (old && old.signature === signature) {
        next.set(v.id, old);
        nodes.push(old.node);
        continue;
      }
      const isModule = v.kind === 'module' || v.kind === 'inception';
      const node = {
        id: v.id,
        type: FLOW_TYPE[v.kind],
        position: { x: box.x, y: box.y },
        width: box.width,
        height: box.height,
        data: isModule
          ? { view: v, check, ...(mark ? { marks: mark } : {}) }
          : { view: v, ...(mark ? { marks: mark } : {}) },
        ...(v.parentId ? { parentId: v.parentId, extent: 'parent' as const } : {}),
        draggable: false,
        connectable: false,
        selectable: isModule,
        focusable: isModule || v.kind === 'input' || v.kind === 'output',
        selected,
        ariaLabel: ariaLabel(v),
        zIndex: v.parentId ? 2 : isModule && v.open ? 0 : 1,
      } as FlowNode;
      next.set(v.id, { signature, node });
      nodes.push(node);
    }
    previous = next;
    return nodes;
  };
}

/** Builds flow edges, reusing the previous objects (by id) whose route, label and style are unchanged. */
export function createEdgeBuilder() {
  let previous = new Map<string, ShapeFlowEdge>();
  return (view: GraphView, layout: GraphLayout | null): ShapeFlowEdge[] => {
    const next = new Map<string, ShapeFlowEdge>();
    const edges: ShapeFlowEdge[] = [];
    if (!layout) return edges;
    for (const e of view.edges) {
      const route = layout.edges[e.id];
      if (!route || !layout.nodes[e.source] || !layout.nodes[e.target]) continue;
      const old = previous.get(e.id);
      const internal = e.parentId !== null;
      const edge: ShapeFlowEdge =
        old &&
        old.data!.route === route &&
        old.data!.label === e.label &&
        old.data!.trainOnly === e.trainOnly &&
        old.data!.removed === (e.removed === true)
          ? old
          : {
              id: e.id,
              source: e.source,
              target: e.target,
              type: 'shape',
              selectable: false,
              focusable: false,
              zIndex: internal ? 2 : 1,
              data: {
                route,
                label: e.label,
                trainOnly: e.trainOnly,
                internal,
                removed: e.removed === true,
              },
            };
      next.set(e.id, edge);
      edges.push(edge);
    }
    previous = next;
    return edges;
  };
}
