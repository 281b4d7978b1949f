// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { showFileDialog } from './browserHost';

afterEach(() => {
  document.body.innerHTML = '';
});

const request = (kind: 'open' | 'save' | 'export') => ({
  kind,
  title: kind === 'open' ? 'Open design' : 'Save design',
  suggestedName: 'GoogLeNet.json',
  files: ['mine.json', 'theirs.json'],
  folder: '/home/u/.inception-explorer/designs',
});

function parts() {
  const dialog = document.querySelector('dialog')!;
  const input = dialog.querySelector('input')!;
  const submit = dialog.querySelector<HTMLButtonElement>('button[type=submit]')!;
  const type = (value: string) => {
    input.value = value;
    input.dispatchEvent(new Event('input'));
  };
  return {
    dialog,
    type,
    submit: () => submit.click(),
    warning: () => dialog.querySelector('[role=alert]')?.textContent ?? null,
  };
}

describe('showFileDialog', () => {
  it('asks before saving over a listed file, with or without the extension typed, and replaces it on a second Save', async () => {
    const answer = showFileDialog(request('save'));
    const d = parts();
    d.type('theirs');
    d.submit();
    expect(d.warning()).toBe(
      'theirs.json already exists in this folder. Save again to replace it.',
    );
    expect(d.dialog.isConnected).toBe(true);
    d.submit();
    expect(await answer).toBe('theirs');
  });

  it('forgets the warning when the name changes, and saves a new name at once', async () => {
    const answer = showFileDialog(request('save'));
    const d = parts();
    d.type('mine.json');
    d.submit();
    expect(d.warning()).toContain('mine.json already exists');
    d.type('fresh');
    expect(d.warning()).toBeNull();
    d.submit();
    expect(await answer).toBe('fresh');
  });

  it('opens a listed file without asking', async () => {
    const answer = showFileDialog(request('open'));
    const d = parts();
    d.type('mine.json');
    d.submit();
    expect(await answer).toBe('mine.json');
  });
});
