/**
 * Module ids are PyTorch attribute paths: a Python identifier (`inception4c`, `Mixed_7b`), or an
 * identifier, a dot and a key (`features.7`, `repeat_1.19`, `repeat_1.19_2`) for a module held in
 * a container, the way timm's `features = nn.Sequential(...)` holds its blocks. The id is the
 * prefix of the module's state_dict keys either way (`features.7.branch0.conv.weight`).
 */

/** The longest module id. */
export const MAX_MODULE_ID = 64;

const PATH = /^([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z0-9_]+))?$/;

export interface ModulePath {
  /** The attribute the network holds: the id itself, or the container's name. */
  readonly base: string;
  /** The key in the container (`7`), or null for a plain attribute. */
  readonly key: string | null;
}

/** Parses a module id; null when it is neither `name` nor `name.key` (letters, digits and underscores, at most 64 characters in all). */
export function parseModulePath(id: string): ModulePath | null {
  if (id.length > MAX_MODULE_ID) return null;
  const m = PATH.exec(id);
  if (!m) return null;
  return { base: m[1], key: m[2] ?? null };
}

/** A Python variable name for a module's output: the id with the dot written `_` (`features.7` → `features_7`). */
export function moduleVariable(id: string): string {
  return id.replace(/\./g, '_');
}
