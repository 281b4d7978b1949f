/** Every module template. Graph-wide passes look kinds up here; they never switch on kind. */
import type { ModuleDef } from './moduleDef';
import { convBlock } from './convBlock';
import { inception } from './inception';
import { auxHead } from './auxHead';
import { linear } from './linear';
import { transformInput } from './transformInput';
import {
  inceptionA,
  inceptionAux,
  inceptionB,
  inceptionC,
  inceptionD,
  inceptionE,
} from './inceptionV3';
import {
  inceptionV4A,
  inceptionV4B,
  inceptionV4C,
  mixed3a,
  mixed4a,
  mixed5a,
  reductionA,
  reductionV4B,
} from './inceptionV4';
import { block17, block35, block8, mixed5b, reductionResB } from './inceptionResnet';
import { auxHeadPaper, inceptionBn, inceptionBnReduce, inceptionPaper } from './caffe';
import {
  adaptiveAvgPool,
  add,
  avgPool,
  concat,
  conv2d,
  dropout,
  localResponseNorm,
  maxPool,
  relu,
  scale,
} from './layerModules';

const definitions = {
  inception,
  convBlock,
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
  inceptionA,
  inceptionB,
  inceptionC,
  inceptionD,
  inceptionE,
  inceptionAux,
  transformInput,
  mixed3a,
  mixed4a,
  mixed5a,
  inceptionV4A,
  reductionA,
  inceptionV4B,
  reductionV4B,
  inceptionV4C,
  mixed5b,
  block35,
  block17,
  block8,
  reductionResB,
  inceptionPaper,
  inceptionBn,
  inceptionBnReduce,
  auxHeadPaper,
};

/** The module kinds, as a type: a per-kind table typed by it fails to compile when a kind is missing. */
export type ModuleKind = keyof typeof definitions;

/** The typed definition of one kind (its parameter descriptors included). */
export type ModuleDefOf<K extends ModuleKind> = (typeof definitions)[K];

export const moduleDefs: Readonly<Record<string, ModuleDef>> = Object.freeze(
  definitions as unknown as Record<string, ModuleDef>,
);

/** Templates registered at run time (`registerModule`), e.g. by a test building a toy template. */
const extra = new Map<string, ModuleDef>();

/** The template of a module kind, or undefined for an unknown kind. */
export function moduleDef(kind: string): ModuleDef | undefined {
  return Object.prototype.hasOwnProperty.call(moduleDefs, kind)
    ? moduleDefs[kind]
    : extra.get(kind);
}

/**
 * Adds a template that is not in the table above, for the rest of the process; throws when its
 * kind is taken. Shipped templates belong in the table; this is for tests and experiments.
 */
export function registerModule(def: ModuleDef): void {
  if (moduleDef(def.kind)) throw new Error(`module kind ${def.kind} is already registered`);
  extra.set(def.kind, def);
}

export const moduleKinds = Object.keys(moduleDefs);
