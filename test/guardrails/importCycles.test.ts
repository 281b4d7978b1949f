// Arrows run one way (STYLE.md): no import cycle between the rooms (core/, cli/, node/,
// renderer/, electron/), core/ imports no other room, and no two files of core/ import each other
// around a loop. Types two rooms share live in a leaf both import (core/export/codegenTypes.ts,
// core/run/result.ts). Tests and fixtures are not part of the graph: they may import anything.
//
// Not checked yet: cycles between sub-folders of one room (core/export ↔ core/modules through
// registry.ts and python.ts, renderer/state's slices and store); today's tree has several, each
// between files that are not themselves in a loop.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cycles,
  importGraph,
  readSources,
  type ImportGraph,
  type SourceFiles,
} from './importGraph';

const root = path.resolve(import.meta.dirname, '../..');
const ROOMS = ['core', 'cli', 'node', 'renderer', 'electron'] as const;

const isProduct = (file: string): boolean =>
  !/\.test\.tsx?$/.test(file) && !file.includes('__fixtures__');

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
function problems(files: SourceFiles): { rooms: string[][]; core: string[][] } {
  const product = new Map([...files].filter(([f]) => isProduct(f)));
  const graph = importGraph(product);
  const core = new Map([...graph].filter(([f]) => f.startsWith('core/')));
  return { rooms: cycles(roomGraph(graph)), core: cycles(core) };
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

  it('has no cycle between rooms and no file cycle in core/', () => {
    expect(problems(files)).toEqual({ rooms: [], core: [] });
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
