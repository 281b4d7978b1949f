/**
 * The import graph of the source rooms (core/, cli/, node/, renderer/, electron/), read from the
 * text of each file: static `import … from`, `export … from`, side-effect `import '…'` and
 * dynamic `import('…')` with a relative specifier. Packages and `node:*` are not edges. Used by
 * importCycles.test.ts to refuse cycles between rooms and between files of core/.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Files by path relative to the repository root (POSIX separators) → their source text. */
export type SourceFiles = ReadonlyMap<string, string>;

/** Import edges: file → the files it imports (both relative to the root, POSIX separators). */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

const SOURCE = /\.(ts|tsx|mts|cts)$/;
const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Reads every .ts/.tsx file under `rooms` (skipping node_modules and .d.ts files). */
export function readSources(root: string, rooms: readonly string[]): SourceFiles {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(full);
      } else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        files.set(
          path.relative(root, full).split(path.sep).join('/'),
          fs.readFileSync(full, 'utf8'),
        );
      }
    }
  };
  for (const room of rooms) walk(path.join(root, room));
  return files;
}

/** Comments removed (roughly: enough that an `import` in a doc comment is not an edge). */
const withoutComments = (text: string): string =>
  text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

/** The file a relative specifier names, trying the extensions and index files TypeScript tries. */
function resolve(from: string, specifier: string, files: SourceFiles): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  const stem = base.replace(/\.(m|c)?js$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${stem}/index.ts`, `${stem}/index.tsx`];
  return candidates.find((c) => files.has(c)) ?? null;
}

/** The import graph of `files`; specifiers that name no file in `files` are dropped. */
export function importGraph(files: SourceFiles): ImportGraph {
  const graph = new Map<string, string[]>();
  for (const [file, text] of files) {
    const targets = new Set<string>();
    for (const m of withoutComments(text).matchAll(SPECIFIER)) {
      const target = resolve(file, m[1] ?? m[2], files);
      if (target && target !== file) targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

/** The graph with each file replaced by its folder (`core/export/python.ts` → `core/export`). */
export function folderGraph(graph: ImportGraph): ImportGraph {
  const folders = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = path.posix.dirname(file);
    const set = folders.get(from) ?? new Set<string>();
    folders.set(from, set);
    for (const t of targets) if (path.posix.dirname(t) !== from) set.add(path.posix.dirname(t));
  }
  return new Map([...folders].map(([k, v]) => [k, [...v].sort()]));
}

/**
 * The cycles of a graph: each strongly connected component with more than one node (Tarjan),
 * its members sorted. Empty when the graph is acyclic.
 */
export function cycles(graph: ImportGraph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}
