import type { Padding4, Pair } from '../model/types';
import { expectRank4, fail, ok, type LayerDef } from './layerDef';
import { convLength, fmtKernel, fmtPadding, fmtPair } from './spatial';

export interface Conv2dAttrs {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: Pair;
  readonly stride: Pair;
  readonly padding: Padding4;
  readonly groups: number;
  readonly bias: boolean;
}

/** 2-D convolution (PyTorch `Conv2d`, dilation 1), with any kernel, stride and asymmetric padding. */
export const conv2d: LayerDef<Conv2dAttrs> = {
  kind: 'conv2d',
  torchName: 'Conv2d',
  infer(a, inputs) {
    const rank = expectRank4(inputs, 'a convolution');
    if (rank) return fail(rank);
    const [n, c, h, w] = inputs[0];
    if (c !== a.inChannels) {
      return fail({
        code: 'shape.mismatch',
        message: `the convolution expects ${a.inChannels} input channels but receives ${c}`,
      });
    }
    if (a.inChannels % a.groups !== 0 || a.outChannels % a.groups !== 0) {
      return fail({
        code: 'conv.groups',
        field: 'groups',
        message: `groups (${a.groups}) must divide both ${a.inChannels} input and ${a.outChannels} output channels`,
      });
    }
    const oh = convLength(h, a.kernel[0], a.stride[0], a.padding[0], a.padding[1]);
    const ow = convLength(w, a.kernel[1], a.stride[1], a.padding[2], a.padding[3]);
    if (oh < 1 || ow < 1) {
      return fail({
        code: 'shape.collapsed',
        field: 'kernel',
        message: `the ${fmtKernel(a.kernel)} kernel does not fit its ${h}×${w} input (padding ${fmtPadding(a.padding)}); the output would be ${Math.max(oh, 0)}×${Math.max(ow, 0)}`,
      });
    }
    return ok([n, a.outChannels, oh, ow]);
  },
  tensors(a, id) {
    const t = [
      {
        key: `${id}.weight`,
        shape: [a.outChannels, a.inChannels / a.groups, a.kernel[0], a.kernel[1]],
        role: 'param' as const,
      },
    ];
    if (a.bias) t.push({ key: `${id}.bias`, shape: [a.outChannels], role: 'param' as const });
    return t;
  },
  macs(a, _inputs, out) {
    return out[1] * out[2] * out[3] * (a.inChannels / a.groups) * a.kernel[0] * a.kernel[1];
  },
  describe(a) {
    return `${fmtKernel(a.kernel)}/${fmtPair(a.stride)} p${fmtPadding(a.padding)}${a.bias ? '' : ' no bias'}${a.groups > 1 ? ` g${a.groups}` : ''}`;
  },
};
