// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { presetDesign } from '../../core/presets';
import { appStore } from '../state/store';
import { InputSizeBanner } from './InputSizeBanner';

beforeEach(() => appStore.getState().loadDesign(presetDesign('googlenet')!, null));
afterEach(cleanup);

describe('InputSizeBanner', () => {
  it('says once that the input size no longer fits, and its button restores the preset size', () => {
    render(<InputSizeBanner />);
    expect(screen.queryByTestId('input-size-banner')).toBeNull();
    act(() => {
      appStore.getState().setInput('height', 100);
      appStore.getState().setInput('width', 100);
    });
    expect(screen.getAllByRole('status')).toHaveLength(1);
    expect(screen.getByTestId('input-size-banner').textContent).toContain(
      '3 modules built for a fixed map size no longer fit (aux1, aux2, avgpool)',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Use 224×224' }));
    expect(appStore.getState().design.input).toMatchObject({ height: 224, width: 224 });
    expect(screen.queryByTestId('input-size-banner')).toBeNull();
  });
});
