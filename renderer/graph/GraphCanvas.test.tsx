// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { ReactFlowProvider } from '@xyflow/react';
import { presetDesign } from '../../core/presets';
import { appStore } from '../state/store';
import { GraphCanvas } from './GraphCanvas';

const INCEPTIONS = [
  'inception3a',
  'inception3b',
  'inception4a',
  'inception4b',
  'inception4c',
  'inception4d',
  'inception4e',
  'inception5a',
  'inception5b',
];

function renderCanvas() {
  return render(
    <ReactFlowProvider>
      <div style={{ width: 1200, height: 800 }}>
        <GraphCanvas />
      </div>
    </ReactFlowProvider>,
  );
}

beforeEach(() => {
  const s = appStore.getState();
  s.loadDesign(presetDesign('googlenet')!, null);
  s.select(null);
  s.setOpened([]);
  s.clearResult();
});

afterEach(cleanup);

describe('GraphCanvas', () => {
  it('draws every module as a node labelled with its id, with shapes, counts and edge labels', async () => {
    renderCanvas();
    const node = await screen.findByRole('group', { name: 'inception4c' }, { timeout: 10_000 });
    for (const id of INCEPTIONS) expect(screen.getByRole('group', { name: id })).toBeTruthy();
    expect(within(node).getByTestId('shape').textContent).toBe('N=3 · 512×14×14');
    expect(
      within(node)
        .getAllByRole('term')
        .map((t) => t.querySelector('.count-label-full')!.textContent),
    ).toEqual(['1×1', '3×3 reduce', '3×3', '5×5 reduce', '5×5', 'Pool proj']);
    // The short labels the cells show at reduced zoom, and the tooltip that names each in full.
    expect(
      within(node)
        .getAllByRole('term')
        .map((t) => t.querySelector('.count-label-short')!.textContent),
    ).toEqual(['1×1', '3×3r', '3×3', '5×5r', '5×5', 'pool']);
    expect(within(node).getAllByRole('term')[1].parentElement!.title).toBe(
      '3×3 reduce: 1×1 filters that reduce channels before the 3×3 convolution. (red_3x3)',
    );
    expect(
      within(node)
        .getAllByRole('definition')
        .map((t) => t.textContent),
    ).toEqual(['128', '128', '256', '24', '64', '64']);
    expect(screen.getAllByText('N=3 · 528×14×14').length).toBeGreaterThan(0);
    // The batch is set apart from the channels on the input node: N=3 above, each image's 3×224×224 below.
    const input = screen.getByTestId('node-input');
    expect(within(input).getByTestId('input-batch').textContent).toBe('N=3');
    expect(within(input).getByTestId('shape').textContent).toBe('3×224×224');
    expect(screen.getByRole('group', { name: 'aux1' }).textContent).toContain('train only');
  });

  it("turns an invalid node red with core's message and leaves the others intact", async () => {
    renderCanvas();
    await screen.findByRole('group', { name: 'inception4c' }, { timeout: 10_000 });
    act(() => appStore.getState().setParam('inception4c', 'out_3x3', 0));
    const node = screen.getByRole('group', { name: 'inception4c' });
    expect(node.querySelector('.node.invalid')).toBeTruthy();
    expect(within(node).getByRole('alert').textContent).toBe(
      'inception4c: 3×3 must be a whole number from 1 to 65,536; got 0.',
    );
    expect(
      within(screen.getByRole('group', { name: 'inception4d' })).getByText(
        'Waiting for inception4c to be fixed.',
      ),
    ).toBeTruthy();
    expect(
      within(screen.getByRole('group', { name: 'inception4b' })).getByTestId('shape').textContent,
    ).toBe('N=3 · 512×14×14');
  });

  it('opens a module into its branches and closes it again', async () => {
    renderCanvas();
    const node = await screen.findByRole('group', { name: 'inception3a' }, { timeout: 10_000 });
    fireEvent.click(within(node).getByRole('button', { name: 'Open inception3a' }));
    // The concatenation closes the four branches; the 3×3 step shows its shape.
    await screen.findByText('Concat', {}, { timeout: 10_000 });
    expect(screen.getAllByText('Conv2d 3×3/1 p1').length).toBe(1);
    expect(screen.getAllByText('N=3 · 128×28×28').length).toBeGreaterThan(0);
    expect(appStore.getState().opened).toEqual(['inception3a']);
    fireEvent.click(screen.getByRole('button', { name: 'Close inception3a' }));
    expect(appStore.getState().opened).toEqual([]);
  });
});

describe('a folded run', () => {
  it('labels its figures "each" and "all N", one line each', async () => {
    appStore.getState().loadDesign(presetDesign('inception-resnet-v2')!, null);
    renderCanvas();
    const b17 = await screen.findByRole('group', { name: 'repeat_1.0' }, { timeout: 10_000 });
    expect(within(b17).getByTestId('repeat-figures').textContent).toMatch(
      /^each: [\d.]+ [KM] params · [\d.]+ [KMG] MACs$/,
    );
    expect(b17.querySelector('.node-cost')!.textContent).toMatch(/^all 20: [\d.]+ [KM] params/);
  });
});
