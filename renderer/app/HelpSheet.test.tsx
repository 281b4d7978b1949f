// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { appStore } from '../state/store';
import { GLOSSARY } from '../../core/model/glossary';
import { HelpSheet, opensHelp, shortcutText } from './HelpSheet';
import { TermHelp } from '../help/TermHelp';

afterEach(() => {
  cleanup();
  appStore.getState().setHelpOpen(false);
});

const key = (k: string, target: EventTarget | null, mods: Partial<KeyboardEvent> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  target,
  ...mods,
});

describe('HelpSheet', () => {
  it('lists the shortcuts, with Run among them, and every term', () => {
    act(() => appStore.getState().setHelpOpen(true));
    render(<HelpSheet />);
    const sheet = screen.getByRole('dialog', { name: 'Help' });
    expect(sheet.textContent).toContain('Ctrl+Enter');
    expect(sheet.textContent).toContain('Run');
    expect(sheet.textContent).toContain('? or F1');
    for (const e of GLOSSARY) expect(screen.getByRole('note', { name: e.term })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(appStore.getState().helpOpen).toBe(false);
  });

  it('opens on F1 anywhere and on ? except while typing in a text field', () => {
    const input = document.createElement('input');
    input.type = 'text';
    const check = document.createElement('input');
    check.type = 'checkbox';
    document.body.append(input, check);
    expect(opensHelp(key('F1', input))).toBe(true);
    expect(opensHelp(key('?', document.body))).toBe(true);
    expect(opensHelp(key('?', check))).toBe(true);
    expect(opensHelp(key('?', input))).toBe(false);
    expect(opensHelp(key('?', document.body, { ctrlKey: true }))).toBe(false);
    expect(opensHelp(key('h', document.body))).toBe(false);
    input.remove();
    check.remove();
  });

  it('writes accelerators as a reader types them', () => {
    expect(shortcutText('CmdOrCtrl+Shift+S')).toBe('Ctrl+Shift+S');
    expect(shortcutText('CmdOrCtrl+Enter', true)).toBe('⌘+Enter');
  });
});

describe('TermHelp', () => {
  it('opens the paragraph and its source beside the term, and closes on Escape', () => {
    render(<TermHelp term="ceilMode" />);
    const button = screen.getByRole('button', { name: 'What is ceil mode?' });
    expect(button.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByRole('note')).toBeNull();
    fireEvent.click(button);
    const note = screen.getByRole('note', { name: 'ceil mode' });
    expect(note.textContent).toContain('Caffe always rounds up');
    expect(note.textContent).toContain('Source: PyTorch, torch.nn.MaxPool2d');
    fireEvent.keyDown(button, { key: 'Escape' });
    expect(screen.queryByRole('note')).toBeNull();
  });
});

describe('Escape in a field', () => {
  it('leaves the field and keeps the value typed', async () => {
    const { TextField } = await import('../panels/fields');
    let typed = '';
    render(<TextField label="Input height" value="224" numeric onText={(t) => (typed = t)} />);
    const input = screen.getByLabelText('Input height');
    input.focus();
    fireEvent.change(input, { target: { value: '300' } });
    fireEvent.keyDown(input, { key: 'Escape' });
    expect(document.activeElement).not.toBe(input);
    expect(typed).toBe('300');
  });
});
