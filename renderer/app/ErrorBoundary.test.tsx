// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { Design } from '../../core/model/types';
import { presetDesign } from '../../core/presets';
import { HostProvider } from '../host/host';
import { createMemoryHost } from '../host/__fixtures__/memoryHost';
import { appStore } from '../state/store';
import { ErrorBoundary } from './ErrorBoundary';
import { ExportSlot } from './ExportSlot';

let broken = true;
function Fragile() {
  if (broken) throw new Error('The part broke.');
  return <p>The part works.</p>;
}

beforeEach(() => {
  // React reports caught render errors on the console; keep the test output readable.
  vi.spyOn(console, 'error').mockImplementation(() => {});
  broken = true;
  appStore.getState().loadDesign(presetDesign('googlenet')!, null);
  appStore.setState({ notice: null, exportOpen: false });
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

describe('ErrorBoundary', () => {
  it('shows the fallback with the error, tells onError once, and renders the children again on reset', () => {
    const seen: string[] = [];
    render(
      <ErrorBoundary
        fallback={(e, reset) => <button onClick={reset}>{e.message}</button>}
        onError={(e) => seen.push(e.message)}
      >
        <Fragile />
      </ErrorBoundary>,
    );
    expect(seen).toEqual(['The part broke.']);
    broken = false;
    fireEvent.click(screen.getByRole('button', { name: 'The part broke.' }));
    expect(screen.getByText('The part works.')).toBeTruthy();
  });

  it('renders the children untouched when nothing fails', () => {
    broken = false;
    render(
      <ErrorBoundary fallback={() => <p>fallback</p>}>
        <Fragile />
      </ErrorBoundary>,
    );
    expect(screen.getByText('The part works.')).toBeTruthy();
    expect(screen.queryByText('fallback')).toBeNull();
  });
});

describe('ExportSlot', () => {
  it('closes a failing Export dialog with a message instead of blanking the window', async () => {
    const design = appStore.getState().design;
    // A design the dialog cannot read makes it throw while rendering (core copes with `modules: null`, so the read itself fails).
    const unreadable = Object.defineProperty({ ...design }, 'modules', {
      get() {
        throw new Error('This design cannot be read.');
      },
    });
    appStore.setState({ design: unreadable as unknown as Design, exportOpen: true });
    render(
      <HostProvider host={createMemoryHost()}>
        <ExportSlot />
      </HostProvider>,
    );
    await waitFor(() => expect(appStore.getState().exportOpen).toBe(false), { timeout: 10_000 });
    expect(appStore.getState().notice?.tone).toBe('error');
    expect(appStore.getState().notice?.text).toMatch(
      /^The Export dialog failed and was closed: .+ The design is unchanged\.$/,
    );
    appStore.setState({ design });
  });
});
