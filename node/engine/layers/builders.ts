/** The TF.js builder of every layer kind: a kind missing here fails to compile. */
import type { LayerBuilders } from './layerOp';
import { conv2dBuilder } from './conv';
import { batchNorm2dBuilder, channelAffineBuilder, localResponseNormBuilder } from './norm';
import { adaptiveAvgPool2dBuilder, avgPool2dBuilder, maxPool2dBuilder } from './pool';
import {
  addBuilder,
  concatBuilder,
  dropoutBuilder,
  flattenBuilder,
  linearBuilder,
  reluBuilder,
  scaleBuilder,
} from './misc';

export const layerBuilders: LayerBuilders = {
  conv2d: conv2dBuilder,
  batchNorm2d: batchNorm2dBuilder,
  relu: reluBuilder,
  maxPool2d: maxPool2dBuilder,
  avgPool2d: avgPool2dBuilder,
  adaptiveAvgPool2d: adaptiveAvgPool2dBuilder,
  localResponseNorm: localResponseNormBuilder,
  concat: concatBuilder,
  add: addBuilder,
  scale: scaleBuilder,
  dropout: dropoutBuilder,
  flatten: flattenBuilder,
  linear: linearBuilder,
  channelAffine: channelAffineBuilder,
};
