import { afterAll, describe, expect, it } from 'vitest';
import { presetDesign } from '../../core/presets';
import type { RunRequest } from '../../core/run/types';
import { HostEngine } from './hostEngine';

const request: RunRequest = {
  design: {
    ...presetDesign('googlenet-torchvision')!,
    aux: false,
    input: { batch: 1, channels: 3, height: 64, width: 64 },
  },
  mode: 'eval',
  seed: 3,
  input: { kind: 'random' },
  featureMaps: false,
};

describe('the host engine lifecycle', () => {
  const engine = new HostEngine({ allowFaults: true, workers: 1 });
  afterAll(() => engine.dispose());

  it('starts the worker ahead of the first run and reports its backend', async () => {
    engine.start();
    const info = await engine.info();
    expect(info.backend).toMatch(/^(onnxruntime|tensorflow|wasm|cpu)$/);
  });

  it('restarts the worker after it dies under a run, and the next run works', async () => {
    // The worker handles messages in order: it exits on the fault before it sees the run.
    engine.client.postRaw({ type: 'fault', fault: 'exit' });
    const crashed = await engine.run('crash', request, () => {});
    expect(crashed).toMatchObject({
      ok: false,
      error: { code: 'engine.crashed', message: expect.stringMatching(/stopped unexpectedly/) },
    });
    expect(engine.restarts).toBe(1);
    const info = await engine.info();
    expect(info.backend).toMatch(/^(onnxruntime|tensorflow|wasm|cpu)$/);
    expect(info.notes).toContain(
      'The engine worker was restarted 1 time after a crash in this session.',
    );
    const again = await engine.run('after', request, () => {});
    expect(again.ok).toBe(true);
  });

  it('stops the worker on dispose; later runs are refused as data', async () => {
    const short = new HostEngine({ workers: 1 });
    short.start();
    await short.dispose();
    expect(await short.run('late', request, () => {})).toMatchObject({
      ok: false,
      error: { code: 'engine.disposed' },
    });
  });
});
