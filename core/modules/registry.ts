/** Every module template. Graph-wide passes look kinds up here; they never switch on kind. */
import type { ModuleDef } from './moduleDef';
import { convBlock } from './convBlock';
import { inception } from './inception';
import { auxHead } from './auxHead';
import { linear } from './linear';
import { adaptiveAvgPool, add, avgPool, concat, conv2d, dropout, localResponseNorm, maxPool, relu, scale } from './layerModules';

export const moduleDefs: Readonly<Record<string, ModuleDef>> = Object.freeze({
  convBlock,
  inception,
  auxHead,
  linear,
  maxPool,
  avgPool,
  adaptiveAvgPool,
  localResponseNorm,
  dropout,
  relu,
  conv2d,
  concat,
  add,
  scale,
} as unknown as Record<string, ModuleDef>);

/** The template of a module kind, or undefined for an unknown kind. */
export function moduleDef(kind: string): ModuleDef | undefined {
  return Object.prototype.hasOwnProperty.call(moduleDefs, kind) ? moduleDefs[kind] : undefined;
}

export const moduleKinds = Object.keys(moduleDefs);
