// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { presetDesign } from '../../core/presets';
import { serializeDesign } from '../../core/design/designFile';
import { deleteModule, setParam } from '../../core/design/edit';
import { HostProvider } from '../host/host';
import { createMemoryHost, type MemoryHost } from '../host/__fixtures__/memoryHost';
import { appStore } from '../state/store';
import { ComparePanel } from './ComparePanel';
import { defaultCompareTarget, runMenuCommand, startComparing } from '../app/commands';

let host: MemoryHost;

beforeEach(() => {
  host = createMemoryHost();
  appStore
    .getState()
    .loadDesign(setParam(presetDesign('googlenet')!, 'inception4c', 'out_3x3', 300), null);
  appStore.getState().setCompare(null);
  appStore.getState().select(null);
  render(
    <HostProvider host={host}>
      <ComparePanel />
    </HostProvider>,
  );
});

afterEach(() => {
  cleanup();
  appStore.getState().setCompare(null);
});

const rowIds = () =>
  screen
    .queryAllByTestId(/^compare-row-/)
    .map((r) => r.getAttribute('data-testid')!.replace('compare-row-', ''));

describe('ComparePanel', () => {
  it('compares with the design’s preset by default and lists changed and affected modules with the totals', async () => {
    startComparing();
    expect(appStore.getState().compare).toEqual({ kind: 'own' });
    expect(appStore.getState().sideTab).toBe('compare');
    await waitFor(() => expect(rowIds()).toEqual(['inception4c', 'inception4d']));
    expect(screen.getByTestId('compare-row-inception4c').textContent).toContain(
      'out_3x3 256 → 300',
    );
    expect(screen.getByTestId('compare-total-params').textContent).toContain(
      '13,389,064 → 13,455,372+66,308+0.50 %',
    );
    expect(screen.getByTestId('compare-counts').textContent).toMatch(
      /^1 changed1 affected0 added0 removed/,
    );
  });

  it('selects the module of a clicked row', async () => {
    startComparing();
    await waitFor(() => expect(rowIds().length).toBe(2));
    fireEvent.click(screen.getByTestId('compare-row-inception4d'));
    expect(appStore.getState().selectedId).toBe('inception4d');
  });

  it('compares with a saved design the user opens, and exports the diff as Markdown and CSV', async () => {
    host.options.openAnswer = {
      path: '/designs/no-4e.json',
      text: serializeDesign(deleteModule(presetDesign('googlenet')!, 'inception4e')),
    };
    startComparing();
    fireEvent.change(screen.getByLabelText('Compare with'), { target: { value: 'open' } });
    await waitFor(() =>
      expect(appStore.getState().compare).toMatchObject({ kind: 'design', label: 'no-4e.json' }),
    );
    // Against the design without inception4e, this one has it back (added) with 4c changed.
    await waitFor(() =>
      expect(rowIds()).toEqual([
        'inception4c',
        'inception4d',
        'inception4e',
        'maxpool4',
        'inception5a',
      ]),
    );
    expect(screen.getByTestId('compare-row-inception4e').textContent).toMatch(/^added/);
    fireEvent.click(screen.getByRole('button', { name: 'Markdown' }));
    fireEvent.click(screen.getByRole('button', { name: 'CSV' }));
    await waitFor(() => expect(host.exports.length).toBe(2));
    expect(host.exports[0]).toMatchObject({
      format: 'markdown',
      suggestedName: 'googlenet-diff.md',
    });
    expect(host.exports[0].content).toContain('# Diff: no-4e.json → GoogLeNet');
    expect(host.exports[1].content.split('\n')[0]).toMatch(/^section,id,status,/);
  });

  it('says so when a saved design cannot be read, and keeps comparing with what it had', async () => {
    host.options.openAnswer = { path: '/designs/bad.json', text: '{"format": "nope"}' };
    startComparing();
    fireEvent.change(screen.getByLabelText('Compare with'), { target: { value: 'open' } });
    await waitFor(() => expect(appStore.getState().notice?.tone).toBe('error'));
    expect(appStore.getState().notice?.text).toMatch(/^bad\.json cannot be compared with: /);
    expect(appStore.getState().compare).toEqual({ kind: 'own' });
  });

  it('starts from the host menu (View → Compare With…) as from the toolbar', () => {
    appStore.getState().setSideTab('edit');
    runMenuCommand(host, 'compare');
    expect(appStore.getState()).toMatchObject({ compare: { kind: 'own' }, sideTab: 'compare' });
  });

  it('says when the design compared with has problems, so its figures are partial', async () => {
    host.options.openAnswer = {
      path: '/designs/broken.json',
      text: serializeDesign(setParam(presetDesign('googlenet')!, 'inception4a', 'out_1x1', -5)),
    };
    startComparing();
    fireEvent.change(screen.getByLabelText('Compare with'), { target: { value: 'open' } });
    expect(
      await screen.findByText('broken.json has problems, so its figures are partial.'),
    ).toBeTruthy();
  });

  it('stops comparing', async () => {
    startComparing();
    fireEvent.click(await screen.findByRole('button', { name: 'Stop comparing' }));
    expect(appStore.getState().compare).toBeNull();
  });

  it('defaults to the first preset for a design without one', () => {
    expect(defaultCompareTarget(null)).toEqual({ kind: 'preset', name: 'googlenet' });
    expect(defaultCompareTarget('googlenet-torchvision')).toEqual({ kind: 'own' });
  });
});
