/**
 * Records keyed by user text (module ids, output names, checkpoint keys, file headers). A plain `{}`
 * answers `constructor`, `toString` or `__proto__` with Object.prototype's members, and assigning
 * `__proto__` replaces its prototype; a record without a prototype has only the keys put in it.
 * Lint (eslint.config.js) refuses `const x: Record<string, T> = {}`; use this or a Map.
 */

/** An empty record with no prototype: every key, `constructor` and `__proto__` included, is just a key. */
export function emptyRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
