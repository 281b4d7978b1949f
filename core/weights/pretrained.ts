/**
 * The reference checkpoints a preset can load, in one table: where each is published, what file it
 * is cached as, how large it is, which key names and class count it has and how its photos must be
 * prepared. `weights fetch`, `weights list`, `run --pretrained` and the app's "Pretrained weights"
 * all read this table. Sources: torchvision 0.14 `models/googlenet.py` and `models/inception.py`
 * (`Weights.url`), timm's Hugging Face repositories `timm/inception_v4.tf_in1k` and
 * `timm/inception_resnet_v2.tf_in1k`, pretrainedmodels' `pretrained_settings` (Cadene).
 */

/** How a checkpoint is stored: a torch pickle (zip), a legacy (pre-1.6) pickle, or safetensors. */
export type CheckpointFormat = 'pickle' | 'legacy-pickle' | 'safetensors';

/** Whose key names the state_dict uses (see core/weights/stateDict.ts for the mapping rules). */
export type KeyScheme = 'torchvision' | 'timm' | 'cadene';

export interface PretrainedCheckpoint {
  /** Stable id (`weights fetch ID`), unique in the table. */
  readonly id: string;
  /** The preset (core/presets) whose design these weights fit. */
  readonly preset: string;
  /** One line naming the reference and its weights, for lists and run notes. */
  readonly reference: string;
  /** Where it is published (http or https). */
  readonly url: string;
  /** The name of the file in the weights cache: a plain file name, no folders. */
  readonly fileName: string;
  /** Exact size in bytes when known (checked before and after download); null when not known. */
  readonly sizeBytes: number | null;
  /** Largest download accepted, in bytes: the bound when the size is not known exactly. */
  readonly maxBytes: number;
  readonly format: CheckpointFormat;
  /** Classifier outputs: 1000, or 1001 for TF-trained Cadene ports (row 0 is "background"). */
  readonly classes: 1000 | 1001;
  readonly keyScheme: KeyScheme;
  /**
   * A key into core/presets/preprocessing.ts's PRESET_PREPROCESSING whose recipe (its
   * `withTrainedWeights` when present) these weights expect.
   */
  readonly preprocessing: string;
  /**
   * Whether torch.hub's rule applies: the hex after `-` in `fileName` must start the file's
   * sha256. The Hugging Face safetensors files carry no hash in their name, so it cannot apply.
   */
  readonly hashRule: boolean;
}

const MiB = 1024 * 1024;

