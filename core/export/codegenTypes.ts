/**
 * The types a module kind's PyTorch code generation is written against. A leaf: the exporter
 * (pytorchCodegen.ts, pytorch.ts) and the templates that write their own Python
 * (core/modules/googlenetPython.ts) both import it, so neither imports the other.
 */
import type { ModuleDefOf, ModuleKind } from '../modules/registry';
import type { ResolvedParams } from '../model/params';
import type { Shape } from '../model/types';
import type { PyExpr } from './python';
import type { ClassUse, HelperCalls } from './pytorchClass';

/** The resolved (typed, defaulted) parameters of a module kind. */
export type ParamsOf<K extends ModuleKind> = ResolvedParams<ModuleDefOf<K>['params']>;

/** What one module's code generation sees: its id, resolved parameters `p`, and NCHW shapes. */
export interface CodegenContext<P> {
  readonly id: string;
  readonly p: P;
  readonly inputShapes: readonly Shape[];
  readonly outputShape: Shape;
  /** A feature count as Python: `num_classes` when the parameter follows the design's classes. */
  count(field: string, value: number): string;
}

/** How one module kind is written in PyTorch: its `__init__` attribute and its `forward()` line. */
export interface ModuleCodegen<P> {
  /** The helper-class instance the module is, when it is one; registered before any code is written. */
  use?(ctx: CodegenContext<P>): ClassUse | null;
  /** The constructor of `self.<id>`; null when the module is only an operation in forward(). */
  init(ctx: CodegenContext<P>, helpers: HelperCalls): PyExpr | null;
  /** The module's output from its inputs; `self` reaches its attribute (`self.conv1`). */
  forward(ctx: CodegenContext<P>, inputs: readonly string[], self: string): PyExpr;
  /** A comment for the forward line, when the code needs a word of explanation. */
  note?(ctx: CodegenContext<P>): string | null;
}
