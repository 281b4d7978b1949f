/**
 * Inserting a module a user picked into a design: the new module keeps the network's channels
 * unchanged (what reads from the insertion point still gets what it got), and it is named by its
 * position, as the paper names modules (after inception4e comes inception4f).
 */
import { analyze } from '../analysis/analyze';
import { moduleDef } from '../modules/registry';
import type { Design, ModuleSpec, ParamValue } from '../model/types';
import { freshId, insertAfter } from './edit';
import { emptyRecord } from '../model/records';

/** The channel count (C of N×C×H×W) a module outputs, or null when the analysis cannot say. */
function outChannels(design: Design, id: string): number | null {
  const info = analyze(design).modules.find((m) => m.id === id);
  return info?.outputShape && info.outputShape.length >= 2 ? info.outputShape[1] : null;
}

/** The template's defaults for a new module's filters and structure (not the reference flavor), then its insert defaults. */
export function templateParams(kind: string): Record<string, ParamValue> {
  const def = moduleDef(kind);
  const params: Record<string, ParamValue> = emptyRecord();
  if (!def) return params;
  for (const [field, p] of Object.entries(def.params))
    if (p.group !== 'flavor' && field !== 'form') params[field] = p.default as ParamValue;
  return { ...params, ...def.insert?.defaults };
}

const LETTERED = /^(.*\d)([a-y])$/;
const NUMBERED = /^(.*\D)(\d+)$/;

/**
 * The id for a module of `kind` inserted after `afterId`: the next letter or number after the
 * nearest module of the same kind at or before that point (inception4e → inception4f, conv2 →
 * conv3), when that id is free, else that id numbered (inception4b_2); `base` (e.g. "conv4") when
 * no such module exists and it is free; else the first free `base_N`.
 */
export function positionalId(design: Design, afterId: string, kind: string, base: string): string {
  const used = new Set(design.modules.map((m) => m.id));
  const index = design.modules.findIndex((m) => m.id === afterId);
  for (let i = index; i >= 0; i--) {
    const m = design.modules[i];
    if (m.kind !== kind || m.aux) continue;
    const lettered = LETTERED.exec(m.id);
    const numbered = NUMBERED.exec(m.id);
    const next = lettered
      ? `${lettered[1]}${String.fromCharCode(lettered[2].charCodeAt(0) + 1)}`
      : numbered
        ? `${numbered[1]}${Number(numbered[2]) + 1}`
        : null;
    if (next) return used.has(next) ? freshId(design, m.id) : next;
    break;
  }
  return used.has(base) ? freshId(design, base) : base;
}

/**
 * Parameters for a module of `kind` whose output has `channels` channels: the nearest module of
 * that kind upstream (at or before `afterId`) with exactly that output, copied; else the
 * template's defaults with every filter count scaled by channels ÷ default output, the rounding
 * remainder put on the first count that feeds the output. Null channels: the defaults.
 */
export function paramsKeepingChannels(
  design: Design,
  afterId: string,
  kind: string,
  channels: number | null,
): Record<string, ParamValue> {
  const defaults = templateParams(kind);
  if (channels === null) return defaults;
  const index = design.modules.findIndex((m) => m.id === afterId);
  for (let i = index; i >= 0; i--) {
    const m = design.modules[i];
    if (m.kind === kind && !m.aux && outChannels(design, m.id) === channels)
      return { ...defaults, ...m.params };
  }
  const def = moduleDef(kind);
  if (!def) return defaults;
  // Measure what the defaults give by trying them in place.
  const probe = freshId(design, 'probe');
  const trial = (params: Record<string, ParamValue>) =>
    outChannels(insertAfter(design, afterId, { id: probe, kind, params }), probe);
  const base = trial(defaults);
  if (base === null || base === channels) return defaults;
  const filters = Object.entries(def.params)
    .filter(([f, p]) => p.group === 'filters' && typeof defaults[f] === 'number')
    .map(([f]) => f);
  const scaled: Record<string, ParamValue> = { ...defaults };
  for (const f of filters)
    scaled[f] = Math.max(1, Math.round(((defaults[f] as number) * channels) / base));
  const got = trial(scaled);
  if (got === null || got === channels) return scaled;
  for (const f of filters) {
    const bumped = { ...scaled, [f]: (scaled[f] as number) + 1 };
    if (trial(bumped) !== got + 1) continue; // this count does not feed the output (a reduce)
    const value = (scaled[f] as number) + channels - got;
    if (value >= 1) return { ...scaled, [f]: value };
  }
  return scaled;
}

/**
 * Inserts a new module of `kind` after `afterId`, keeping the channels that flow on unchanged and
 * naming it by its position; returns the design and the new id (null when `afterId` is unknown).
 */
export function insertModuleAfter(
  design: Design,
  afterId: string,
  kind: string,
  base: string,
): { design: Design; id: string | null } {
  const after = design.modules.find((m) => m.id === afterId);
  if (!after) return { design, id: null };
  const id = positionalId(design, afterId, kind, base);
  const params = paramsKeepingChannels(design, afterId, kind, outChannels(design, afterId));
  const module: Omit<ModuleSpec, 'inputs'> = {
    id,
    kind,
    params,
    ...(after.stage ? { stage: after.stage } : {}),
  };
  return { design: insertAfter(design, afterId, module), id };
}
