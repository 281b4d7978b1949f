/**
 * torchvision's `transform_input` (GoogLeNet and Inception v3 with trained weights): an input
 * normalized with the ImageNet mean and std is rescaled, channel by channel, to the
 * (x − 0.5) / 0.5 range the original TensorFlow weights were trained on:
 * x_c · (std_c / 0.5) + (mean_c − 0.5) / 0.5. Off, it passes the input through unchanged.
 */
import { defineModule } from './moduleDef';

/** torchvision's ImageNet normalization (RGB). */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

export const transformInput = defineModule({
  kind: 'transformInput',
  label: 'transform_input',
  description:
    "torchvision's transform_input: rescales ImageNet-normalized RGB to the [−1, 1] range of the original TensorFlow weights; on only with those weights.",
  params: {
    enabled: {
      type: 'bool',
      label: 'transform_input',
      default: false,
      group: 'structure',
      doc: "On for torchvision's trained weights (transform_input=True); off (the default) passes the input through.",
    },
  },
  arity: { min: 1, max: 1 },
  expand(p, ctx) {
    const b = ctx.builder();
    // Off is the identity map (×1 + 0: exact in float32), so the module keeps one layer either way.
    const scale = IMAGENET_STD.map((s) => (p.enabled ? s / 0.5 : 1));
    const shift = IMAGENET_MEAN.map((m) => (p.enabled ? (m - 0.5) / 0.5 : 0));
    return { layers: b.layers, output: b.add('', 'channelAffine', ctx.inputIds, { scale, shift }) };
  },
});
