// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { presetDesign } from '../../core/presets';
import { setClasses } from '../../core/design/edit';
import type { RunResult } from '../../core/run/types';
import type { CheckpointInfo } from '../../core/train/types';
import { HostProvider } from '../host/host';
import { createMemoryHost } from '../host/__fixtures__/memoryHost';
import { appStore } from '../state/store';
import { startRun } from '../app/commands';
import { RunPanel } from './RunPanel';

const FASHION = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

const checkpoint = (classNames?: readonly string[]): CheckpointInfo => ({
  id: 'googlenet/epoch-1',
  dir: '/home/checkpoints/googlenet/epoch-1',
  weightsPath: '/home/checkpoints/googlenet/epoch-1/weights.safetensors',
  designName: 'googlenet-torchvision',
  ...(classNames ? { classNames } : {}),
  epoch: 1,
  step: 625,
  top1: 0.74,
  savedAt: '2026-12-07T05:00:00.000Z',
  reason: 'epoch',
  history: { steps: [], epochs: [] },
});

const result: RunResult = {
  backend: { name: 'onnxruntime', fallbacks: [] },
  mode: 'eval',
  batch: 1,
  seed: 0,
  outputs: {
    main: {
      shape: [1, 10],
      stats: { min: 0, max: 1, mean: 0, std: 1 },
      top5: [9, 7, 5, 0, 2].map((index, i) => ({
        index,
        label: `class ${index}`,
        probability: 0.5 / (i + 1),
      })),
    },
  },
  modules: [],
  totalMs: 1,
  peakBytes: 1,
  untrainedWeights: false,
  warnings: [],
  weights: {
    source: 'weights.safetensors',
    loaded: 10,
    total: 10,
    reinitialized: [],
    freshModules: [],
    notes: [],
  },
};

async function runWith(c: CheckpointInfo) {
  const host = createMemoryHost({
    allowedWeights: [c.weightsPath],
    run: async () => ({ ok: true, value: result }),
  });
  appStore.getState().loadDesign(setClasses(presetDesign('googlenet-torchvision')!, 10), null);
  appStore.getState().usedCheckpoint(c);
  appStore.getState().setWeights(c.weightsPath);
  render(
    <HostProvider host={host}>
      <RunPanel />
    </HostProvider>,
  );
  await startRun(host);
}

afterEach(() => {
  cleanup();
  appStore.getState().clearResult();
});

describe('Run panel with a training checkpoint’s weights', () => {
  it('names the top-5 classes as the training did', async () => {
    await runWith(checkpoint(FASHION));
    const labels = [...(await screen.findAllByText(/./, { selector: '.top5-label' }))].map(
      (l) => l.textContent,
    );
    expect(labels).toEqual(['Ankle boot', 'Sneaker', 'Sandal', 'T-shirt/top', 'Pullover']);
  });

  it('keeps the engine’s labels for a checkpoint that names no classes', async () => {
    await runWith(checkpoint());
    const labels = [...(await screen.findAllByText(/./, { selector: '.top5-label' }))].map(
      (l) => l.textContent,
    );
    expect(labels).toEqual(['class 9', 'class 7', 'class 5', 'class 0', 'class 2']);
  });
});
