/** The contract every primitive layer kind implements: its own shape, parameter and cost answers. */
import type { IssueCode, Shape, TensorSpec } from '../model/types';

/** A problem a layer finds with its inputs; the analysis attaches the module id. */
export interface LayerProblem {
  readonly code: IssueCode;
  /** The module parameter most responsible, when the template can tell. */
  readonly field?: string;
  /** A sentence without the module prefix, e.g. "the 7×7 pooling window is larger than its 4×4 input". */
  readonly message: string;
}

export type InferResult =
  | { readonly ok: true; readonly shape: Shape }
  | { readonly ok: false; readonly problems: readonly LayerProblem[] };

export interface LayerDef<A> {
  readonly kind: string;
  /** PyTorch class name, for summaries: `Conv2d`, `BatchNorm2d`, ... */
  readonly torchName: string;
  /** Output shape for these input shapes, or the problems that prevent one. */
  infer(attrs: A, inputs: readonly Shape[]): InferResult;
  /** The state_dict entries this layer owns (weights, biases, BN statistics). */
  tensors(attrs: A, id: string): TensorSpec[];
  /** Multiply-accumulates per image (conv and linear only, as torchvision counts them). */
  macs(attrs: A, inputs: readonly Shape[], output: Shape): number;
  /** A short description of the settings for summaries, e.g. "7×7/2 p3". */
  describe(attrs: A): string;
}

export const ok = (shape: Shape): InferResult => ({ ok: true, shape });
export const fail = (...problems: LayerProblem[]): InferResult => ({ ok: false, problems });

export function product(xs: readonly number[]): number {
  let p = 1;
  for (const x of xs) p *= x;
  return p;
}

/** Requires a rank-4 input; returns a problem otherwise. */
export function expectRank4(inputs: readonly Shape[], what: string): LayerProblem | null {
  const s = inputs[0];
  if (!s || s.length !== 4) {
    return {
      code: 'shape.rank',
      message: `${what} needs a feature map (N×C×H×W) but receives ${s ? s.join('×') : 'nothing'}`,
    };
  }
  return null;
}
