// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { presetDesign } from '../../core/presets';
import type { RunRequest, RunResult } from '../../core/run/types';
import { HostProvider } from '../host/host';
import { createMemoryHost, type MemoryHost } from '../host/__fixtures__/memoryHost';
import { appStore } from '../state/store';
import { startRun } from '../app/commands';
import { RunPanel } from './RunPanel';

const top = (pairs: [number, number][]) =>
  pairs.map(([index, probability]) => ({ index, label: `class ${index}`, probability }));

const result = (over: Partial<RunResult>): RunResult => ({
  backend: { name: 'wasm', fallbacks: [] },
  mode: 'eval',
  batch: 1,
  seed: 0,
  outputs: {
    main: {
      shape: [1, 1000],
      stats: { min: 0, max: 1, mean: 0, std: 1 },
      top5: top([
        [281, 0.6],
        [282, 0.2],
        [285, 0.1],
        [287, 0.05],
        [283, 0.01],
      ]),
    },
  },
  modules: [],
  totalMs: 1,
  peakBytes: 1,
  untrainedWeights: false,
  warnings: [],
  weights: {
    source: 'googlenet.pth',
    loaded: 334,
    total: 344,
    reinitialized: ['inception4c.branch2.1.conv.weight'],
    freshModules: ['inception4c'],
    notes: [
      'Removed the prefix "module." from every key.',
      "Renamed the checkpoint's `fc` to the design's `classifier` (torchvision: fc → classifier).",
    ],
  },
  ...over,
});

let host: MemoryHost;
let requests: RunRequest[];

beforeEach(() => {
  requests = [];
  host = createMemoryHost({
    weightsAnswer: { path: '/w/googlenet.pth', name: 'googlenet.pth' },
    allowedWeights: ['/w/googlenet.pth'],
    run: async (_id, request) => {
      requests.push(request);
      return {
        ok: true,
        value: request.ablations?.length
          ? result({
              outputs: {
                main: {
                  shape: [1, 1000],
                  stats: { min: 0, max: 1, mean: 0, std: 1 },
                  top5: top([
                    [282, 0.5],
                    [281, 0.3],
                    [285, 0.1],
                    [999, 0.04],
                    [287, 0.03],
                  ]),
                },
              },
            })
          : result({}),
      };
    },
  });
  appStore.getState().loadDesign(presetDesign('googlenet')!, null);
  render(
    <HostProvider host={host}>
      <RunPanel />
    </HostProvider>,
  );
});

afterEach(() => {
  cleanup();
  appStore.getState().clearResult();
});

describe('Run panel with trained weights', () => {
  it('chooses a weights file, saves it with the design and loads what fits', async () => {
    fireEvent.click(screen.getByRole('button', { name: 'Choose…' }));
    await waitFor(() => expect(appStore.getState().design.weights?.path).toBe('/w/googlenet.pth'));
    expect(screen.getByTestId('weights-name').textContent).toBe('googlenet.pth');
    await startRun(host);
    expect(requests[0]).toMatchObject({ weightsPath: '/w/googlenet.pth', reinitMismatched: true });
    const summary = await screen.findByTestId('weights-summary');
    expect(summary.textContent).toContain('Loaded 334 of 344 tensors from googlenet.pth.');
    expect(summary.textContent).toContain('1 tensor in 1 module did not fit');
    expect(summary.textContent).toContain('Removed the prefix "module."');
    expect(summary.textContent).toContain('inception4c.branch2.1.conv.weight');
  });

  it('shows the names in notes as code, never with literal backticks', async () => {
    await startRun(host);
    const summary = await screen.findByTestId('weights-summary');
    expect(summary.textContent).toContain("Renamed the checkpoint's fc to the design's classifier");
    expect(summary.textContent).not.toContain('`');
    expect([...summary.querySelectorAll('code')].map((c) => c.textContent)).toEqual([
      'fc',
      'classifier',
    ]);
  });

  it('asks to choose again when a reopened design names a file this session may not read', async () => {
    appStore.getState().setWeights('/elsewhere/old.pth');
    expect((await screen.findByRole('alert')).textContent).toContain(
      'Choose the weights file again',
    );
  });

  it('runs a what-if twice and shows the two top-5 side by side with the change', async () => {
    appStore
      .getState()
      .setAblations([{ kind: 'branchOff', module: 'inception4c', branch: 'branch3' }]);
    await startRun(host);
    expect(requests.map((r) => r.ablations?.length ?? 0)).toEqual([0, 1]);
    const table = await screen.findByTestId('what-if-comparison');
    expect(table.textContent).toContain('inception4c.branch3 switched off');
    expect(table.textContent).toContain('↑ +30.0 pp');
    expect(table.textContent).toContain('↓ −30.0 pp');
    expect(table.textContent).toContain('new in top-5');
    expect(table.textContent).toContain('left top-5');
  });
});
