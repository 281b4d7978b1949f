/** Pure edits of a design. Each returns a new design and leaves the old one untouched. */
import type { Design, InputSettings, ModuleSpec, ParamValue } from '../model/types';
import { emptyRecord } from '../model/records';

/** Sets one module parameter. */
export function setParam(
  design: Design,
  moduleId: string,
  field: string,
  value: ParamValue,
): Design {
  return {
    ...design,
    modules: design.modules.map((m) =>
      m.id === moduleId ? { ...m, params: { ...m.params, [field]: value } } : m,
    ),
  };
}

/** Changes input settings (any subset). */
export function setInput(design: Design, input: Partial<InputSettings>): Design {
  return { ...design, input: { ...design.input, ...input } };
}

/** The design with its weights file set (a path), or without one (null: the seeded initialization). */
export function setWeights(design: Design, path: string | null): Design {
  if ((design.weights?.path ?? null) === path) return design;
  const { weights: _old, ...rest } = design;
  return path === null ? rest : { ...rest, weights: { path } };
}

export function setClasses(design: Design, classes: number): Design {
  return { ...design, classes };
}

export function setAux(design: Design, aux: boolean): Design {
  return { ...design, aux };
}

/** A module id not yet used, from a base name: inception4c → inception4c_2. */
export function freshId(design: Design, base: string): string {
  const used = new Set(design.modules.map((m) => m.id));
  const stem = base.replace(/_\d+$/, '');
  for (let i = 2; ; i++) {
    const id = `${stem}_${i}`;
    if (!used.has(id)) return id;
  }
}

/**
 * Inserts a module right after `afterId` on the main path: it takes `afterId` as input and
 * every module that read `afterId` (aux heads excepted) now reads the new module.
 */
export function insertAfter(
  design: Design,
  afterId: string,
  module: Omit<ModuleSpec, 'inputs'>,
): Design {
  const index = design.modules.findIndex((m) => m.id === afterId);
  if (index < 0) return design;
  const inserted: ModuleSpec = { ...module, inputs: [afterId] };
  const modules = design.modules.map((m) =>
    !m.aux && m.inputs.includes(afterId)
      ? { ...m, inputs: m.inputs.map((s) => (s === afterId ? inserted.id : s)) }
      : m,
  );
  modules.splice(index + 1, 0, inserted);
  const outputs = Object.fromEntries(
    Object.entries(design.outputs).map(([k, v]) => [
      k,
      k === 'main' && v === afterId ? inserted.id : v,
    ]),
  );
  return { ...design, modules, outputs };
}

/** Duplicates a module (same kind and parameters) right after itself. */
export function duplicateModule(design: Design, moduleId: string): Design {
  const m = design.modules.find((x) => x.id === moduleId);
  if (!m) return design;
  const { inputs: _inputs, ...rest } = m;
  return insertAfter(design, moduleId, {
    ...rest,
    id: freshId(design, moduleId),
    params: { ...m.params },
  });
}

/**
 * Deletes a module; the modules that read it read its first input instead. Outputs that named
 * it move to that input too. Aux heads reading it are deleted with it.
 */
export function deleteModule(design: Design, moduleId: string): Design {
  const m = design.modules.find((x) => x.id === moduleId);
  if (!m) return design;
  const replacement = m.inputs[0] ?? 'input';
  const dropped = new Set([
    moduleId,
    ...design.modules.filter((x) => x.aux && x.inputs.includes(moduleId)).map((x) => x.id),
  ]);
  const modules = design.modules
    .filter((x) => !dropped.has(x.id))
    .map((x) =>
      x.inputs.includes(moduleId)
        ? { ...x, inputs: x.inputs.map((s) => (s === moduleId ? replacement : s)) }
        : x,
    );
  const outputs: Record<string, string> = emptyRecord();
  for (const [k, v] of Object.entries(design.outputs)) {
    if (v === moduleId) outputs[k] = replacement;
    else if (!dropped.has(v)) outputs[k] = v;
  }
  return { ...design, modules, outputs };
}

/**
 * Parses a `--set MODULE.PARAM=VALUE` assignment. VALUE is a number, true/false, a JSON list
 * such as [3,5], or a word (e.g. naive, classes).
 */
export function parseAssignment(
  text: string,
):
  | { ok: true; moduleId: string; field: string; value: ParamValue }
  | { ok: false; message: string } {
  // The parameter follows the last dot before "=": module ids may hold a dot themselves (features.7.out_1x1=100).
  const m = /^([^=\s]+)\.([^.=\s]+)=(.*)$/.exec(text.trim());
  if (!m)
    return {
      ok: false,
      message: `"${text}" is not of the form MODULE.PARAM=VALUE (e.g. inception4c.out_3x3=300).`,
    };
  const [, moduleId, field, rawValue] = m;
  const raw = rawValue.trim();
  let value: ParamValue;
  if (raw === 'true' || raw === 'false') value = raw === 'true';
  else if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(raw)) value = Number(raw);
  else if (raw.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'number'))
        throw new Error('not a list of numbers');
      value = parsed as number[];
    } catch {
      return { ok: false, message: `In "${text}", ${raw} is not a list of numbers such as [3,5].` };
    }
  } else if (raw === '') return { ok: false, message: `"${text}" gives no value.` };
  else value = raw;
  return { ok: true, moduleId, field, value };
}
