/** The built-in designs a user can start from. */
import type { Design } from '../model/types';
import { googlenet, googlenetTorchvision } from './googlenet';
import { inceptionV3 } from './inceptionV3';
import { inceptionResnetV1, inceptionResnetV2, inceptionV4 } from './inceptionV4';
import { bnInception, googlenetPaper } from './caffe';

export interface Preset {
  readonly name: string;
  readonly label: string;
  readonly description: string;
  create(): Design;
}

export const presets: readonly Preset[] = [
  {
    name: 'googlenet',
    label: 'GoogLeNet (Inception v1)',
    description:
      'The network of "Going deeper with convolutions" with a conv+BN+ReLU block everywhere, as most PyTorch tutorials build it.',
    create: googlenet,
  },
  {
    name: 'googlenet-torchvision',
    label: 'GoogLeNet (torchvision)',
    description: "torchvision 0.14's googlenet, whose trained ImageNet weights it can load.",
    create: googlenetTorchvision,
  },
  {
    name: 'googlenet-paper',
    label: 'GoogLeNet (paper, Caffe)',
    description:
      "GoogLeNet as the paper and Caffe's bvlc_googlenet build it: convolutions with bias and no batch norm, LRN after pool1 and conv2, ceil-mode pools, the paper's aux heads; Caffe's layer names.",
    create: googlenetPaper,
  },
  {
    name: 'bn-inception',
    label: 'BN-Inception (Inception v2)',
    description:
      "pretrainedmodels' bninception, the PyTorch port of Caffe's BN-Inception: batch norm after every conv, two 3×3 in place of each 5×5, stride-2 modules 3c and 4e.",
    create: bnInception,
  },
  {
    name: 'inception-v3',
    label: 'Inception v3 (torchvision)',
    description:
      "torchvision 0.14's inception_v3: factorized 1×7/7×1 and split 1×3‖3×1 convolutions, grid-reduction modules, an aux head on Mixed_6e; input 3×299×299.",
    create: inceptionV3,
  },
  {
    name: 'inception-v4',
    label: 'Inception v4 (timm)',
    description:
      "timm's inception_v4: a stem of mixed modules, 4 × Inception-A, Reduction-A, 7 × Inception-B, Reduction-B, 3 × Inception-C with split 1×3‖3×1 branches; input 3×299×299.",
    create: inceptionV4,
  },
  {
    name: 'inception-resnet-v1',
    label: 'Inception-ResNet v1 (paper)',
    description:
      'Inception-ResNet-v1 as the paper draws it (5 × A, 10 × B, 5 × C residual blocks scaled 0.17, 0.10, 0.20) with a 1000-class head; no published weights; input 3×299×299.',
    create: inceptionResnetV1,
  },
  {
    name: 'inception-resnet-v2',
    label: 'Inception-ResNet v2 (timm)',
    description:
      "timm's inception_resnet_v2: 10 × Block35, 20 × Block17, 9 × Block8 and a last Block8 without ReLU, each branch concat projected, scaled and added to its input; input 3×299×299.",
    create: inceptionResnetV2,
  },
];

export const DEFAULT_PRESET = 'googlenet';

/** A fresh copy of a preset's design, or undefined for an unknown name. */
export function presetDesign(name: string): Design | undefined {
  return presets.find((p) => p.name === name)?.create();
}

export const presetNames = presets.map((p) => p.name);
