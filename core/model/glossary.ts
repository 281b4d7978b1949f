/**
 * One paragraph per term the app uses, with the paper or library it comes from. The renderer shows
 * them where the term appears (a field's label, a node's badge, the totals bar) and in the help
 * sheet; the texts live here, as data, so every view says the same thing.
 */

/** The id of a term the app explains. */
export type GlossaryTermId =
  | 'reduce'
  | 'poolProj'
  | 'ceilMode'
  | 'countIncludePad'
  | 'bn'
  | 'transformInput'
  | 'auxHead'
  | 'residualScale'
  | 'macs';

/** One explained term: its name as the app shows it, one paragraph, and where it comes from. */
export interface GlossaryEntry {
  readonly id: GlossaryTermId;
  /** The name as the app shows it: "3×3 reduce", "ceil mode". */
  readonly term: string;
  /** One paragraph, plain sentences. */
  readonly text: string;
  /** The paper or library the term comes from, as a reader would cite it. */
  readonly source: string;
}

/** Every explained term, in the order the help sheet lists them. */
export const GLOSSARY: readonly GlossaryEntry[] = [
  {
    id: 'reduce',
    term: 'reduce (1×1 reduction)',
    text: 'A "3×3 reduce" or "5×5 reduce" count is the number of 1×1 filters that shrink the channels before the larger convolution of the same branch. The 3×3 or 5×5 then works on fewer channels, which is what keeps an inception module affordable: the paper calls this dimension reduction. The naive form has no reductions.',
    source: 'Szegedy et al., "Going deeper with convolutions" (2014), section 4',
  },
  {
    id: 'poolProj',
    term: 'pool proj (pool projection)',
    text: 'The fourth branch of an inception module max-pools its input (3×3, stride 1, so the map size is kept) and then applies 1×1 filters; "pool proj" is the number of those filters. Without the projection the pooled branch would pass all input channels through and the module\'s output would only grow.',
    source: 'Szegedy et al., "Going deeper with convolutions" (2014), table 1',
  },
  {
    id: 'ceilMode',
    term: 'ceil mode',
    text: "How a pooling layer rounds its output size when the window does not fit a whole number of times: floor (the default) drops the last partial window, ceil keeps it. Caffe always rounds up, so ports of Caffe models (torchvision's GoogLeNet) set ceil_mode=True to get the same map sizes, e.g. 112 → 56 rather than 55 after a 3×3 stride-2 pool.",
    source: 'PyTorch, torch.nn.MaxPool2d (ceil_mode); Caffe pooling layer',
  },
  {
    id: 'countIncludePad',
    term: 'count_include_pad',
    text: "Whether an average pool divides by the whole window, zero padding included (True, PyTorch's default), or only by the input pixels under it (False). It changes the values at the border, not the shapes. Inception v3 and v4 as ported from TensorFlow average without the padding (count_include_pad=False).",
    source: 'PyTorch, torch.nn.AvgPool2d (count_include_pad)',
  },
  {
    id: 'bn',
    term: 'BN (batch normalization), BN attribute and flavor',
    text: 'A BatchNorm2d after each convolution normalizes every channel by its batch statistics while training and by running averages in eval, then scales and shifts it with two learned vectors. Its "attribute" is the name the layer has in the state_dict (bn in torchvision, batchnorm elsewhere), which a checkpoint\'s keys must match; the flavor settings (conv bias, BN eps) follow the reference implementation the weights come from (torchvision: no bias, eps 0.001).',
    source:
      'Ioffe & Szegedy, "Batch Normalization" (2015); torchvision models/googlenet.py BasicConv2d',
  },
  {
    id: 'transformInput',
    term: 'transform_input',
    text: "torchvision's GoogLeNet and Inception v3 weights were trained in TensorFlow on inputs scaled to [−1, 1]. With transform_input=True the network first rescales an ImageNet-normalized RGB input, channel by channel, to that range, so the usual torchvision preprocessing can be used; it is on only with those trained weights.",
    source: 'torchvision, models/googlenet.py and models/inception.py (_transform_input)',
  },
  {
    id: 'auxHead',
    term: 'aux head (auxiliary classifier)',
    text: 'A small classifier attached to an intermediate module. Its loss is added (weighted 0.3 in the paper, 0.4 in v3) while training, to push gradient into the lower layers; at eval it is switched off and not on the path from input to prediction. Its fixed average pool is built for one map size, so it is the first part to stop fitting at other input sizes.',
    source:
      'Szegedy et al., "Going deeper with convolutions" (2014), section 5; torchvision InceptionAux',
  },
  {
    id: 'residualScale',
    term: 'residual scale',
    text: "In an Inception-ResNet block the branches' 1×1 projection is multiplied by a small constant (0.1 to 0.3) before it is added to the block's input. The paper found that without this scaling very deep residual inception networks died early in training.",
    source:
      'Szegedy et al., "Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning" (2016), section 3.3',
  },
  {
    id: 'macs',
    term: 'MACs (multiply-accumulates)',
    text: "The number of multiply-add pairs one image needs through the convolutions and linear layers: for a convolution, output elements × input channels per group × kernel height × kernel width. Tools differ: FLOPs are usually 2 × MACs, some counters add batch norm, ReLU and pools, and some report the whole batch. The app counts conv and linear MACs per image on the eval path, as torchvision's model table and fvcore do.",
    source: 'torchvision model documentation (GFLOPS column); fvcore FlopCountAnalysis',
  },
];

const BY_ID = new Map(GLOSSARY.map((e) => [e.id, e]));

/** The entry of a term. */
export function glossaryEntry(id: GlossaryTermId): GlossaryEntry {
  return BY_ID.get(id)!;
}

/**
 * The term a module parameter stands for, by its name in the template (`red_3x3` → reduce,
 * `pool_ceil` → ceil mode, `bn_name` → BN; the transform_input module's `enabled`), or null when
 * the app has no paragraph for it.
 */
export function termForParam(field: string, kind?: string): GlossaryTermId | null {
  if (kind === 'transformInput' && field === 'enabled') return 'transformInput';
  if (/^red(_|$)|reduce/.test(field)) return 'reduce';
  if (/1x1pool|pool_proj|pool_features/.test(field)) return 'poolProj';
  if (/ceil/.test(field)) return 'ceilMode';
  if (field === 'count_include_pad') return 'countIncludePad';
  if (/^bn_|^conv_bias$|^norm$/.test(field)) return 'bn';
  if (field === 'scale') return 'residualScale';
  return null;
}

/** The term a module kind stands for (an aux head, transform_input), or null. */
export function termForModule(kind: string): GlossaryTermId | null {
  if (/aux/i.test(kind)) return 'auxHead';
  if (kind === 'transformInput') return 'transformInput';
  return null;
}
