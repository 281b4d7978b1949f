/** The contract every module template implements, and the builder templates write layers with. */
import type { LayerAttrMap, LayerKind } from '../layers/registry';
import type { Layer, Params, Shape } from '../model/types';
import type { ParamDefs, ResolvedParams } from '../model/params';
import type { LayerProblem } from '../layers/layerDef';

export interface ExpandContext {
  /** The module's id; layer ids are prefixed with it. */
  readonly id: string;
  /** Shapes arriving at the module's inputs (already valid). */
  readonly inputs: readonly Shape[];
  /** Layer ids producing those inputs, or `input`. */
  readonly inputIds: readonly string[];
  readonly classes: number;
  /** A fresh builder for this module's layers. */
  builder(): LayerBuilder;
}

export interface Expansion {
  readonly layers: readonly Layer[];
  /** The layer whose output is the module's output. */
  readonly output: string;
  /** Problems the template finds before any layer runs (e.g. wrong input rank). */
  readonly problems?: readonly LayerProblem[];
}

/**
 * One step of a module's inside, shown when the module is opened: a conv block, a pool, a
 * concatenation, an add. Steps form a small graph through their inputs; the module's output step
 * comes last.
 */
export interface ModuleStep {
  /** Local id, unique in the module (`branch2.1`, `branch3x3_2a`). */
  readonly id: string;
  /** What the step shows: "3×3 reduce", "1×3", "avg pool 3×3". */
  readonly title: string;
  /** The branch it belongs to, for grouping and tooltips (`branch2`). */
  readonly group: string;
  /** Full layer ids, in order. */
  readonly layers: readonly string[];
  /** Local ids of the steps it reads, or `in` for the module's input. */
  readonly inputs: readonly string[];
}

/** What the app needs to offer a template for insertion after a selected module. */
export interface InsertSpec {
  /** The menu entry: "Inception module". */
  readonly label: string;
  /** The base of the new module's id (`inception` → `inception_1`). */
  readonly idBase: string;
  /** Parameter values that differ from the template's defaults (a stride-1 max pool keeps the map size). */
  readonly defaults?: Params;
}

export interface ModuleDef<P extends ParamDefs = ParamDefs> {
  readonly kind: string;
  /** Human name: "Inception module". */
  readonly label: string;
  readonly description: string;
  readonly params: P;
  /** How many inputs the module takes. */
  readonly arity: { readonly min: number; readonly max: number };
  /** The parameters that matter for these values (others are kept but not checked); all when absent. */
  active?(raw: Params): readonly string[];
  /** Generates the module's layers from its parameters and input shapes. */
  expand(p: ResolvedParams<P>, ctx: ExpandContext): Expansion;
  /** The module's steps, for opening it in the graph; absent for single-path modules. */
  steps?(p: ResolvedParams<P>, ctx: Pick<ExpandContext, 'id'>): readonly ModuleStep[];
  /** Offered in the app's insert menu when present. */
  readonly insert?: InsertSpec;
  /**
   * How many rows of filter counts its graph node keeps room for (three counts a row; more
   * counts still add rows); one when absent. A model-level fact: core/graph/graphView.ts's
   * openableNodeSize turns rows into pixels, so no template holds a size.
   */
  readonly countRows?: number;
}

/**
 * How a module's layer ids (hence state_dict keys) extend its id: `nested` as a PyTorch submodule
 * does (`inception3a.branch2.0.conv`), `flat` as the Caffe ports do, every layer an attribute of
 * the network itself (`inception_3a_double_3x3_1`, its batch norm `inception_3a_double_3x3_1_bn`).
 */
export type KeyStyle = 'nested' | 'flat';

/** Collects layers with ids prefixed by the module id. */
export class LayerBuilder {
  readonly layers: Layer[] = [];
  constructor(
    readonly moduleId: string,
    readonly keys: KeyStyle = 'nested',
  ) {}

  /** Full id of a module-relative path; the empty path is the module itself. */
  path(local: string): string {
    return local === ''
      ? this.moduleId
      : `${this.moduleId}${this.keys === 'flat' ? '_' : '.'}${local}`;
  }

  /** Adds a layer and returns its full id, to feed to later layers. */
  add<K extends LayerKind>(
    local: string,
    kind: K,
    inputs: readonly string[],
    attrs: LayerAttrMap[K],
  ): string {
    const id = this.path(local);
    this.layers.push({ id, kind, inputs, attrs, module: this.moduleId });
    return id;
  }
}

/** Declares a module template with its parameter types inferred. */
export function defineModule<P extends ParamDefs>(def: ModuleDef<P>): ModuleDef<P> {
  return def;
}
