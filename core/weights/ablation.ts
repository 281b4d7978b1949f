/**
 * What-if ablations as a transform of the weights, so every engine (TF.js, ONNX Runtime) and every
 * export computes the same network:
 *
 * - **branchOff** switches one branch of a module off: its output becomes exactly zero. The last
 *   batch norm of the branch's final step gets weight 0 and bias 0 (ReLU(0·x̂ + 0) = 0, in eval and
 *   train mode alike); a step without batch norm gets its last convolution's weight and bias zeroed.
 * - **topFilters** keeps the k output filters of a convolution with the largest L1 norm
 *   (Σ|w| over a filter, Li et al. 2017, "Pruning Filters for Efficient ConvNets") and zeroes the
 *   others: their weights, their bias, and the following batch norm's weight and bias for those
 *   channels, so the pruned channels output exactly zero.
 *
 * Branches are the step groups of core's module templates (`ModuleStep.group`: GoogLeNet's
 * `branch1` 1×1, `branch2` 3×3 reduce → 3×3, `branch3` 5×5 reduce → 5×5, `branch4` pool → pool proj).
 */
import type { Analysis } from '../analysis/analyze';
import type { ModuleStep } from '../modules/moduleDef';
import type { Layer } from '../model/types';
import type { Conv2dAttrs } from '../layers/conv2d';
import { errResult, okResult, type Result } from '../run/result';

export type Ablation =
  | { readonly kind: 'branchOff'; readonly module: string; readonly branch: string }
  | { readonly kind: 'topFilters'; readonly layer: string; readonly keep: number };

/** One thing wrong with an ablation: which one (its index), the field, and a sentence. */
export interface AblationIssue {
  readonly code:
    | 'ablation.unknownModule'
    | 'ablation.unknownBranch'
    | 'ablation.noWeights'
    | 'ablation.unknownLayer'
    | 'ablation.keep';
  readonly index: number;
  readonly field: 'module' | 'branch' | 'layer' | 'keep';
  readonly message: string;
}

/** The analysis facts ablations need: the layer graph and each module's steps. */
export type AblationModel = Pick<Analysis, 'graph' | 'modules'>;

/** A branch of a module, for the inspector's toggles and `--ablate MODULE.BRANCH`. */
export interface BranchInfo {
  /** Its name: the steps' common group (`branch3`), else its last step's id (`5x5`, `branch5x5_2`). */
  readonly branch: string;
  /** "5×5 reduce → 5×5". */
  readonly title: string;
  /** Local step ids of the branch, in order (`branch3.0`, `branch3.1`); any of them names it too. */
  readonly steps: readonly string[];
}

/**
 * The branches of a module: each step reading the module's input starts one, and the steps fed
 * only by that branch belong to it; a step fed by several branches (the concatenation, a residual
 * add) and everything after it belong to none. Empty for modules with fewer than two branches.
 */
export function moduleBranches(model: AblationModel, moduleId: string): BranchInfo[] {
  const info = model.modules.find((m) => m.id === moduleId);
  if (!info || info.steps.length === 0) return [];
  const owner = new Map<string, string | null>();
  const members = new Map<string, ModuleStep[]>();
  for (const step of info.steps) {
    const from = new Set(step.inputs.map((i) => (i === 'in' ? step.id : (owner.get(i) ?? null))));
    const root = from.size === 1 && !from.has(null) ? [...from][0]! : null;
    const fromInput = step.inputs.length === 1 && step.inputs[0] === 'in';
    const branch = fromInput ? step.id : step.inputs.includes('in') ? null : root;
    owner.set(step.id, branch);
    if (branch !== null) members.set(branch, [...(members.get(branch) ?? []), step]);
  }
  // One path is no choice: a single-path inside (an aux head) has nothing to switch off beside it.
  if (members.size < 2) return [];
  return [...members.values()].map((steps) => {
    const groups = new Set(steps.map((s) => s.group));
    return {
      branch: groups.size === 1 ? steps[0].group : steps[steps.length - 1].id,
      title: steps.map((s) => s.title).join(' → '),
      steps: steps.map((s) => s.id),
    };
  });
}

/** The branch `name` (its name or one of its steps' ids or groups) of a module, if any. */
function findBranch(model: AblationModel, moduleId: string, name: string): BranchInfo | undefined {
  const branches = moduleBranches(model, moduleId);
  const info = model.modules.find((m) => m.id === moduleId);
  return (
    branches.find((b) => b.branch === name) ??
    branches.find((b) =>
      b.steps.some((id) => id === name || info?.steps.find((s) => s.id === id)?.group === name),
    )
  );
}

/**
 * The state_dict keys whose zeroing switches a branch off: for each final step (read by no other
 * step of the branch), its last batch norm, else its last conv; a step without either (an inner
 * concatenation) passes the question to the steps it reads. Null when a path has no weights (a
 * pool reading the module's input directly).
 */
