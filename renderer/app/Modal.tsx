/**
 * The one modal of the app, on the native `<dialog>`: `showModal()` puts it in the top layer and
 * makes the page behind it inert, and Escape asks it to close (its `cancel` event). Around that:
 * focus starts on the element marked `data-autofocus` (else where the browser puts it), Tab and
 * Shift+Tab wrap inside instead of leaving for the browser's toolbar, a press on the backdrop
 * closes it, and on close focus goes back to what had it before.
 *
 * The owner decides whether it is shown: it renders `<Modal>` while open and `onClose` asks it to
 * stop. The dialog never closes itself.
 */
import {
  useId,
  useLayoutEffect,
  useRef,
  type KeyboardEvent,
  type MouseEvent,
  type ReactNode,
  type RefObject,
  type SyntheticEvent,
} from 'react';

export interface ModalProps {
  readonly title: string;
  /** Escape, a press on the backdrop, or the owner's own Close button. */
  onClose(): void;
  readonly children: ReactNode;
  /** The buttons at the bottom right. */
  readonly actions: ReactNode;
  /** Extra class for the dialog (its size and layout). */
  readonly className?: string;
  /** The dialog element, for an owner that needs it (the export dialog takes focus back after a host file dialog). */
  readonly dialogRef?: RefObject<HTMLDialogElement | null>;
}

/** What Tab reaches, in order: of a radio group only its checked radio, as the browser does. */
function tabbables(root: HTMLElement): HTMLElement[] {
  const candidates = root.querySelectorAll<HTMLElement>(
    'a[href], button, input, select, textarea, [tabindex]',
  );
  return [...candidates].filter((el) => {
    if (
      el.tabIndex < 0 ||
      (el as HTMLButtonElement).disabled ||
      el === root ||
      el.getClientRects().length === 0
    )
      return false;
    if (el instanceof HTMLInputElement && el.type === 'radio' && el.name && !el.checked) {
      return !root.querySelector(`input[type="radio"][name="${CSS.escape(el.name)}"]:checked`);
    }
    return true;
  });
}

/** Opens the dialog as a modal on mount; on unmount closes it and gives focus back to the opener. */
function useShowModal(dialog: RefObject<HTMLDialogElement | null>): void {
  // Before paint, so the dialog is never drawn in the page's flow for a frame.
  useLayoutEffect(() => {
    const d = dialog.current;
    if (!d) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!d.open) d.showModal();
    d.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    // Where the browser did not place focus (test DOMs), the dialog itself takes it.
    if (!d.contains(document.activeElement)) d.focus();
    return () => {
      // Closed first: while it is a modal, everything else is inert and cannot take focus.
      if (d.open) d.close();
      if (opener?.isConnected) opener.focus();
    };
  }, [dialog]);
}

export function Modal({ title, onClose, children, actions, className, dialogRef }: ModalProps) {
  const ownRef = useRef<HTMLDialogElement>(null);
  const ref = dialogRef ?? ownRef;
  const titleId = useId();
  useShowModal(ref);

  // Escape (and any other close request): the owner closes it by no longer rendering it.
  const onCancel = (e: SyntheticEvent<HTMLDialogElement>) => {
    e.preventDefault();
    onClose();
  };
  // The backdrop is the dialog element itself, outside its box.
  const onMouseDown = (e: MouseEvent<HTMLDialogElement>) => {
    if (e.target !== e.currentTarget) return;
    const r = e.currentTarget.getBoundingClientRect();
    if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom)
      onClose();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDialogElement>) => {
    if (e.key !== 'Tab') return;
    const all = tabbables(e.currentTarget);
    if (all.length === 0) return;
    const first = all[0];
    const last = all[all.length - 1];
    const at = document.activeElement;
    if (e.shiftKey && (at === first || at === e.currentTarget)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && at === last) {
      e.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog
      ref={ref}
      className={className ? `modal ${className}` : 'modal'}
      aria-labelledby={titleId}
      tabIndex={-1}
      onCancel={onCancel}
      onMouseDown={onMouseDown}
      onKeyDown={onKeyDown}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
      <div className="button-row end">{actions}</div>
    </dialog>
  );
}
