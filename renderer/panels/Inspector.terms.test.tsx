// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { presetDesign } from '../../core/presets';
import { HostProvider } from '../host/host';
import { createMemoryHost } from '../host/__fixtures__/memoryHost';
import { appStore } from '../state/store';
import { Inspector } from './Inspector';

function renderInspector() {
  return render(
    <HostProvider host={createMemoryHost()}>
      <Inspector />
    </HostProvider>,
  );
}

beforeEach(() => {
  const s = appStore.getState();
  s.loadDesign(presetDesign('googlenet-torchvision')!, null);
  s.select(null);
});

afterEach(cleanup);

describe('terms explained in the inspector', () => {
  it('puts a "?" beside the reduce and pool proj counts that opens the paragraph in place', () => {
    appStore.getState().select('inception4c');
    renderInspector();
    const reduce = screen.getAllByRole('button', { name: 'What is reduce (1×1 reduction)?' });
    // 3×3 reduce and 5×5 reduce.
    expect(reduce).toHaveLength(2);
    expect(
      screen.getAllByRole('button', { name: 'What is pool proj (pool projection)?' }),
    ).toHaveLength(1);
    fireEvent.click(reduce[0]);
    const field = reduce[0].closest('.field') as HTMLElement;
    expect(within(field).getByRole('note').textContent).toContain('dimension reduction');
    expect(within(field).getByLabelText('3×3 reduce (red_3x3) of inception4c')).toBeTruthy();
  });

  it('explains the flavor settings (ceil mode, BN) and the module-level terms', () => {
    appStore.getState().select('inception4c');
    renderInspector();
    expect(screen.getByRole('button', { name: 'What is ceil mode?' })).toBeTruthy();
    expect(
      screen.getAllByRole('button', {
        name: 'What is BN (batch normalization), BN attribute and flavor?',
      }).length,
    ).toBeGreaterThan(0);
    cleanup();
    appStore.getState().select('aux1');
    renderInspector();
    // The module's own, and the network setting "Auxiliary heads".
    expect(
      screen.getAllByRole('button', { name: 'What is aux head (auxiliary classifier)?' }),
    ).toHaveLength(2);
  });

  it('offers the aux head paragraph beside the network setting', () => {
    renderInspector();
    expect(
      screen.getByRole('button', { name: 'What is aux head (auxiliary classifier)?' }),
    ).toBeTruthy();
  });
});
