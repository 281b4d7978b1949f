// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { presetDesign } from '../../core/presets';
import { HostProvider } from '../host/host';
import { createMemoryHost } from '../host/__fixtures__/memoryHost';
import { appStore } from '../state/store';
import { SummaryTable } from './SummaryTable';

beforeEach(() => {
  appStore.getState().loadDesign(presetDesign('googlenet')!, null);
  appStore.getState().setConvention('torchvision');
  render(
    <HostProvider host={createMemoryHost()}>
      <SummaryTable />
    </HostProvider>,
  );
});

afterEach(cleanup);

const firstCell = () => screen.getAllByRole('row')[1].querySelector('td')!.textContent;
const sortOf = (name: RegExp) =>
  screen.getByRole('columnheader', { name }).getAttribute('aria-sort');

describe('SummaryTable sorting', () => {
  it('cycles a numeric column largest first, then smallest first, then back to graph order', () => {
    const params = () => screen.getByRole('button', { name: /^Params/ });
    fireEvent.click(params());
    expect([firstCell(), sortOf(/Params/)]).toEqual(['aux2', 'descending']);
    fireEvent.click(params());
    expect(sortOf(/Params/)).toBe('ascending');
    expect(['maxpool1', 'maxpool2', 'maxpool3', 'maxpool4', 'avgpool', 'dropout']).toContain(
      firstCell(),
    );
    fireEvent.click(params());
    expect([firstCell(), sortOf(/Params/)]).toEqual(['conv1', 'none']);
  });

  it('cycles a text column A to Z, then Z to A, then back to graph order', () => {
    const mod = () => screen.getByRole('button', { name: /^Module/ });
    fireEvent.click(mod());
    expect([firstCell(), sortOf(/Module/)]).toEqual(['aux1', 'ascending']);
    fireEvent.click(mod());
    expect(sortOf(/Module/)).toBe('descending');
    fireEvent.click(mod());
    expect([firstCell(), sortOf(/Module/)]).toEqual(['conv1', 'none']);
  });
});

describe('SummaryTable totals, Escape and CSV ids', () => {
  it('ends with the totals of all modules and of the eval path (spec: 13,389,064 and 7,008,824 parameters), then a counting tool’s figure', () => {
    const foot = screen
      .getAllByRole('row')
      .slice(-3)
      .map((r) => r.textContent);
    expect(foot[0]).toContain('Total');
    expect(foot[0]).toContain('13,389,064');
    expect(foot[1]).toContain('Eval path');
    expect(foot[1]).toContain('7,008,824');
    expect(foot[1]).toContain('1,569,826,816');
    // The convention row (ConventionFigure.test.tsx): torchvision's MACs unless another tool is chosen.
    expect(foot[2]).toContain('torchvision: 1.57 GMac = 1,569,826,816 MACs per image');
  });

  it('closes on Escape', () => {
    appStore.getState().setSummaryOpen(true);
    fireEvent.keyDown(window, { key: 'Escape' });
    expect(appStore.getState().summaryOpen).toBe(false);
  });
});
