// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { Modal } from './Modal';

afterEach(cleanup);

function setup() {
  let closed = 0;
  const opener = document.createElement('button');
  opener.textContent = 'Open';
  document.body.append(opener);
  opener.focus();
  const view = render(
    <Modal
      title="Discard unsaved changes?"
      onClose={() => closed++}
      actions={
        <>
          <button type="button" data-autofocus>
            Cancel
          </button>
          <button type="button">Discard changes</button>
        </>
      }
    >
      <p>GoogLeNet has changes that are not saved.</p>
    </Modal>,
  );
  return { opener, view, closed: () => closed };
}

describe('Modal', () => {
  it('is an open <dialog> named by its title, with focus on the element marked data-autofocus', () => {
    const { opener } = setup();
    const dialog = screen.getByRole('dialog', {
      name: 'Discard unsaved changes?',
    }) as HTMLDialogElement;
    expect(dialog.tagName).toBe('DIALOG');
    expect(dialog.open).toBe(true);
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel' }));
    opener.remove();
  });

  it('asks its owner to close on Escape and leaves clicks inside alone', () => {
    const { opener, closed } = setup();
    fireEvent.mouseDown(screen.getByText('GoogLeNet has changes that are not saved.'));
    expect(closed()).toBe(0);
    fireEvent.keyDown(screen.getByRole('button', { name: 'Cancel' }), { key: 'Escape' });
    expect(closed()).toBe(1);
    // The owner closes it by unmounting; until then it stays open.
    expect((screen.getByRole('dialog') as HTMLDialogElement).open).toBe(true);
    opener.remove();
  });

  it('gives focus back to what had it when it goes', () => {
    const { opener, view } = setup();
    expect(document.activeElement).not.toBe(opener);
    view.unmount();
    expect(document.activeElement).toBe(opener);
    opener.remove();
  });
});
