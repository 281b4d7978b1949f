/**
 * Edit-then-run on trained weights: after an edit, the tensors that still fit keep the file's
 * values and those that do not start fresh, named in the result's load summary (the app marks
 * their modules "fresh weights"); without reinitMismatched (the command line's default) the run
 * is refused as before.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze } from '../../core/analysis/analyze';
import { setParam } from '../../core/design/edit';
import type { Design } from '../../core/model/types';
import { probeBackend } from './backend';
import { EngineClient } from './engineClient';
import { seededStateDict, stateDictToSafetensors } from './weights';

const design: Design = {
  name: 'edit-then-run',
  preset: null,
  input: { batch: 1, channels: 3, height: 32, width: 32 },
  classes: 10,
  aux: false,
  modules: [
    {
      id: 'conv1',
      kind: 'convBlock',
      inputs: ['input'],
      params: { out_channels: 16, kernel: 3, stride: 2, padding: 1 },
    },
    {
      id: 'inc',
      kind: 'inception',
      inputs: ['conv1'],
      params: { out_1x1: 8, red_3x3: 8, out_3x3: 8, red_5x5: 4, out_5x5: 4, out_1x1pool: 4 },
    },
    { id: 'gap', kind: 'adaptiveAvgPool', inputs: ['inc'], params: { output_size: 1 } },
    { id: 'fc', kind: 'linear', inputs: ['gap'], params: { out_features: 'classes' } },
  ],
  outputs: { main: 'fc' },
};

const engine = new EngineClient({ backend: 'wasm', workers: 1 });
let dir = '';
afterAll(async () => {
  await engine.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!(await probeBackend('wasm')).ok)('edit-then-run on trained weights', () => {
  it('loads what still fits, starts the rest fresh and names their modules', async () => {
    dir = await mkdtemp(join(tmpdir(), 'edit-then-run-'));
    const path = join(dir, 'trained.safetensors');
    const graph = analyze(design).graph;
    await writeFile(path, stateDictToSafetensors(seededStateDict(graph, 5), graph));
    const edited = setParam(design, 'inc', 'out_3x3', 12);
    const request = {
      design: edited,
      mode: 'eval' as const,
      seed: 0,
      input: { kind: 'random' as const },
      weightsPath: path,
    };
    const strict = await engine.run('strict', request);
    expect(strict.ok ? null : strict.error.code).toMatch(/^weights\./);
    const r = await engine.run('fit', { ...request, reinitMismatched: true });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const w = r.value.weights!;
    expect(w.source).toBe('trained.safetensors');
    // inc.branch2.1 (3×3: 8 → 12 filters) and fc (reads 28 channels now, not 24) start fresh.
    expect([...w.freshModules].sort()).toEqual(['fc', 'inc']);
    expect(w.reinitialized).toContain('inc.branch2.1.conv.weight');
    expect(w.reinitialized).toContain('fc.weight');
    expect(w.reinitialized).not.toContain('inc.branch1.conv.weight');
    expect(w.loaded).toBe(w.total - w.reinitialized.length);
    expect(r.value.untrainedWeights).toBe(false);
  }, 120_000);
});
