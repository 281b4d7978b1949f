/** The React Flow node and edge types of the canvas: one node kind per view kind (core/graph/graphView.ts). */
import type { Edge, Node } from '@xyflow/react';
import type { EdgeRoute, StageBand } from '../../core/graph/layout';
import type {
  InceptionNodeView,
  InputNodeView,
  JoinNodeView,
  ModuleNodeView,
  OutputNodeView,
  StepNodeView,
} from '../../core/graph/graphView';

/** How a module's shape measured in the last run compares with core's: ✓, ✗, or not run. */
export type RunCheck = 'match' | 'mismatch' | null;

/** Marks from trained weights and what-ifs: modules that started from fresh weights, modules with a what-if, steps switched off. */
export interface NodeMarks {
  readonly fresh?: boolean;
  readonly whatIf?: boolean;
  readonly off?: boolean;
}

export type InputFlowNode = Node<{ view: InputNodeView }, 'networkInput'>;
export type OutputFlowNode = Node<{ view: OutputNodeView }, 'networkOutput'>;
export type ModuleFlowNode = Node<
  { view: ModuleNodeView; check: RunCheck; marks?: NodeMarks },
  'module'
>;
export type InceptionFlowNode = Node<
  { view: InceptionNodeView; check: RunCheck; marks?: NodeMarks },
  'inception'
>;
export type StepFlowNode = Node<{ view: StepNodeView; marks?: NodeMarks }, 'step'>;
export type JoinFlowNode = Node<{ view: JoinNodeView }, 'join'>;

/** A stage's labelled band behind its modules (not selectable, not focusable). */
export type StageFlowNode = Node<{ band: StageBand }, 'stage'>;

export type FlowNode =
  | InputFlowNode
  | OutputFlowNode
  | ModuleFlowNode
  | InceptionFlowNode
  | StepFlowNode
  | JoinFlowNode
  | StageFlowNode;

export interface ShapeEdgeData extends Record<string, unknown> {
  route: EdgeRoute;
  label: string;
  trainOnly: boolean;
  internal: boolean;
  /** Leads to a removed module's ghost (a comparison). */
  removed: boolean;
}

export type ShapeFlowEdge = Edge<ShapeEdgeData, 'shape'>;
