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
  /** The shorter side is resized to input / cropPct (rounded by `scaleRounding`), then the centre is cut out. */
  readonly cropPct: number;
  /**
   * How input / cropPct becomes whole pixels: torchvision's recipes name the size (256 for 224,
   * 342 for 299: `round`); timm computes `math.floor(img_size / crop_pct)` (341 for 299 at 0.875).
   */
  readonly scaleRounding: 'round' | 'floor';
  /** The reference's resize filter, as PIL applies it (antialiased when shrinking). */
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
  scaleRounding: 'round',
  interpolation: 'bilinear',
  summary:
    'RGB in [0, 1], ImageNet mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225), resize 256 → crop 224 (torchvision).',
};

/** [−1, 1]: torchvision's transform_input on ImageNet-normalized input, and timm's Inception mean/std of 0.5. */
const halfRange = (
  cropPct: number,
  interpolation: 'bilinear' | 'bicubic',
  scaleRounding: 'round' | 'floor',
  who: string,
): Preprocessing => ({
  channelOrder: 'RGB',
  range: 1,
  mean: [0.5, 0.5, 0.5],
  std: [0.5, 0.5, 0.5],
  cropPct,
  scaleRounding,
  interpolation,
  summary: `RGB in [0, 1], mean 0.5 and std 0.5 per channel (so [−1, 1]), crop ${cropPct}: a ${interpolation} resize of the shorter side to ${scaleRounding}(size / ${cropPct}), then the centre (${who}).`,
});

/** Caffe's BGR in [0, 255] minus per-channel means (given in BGR order). */
const caffe = (mean: readonly [number, number, number], who: string): Preprocessing => ({
  channelOrder: 'BGR',
  range: 255,
  mean,
  std: [1, 1, 1],
  cropPct: 0.875,
  scaleRounding: 'floor',
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
      'round',
      "torchvision's ImageNet normalization followed by its googlenet's transform_input",
    ),
  },
  'googlenet-paper': caffe([104, 117, 123], "Caffe bvlc_googlenet's mean_value"),
  'bn-inception': caffe(
    [104, 117, 128],
    "pretrainedmodels bninception's input_space, input_range and mean",
  ),
  // Its first module, transform_input, does torchvision's rescaling when it is on; with trained
  // weights and that module off, photoRecipe prepares the photo as the module would.
  'inception-v3': {
    ...IMAGENET_PREPROCESSING,
    summary:
      'RGB in [0, 1], ImageNet mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225), resize 342 → crop 299 (torchvision).',
    withTrainedWeights: halfRange(
      0.875,
      'bilinear',
      'round',
      "torchvision's inception_v3 weights: ImageNet normalization followed by transform_input, which torchvision turns on whenever it loads weights",
    ),
  },
  'inception-v4': halfRange(0.875, 'bicubic', 'floor', "timm inception_v4's default_cfg"),
  'inception-resnet-v1': halfRange(
    0.875,
    'bicubic',
    'floor',
    'no published weights: the TF Inception family convention, as timm uses for v4 and IRv2',
  ),
  'inception-resnet-v2': halfRange(
    0.8975,
    'bicubic',
    'floor',
    "timm inception_resnet_v2's default_cfg",
  ),
};

/** The preprocessing of a design's preset; ImageNet's for designs without a known preset. */
export function presetPreprocessing(preset: string | null | undefined): Preprocessing {
  return (
    (preset && Object.prototype.hasOwnProperty.call(PRESET_PREPROCESSING, preset)
      ? PRESET_PREPROCESSING[preset]
      : undefined) ?? IMAGENET_PREPROCESSING
  );
}

/** How a run prepares photos for a design, and why: the recipe and one sentence for the run's notes. */
export interface PhotoRecipe {
  readonly preprocessing: Preprocessing;
  /** Why this recipe, for the run's notes and the Run panel; null for plain ImageNet normalization. */
  readonly note: string | null;
}

/** Whether the design's transform_input module (Inception v3, torchvision GoogLeNet) is on. */
function transformInputOn(design: {
  readonly modules: readonly { readonly kind: string; readonly params: object }[];
}): boolean {
  return design.modules.some(
    (m) => m.kind === 'transformInput' && (m.params as { enabled?: unknown }).enabled === true,
  );
}

/**
 * The one rule every caller (the engine's image input, the Run panel, the export header) uses to
 * choose how photos are prepared. The preset's reference recipe applies; with trained weights
 * (`trainedWeights`: a weights file is loaded) a recipe that the reference applies only with its
 * weights replaces it — torchvision's googlenet and inception_v3 set `transform_input=True`
 * whenever they load weights (torchvision/models/inception.py, googlenet.py), so the photo is
 * scaled to [−1, 1] unless the design's own transform_input module already does it.
 */
export function photoRecipe(
  design: {
    readonly preset: string | null;
    readonly modules: readonly { readonly kind: string; readonly params: object }[];
  },
  trainedWeights: boolean,
): PhotoRecipe {
  const pre = presetPreprocessing(design.preset);
  if (trainedWeights && pre.withTrainedWeights && !transformInputOn(design))
    return {
      preprocessing: pre.withTrainedWeights,
      note: `Images were prepared as the reference's trained weights expect: ${pre.withTrainedWeights.summary} (The design's transform_input is off; switching it on moves this rescaling into the network.)`,
    };
  if (pre === IMAGENET_PREPROCESSING) return { preprocessing: pre, note: null };
  return {
    preprocessing: pre,
    note: `Images were prepared as this preset's reference weights expect: ${pre.summary}`,
  };
}
