// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { presetDesign } from '../../core/presets';
import { glossaryEntry } from '../../core/model/glossary';
import { CONVENTION_IDS, CONVENTIONS } from '../../core/analysis/conventions';
import golden from '../../core/analysis/__fixtures__/convention-counts.json';
import { HostProvider } from '../host/host';
import { createMemoryHost } from '../host/__fixtures__/memoryHost';
import { appStore } from '../state/store';
import { TotalsBar } from './TotalsBar';
import { SummaryTable } from './SummaryTable';

// Figures measured with hooks on torchvision's googlenet (tools/torch/convention_counts.py).
const want = golden.cases.find((c) => c.name === 'googlenet-torchvision')!.conventions;

beforeEach(() => {
  globalThis.localStorage?.clear();
  appStore.getState().loadDesign(presetDesign('googlenet-torchvision')!, null);
  appStore.getState().setConvention('torchvision');
});

afterEach(cleanup);

const select = (root: HTMLElement) =>
  within(root).getByRole('combobox', { name: 'Counting convention' }) as HTMLSelectElement;

describe('the totals bar’s counting convention', () => {
  it('offers every tool by name and shows the chosen tool’s figure, labelled', () => {
    render(<TotalsBar />);
    const bar = screen.getByRole('contentinfo', { name: 'Totals' });
    const s = select(bar);
    expect([...s.options].map((o) => o.textContent)).toEqual(
      CONVENTION_IDS.map((id) => CONVENTIONS[id].label),
    );
    expect(s.value).toBe('torchvision');
    expect(screen.getByTestId('total-convention').textContent).toBe('1.5 GMac');

    fireEvent.change(s, { target: { value: 'ptflops' } });
    const figure = screen.getByTestId('total-convention');
    expect(figure.textContent).toBe('1.51 GMac');
    expect(figure.getAttribute('aria-label')).toBe('ptflops: 1.51 GMac');
    // The tooltip gives the exact figure and what the tool counts.
    expect(figure.title).toContain(`= ${want.ptflops.toLocaleString('en-US')} MACs per image.`);
    expect(figure.title).toContain(glossaryEntry('convention.ptflops').text);
  });

  it('is a view setting: remembered, never part of the design or its undo history', () => {
    const design = appStore.getState().design;
    render(<TotalsBar />);
    fireEvent.change(select(screen.getByRole('contentinfo')), { target: { value: 'keras' } });
    expect(appStore.getState().convention).toBe('keras');
    expect(globalThis.localStorage.getItem('inception-explorer.convention')).toBe('keras');
    expect(appStore.getState().design).toBe(design);
    expect(appStore.temporal.getState().pastStates).toEqual([]);
    expect(screen.getByTestId('total-convention').textContent).toBe(
      `${want.keras.toLocaleString('en-US')} params`,
    );
  });
});

describe('the summary’s counting convention', () => {
  it('shows the tool’s figure exactly, shares the choice with the totals bar, and explains it', () => {
    render(
      <HostProvider host={createMemoryHost()}>
        <SummaryTable />
        <TotalsBar />
      </HostProvider>,
    );
    const summary = screen.getByRole('table', { name: 'Summary of modules' });
    fireEvent.change(select(summary), { target: { value: 'torchinfo' } });
    expect(screen.getByTestId('summary-convention').textContent).toBe(
      `torchinfo: 4.5 G mult-adds (N=3) = ${want.torchinfo.toLocaleString('en-US')} Mult-Adds for the batch`,
    );
    expect(select(screen.getByRole('contentinfo')).value).toBe('torchinfo');

    fireEvent.click(within(summary).getByRole('button', { name: /What is torchinfo mult-adds/ }));
    expect(
      within(summary).getByRole('note', { name: 'torchinfo mult-adds' }).textContent,
    ).toContain(glossaryEntry('convention.torchinfo').source);
  });
});
