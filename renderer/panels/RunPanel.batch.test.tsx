// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { presetDesign } from '../../core/presets';
import { HostProvider } from '../host/host';
import { createMemoryHost } from '../host/__fixtures__/memoryHost';
import { appStore } from '../state/store';
import { isDirty } from '../state/derived';
import { saveDesign } from '../app/commands';
import { RunPanel } from './RunPanel';

const host = createMemoryHost();
const dirty = () => {
  const s = appStore.getState();
  return isDirty(s.design, s.savedText, s.saveBatchWithDesign);
};

beforeEach(() => {
  appStore.getState().loadDesign(presetDesign('googlenet')!, null);
  appStore.getState().setSaveBatchWithDesign(false);
  render(
    <HostProvider host={host}>
      <RunPanel />
    </HostProvider>,
  );
});
afterEach(() => {
  cleanup();
  appStore.getState().setSaveBatchWithDesign(false);
});

describe('Run panel batch', () => {
  it('changes N for runs without marking the design unsaved, and says so', () => {
    const field = screen.getByRole('textbox', { name: 'Run batch' });
    fireEvent.change(field, { target: { value: '8' } });
    expect(appStore.getState().design.input.batch).toBe(8);
    expect(dirty()).toBe(false);
    expect(screen.getByTestId('batch-saving-note').textContent).toBe(
      "For runs only: N=8 does not mark the design unsaved; Save keeps the file's N=3.",
    );
  });

  it('marks the design unsaved and writes N when "Save batch with design" is checked', async () => {
    fireEvent.change(screen.getByRole('textbox', { name: 'Run batch' }), {
      target: { value: '8' },
    });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Save batch with design' }));
    expect(dirty()).toBe(true);
    expect(screen.getByTestId('batch-saving-note').textContent).toBe(
      'Saved with the design: changing N marks the design unsaved, and Save writes N=8.',
    );
    const saves: string[] = [];
    const recording = {
      ...host,
      saveDesignAs: async (f: { text: string }) => {
        saves.push(f.text);
        return { ok: true as const, value: { path: '/d/googlenet.json' } };
      },
    };
    await saveDesign(recording as typeof host, true);
    expect(JSON.parse(saves[0]).input.batch).toBe(8);
    expect(dirty()).toBe(false);
  });
});
