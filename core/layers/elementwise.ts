/** Layers that keep their input's shape or join inputs: ReLU, dropout, scale, LRN, add, concat. */
import type { Shape } from '../model/types';
import { expectRank4, fail, ok, type LayerDef } from './layerDef';

const same = (inputs: readonly Shape[]) => ok(inputs[0]);

/** ReLU (PyTorch `ReLU`). */
export const relu: LayerDef<Record<string, never>> = {
  kind: 'relu',
  torchName: 'ReLU',
  infer: (_a, inputs) => same(inputs),
  tensors: () => [],
  macs: () => 0,
  describe: () => '',
};

export interface DropoutAttrs {
  readonly p: number;
}

/** Dropout (PyTorch `Dropout`): identity in eval mode. */
export const dropout: LayerDef<DropoutAttrs> = {
  kind: 'dropout',
  torchName: 'Dropout',
  infer: (_a, inputs) => same(inputs),
  tensors: () => [],
  macs: () => 0,
  describe: (a) => `p ${a.p}`,
};

export interface ScaleAttrs {
  readonly factor: number;
}

/** Multiplies by a constant (the residual scaling of Inception-ResNet). */
export const scale: LayerDef<ScaleAttrs> = {
  kind: 'scale',
  torchName: 'Scale',
  infer: (_a, inputs) => same(inputs),
  tensors: () => [],
  macs: () => 0,
  describe: (a) => `× ${a.factor}`,
};

export interface LocalResponseNormAttrs {
  readonly size: number;
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;
}

/** Local response normalization across channels (PyTorch `LocalResponseNorm`), as in the original GoogLeNet. */
export const localResponseNorm: LayerDef<LocalResponseNormAttrs> = {
  kind: 'localResponseNorm',
  torchName: 'LocalResponseNorm',
  infer(_a, inputs) {
    const rank = expectRank4(inputs, 'local response normalization');
    return rank ? fail(rank) : ok(inputs[0]);
  },
  tensors: () => [],
  macs: () => 0,
  describe: (a) => `size ${a.size}`,
};

/** Element-wise sum of same-shaped inputs (residual connections). */
export const add: LayerDef<Record<string, never>> = {
  kind: 'add',
  torchName: 'Add',
  infer(_a, inputs) {
    const first = inputs[0];
    for (const s of inputs.slice(1)) {
      if (s.length !== first.length || s.some((d, i) => d !== first[i])) {
        return fail({
          code: 'shape.mismatch',
          message: `the sum joins tensors of different shapes (${first.join('×')} and ${s.join('×')})`,
        });
      }
    }
    return ok(first);
  },
  tensors: () => [],
  macs: () => 0,
  describe: () => '',
};

/** Concatenation along channels (`torch.cat(..., 1)`), how inception branches join. */
export const concat: LayerDef<Record<string, never>> = {
  kind: 'concat',
  torchName: 'Concat',
  infer(_a, inputs) {
    for (const s of inputs) {
      const rank = expectRank4([s], 'a channel concatenation');
      if (rank) return fail(rank);
    }
    const [n, , h, w] = inputs[0];
    let c = 0;
    for (const s of inputs) {
      if (s[0] !== n || s[2] !== h || s[3] !== w) {
        return fail({
          code: 'shape.mismatch',
          message: `the branches produce maps of different sizes (${inputs.map((x) => `${x[2]}×${x[3]}`).join(', ')}) and cannot be concatenated`,
        });
      }
      c += s[1];
    }
    return ok([n, c, h, w]);
  },
  tensors: () => [],
  macs: () => 0,
  describe: () => 'channels',
};

export interface ChannelAffineAttrs {
  /** Per-channel factor and offset: y[:, c] = x[:, c] · scale[c] + shift[c]. */
  readonly scale: readonly number[];
  readonly shift: readonly number[];
}

/** A fixed per-channel affine map without state (torchvision's `transform_input`). */
export const channelAffine: LayerDef<ChannelAffineAttrs> = {
  kind: 'channelAffine',
  torchName: 'ChannelAffine',
  infer(a, inputs) {
    const problem = expectRank4(inputs, 'a per-channel transform');
    if (problem) return fail(problem);
    if (inputs[0][1] !== a.scale.length) {
      return fail({
        code: 'shape.mismatch',
        message: `the per-channel transform is defined for ${a.scale.length} channels but receives ${inputs[0][1]}`,
      });
    }
    return ok(inputs[0]);
  },
  tensors: () => [],
  macs: () => 0,
  describe: (a) =>
    `x·[${a.scale.map((v) => +v.toFixed(3)).join(', ')}] + [${a.shift.map((v) => +v.toFixed(3)).join(', ')}]`,
};
