import { product, fail, ok, type LayerDef } from './layerDef';

/** Flattens everything after the batch dimension, in N·C·H·W order (`torch.flatten(x, 1)`). */
export const flatten: LayerDef<Record<string, never>> = {
  kind: 'flatten',
  torchName: 'Flatten',
  infer: (_a, inputs) => ok([inputs[0][0], product(inputs[0].slice(1))]),
  tensors: () => [],
  macs: () => 0,
  describe: () => '',
};

export interface LinearAttrs {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly bias: boolean;
  /** How the template derived inFeatures, for the mismatch message, e.g. "1,024 channels × 1×1". */
  readonly expectation?: string;
}

/** Fully connected layer (PyTorch `Linear`). Its input size is fixed when the network is built. */
export const linear: LayerDef<LinearAttrs> = {
  kind: 'linear',
  torchName: 'Linear',
  infer(a, inputs) {
    const s = inputs[0];
    if (s.length !== 2) {
      return fail({
        code: 'shape.rank',
        message: `a linear layer needs a flat input (N×F) but receives ${s.join('×')}`,
      });
    }
    if (s[1] !== a.inFeatures) {
      return fail({
        code: 'linear.inFeatures',
        field: 'in_size',
        message: `the fully connected layer expects ${a.inFeatures.toLocaleString('en-US')} input features${a.expectation ? ` (${a.expectation})` : ''} but receives ${s[1].toLocaleString('en-US')}`,
      });
    }
    return ok([s[0], a.outFeatures]);
  },
  tensors(a, id) {
    const t = [
      { key: `${id}.weight`, shape: [a.outFeatures, a.inFeatures], role: 'param' as const },
    ];
    if (a.bias) t.push({ key: `${id}.bias`, shape: [a.outFeatures], role: 'param' as const });
    return t;
  },
  macs: (a) => a.inFeatures * a.outFeatures,
  describe: (a) => `${a.inFeatures} → ${a.outFeatures}${a.bias ? '' : ' no bias'}`,
};
