import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every module reachable from `entry` through static relative imports, with its bare imports. */
function importGraph(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const stack = [resolve(entry)];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    const bare: string[] = [];
    for (const m of text.matchAll(
      /^(?:import|export)\s[^'";]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm,
    )) {
      const spec = m[1] ?? m[2];
      if (/^import\s+type\s/.test(m[0]) || /^export\s+type\s/.test(m[0])) continue;
      // A folder import (`../presets`) resolves to its index.ts, as TypeScript and Vite do.
      if (spec.startsWith('.'))
        stack.push(
          existsSync(resolve(dirname(file), `${spec}.ts`))
            ? resolve(dirname(file), `${spec}.ts`)
            : resolve(dirname(file), spec, 'index.ts'),
        );
      else bare.push(spec);
    }
    seen.set(file, bare);
  }
  return seen;
}

describe('the main process and the command line do not load TensorFlow.js', () => {
  it.each([
    'node/engine/engineClient.ts',
    'node/host/hostEngine.ts',
    'node/host/hostService.ts',
    'node/browserHost/browserHost.ts',
    'node/engine/training/job.ts',
  ])('%s reaches no @tensorflow import (only the worker does)', (entry) => {
    const offenders = [...importGraph(entry)]
      .filter(([, bare]) => bare.some((s) => s.startsWith('@tensorflow/')))
      .map(([f]) => f);
    expect(offenders).toEqual([]);
  });

  it('the worker does load it (the check can see an import)', () => {
    const graph = importGraph('node/engine/engineWorker.ts');
    expect([...graph.values()].flat()).toContain('@tensorflow/tfjs-core');
  });
});
