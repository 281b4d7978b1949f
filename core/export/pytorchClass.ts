/**
 * What a helper class of the PyTorch export is (a class the exported file defines and the network
 * builds instances of), and what templates share to write one: ConvBlock's flavor options.
 */
import { call, pyFloat, type PyCall, type PyExpr } from './python';

/** ConvBlock, InceptionBlock, NaiveInceptionBlock, AuxHead, or a block template's class (InceptionA, …). */
export type HelperName = string;

/** One instance of a helper class: the Python literal of each of its option values. */
export interface ClassUse {
  readonly cls: HelperName;
  readonly values: Readonly<Record<string, string>>;
}

/** How one option of a class resolved over every instance of the design. */
export interface ResolvedOption {
  readonly name: string;
  /** True when instances differ: the option is a keyword argument. */
  readonly varying: boolean;
  /** The constant (when uniform) or the keyword argument's default (the most common value). */
  readonly value: string;
  /** What the class body writes: the constant, or the argument's name. */
  readonly expr: string;
}

export interface ClassContext {
  readonly uses: readonly ClassUse[];
  opt(name: string): ResolvedOption;
  /** Keyword arguments that hand this class's options on to a helper it builds (`eps=eps`, `bias=False`). */
  handOn(cls: HelperName, names: readonly string[]): string[];
  /** The `def __init__(...)` line(s): the positional names, then the varying options. */
  init(positional: readonly string[]): string[];
}

/**
 * What a module's code generation may ask of the export's helper classes: the constructor call of
 * one instance (core/export/pytorchHelpers.ts's HelperClasses answers it). An interface here, so
 * templates that write their own Python need not import the class that lists them.
 */
export interface HelperCalls {
  call(use: ClassUse, args: readonly PyExpr[]): PyCall;
}

export interface HelperClass {
  readonly name: HelperName;
  readonly options: readonly string[];
  /** The helpers one instance builds inside, given how this class's options resolved. */
  inner?(use: ClassUse, ctx: ClassContext): ClassUse[];
  /** The class's source lines. */
  render(ctx: ClassContext): string[];
}

/** Options a class shares with ConvBlock and hands on to the conv blocks it builds. */
export const CONV_FLAVOR = ['bias', 'eps', 'bn_name'] as const;

/** The ConvBlock option values of a flavor (conv bias, BN eps, BN attribute name). */
export function convFlavor(values: Readonly<Record<string, string>>, uneven: boolean): ClassUse {
  return {
    cls: 'ConvBlock',
    values: {
      bias: values.bias,
      eps: values.eps,
      bn_name: values.bn_name,
      uneven: uneven ? 'True' : 'False',
    },
  };
}

/** A ConvBlock constructor call inside a class, handing on the options ConvBlock takes from it. */
export function convCall(ctx: ClassContext, args: readonly string[]): PyCall {
  return call('ConvBlock', [...args, ...ctx.handOn('ConvBlock', CONV_FLAVOR)]);
}

/** The ConvBlock option values of a template's flavor parameters (conv bias, BN eps, BN attribute name). */
export function flavorValues(p: {
  conv_bias: boolean;
  bn_eps: number;
  bn_name: string;
}): Record<string, string> {
  return {
    bias: p.conv_bias ? 'True' : 'False',
    eps: pyFloat(p.bn_eps),
    bn_name: JSON.stringify(p.bn_name),
  };
}
