/**
 * The templates that write their own PyTorch instead of having it generated from their steps
 * (GoogLeNet's `inception` and `auxHead`, torchvision's `transform_input`): their code
 * generation by kind, and the helper classes it calls. The exporter spreads these tables and
 * never names a template; a new hand-written template adds its entries here, as registry.ts lists
 * its definition.
 */
import type { ModuleCodegen, ParamsOf } from '../export/codegenTypes';
import type { HelperClass } from '../export/pytorchClass';
import {
  auxHeadClass,
  auxHeadCodegen,
  inceptionClass,
  inceptionCodegen,
  naiveInceptionClass,
  transformInputClass,
  transformInputCodegen,
} from './googlenetPython';
import type { ModuleKind } from './registry';

/** The code generation of each template with hand-written Python, by module kind. */
export const templateCodegens = {
  inception: inceptionCodegen,
  auxHead: auxHeadCodegen,
  transformInput: transformInputCodegen,
} satisfies Partial<{ readonly [K in ModuleKind]: ModuleCodegen<ParamsOf<K>> }>;

/**
 * The helper classes those templates' instances are, parents before the classes they build
 * (AuxHead, NaiveInceptionBlock and InceptionBlock build ConvBlocks; NaiveInceptionBlock is
 * the `inception` template's naive form).
 */
export const templateHelperClasses: readonly HelperClass[] = [
  auxHeadClass,
  naiveInceptionClass,
  inceptionClass,
  transformInputClass,
];
