/**
 * How each preset's reference expects a photo, so a user with that reference's trained weights gets
 * its predictions: channel order, value range, per-channel mean and std (in that channel order),
 * and the resize-and-crop ratio. Sources: torchvision's ImageNet transforms (and transform_input),
 * timm's default_cfg, pretrainedmodels' pretrained_settings, Caffe's train_val.prototxt.
 */

export interface Preprocessing {
  /** The order of the three input channels. */
  readonly channelOrder: 'RGB' | 'BGR';
  /** Pixel values are scaled to 0..range (1 or 255) before the mean is subtracted. */
  readonly range: 1 | 255;
  /** Per-channel mean and std, in `channelOrder`. */
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  /** The shorter side is resized to input / cropPct, then the centre is cut out. */
  readonly cropPct: number;
  /** The reference's resize filter (the app resizes bilinearly with antialiasing, as PIL does). */
  readonly interpolation: 'bilinear' | 'bicubic';
  /** One line for the Run panel, the exported file and README. */
  readonly summary: string;
  /**
   * What the reference's trained weights expect when it differs from how the preset is built:
   * torchvision's googlenet weights want transform_input, which the preset (built with
   * transform_input=False) leaves to the input.
   */
  readonly withTrainedWeights?: Preprocessing;
}

/** torchvision's ImageNet normalization: RGB in [0, 1], mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225). */
export const IMAGENET_PREPROCESSING: Preprocessing = {
  channelOrder: 'RGB',
  range: 1,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  cropPct: 0.875,
  interpolation: 'bilinear',
  summary:
    'RGB in [0, 1], ImageNet mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225), resize 256 → crop 224 (torchvision).',
};

/** [−1, 1]: torchvision's transform_input on ImageNet-normalized input, and timm's Inception mean/std of 0.5. */
const halfRange = (
  cropPct: number,
  interpolation: 'bilinear' | 'bicubic',
  who: string,
): Preprocessing => ({
  channelOrder: 'RGB',
  range: 1,
  mean: [0.5, 0.5, 0.5],
  std: [0.5, 0.5, 0.5],
  cropPct,
  interpolation,
  summary: `RGB in [0, 1], mean 0.5 and std 0.5 per channel (so [−1, 1]), crop ${cropPct} (${who}${interpolation === 'bicubic' ? ', which resizes bicubically; the app resizes bilinearly' : ''}).`,
});

/** Caffe's BGR in [0, 255] minus per-channel means (given in BGR order). */
const caffe = (mean: readonly [number, number, number], who: string): Preprocessing => ({
  channelOrder: 'BGR',
  range: 255,
  mean,
  std: [1, 1, 1],
  cropPct: 0.875,
  interpolation: 'bilinear',
  summary: `BGR in [0, 255] minus the means (${mean.join(', ')}), std 1, crop 224 of 256 (${who}).`,
});

/** What each preset's reference weights expect. */
export const PRESET_PREPROCESSING: Readonly<Record<string, Preprocessing>> = {
  googlenet: IMAGENET_PREPROCESSING,
  'googlenet-torchvision': {
    ...IMAGENET_PREPROCESSING,
    withTrainedWeights: halfRange(
      0.875,
      'bilinear',
      "torchvision's ImageNet normalization followed by its googlenet's transform_input",
    ),
  },
  'googlenet-paper': caffe([104, 117, 123], "Caffe bvlc_googlenet's mean_value"),
  'bn-inception': caffe(
    [104, 117, 128],
    "pretrainedmodels bninception's input_space, input_range and mean",
  ),
  // Its first module, transform_input, does torchvision's rescaling when it is on.
  'inception-v3': IMAGENET_PREPROCESSING,
  'inception-v4': halfRange(0.875, 'bicubic', "timm inception_v4's default_cfg"),
  'inception-resnet-v1': halfRange(
    0.875,
    'bicubic',
    'no published weights: the TF Inception family convention, as timm uses for v4 and IRv2',
  ),
  'inception-resnet-v2': halfRange(0.8975, 'bicubic', "timm inception_resnet_v2's default_cfg"),
};

/** The preprocessing of a design's preset; ImageNet's for designs without a known preset. */
export function presetPreprocessing(preset: string | null | undefined): Preprocessing {
  return (
    (preset && Object.prototype.hasOwnProperty.call(PRESET_PREPROCESSING, preset)
      ? PRESET_PREPROCESSING[preset]
      : undefined) ?? IMAGENET_PREPROCESSING
  );
}
