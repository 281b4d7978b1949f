// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, render, screen } from '@testing-library/react';
import { appStore } from '../state/store';
import { NOTICE_FADE_MS, Toast } from './Toast';

beforeEach(() => {
  vi.useFakeTimers();
  appStore.setState({ notice: null });
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('Toast', () => {
  it('lets an information fade after a few seconds', () => {
    render(<Toast />);
    act(() => appStore.getState().notify('Saved GoogLeNet.'));
    expect(screen.getByRole('status').textContent).toContain('Saved GoogLeNet.');
    act(() => vi.advanceTimersByTime(NOTICE_FADE_MS - 10));
    expect(screen.queryByRole('status')).not.toBeNull();
    act(() => vi.advanceTimersByTime(20));
    expect(screen.queryByRole('status')).toBeNull();
    expect(NOTICE_FADE_MS).toBeLessThan(10_000);
  });

  it('gives a newer message its own time', () => {
    render(<Toast />);
    act(() => appStore.getState().notify('First.'));
    act(() => vi.advanceTimersByTime(NOTICE_FADE_MS - 1000));
    act(() => appStore.getState().notify('Second.'));
    act(() => vi.advanceTimersByTime(2000));
    expect(screen.getByRole('status').textContent).toContain('Second.');
  });

  it('keeps an error until it is dismissed', () => {
    render(<Toast />);
    act(() => appStore.getState().notify('design.json cannot be opened.', 'error'));
    act(() => vi.advanceTimersByTime(60_000));
    expect(screen.getByRole('alert').textContent).toContain('cannot be opened');
    act(() => screen.getByRole('button', { name: 'Dismiss message' }).click());
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
