// @vitest-environment happy-dom
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { presetDesign } from '../../core/presets';
import type { Result } from '../../core/run/types';
import type {
  CheckpointInfo,
  EpochValidation,
  TrainEvent,
  TrainRequest,
  TrainSummary,
} from '../../core/train/types';
import { HostProvider } from '../host/host';
import { createMemoryHost, type MemoryHost } from '../host/__fixtures__/memoryHost';
import { appStore } from '../state/store';
import { isDirty } from '../state/derived';
import { DEFAULT_TRAIN_FORM } from '../state/trainForm';
import { TrainPanel } from './TrainPanel';
import { RunPanel } from './RunPanel';
import { installCanvasStub } from './__fixtures__/canvasStub';

beforeAll(installCanvasStub);

const classNames = ['T-shirt/top', 'Trouser', 'Pullover'];
const validation: EpochValidation = {
  epoch: 1,
  step: 4,
  loss: 0.8,
  top1: 2 / 3,
  perClass: [1, 0.5, 0.5],
  confusion: [
    [2, 0, 0],
    [0, 1, 1],
    [1, 0, 1],
  ],
};
const checkpoint: CheckpointInfo = {
  id: 'googlenet/epoch-1',
  dir: '/home/checkpoints/googlenet/epoch-1',
  weightsPath: '/home/checkpoints/googlenet/epoch-1/weights.safetensors',
  designName: 'googlenet-torchvision',
  epoch: 1,
  step: 4,
  top1: 2 / 3,
  savedAt: '2026-12-07T04:00:00Z',
  reason: 'epoch',
  history: { steps: [], epochs: [validation] },
};

let host: MemoryHost;
let requests: TrainRequest[];
let unsubscribe: () => void;
let finish: ((r: Result<TrainSummary>) => void) | null;

function emit(e: TrainEvent) {
  act(() => host.sendTrainEvent(e));
}
const step = (trainId: string, n: number): TrainEvent => ({
  type: 'step',
  trainId,
  step: n,
  epoch: 1,
  loss: 2.3 - n * 0.2,
  losses: { main: 2 - n * 0.2, aux1: 0.15, aux2: 0.15 },
  lr: 0.01,
  imagesPerSecond: 240,
  secondsLeft: 80 - n,
});

beforeEach(() => {
  requests = [];
  finish = null;
  host = createMemoryHost({
    checkpoints: [checkpoint],
    allowedWeights: [checkpoint.weightsPath],
    trainSamples: ['data:image/png;base64,AAAA', 'data:image/png;base64,BBBB'],
    train: (_id, request) => {
      requests.push(request);
      return new Promise((resolve) => (finish = resolve));
    },
  });
  // App subscribes for the whole window (its events arrive whichever tab is shown).
  unsubscribe = host.onDidTrainEvent((e) => appStore.getState().trainEvent(e));
  appStore.getState().loadDesign(presetDesign('googlenet-torchvision')!, null);
  appStore.setState({ training: null, trainings: [], trainedWeights: {} });
  appStore.getState().setTrainForm(DEFAULT_TRAIN_FORM);
  render(
    <HostProvider host={host}>
      <TrainPanel />
    </HostProvider>,
  );
});

afterEach(() => {
  cleanup();
  unsubscribe();
});