function branchKeys(
  model: AblationModel,
  layers: ReadonlyMap<string, Layer>,
  moduleId: string,
  branch: BranchInfo,
): string[] | null {
  const info = model.modules.find((m) => m.id === moduleId)!;
  const steps = info.steps.filter((s) => branch.steps.includes(s.id));
  const byId = new Map(steps.map((s) => [s.id, s]));
  const read = new Set(steps.flatMap((s) => s.inputs));
  const keysOf = (step: ModuleStep): string[] | null => {
    const own = step.layers.map((id) => layers.get(id)).filter((l): l is Layer => Boolean(l));
    const bn = own.filter((l) => l.kind === 'batchNorm2d').at(-1);
    const conv = own.filter((l) => l.kind === 'conv2d').at(-1);
    if (bn) return [`${bn.id}.weight`, `${bn.id}.bias`];
    if (conv)
      return (conv.attrs as Conv2dAttrs).bias
        ? [`${conv.id}.weight`, `${conv.id}.bias`]
        : [`${conv.id}.weight`];
    const inner = step.inputs.map((i) => byId.get(i));
    if (inner.length === 0 || inner.some((s) => !s)) return null;
    const keys = inner.map((s) => keysOf(s!));
    return keys.some((k) => k === null) ? null : (keys.flat() as string[]);
  };
  const keys = steps.filter((s) => !read.has(s.id)).map(keysOf);
  return keys.length && keys.every((k) => k !== null) ? (keys.flat() as string[]) : null;
}

/** Every problem of `ablations` against the design, in one pass (empty when all apply). */
export function checkAblations(
  model: AblationModel,
  ablations: readonly Ablation[],
): AblationIssue[] {
  const layers = new Map(model.graph.map((l) => [l.id, l]));
  const issues: AblationIssue[] = [];
  ablations.forEach((a, index) => {
    if (a.kind === 'branchOff') {
      const info = model.modules.find((m) => m.id === a.module);
      if (!info) {
        issues.push({
          code: 'ablation.unknownModule',
          index,
          field: 'module',
          message: `There is no module ${a.module} in this design (or it has a problem), so none of its branches can be switched off.`,
        });
        return;
      }
      const branches = moduleBranches(model, a.module);
      const branch = findBranch(model, a.module, a.branch);
      if (!branch) {
        issues.push({
          code: 'ablation.unknownBranch',
          index,
          field: 'branch',
          message: branches.length
            ? `${a.module} has no branch ${a.branch}; its branches are ${branches.map((b) => `${b.branch} (${b.title})`).join(', ')}.`
            : `${a.module} is a single-path ${info.label} with no branches to switch off.`,
        });
        return;
      }
      if (!branchKeys(model, layers, a.module, branch))
        issues.push({
          code: 'ablation.noWeights',
          index,
          field: 'branch',
          message: `${a.module}.${a.branch} ends in a step without a convolution or batch norm (a pool passed through), so it has no weights whose zeroing switches it off.`,
        });
      return;
    }
    const layer = layers.get(a.layer);
    if (!layer || layer.kind !== 'conv2d') {
      issues.push({
        code: 'ablation.unknownLayer',
        index,
        field: 'layer',
        message: `${a.layer} is not a convolution of this design; name a conv layer by its PyTorch path, e.g. inception4c.branch2.1.conv.`,
      });
      return;
    }
    const filters = (layer.attrs as Conv2dAttrs).outChannels;
    if (!Number.isInteger(a.keep) || a.keep < 1 || a.keep > filters)
      issues.push({
        code: 'ablation.keep',
        index,
        field: 'keep',
        message: `${a.layer}: the filters to keep must be a whole number from 1 to ${filters} (its filters); got ${a.keep}.`,
      });
  });
  return issues;
}

/** L1 norm of each output filter of a conv weight [out, in/groups, kh, kw], row-major. */
export function filterL1Norms(weight: Float32Array, outChannels: number): Float64Array {
  const per = weight.length / outChannels;
  const norms = new Float64Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    let s = 0;
    for (let i = o * per; i < (o + 1) * per; i++) s += Math.abs(weight[i]);
    norms[o] = s;
  }
  return norms;
}

/** The `keep` filters with the largest L1 norms (ties: the lower index), ascending. */
export function topFilterIndices(
  weight: Float32Array,
  outChannels: number,
  keep: number,
): number[] {
  const norms = filterL1Norms(weight, outChannels);
  return [...norms.keys()]
    .sort((a, b) => norms[b] - norms[a] || a - b)
    .slice(0, keep)
    .sort((a, b) => a - b);
}

