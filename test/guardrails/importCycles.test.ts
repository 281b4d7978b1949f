// Arrows run one way (STYLE.md): no import cycle between the rooms (core/, cli/, node/,
// renderer/, electron/), core/ imports no other room, and no two files of core/ import each other
// around a loop. Types two rooms share live in a leaf both import (core/export/codegenTypes.ts,
// core/run/result.ts). Tests and fixtures are not part of the graph: they may import anything.
//
// Folders inside a room: today's tree has folder-level loops made of file imports that are not
// themselves in a loop (core/modules imports core/export/python.ts to declare its Python, and
// core/export imports core/modules/registry.ts). They are listed in KNOWN_FOLDER_CYCLES as a
// ratchet: a folder may not join a loop it is not already in, and a list that shrinks is updated
// by hand. renderer/state's slices import each other by design (one zustand store) and are not
// checked at file level.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cycles,
  folderGraph,
  importGraph,
  readSources,
  type ImportGraph,
  type SourceFiles,
} from './importGraph';

const root = path.resolve(import.meta.dirname, '../..');
const ROOMS = ['core', 'cli', 'node', 'renderer', 'electron'] as const;

const isProduct = (file: string): boolean =>
  !/\.test\.tsx?$/.test(file) && !file.includes('__fixtures__');

/** Folder-level loops of today's tree (sorted); no folder may join a loop outside its group. */
const KNOWN_FOLDER_CYCLES: readonly (readonly string[])[] = [
  ['cli', 'cli/commands'],
  [
    'core/analysis',
    'core/design',
    'core/export',
    'core/graph',
    'core/host',
    'core/modules',
    'core/run',
    // The host contract names the training types, which name core/run's Result (issue 23).
    'core/train',
    'core/weights',
  ],
  // node/host starts trainings (node/engine/training/job.ts), whose checkpoints are written
  // through node/host/atomicFile.ts as every other file the app writes (issue 23).
  ['node/checkpoint', 'node/engine', 'node/engine/training', 'node/host', 'node/weights'],
  [
    'renderer/app',
    'renderer/export',
    'renderer/graph',
    'renderer/graph/edges',
    'renderer/graph/nodes',
    'renderer/panels',
  ],
];

/** Folder loops not inside one known group: each a sentence naming its folders. */
function newFolderCycles(graph: ImportGraph): string[] {
  return cycles(folderGraph(graph))
    .filter((c) => !KNOWN_FOLDER_CYCLES.some((known) => c.every((f) => known.includes(f))))
    .map((c) => `a new import loop between the folders ${c.join(', ')}`);
}

/** The graph with each file replaced by its room (its first path segment). */
function roomGraph(graph: ImportGraph): ImportGraph {
  const rooms = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = file.split('/')[0];
    const set = rooms.get(from) ?? new Set<string>();
    rooms.set(from, set);
    for (const t of targets) if (t.split('/')[0] !== from) set.add(t.split('/')[0]);
  }
  return new Map([...rooms].map(([k, v]) => [k, [...v].sort()]));
}

/** The cycles a set of files makes: between rooms, and between files of core/. */
function problems(files: SourceFiles): { rooms: string[][]; core: string[][]; folders: string[] } {
  const product = new Map([...files].filter(([f]) => isProduct(f)));
  const graph = importGraph(product);
  const core = new Map([...graph].filter(([f]) => f.startsWith('core/')));
  return { rooms: cycles(roomGraph(graph)), core: cycles(core), folders: newFolderCycles(graph) };
}

describe('import graph', () => {
  const files = readSources(root, ROOMS);
  const graph = importGraph(new Map([...files].filter(([f]) => isProduct(f))));

  it('reads the real tree (a sanity check on the parser)', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('core/export/pytorchCodegen.ts')).toContain('core/export/codegenTypes.ts');
    expect(graph.get('core/export/pytorchCodegen.ts')).not.toContain(
      'core/modules/googlenetPython.ts',
    );
  });

  it('has no cycle between rooms, no file cycle in core/ and no new loop between folders', () => {
    expect(problems(files)).toEqual({ rooms: [], core: [], folders: [] });
  });

  it('core/ imports no other room', () => {
    const outside = [...graph].flatMap(([f, targets]) =>
      f.startsWith('core/')
        ? targets.filter((t) => !t.startsWith('core/')).map((t) => `${f} → ${t}`)
        : [],
    );
    expect(outside).toEqual([]);
  });

  it('fails on a planted cycle between files of core/ and between rooms', () => {
    const planted = new Map(files);
    planted.set(
      'core/export/python.ts',
      `${files.get('core/export/python.ts')}\nimport type { Shape } from '../model/__planted__';\n`,
    );
    planted.set('core/model/__planted__.ts', "export { call } from '../export/python';\n");
    planted.set('core/run/__planted__.ts', "import { x } from '../../node/__planted__';\n");
    planted.set('node/__planted__.ts', "export * from '../core/run/__planted__';\n");
    const found = problems(planted);
    expect(found.core).toContainEqual(['core/export/python.ts', 'core/model/__planted__.ts']);
    expect(found.rooms).toEqual([['core', 'node']]);
    expect(found.folders.some((m) => m.includes('core/model'))).toBe(true);
  });

  it('fails on a planted loop between two folders whose files make no loop', () => {
    const planted = new Map(files);
    // core/layers already imports core/model; a model file importing a layers file that does not
    // import it back makes a folder loop without a file loop.
    const layersFile = [...graph.keys()].find(
      (f) =>
        f.startsWith('core/layers/') &&
        !(graph.get(f) ?? []).some((t) => t.startsWith('core/model/')),
    )!;
    planted.set(
      'core/model/__planted__.ts',
      `import '../layers/${path.posix.basename(layersFile)}';\n`,
    );
    const found = problems(planted);
    expect(found.core).toEqual([]);
    expect(found.folders).toEqual([
      'a new import loop between the folders core/layers, core/model',
    ]);
  });

  it('reads dynamic imports and side-effect imports, and ignores comments and packages', () => {
    const g = importGraph(
      new Map([
        [
          'a/x.ts',
          "// import { y } from './y';\nconst m = await import('./y');\nimport 'node:fs';\n",
        ],
        ['a/y.ts', "import './z';\nimport React from 'react';\n"],
        ['a/z/index.ts', '/* import "../x" */ export {};\n'],
      ]),
    );
    expect(Object.fromEntries(g)).toEqual({
      'a/x.ts': ['a/y.ts'],
      'a/y.ts': ['a/z/index.ts'],
      'a/z/index.ts': [],
    });
  });
});
