// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { presetDesign } from '../../core/presets';
import { errResult, okResult } from '../../core/run/types';
import { HostProvider } from '../host/host';
import { createMemoryHost, type MemoryHost } from '../host/__fixtures__/memoryHost';
import { appStore } from '../state/store';
import { WeightsField } from './WeightsField';

let host: MemoryHost;
let release: () => void = () => {};

function show(preset: string) {
  appStore.getState().loadDesign(presetDesign(preset)!, null);
  render(
    <HostProvider host={host}>
      <WeightsField />
    </HostProvider>,
  );
}

beforeEach(() => {
  host = createMemoryHost({
    allowedWeights: ['/cache/googlenet-1378be20.pth'],
    weightsFetch: (id, emit) =>
      new Promise((resolve) => {
        emit({
          id,
          receivedBytes: 12 * 1024 ** 2,
          totalBytes: 48 * 1024 ** 2,
          bytesPerSecond: 4 * 1024 ** 2,
          secondsLeft: 9,
        });
        release = () =>
          resolve(
            id === 'torchvision-googlenet'
              ? okResult({ path: '/cache/googlenet-1378be20.pth' })
              : errResult('weights.offline', 'Could not reach the host: offline.'),
          );
      }),
  });
});

afterEach(() => {
  cleanup();
  release = () => {};
});

describe('Pretrained weights in the Run tab', () => {
  it("fetches the preset's reference checkpoint with a progress bar, then sets it as the design's weights", async () => {
    show('googlenet-torchvision');
    fireEvent.click(screen.getByRole('button', { name: 'Pretrained weights' }));
    const status = await screen.findByRole('status');
    await waitFor(() =>
      expect(status.textContent).toContain('12.0 MiB of 48.0 MiB · 4.0 MiB/s · 9 s left'),
    );
    expect(screen.getByRole('button', { name: 'Cancel' })).toBeTruthy();
    release();
    await waitFor(() =>
      expect(appStore.getState().design.weights?.path).toBe('/cache/googlenet-1378be20.pth'),
    );
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('cancels a fetch in progress', async () => {
    show('googlenet-torchvision');
    fireEvent.click(screen.getByRole('button', { name: 'Pretrained weights' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(host.cancelled).toContain('weights:torchvision-googlenet'));
  });

  it('says why a fetch failed and keeps the design as it was', async () => {
    show('inception-v3');
    const before = appStore.getState().design.weights;
    fireEvent.click(screen.getByRole('button', { name: 'Pretrained weights' }));
    await screen.findByRole('status');
    release();
    await waitFor(() =>
      expect(appStore.getState().notice).toMatchObject({
        tone: 'error',
        text: expect.stringContaining('offline'),
      }),
    );
    expect(appStore.getState().design.weights).toEqual(before);
  });

  it('offers nothing for a preset without published weights (the tutorial GoogLeNet)', () => {
    show('googlenet');
    expect(screen.queryByRole('button', { name: 'Pretrained weights' })).toBeNull();
  });
});
