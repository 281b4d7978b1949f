/**
 * Keyboard focus around runs and fields: Escape leaves a field (the value typed is already in the
 * design, edits being live), and a run gives focus back to where it was when it started.
 */

/** Whether `e` is an Escape in a text field, select or text area outside a dialog (a dialog's Escape closes it). */
export function leavesField(e: KeyboardEvent): boolean {
  const t = e.target;
  if (e.key !== 'Escape' || !(t instanceof HTMLElement)) return false;
  if (!t.matches('input, select, textarea') || t.closest('dialog, [role="dialog"]')) return false;
  return true;
}

/**
 * Remembers the focused element now and returns a function that focuses it again, if it is still
 * on the page and focus has fallen to the page body meanwhile (a Run button disabled during the
 * run, a panel re-rendered), without scrolling.
 */
export function focusKeeper(): () => void {
  if (typeof document === 'undefined') return () => {};
  const before = document.activeElement;
  return () => {
    const now = document.activeElement;
    const lost =
      now === null || now === document.body || (now instanceof HTMLElement && !now.isConnected);
    if (!lost || !(before instanceof HTMLElement) || before === document.body) return;
    if (before.isConnected && !(before as HTMLButtonElement).disabled)
      before.focus({ preventScroll: true });
  };
}
