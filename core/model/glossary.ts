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
  | 'macs'
  | ConventionTermId;

/** The term of a counting convention (core/analysis/conventions.ts): `convention.ptflops`. */
export type ConventionTermId = `convention.${ConventionId}`;

/** The counting tools whose figures the summary can show, in the order it lists them. */
export const CONVENTION_IDS = [
  'torchvision',
  'fvcore',
  'ptflops',
  'thop',
  'flops',
  'torchinfo',
  'keras',
  'onnx-folded',
  'timm-activations',
] as const;

/** The id of a counting convention, by the tool whose figure it reproduces. */
export type ConventionId = (typeof CONVENTION_IDS)[number];

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
    text: "The number of multiply-add pairs one image needs through the convolutions and linear layers: for a convolution, output elements × input channels per group × kernel height × kernel width. Tools differ: FLOPs are usually 2 × MACs, some counters add batch norm, ReLU and pools, and some report the whole batch. The app counts conv and linear MACs per image on the eval path, as torchvision's model table does; the summary's convention switch shows what the other tools report.",
    source: 'torchvision model documentation (GFLOPS column)',
  },
  {
    id: 'convention.torchvision',
    term: 'torchvision MACs',
    text: "Multiply-accumulates of the convolutions and linear layers for one image on the eval path (aux heads off), biases, batch norm, ReLU and pools not counted: for a convolution, output elements × input channels per group × kernel height × kernel width; for a linear layer, in × out features. This is the figure the app shows by default and the one torchvision's model table lists as GFLOPS.",
    source:
      'torchvision model documentation (GFLOPS column); torchvision models/googlenet.py, inception.py',
  },
  {
    id: 'convention.fvcore',
    term: 'fvcore FLOPs',
    text: 'fvcore\'s FlopCountAnalysis traces one image in eval mode and counts, with one "flop" per multiply-add, the convolutions and linear layers as MACs without their biases, each batch norm as 2 per input element (1 without affine; 5 per element in training), and each adaptive average pool as 1 per input element. ReLU, max and plain average pools, concatenation and additions are not counted (it warns about them as unsupported operators). timm\'s benchmark reports this total as GMACs.',
    source:
      'facebookresearch/fvcore, fvcore/nn/flop_count.py (_DEFAULT_SUPPORTED_OPS) and fvcore/nn/jit_handles.py',
  },
  {
    id: 'convention.ptflops',
    term: 'ptflops MACs',
    text: "ptflops' get_model_complexity_info (default pytorch backend) runs one image in eval mode: a convolution counts its MACs plus one per output element when it has a bias, a batch norm 2 per input element (affine), a linear layer (in × out + bias) per row, ReLU 1 per element and every pool 1 per input element. It also patches torch.nn.functional, so an F.relu or F.max_pool2d call counts once more; an nn.ReLU or nn.MaxPool2d module, whose forward calls F.relu or F.max_pool2d, is therefore counted twice. The app counts ReLUs and pools as torchvision writes them: the ReLU of a conv block (BasicConv2d) and the pools inside Inception v3's blocks are functional calls, a pool that is a module of its own or an nn.Sequential element is a module.",
    source:
      'sovrasov/flops-counter.pytorch 0.7.5, ptflops/pytorch_ops.py (MODULES_MAPPING, FUNCTIONAL_MAPPING) and ptflops/pytorch_engine.py',
  },
  {
    id: 'convention.thop',
    term: 'thop MACs',
    text: "thop's profile (pip's thop 0.1.1.post2209072238) hooks nn modules only, in eval mode, for the input it is given (one image): convolutions and linear layers count their MACs without biases, a batch norm 4 per input element (2 × numel, doubled for affine), an nn.AvgPool2d 1 per output element, an nn.AdaptiveAvgPool2d (input size / output size + 1) per output element; ReLU, max pools and dropout count zero. Functional calls (F.avg_pool2d in Inception v3's blocks) are not seen.",
    source:
      'Lyken17/pytorch-OpCounter, thop/profile.py (register_hooks), thop/vision/basic_hooks.py, thop/vision/calc_func.py',
  },
  {
    id: 'convention.flops',
    term: 'FLOPs (2 × MACs)',
    text: "Floating-point operations counting a multiply and an add separately: 2 × the conv and linear MACs of one image, biases and the other layers not counted. TensorFlow's profiler and torch.utils.flop_counter (FlopCounterMode, PyTorch 2.1 and later) report this figure, so it is twice what torchvision's table calls GFLOPS.",
    source:
      'PyTorch torch/utils/flop_counter.py (conv_flop, mm_flop); TensorFlow tf.profiler float_ops',
  },
  {
    id: 'convention.torchinfo',
    term: 'torchinfo mult-adds',
    text: 'torchinfo\'s "Total mult-adds" is for the whole batch of the input size it is given (here the design\'s batch), summed over leaf layers in eval mode: a convolution counts (weight + bias elements) × N × output height × width, a linear layer (weight + bias elements) × N, and any other layer with weights, such as batch norm, N × its weight and bias elements (2 × channels). Layers without parameters count zero.',
    source:
      'TylerYep/torchinfo, torchinfo/layer_info.py (LayerInfo.calculate_macs) and model_statistics.py',
  },
  {
    id: 'convention.keras',
    term: 'Keras parameter count',
    text: "Keras's model.summary() and count_params() list trainable and non-trainable weights together, and a BatchNormalization layer holds four vectors: gamma, beta and the moving mean and variance. So the same network reads larger in Keras than in PyTorch, whose parameter count leaves the running statistics out (they are buffers). Aux heads count when they are part of the design.",
    source:
      'Keras, keras.layers.BatchNormalization (moving_mean, moving_variance as non-trainable weights); Model.count_params',
  },
  {
    id: 'convention.onnx-folded',
    term: 'BN-folded parameters (ONNX export)',
    text: "What an ONNX export of the model in eval mode carries: torch.onnx.export folds each batch norm into the convolution before it (the conv gains a bias of one value per output channel, the batch norm's four vectors go), and layers off the eval path, the aux heads, are not exported. A batch norm that does not follow a convolution stays, with its four vectors.",
    source:
      'PyTorch torch.onnx.export (TrainingMode.EVAL, do_constant_folding; the fuse Conv+BatchNorm pass)',
  },
  {
    id: 'convention.timm-activations',
    term: 'timm activations',
    text: "timm's benchmark.py reports a model's activations as fvcore's ActivationCountAnalysis for one image: the output elements of every convolution and linear layer (matmul family), in eval mode. Batch norm, ReLU, pools and concatenation outputs are not counted, so this is a size measure, not the memory a forward pass holds.",
    source:
      'huggingface/pytorch-image-models, benchmark.py (profile_fvcore); facebookresearch/fvcore, fvcore/nn/activation_count.py',
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