describe('Train tab', () => {
  it('names a wrong field and keeps Start off until it is right, without touching the design', () => {
    const epochs = screen.getByLabelText('Epochs');
    fireEvent.change(epochs, { target: { value: '-5' } });
    expect(screen.getAllByRole('alert')[0].textContent).toBe(
      'Epochs must be a whole number from 1 to 1,000; got "-5".',
    );
    expect(screen.getByRole('button', { name: 'Start' })).toHaveProperty('disabled', true);
    fireEvent.change(screen.getByLabelText('Batch'), { target: { value: '1000000000' } });
    expect(screen.getByText(/Batch must be a whole number from 1 to 1,024/)).toBeTruthy();
    fireEvent.change(epochs, { target: { value: '2' } });
    fireEvent.change(screen.getByLabelText('Batch'), { target: { value: '16' } });
    expect(screen.getByRole('button', { name: 'Start' })).toHaveProperty('disabled', false);
    const s = appStore.getState();
    expect(isDirty(s.design, s.savedText, false)).toBe(false);
  });

  it('trains: live curves with each head, speed, pause and resume, cancel, then the session keeps it', async () => {
    fireEvent.change(screen.getByLabelText('Image limit'), { target: { value: '64' } });
    fireEvent.change(screen.getByLabelText('Optimizer'), { target: { value: 'adam' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start' }));
    await waitFor(() => expect(requests).toHaveLength(1));
    expect(requests[0]).toMatchObject({ limit: 64, optimizer: 'adam', epochs: 1, batch: 32 });
    const trainId = appStore.getState().training!.trainId;
    emit({
      type: 'started',
      trainId,
      engine: 'TF.js wasm',
      engineNotes: ['tensorflow: tfjs-node is not installed here.'],
      dataNotes: ['Fashion-MNIST read from /usr/share/datasets/fashion-mnist/.'],
      classNames,
      trainCount: 64,
      validationCount: 6,
      stepsPerEpoch: 2,
      totalSteps: 8,
      startStep: 0,
    });
    emit(step(trainId, 1));
    emit(step(trainId, 2));
    const chart = screen.getByTestId('loss-chart');
    expect(chart.dataset.points).toBe('2');
    // The legend names every line: the total, each head, validation.
    const legend = chart.querySelector('.u-legend')!.textContent!;
    for (const label of ['train loss', 'main loss', 'aux1 loss', 'aux2 loss', 'validation loss'])
      expect(legend).toContain(label);
    const plot = chart.querySelector('.uplot');
    emit(step(trainId, 3));
    emit(step(trainId, 4));
    emit({ type: 'epoch', trainId, checkpoint, ...validation });
    // The same plot takes the new points (no new chart per point).
    expect(screen.getByTestId('loss-chart').querySelector('.uplot')).toBe(plot);
    expect(screen.getByTestId('loss-chart').dataset.points).toBe('4');
    expect(screen.getByTestId('train-status').textContent).toContain('step 4 of 8');
    expect(screen.getByTestId('train-speed').textContent).toBe('240 images/s · 1 min 16 s left');
    expect(screen.getByTestId('train-engine').textContent).toBe('TF.js wasm');
    expect(screen.getByLabelText('Data notes').textContent).toContain('Fashion-MNIST read from');

    fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    await waitFor(() => expect(host.pauses).toEqual([[trainId, true]]));
    emit({ type: 'paused', trainId, step: 4 });
    fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    await waitFor(() =>
      expect(host.pauses).toEqual([
        [trainId, true],
        [trainId, false],
      ]),
    );
    emit({ type: 'resumed', trainId, step: 4 });
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(host.cancelled).toEqual([`train:${trainId}`]));
    expect(screen.getByTestId('train-status').textContent).toContain('Cancelling');
    const t = appStore.getState().training!;
    await act(async () =>
      finish!({
        ok: true,
        value: {
          engine: 'TF.js wasm',
          steps: 4,
          seconds: 2,
          cancelled: true,
          checkpoint,
          history: { steps: t.steps, epochs: t.epochs },
        },
      }),
    );
    expect(screen.getByTestId('train-status').textContent).toContain('Cancelled');
    expect(screen.getByTestId('train-summary').textContent).toBe('4 steps in 2 s on TF.js wasm.');
    expect(appStore.getState().trainings.map((x) => x.trainId)).toEqual([trainId]);
  });

  it('shows the confusion matrix with class names, and a cell’s images from the host', async () => {
    fireEvent.click(screen.getByRole('button', { name: 'Start' }));
    await waitFor(() => expect(appStore.getState().training).not.toBeNull());
    const trainId = appStore.getState().training!.trainId;
    emit({
      type: 'started',
      trainId,
      engine: 'TF.js cpu',
      engineNotes: [],
      dataNotes: [],
      classNames,
      trainCount: 6,
      validationCount: 6,
      stepsPerEpoch: 4,
      totalSteps: 4,
      startStep: 0,
    });
    emit({ type: 'epoch', trainId, checkpoint: null, ...validation });
    const matrix = screen.getByRole('table', { name: 'Confusion matrix after epoch 1' });
    expect(within(matrix).getByRole('rowheader', { name: /Trouser/ })).toBeTruthy();
    const cell = within(matrix).getByRole('button', {
      name: '1 Trouser images predicted Pullover',
    });
    expect(
      within(matrix).getByRole('button', { name: '0 Trouser images predicted T-shirt/top' }),
    ).toHaveProperty('disabled', true);
    fireEvent.click(cell);
    const images = await screen.findAllByRole('img', {
      name: /Trouser image \d, predicted Pullover/,
    });
    expect(images.map((i) => i.getAttribute('src'))).toEqual([
      'data:image/png;base64,AAAA',
      'data:image/png;base64,BBBB',
    ]);
    expect(host.sampleRequests).toEqual([[trainId, 1, 2]]);
    expect(screen.getByRole('list', { name: 'Accuracy per class' }).textContent).toContain(
      'Trouser50.0 %',
    );
  });

  it('runs the design with a checkpoint’s weights, and the Run tab says which', async () => {
    const item = await screen.findByTestId('checkpoint');
    expect(item.textContent).toContain('epoch 1 · step 4 · top-1 66.7 %');
    fireEvent.click(
      within(item).getByRole('button', { name: `Use the weights of ${checkpoint.id}` }),
    );
    await waitFor(() =>
      expect(appStore.getState().design.weights?.path).toBe(checkpoint.weightsPath),
    );
    cleanup();
    render(
      <HostProvider host={host}>
        <RunPanel />
      </HostProvider>,
    );
    expect(screen.getByTestId('trained-weights').textContent).toBe(
      'Runs with trained weights: googlenet-torchvision, epoch 1, step 4, validation top-1 66.7 % (checkpoint googlenet/epoch-1).',
    );
  });

  it('resumes from a checkpoint with its curves so far', async () => {
    const item = await screen.findByTestId('checkpoint');
    fireEvent.click(
      within(item).getByRole('button', { name: `Resume training from ${checkpoint.id}` }),
    );
    await waitFor(() => expect(requests).toHaveLength(1));
    expect(requests[0].resume).toBe(checkpoint.id);
    expect(appStore.getState().training!.epochs).toEqual([validation]);
  });
});
