/** The built-in designs a user can start from. */
import type { Design } from '../model/types';
import { googlenet, googlenetTorchvision } from './googlenet';
import { inceptionV3 } from './inceptionV3';

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
    description: 'The network of "Going deeper with convolutions" with a conv+BN+ReLU block everywhere, as most PyTorch tutorials build it.',
    create: googlenet,
  },
  {
    name: 'googlenet-torchvision',
    label: 'GoogLeNet (torchvision)',
    description: "torchvision 0.14's googlenet, whose trained ImageNet weights it can load.",
    create: googlenetTorchvision,
  },
  {
    name: 'inception-v3',
    label: 'Inception v3 (torchvision)',
    description: "torchvision 0.14's inception_v3: factorized 1×7/7×1 and split 1×3‖3×1 convolutions, grid-reduction modules, an aux head on Mixed_6e; input 3×299×299.",
    create: inceptionV3,
  },
];

export const DEFAULT_PRESET = 'googlenet';

/** A fresh copy of a preset's design, or undefined for an unknown name. */
export function presetDesign(name: string): Design | undefined {
  return presets.find((p) => p.name === name)?.create();
}

export const presetNames = presets.map((p) => p.name);