/** Every known checkpoint; per preset the first row is the one `run --pretrained` uses. */
export const PRETRAINED_CHECKPOINTS: readonly PretrainedCheckpoint[] = [
  {
    id: 'torchvision-googlenet',
    preset: 'googlenet-torchvision',
    reference: 'torchvision 0.14 googlenet (IMAGENET1K_V1)',
    url: 'https://download.pytorch.org/models/googlenet-1378be20.pth',
    fileName: 'googlenet-1378be20.pth',
    // About 49.7 MiB; the exact byte count is not recorded here, so only the bound applies.
    sizeBytes: null,
    maxBytes: 64 * MiB,
    format: 'pickle',
    classes: 1000,
    keyScheme: 'torchvision',
    preprocessing: 'googlenet-torchvision',
    hashRule: true,
  },
  {
    id: 'torchvision-inception_v3',
    preset: 'inception-v3',
    reference: 'torchvision 0.14 inception_v3 (IMAGENET1K_V1, ported from TensorFlow)',
    url: 'https://download.pytorch.org/models/inception_v3_google-0cc3c7bd.pth',
    fileName: 'inception_v3_google-0cc3c7bd.pth',
    sizeBytes: 108_949_747,
    maxBytes: 108_949_747,
    format: 'pickle',
    classes: 1000,
    keyScheme: 'torchvision',
    preprocessing: 'inception-v3',
    hashRule: true,
  },
  {
    id: 'timm-inception_v4.tf_in1k',
    preset: 'inception-v4',
    reference: 'timm inception_v4.tf_in1k (ported from TensorFlow)',
    url: 'https://huggingface.co/timm/inception_v4.tf_in1k/resolve/main/model.safetensors',
    fileName: 'timm-inception_v4.tf_in1k.safetensors',
    // About 171 MB.
    sizeBytes: null,
    maxBytes: 256 * MiB,
    format: 'safetensors',
    classes: 1000,
    keyScheme: 'timm',
    preprocessing: 'inception-v4',
    hashRule: false,
  },
  {
    id: 'timm-inception_resnet_v2.tf_in1k',
    preset: 'inception-resnet-v2',
    reference: 'timm inception_resnet_v2.tf_in1k (ported from TensorFlow)',
    url: 'https://huggingface.co/timm/inception_resnet_v2.tf_in1k/resolve/main/model.safetensors',
    fileName: 'timm-inception_resnet_v2.tf_in1k.safetensors',
    // About 224 MB.
    sizeBytes: null,
    maxBytes: 320 * MiB,
    format: 'safetensors',
    classes: 1000,
    keyScheme: 'timm',
    preprocessing: 'inception-resnet-v2',
    hashRule: false,
  },
  {
    id: 'cadene-bninception',
    preset: 'bn-inception',
    reference: 'pretrainedmodels (Cadene) bninception, imagenet (ported from Caffe)',
    url: 'http://data.lip6.fr/cadene/pretrainedmodels/bn_inception-52deb4733.pth',
    fileName: 'bn_inception-52deb4733.pth',
    sizeBytes: null,
    maxBytes: 128 * MiB,
    format: 'legacy-pickle',
    classes: 1000,
    keyScheme: 'cadene',
    preprocessing: 'bn-inception',
    hashRule: true,
  },
  {
    id: 'cadene-inceptionv4',
    preset: 'inception-v4',
    reference: 'pretrainedmodels (Cadene) inceptionv4, imagenet+background (1001 classes)',
    url: 'http://data.lip6.fr/cadene/pretrainedmodels/inceptionv4-8e4777a0.pth',
    fileName: 'inceptionv4-8e4777a0.pth',
    sizeBytes: null,
    maxBytes: 256 * MiB,
    format: 'legacy-pickle',
    classes: 1001,
    keyScheme: 'cadene',
    preprocessing: 'inception-v4',
    hashRule: true,
  },
  {
    id: 'cadene-inceptionresnetv2',
    preset: 'inception-resnet-v2',
    reference: 'pretrainedmodels (Cadene) inceptionresnetv2, imagenet+background (1001 classes)',
    url: 'http://data.lip6.fr/cadene/pretrainedmodels/inceptionresnetv2-520b38e4.pth',
    fileName: 'inceptionresnetv2-520b38e4.pth',
    sizeBytes: null,
    maxBytes: 320 * MiB,
    format: 'legacy-pickle',
    classes: 1001,
    keyScheme: 'cadene',
    preprocessing: 'inception-resnet-v2',
    hashRule: true,
  },
];

/** The checkpoint with this id, else the first for this preset name; undefined when neither is known. */
export function findPretrained(idOrPreset: string): PretrainedCheckpoint | undefined {
  return PRETRAINED_CHECKPOINTS.find((c) => c.id === idOrPreset) ?? pretrainedForPreset(idOrPreset);
}

/** The checkpoint `run --pretrained` uses for a design of `preset`; undefined when none is known. */
export function pretrainedForPreset(
  preset: string | null | undefined,
): PretrainedCheckpoint | undefined {
  return preset ? PRETRAINED_CHECKPOINTS.find((c) => c.preset === preset) : undefined;
}

/** The known checkpoint published at exactly `url`, if any. */
export function pretrainedForUrl(url: string): PretrainedCheckpoint | undefined {
  return PRETRAINED_CHECKPOINTS.find((c) => c.url === url);
}

/** torch.hub's `HASH_REGEX = re.compile(r'-([a-f0-9]*)\.')`, used with `search` (leftmost match). */
const HASH_REGEX = /-([a-f0-9]*)\./;

/**
 * The hash prefix torch.hub reads from a file name: `HASH_REGEX.search(filename).group(1)`, or null
 * when the pattern does not match (torch then checks nothing). Lower-case hex only; the leftmost
 * `-hex.` wins, so `googlenet-1378be20.pth` → `1378be20`, `a-b-cd.pth` → `cd` (after `-b` comes `-`,
 * not `.`), `foo-.pth` → `` (an empty prefix, which any file passes), and
 * `timm-inception_v4.tf_in1k.safetensors` → null. Source: torch/hub.py (`load_state_dict_from_url`).
 */
export function hashPrefixOf(fileName: string): string | null {
  const m = HASH_REGEX.exec(fileName);
  return m ? m[1] : null;
}

/**
 * Whether `name` may be a file in the cache: a plain name (no `/`, `\`, NUL or control
 * characters, not `.` or `..`, not hidden, at most 200 characters).
 */
export function isPlainFileName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 200 &&
    !/[/\\\u0000-\u001f\u007f]/.test(name) &&
    !name.startsWith('.')
  );
}
