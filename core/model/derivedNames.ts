/**
 * The names a module id becomes, and the one place that checks them after derivation (issue 20,
 * rule 1). An id is checked as typed in the analysis (core/model/modulePath.ts,
 * core/model/reservedNames.ts); here the derived names are checked against each other:
 *
 * - `layer`: the module's own id and its layers' ids. They name the engine's tensors, the ONNX
 *   values and graph outputs, and (with `.weight`, `.bias`, …) the state_dict keys. A flat
 *   (Caffe-named) module's layer `inception_3a_1x1` must not be another module's id or layer.
 * - `attribute`: what the exported network holds as `self.<name>`: a plain module's id, a
 *   container member's container (`features` for `features.7`), or each layer of a flat module.
 * - `variable`: the forward() variable of a module's output, the id with `.` written `_`
 *   (`blk.0` → `blk_0`). Two ids can derive the same one (`blk.0`, `blk_0`); `forwardVariables`
 *   makes them unique instead of refusing the design, since nothing outside forward() sees them.
 *
 * The analysis reports `layer` and `attribute` collisions as `id.collision` issues on the later
 * module's `id` field, naming both modules; the PyTorch export takes its variables from
 * `forwardVariables`. Renaming a layer or attribute to make it unique would change the
 * state_dict keys a checkpoint loads under, so those are refused, not renamed.
 */
import { moduleVariable, parseModulePath } from './modulePath';
import { isReservedModuleName } from './reservedNames';
import type { Issue } from './types';

/** The kinds of names derived from a module id. */
export type DerivedKind = 'layer' | 'attribute' | 'variable';

/** A module and the ids of the layers it expands into (core/modules/moduleDef.ts `LayerBuilder`). */
export interface NamedModule {
  readonly id: string;
  readonly layers: readonly string[];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether a module's layers are named flat (Caffe style, `<module>_<layer>`), not under `<module>.`. */
function isFlatLayout(id: string, layers: readonly string[]): boolean {
  return layers.some((l) => l !== id && !l.startsWith(`${id}.`));
}

/** The network attributes (`self.<name>`) a module takes in the exported PyTorch. */
function networkAttributes(m: NamedModule): string[] {
  if (isFlatLayout(m.id, m.layers)) return [...new Set(m.layers)];
  return [parseModulePath(m.id)?.base ?? m.id];
}

/**
 * Every derived name of every kind, each with the modules that take it, in design order:
 * `kind → derived name → module ids`. A module is listed once per name even when several of its
 * layers take it.
 */
export function derivedNames(
  modules: readonly NamedModule[],
): Map<DerivedKind, Map<string, string[]>> {
  const out = new Map<DerivedKind, Map<string, string[]>>([
    ['layer', new Map()],
    ['attribute', new Map()],
    ['variable', new Map()],
  ]);
  const claim = (kind: DerivedKind, name: string, id: string) => {
    const names = out.get(kind)!;
    const owners = names.get(name) ?? [];
    if (!owners.includes(id)) owners.push(id);
    names.set(name, owners);
  };
  for (const m of modules) {
    for (const name of [m.id, ...m.layers]) claim('layer', name, m.id);
    for (const name of networkAttributes(m)) claim('attribute', name, m.id);
    claim('variable', moduleVariable(m.id), m.id);
  }
  return out;
}

/**
 * The problems with a design's derived names, one issue per module that takes a name an earlier
 * module already has (code `id.collision`, field `id`, naming both modules), and per flat module
 * whose layer names are not Python attributes (code `graph.invalidId`). Empty when every derived
 * name is unique. Modules of one container share its attribute (`blk.0`, `blk.1` → `self.blk`).
 */
export function derivedNameIssues(modules: readonly NamedModule[]): Issue[] {
  const issues: Issue[] = [];
  const reported = new Set<string>();
  const report = (issue: Issue) => {
    if (reported.has(issue.nodeId)) return;
    reported.add(issue.nodeId);
    issues.push(issue);
  };
  for (const m of modules) {
    if (!isFlatLayout(m.id, m.layers)) continue;
    const bad = m.layers.find((l) => !IDENTIFIER.test(l) || isReservedModuleName(l));
    if (bad !== undefined)
      report({
        code: 'graph.invalidId',
        nodeId: m.id,
        field: 'id',
        message: `${m.id}: its Caffe-style layer ${bad} would be an attribute of the exported network, which needs a plain Python name that is not an nn.Module attribute; give the module a name without a dot.`,
      });
  }
  const names = derivedNames(modules);
  const container = (id: string) => parseModulePath(id)?.key !== null;
  for (const kind of ['layer', 'attribute'] as const) {
    for (const [name, owners] of names.get(kind)!) {
      if (owners.length < 2) continue;
      // Members of one container share its attribute: that is the container, not a collision.
      if (kind === 'attribute' && owners.every(container)) continue;
      const [first, ...rest] = owners;
      for (const id of rest) {
        if (kind === 'attribute' && container(first) && container(id)) continue;
        const what =
          kind === 'attribute'
            ? `the attribute self.${name} of the exported network`
            : `the layer ${name} (the engine's tensor, the state_dict keys and the ONNX value of that name)`;
        report({
          code: 'id.collision',
          nodeId: id,
          field: 'id',
          message: `${first} and ${id} both become ${what}; rename one.`,
        });
      }
    }
  }
  return issues;
}

/**
 * The forward() variable of each module's output, unique: the id with `.` written `_`, ids
 * without a dot first (they are their own names), then dotted ids in design order with `_2`,
 * `_3`, … when their name is taken (`blk_0`, then `blk.0` → `blk_0_2`). A name in `reserved`
 * (forward()'s own: `x`, `self`, `torch`, …) gets `_out`.
 */
export function forwardVariables(
  ids: readonly string[],
  reserved: ReadonlySet<string>,
): Map<string, string> {
  const taken = new Set(reserved);
  const out = new Map<string, string>();
  const take = (id: string) => {
    let v = moduleVariable(id);
    if (reserved.has(v)) v = `${v}_out`;
    if (taken.has(v)) {
      let n = 2;
      while (taken.has(`${v}_${n}`)) n++;
      v = `${v}_${n}`;
    }
    taken.add(v);
    out.set(id, v);
  };
  for (const id of ids) if (!id.includes('.')) take(id);
  for (const id of ids) if (id.includes('.')) take(id);
  return out;
}