/**
 * The weights with `ablations` applied, as a new map (changed tensors are copies; the others are
 * shared with `weights`). An `ablation.invalid` error names every problem (see `checkAblations`);
 * a tensor missing from `weights` is a bug and throws.
 */
export function applyAblations(
  weights: ReadonlyMap<string, Float32Array>,
  model: AblationModel,
  ablations: readonly Ablation[],
): Result<Map<string, Float32Array>> {
  const issues = checkAblations(model, ablations);
  if (issues.length) return errResult('ablation.invalid', issues.map((i) => i.message).join(' '));
  const out = new Map(weights);
  const layers = new Map(model.graph.map((l) => [l.id, l]));
  const copy = (key: string): Float32Array => {
    const v = out.get(key);
    if (!v) throw new Error(`The weights have no tensor ${key}.`);
    const c = v === weights.get(key) ? Float32Array.from(v) : v;
    out.set(key, c);
    return c;
  };
  for (const a of ablations) {
    if (a.kind === 'branchOff') {
      const branch = findBranch(model, a.module, a.branch)!;
      for (const key of branchKeys(model, layers, a.module, branch)!) copy(key).fill(0);
      continue;
    }
    const conv = layers.get(a.layer)! as Layer<'conv2d', Conv2dAttrs>;
    const filters = conv.attrs.outChannels;
    const kept = new Set(topFilterIndices(out.get(`${conv.id}.weight`)!, filters, a.keep));
    const bn = model.graph.find((l) => l.kind === 'batchNorm2d' && l.inputs[0] === conv.id);
    const weight = copy(`${conv.id}.weight`);
    const per = weight.length / filters;
    const perChannel = [
      ...(conv.attrs.bias ? [copy(`${conv.id}.bias`)] : []),
      ...(bn ? [copy(`${bn.id}.weight`), copy(`${bn.id}.bias`)] : []),
    ];
    for (let o = 0; o < filters; o++) {
      if (kept.has(o)) continue;
      weight.fill(0, o * per, (o + 1) * per);
      for (const t of perChannel) t[o] = 0;
    }
  }
  return okResult(out);
}

/** A short description of an ablation for notes and the graph: "inception4c.branch3 switched off". */
export function describeAblation(a: Ablation): string {
  return a.kind === 'branchOff'
    ? `${a.module}.${a.branch} switched off`
    : `${a.layer}: only the top ${a.keep} filters by L1 norm kept`;
}

/** What the graph marks for a set of ablations: the modules touched ("what-if") and the steps switched off (dimmed). */
export interface AblationMarks {
  readonly modules: readonly string[];
  /** Switched-off steps as `[moduleId, localStepId]`. */
  readonly steps: readonly (readonly [string, string])[];
}

/** The modules and steps `ablations` touch; ablations that do not apply mark nothing. */
export function ablationMarks(model: AblationModel, ablations: readonly Ablation[]): AblationMarks {
  const modules = new Set<string>();
  const steps: [string, string][] = [];
  const layerModule = new Map(model.graph.map((l) => [l.id, l.module]));
  for (const a of ablations) {
    if (a.kind === 'branchOff') {
      const branch = findBranch(model, a.module, a.branch);
      if (!branch) continue;
      modules.add(a.module);
      for (const step of branch.steps) steps.push([a.module, step]);
    } else {
      const module = layerModule.get(a.layer);
      if (module !== undefined) modules.add(module);
    }
  }
  return { modules: [...modules], steps };
}

/** A module's convolutions, for "keep the top k filters": full layer id, id within the module, filters. */
export function moduleConvs(
  model: AblationModel,
  moduleId: string,
): { readonly layer: string; readonly local: string; readonly filters: number }[] {
  return model.graph
    .filter((l) => l.module === moduleId && l.kind === 'conv2d')
    .map((l) => ({
      layer: l.id,
      local:
        l.id.startsWith(`${moduleId}.`) || l.id.startsWith(`${moduleId}_`)
          ? l.id.slice(moduleId.length + 1)
          : l.id,
      filters: (l.attrs as Conv2dAttrs).outChannels,
    }));
}

/** The ablations with a branch switched off (`on`) or back on. */
export function withBranchOff(
  ablations: readonly Ablation[],
  module: string,
  branch: string,
  on: boolean,
): Ablation[] {
  const rest = ablations.filter(
    (a) => !(a.kind === 'branchOff' && a.module === module && a.branch === branch),
  );
  return on ? [...rest, { kind: 'branchOff', module, branch }] : rest;
}

/** The ablations keeping the top `keep` filters of `layer` (null: all of them, no ablation). */
export function withTopFilters(
  ablations: readonly Ablation[],
  layer: string,
  keep: number | null,
): Ablation[] {
  const rest = ablations.filter((a) => !(a.kind === 'topFilters' && a.layer === layer));
  return keep === null ? rest : [...rest, { kind: 'topFilters', layer, keep }];
}
