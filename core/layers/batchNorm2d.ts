import { expectRank4, fail, ok, type LayerDef } from './layerDef';

export interface BatchNorm2dAttrs {
  readonly channels: number;
  readonly eps: number;
  readonly momentum: number;
}

/** Batch normalization over channels (PyTorch `BatchNorm2d`, affine, tracking running stats). */
export const batchNorm2d: LayerDef<BatchNorm2dAttrs> = {
  kind: 'batchNorm2d',
  torchName: 'BatchNorm2d',
  infer(a, inputs) {
    const rank = expectRank4(inputs, 'batch normalization');
    if (rank) return fail(rank);
    if (inputs[0][1] !== a.channels) {
      return fail({
        code: 'shape.mismatch',
        message: `batch normalization expects ${a.channels} channels but receives ${inputs[0][1]}`,
      });
    }
    return ok(inputs[0]);
  },
  tensors(a, id) {
    return [
      { key: `${id}.weight`, shape: [a.channels], role: 'param' },
      { key: `${id}.bias`, shape: [a.channels], role: 'param' },
      { key: `${id}.running_mean`, shape: [a.channels], role: 'buffer' },
      { key: `${id}.running_var`, shape: [a.channels], role: 'buffer' },
      { key: `${id}.num_batches_tracked`, shape: [], role: 'counter' },
    ];
  },
  macs: () => 0,
  describe: (a) => `eps ${a.eps}`,
};
