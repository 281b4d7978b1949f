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

/** A labelled group of a module's layers, shown when the module is opened (an inception branch). */
export interface Branch {
  readonly id: string;
  readonly label: string;
  /** Full layer ids, in order. */
  readonly layers: readonly string[];
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
  /** The module's branches, for opening it in the graph; absent for single-path modules. */
  branches?(p: ResolvedParams<P>, ctx: Pick<ExpandContext, 'id'>): readonly Branch[];
}

/** Collects layers with ids prefixed by the module id. */
export class LayerBuilder {
  readonly layers: Layer[] = [];
  constructor(readonly moduleId: string) {}

  /** Full id of a module-relative path; the empty path is the module itself. */
  path(local: string): string {
    return local === '' ? this.moduleId : `${this.moduleId}.${local}`;
  }

  /** Adds a layer and returns its full id, to feed to later layers. */
  add<K extends LayerKind>(local: string, kind: K, inputs: readonly string[], attrs: LayerAttrMap[K]): string {
    const id = this.path(local);
    this.layers.push({ id, kind, inputs, attrs, module: this.moduleId });
    return id;
  }
}

/** Declares a module template with its parameter types inferred. */
export function defineModule<P extends ParamDefs>(def: ModuleDef<P>): ModuleDef<P> {
  return def;
}
