import { beforeEach, describe, expect, it } from 'vitest';
import { presetDesign } from '../../core/presets';
import type { RunResult } from '../../core/run/types';
import { appStore } from './store';
import { staleReasons } from './runSlice';

const fakeResult = (backend: string) =>
  ({ backend: { name: backend, fallbacks: [] } }) as unknown as RunResult;

beforeEach(() => {
  const s = appStore.getState();
  s.loadDesign(presetDesign('googlenet')!, null);
  s.clearResult();
  s.setRunSettings({ backend: null, input: { kind: 'random' }, batch: null, seed: 0 });
});

describe('run results and what they were computed with', () => {
  it('keeps the settings of the run with its result, and says what changed since', () => {
    const s = appStore.getState();
    s.runStarted('r1', s.design);
    s.runFinished('r1', { ok: true, value: fakeResult('onnxruntime') });
    expect(staleReasons(appStore.getState())).toEqual([]);
    appStore.getState().setRunSettings({ backend: 'wasm' });
    expect(appStore.getState().resultSettings?.backend).toBeNull();
    expect(staleReasons(appStore.getState())).toEqual(['the backend']);
    appStore.getState().setRunSettings({ input: { kind: 'sample', name: 'cat.jpg' } });
    appStore.getState().setParam('inception4c', 'out_3x3', 300);
    expect(staleReasons(appStore.getState())).toEqual(['the design', 'the backend', 'the input']);
  });

  it('leaves the previous result as the previous run’s when a run is cancelled', () => {
    const s = appStore.getState();
    const first = s.design;
    s.runStarted('r1', first);
    s.runFinished('r1', { ok: true, value: fakeResult('onnxruntime') });
    appStore.getState().setParam('inception4c', 'out_3x3', 300);
    const edited = appStore.getState().design;
    appStore.getState().runStarted('r2', edited);
    // While it runs, and after it is cancelled, the shown result is still the first design's.
    expect(appStore.getState().resultDesign).toBe(first);
    appStore.getState().runFinished('r2', {
      ok: false,
      error: { code: 'run.cancelled', message: 'The run was cancelled.' },
    });
    expect(appStore.getState().runStatus).toBe('cancelled');
    expect(appStore.getState().resultDesign).toBe(first);
    expect(staleReasons(appStore.getState())).toEqual(['the design']);
  });
});
