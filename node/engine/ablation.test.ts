/**
 * What-if ablations through the engine: a switched-off branch's slice of its module's output is
 * exactly zero on every backend (the ablation is a weights transform, so TF.js and ONNX Runtime
 * agree), and the rest of the output is untouched.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Design } from '../../core/model/types';
import type { BackendName } from '../../core/run/types';
import { probeBackend } from './backend';
import { EngineClient } from './engineClient';

/** Conv, then one inception module whose output (8 + 8 + 4 + 4 channels) is the design's output. */
const design: Design = {
  name: 'ablation',
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
  ],
  outputs: { main: 'inc' },
};

const clients: EngineClient[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
});

const backends: BackendName[] = [];
if ((await probeBackend('wasm')).ok) backends.push('wasm');
if ((await probeBackend('onnxruntime')).ok) backends.push('onnxruntime');

describe.each(backends)('ablations on %s', (backend) => {
  const engine = new EngineClient({
    backend: backend === 'onnxruntime' ? undefined : 'wasm',
    workers: 1,
  });
  clients.push(engine);
  const run = (ablations?: Parameters<typeof engine.run>[1]['ablations']) =>
    engine.run(`a-${backend}-${ablations?.length ?? 0}`, {
      design,
      mode: 'eval',
      seed: 3,
      input: { kind: 'random' },
      backend,
      returnOutputs: true,
      ablations,
    });

  it('zeroes exactly the branch3 channels (16 to 19) of the module output', async () => {
    const before = await run();
    const after = await run([{ kind: 'branchOff', module: 'inc', branch: 'branch3' }]);
    expect(before.ok && after.ok).toBe(true);
    if (!before.ok || !after.ok) return;
    expect(after.value.backend.name).toBe(backend);
    const a = after.value.outputData!.main;
    const b = before.value.outputData!.main;
    expect(a.shape).toEqual([1, 24, 16, 16]);
    const plane = 16 * 16;
    const channel = (t: Float32Array, c: number) => t.subarray(c * plane, (c + 1) * plane);
    for (let c = 0; c < 24; c++) {
      if (c >= 16 && c < 20) {
        expect(channel(a.data, c).every((v) => v === 0)).toBe(true);
        expect(channel(b.data, c).some((v) => v !== 0)).toBe(true);
      } else expect(channel(a.data, c)).toEqual(channel(b.data, c));
    }
    expect(after.value.warnings.join(' ')).toContain('What-if: inc.branch3 switched off');
  });

  it('refuses an unknown branch with its code', async () => {
    const r = await run([{ kind: 'branchOff', module: 'inc', branch: 'branch9' }]);
    expect(r.ok ? null : r.error.code).toBe('ablation.invalid');
  });
});
