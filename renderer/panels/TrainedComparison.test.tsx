// @vitest-environment happy-dom
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { presetDesign } from '../../core/presets';
import { setParam } from '../../core/design/edit';
import type { Design } from '../../core/model/types';
import { HostProvider } from '../host/host';
import { createMemoryHost } from '../host/__fixtures__/memoryHost';
import { appStore } from '../state/store';
import { DEFAULT_TRAIN_FORM, trainRequestOf } from '../state/trainForm';
import { ComparePanel } from './ComparePanel';
import { installCanvasStub } from './__fixtures__/canvasStub';

beforeAll(installCanvasStub);

const base = presetDesign('googlenet')!;
const edited = setParam(base, 'inception4c', 'out_3x3', 300);

/** A finished training of `design` in the store: 4 steps, one epoch with validation `top1`. */
function trained(trainId: string, design: Design, top1: number) {
  act(() => train(trainId, design, top1));
}

function train(trainId: string, design: Design, top1: number) {
  const s = appStore.getState();
  const req = trainRequestOf(DEFAULT_TRAIN_FORM, design);
  if (!req.ok) throw new Error('form');
  s.trainStarted(trainId, req.request);
  for (let n = 1; n <= 4; n++)
    s.trainEvent({
      type: 'step',
      trainId,
      step: n,
      epoch: 1,
      loss: 2 - n * top1,
      losses: {},
      lr: 0.01,
      imagesPerSecond: 100,
      secondsLeft: null,
    });
  const epoch = { epoch: 1, step: 4, loss: 1, top1, perClass: [], confusion: [] };
  s.trainEvent({ type: 'epoch', trainId, checkpoint: null, ...epoch });
  s.trainFinished(trainId, {
    ok: true,
    value: {
      engine: 'TF.js cpu',
      steps: 4,
      seconds: 1,
      cancelled: false,
      checkpoint: null,
      history: { steps: appStore.getState().training!.steps, epochs: [epoch] },
    },
  });
}

beforeEach(() => {
  appStore.setState({ training: null, trainings: [], checkpoints: [] });
  appStore.getState().loadDesign(edited, null);
  appStore.getState().setCompare({ kind: 'own' });
  render(
    <HostProvider host={createMemoryHost()}>
      <ComparePanel />
    </HostProvider>,
  );
});

afterEach(() => {
  cleanup();
  appStore.getState().setCompare(null);
});

describe('Compare with trained designs', () => {
  it('puts both trainings on one chart beside the Δ params and Δ MACs', () => {
    trained('a', base, 0.7);
    expect(screen.getByText(/Train B \(this design\) in the Train tab/)).toBeTruthy();
    // The edited design trained with trained weights set is still the same design.
    trained('b', { ...edited, weights: { path: '/c/weights.safetensors' } }, 0.75);
    const chart = screen.getByTestId('compare-chart');
    expect(chart.dataset.points).toBe('4');
    const legend = chart.querySelector('.u-legend')!.textContent!;
    for (const label of ['A loss', 'A top-1 %', 'B loss', 'B top-1 %'])
      expect(legend).toContain(label);
    expect(screen.getByTestId('compare-top1-a').textContent).toBe('70.0 %');
    expect(screen.getByTestId('compare-top1-b').textContent).toBe('75.0 %');
    expect(screen.getByTestId('compare-top1-delta').textContent).toBe('+5.0 pp');
    const table = screen.getByRole('table', { name: 'Accuracy against cost' });
    expect(table.textContent).toContain('Params13.4 M13.5 M+66.3 K +0.50 %');
    expect(table.textContent).toContain('MACs1.57 G1.58 G+13 M +0.83 %');
  });

  it('lets each side pick another training of the session', () => {
    trained('a', base, 0.7);
    trained('c', setParam(base, 'inception4c', 'out_3x3', 128), 0.6);
    fireEvent.change(screen.getByLabelText('Training of B'), { target: { value: 't:c' } });
    expect(screen.getByTestId('compare-top1-b').textContent).toBe('60.0 %');
    expect(screen.getByTestId('compare-top1-delta').textContent).toBe('−10.0 pp');
    // The cost is that of the design trained on each side (out_3x3 128 against 208).
    const table = screen.getByRole('table', { name: 'Accuracy against cost' });
    expect(table.textContent).toContain('Params13.4 M13.2 M−193 K −1.44 %');
  });
});
