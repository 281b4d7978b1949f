// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { focusKeeper, leavesField } from './focus';

afterEach(() => {
  document.body.innerHTML = '';
});

const key = (target: HTMLElement, k = 'Escape') => {
  let seen: KeyboardEvent | null = null;
  target.addEventListener('keydown', (e) => (seen = e), { once: true });
  target.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
  return seen!;
};

describe('leavesField', () => {
  it('is true for Escape in a text field or select outside a dialog, false elsewhere', () => {
    document.body.innerHTML =
      '<input id="a"><select id="s"></select><button id="b"></button><dialog open><input id="d"></dialog>';
    const $ = (id: string) => document.getElementById(id)!;
    expect(leavesField(key($('a')))).toBe(true);
    expect(leavesField(key($('s')))).toBe(true);
    expect(leavesField(key($('a'), 'Enter'))).toBe(false);
    expect(leavesField(key($('b')))).toBe(false);
    expect(leavesField(key($('d')))).toBe(false);
  });
});

describe('focusKeeper', () => {
  it('gives focus back to the element focused before, when focus fell to the body', () => {
    document.body.innerHTML = '<button id="node">inception4c</button><input id="other">';
    const node = document.getElementById('node')!;
    node.focus();
    const restore = focusKeeper();
    node.blur();
    expect(document.activeElement).toBe(document.body);
    restore();
    expect(document.activeElement).toBe(node);
  });

  it('leaves focus alone when the user moved it elsewhere, or the element is gone', () => {
    document.body.innerHTML = '<button id="node">x</button><input id="other">';
    const node = document.getElementById('node')!;
    const other = document.getElementById('other')!;
    node.focus();
    const restore = focusKeeper();
    other.focus();
    restore();
    expect(document.activeElement).toBe(other);
    node.focus();
    const again = focusKeeper();
    node.remove();
    again();
    expect(document.activeElement).not.toBe(node);
  });
});
