// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { presetDesign } from '../../core/presets';
import type { FeatureMapSummary, RunResult } from '../../core/run/types';
import { HostProvider } from '../host/host';
import { createMemoryHost } from '../host/__fixtures__/memoryHost';
import { appStore } from '../state/store';
import { startRun } from '../app/commands';
import { RunPanel } from './RunPanel';

const map: FeatureMapSummary = {
  width: 2,
  height: 2,
  mean: [0, 85, 170, 255],
  range: { min: -0.5, max: 2.25 },
  channelCount: 256,
  channels: [
    { index: 17, values: [0, 255, 0, 255], range: { min: 0, max: 4.5 }, activation: 1.25 },
    { index: 3, values: [255, 0, 0, 0], range: { min: 0, max: 0.75 }, activation: 0.5 },
  ],
};

const result: RunResult = {
  backend: { name: 'wasm', fallbacks: [] },
  mode: 'eval',
  batch: 3,
  seed: 0,
  outputs: { main: { shape: [3, 1000], stats: { min: 0, max: 1, mean: 0, std: 1 } } },
  modules: [
    {
      id: 'inception3a',
      shape: [3, 256, 28, 28],
      expectedShape: [3, 256, 28, 28],
      match: true,
      ms: 1,
      stats: { min: 0, max: 1, mean: 0, std: 1 },
      featureMap: map,
    },
  ],
  totalMs: 1,
  peakBytes: 1,
  untrainedWeights: true,
  warnings: [],
} as unknown as RunResult;

beforeEach(async () => {
  const host = createMemoryHost({ run: async () => ({ ok: true, value: result }) });
  appStore.getState().loadDesign(presetDesign('googlenet')!, null);
  render(
    <HostProvider host={host}>
      <RunPanel />
    </HostProvider>,
  );
  await startRun(host);
});
afterEach(() => {
  cleanup();
  appStore.getState().clearResult();
});

describe('Feature maps', () => {
  it('say how each picture was made and carry a colour scale, untrained weights too', async () => {
    expect((await screen.findByTestId('feature-maps-caption')).textContent).toContain(
      "the mean over the module's channels for the first image, scaled to its own range",
    );
    expect(screen.getByTestId('colour-scale-key').getAttribute('aria-label')).toBe(
      'Colour scale: each map from its own smallest value (dark) to its largest (bright)',
    );
  });

  it('show the large map with its min and max, and say how the channels were chosen', async () => {
    fireEvent.click(
      await screen.findByRole('button', { name: 'Show the inception3a feature map large' }),
    );
    const dialog = screen.getByRole('dialog');
    expect(
      within(dialog).getByRole('img', { name: 'inception3a colour scale: from -0.500 to 2.25' }),
    ).toBeTruthy();
    expect(within(dialog).getByTestId('channels-caption').textContent).toBe(
      'The 2 most active of 256 channels (largest mean |activation| of the first image), each scaled to its own range.',
    );
    expect(
      within(dialog).getByRole('img', { name: 'Channel 17 colour scale: from 0.00 to 4.50' }),
    ).toBeTruthy();
  });
});
