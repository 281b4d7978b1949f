/** Every primitive layer kind. Graph-wide passes look kinds up here; they never switch on kind. */
import type { Layer } from '../model/types';
import type { LayerDef } from './layerDef';
import { conv2d, type Conv2dAttrs } from './conv2d';
import { batchNorm2d, type BatchNorm2dAttrs } from './batchNorm2d';
import {
  adaptiveAvgPool2d,
  avgPool2d,
  maxPool2d,
  type AdaptiveAvgPool2dAttrs,
  type AvgPool2dAttrs,
  type Pool2dAttrs,
} from './pooling';
import {
  add,
  channelAffine,
  concat,
  dropout,
  localResponseNorm,
  relu,
  scale,
  type ChannelAffineAttrs,
  type DropoutAttrs,
  type LocalResponseNormAttrs,
  type ScaleAttrs,
} from './elementwise';
import { flatten, linear, type LinearAttrs } from './linear';

/** Attributes of each layer kind. */
export interface LayerAttrMap {
  conv2d: Conv2dAttrs;
  batchNorm2d: BatchNorm2dAttrs;
  relu: Record<string, never>;
  maxPool2d: Pool2dAttrs;
  avgPool2d: AvgPool2dAttrs;
  adaptiveAvgPool2d: AdaptiveAvgPool2dAttrs;
  localResponseNorm: LocalResponseNormAttrs;
  concat: Record<string, never>;
  add: Record<string, never>;
  scale: ScaleAttrs;
  dropout: DropoutAttrs;
  flatten: Record<string, never>;
  linear: LinearAttrs;
  channelAffine: ChannelAffineAttrs;
}
export type LayerKind = keyof LayerAttrMap;

export const layerDefs: { readonly [K in LayerKind]: LayerDef<LayerAttrMap[K]> } = {
  conv2d,
  batchNorm2d,
  relu,
  maxPool2d,
  avgPool2d,
  adaptiveAvgPool2d,
  localResponseNorm,
  concat,
  add,
  scale,
  dropout,
  flatten,
  linear,
  channelAffine,
};

/** The definition of a layer's kind, typed loosely for graph-wide passes. */
export function layerDef(layer: Layer): LayerDef<unknown> {
  return layerDefs[layer.kind as LayerKind] as LayerDef<unknown>;
}
