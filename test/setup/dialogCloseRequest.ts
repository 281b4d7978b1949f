/**
 * Test DOMs (happy-dom) implement `<dialog>`'s showModal() as setting `open`, without the
 * browser's close request: Escape pressed in a modal dialog fires its `cancel` event and, unless
 * that is prevented, closes it. This adds only that, so a test's Escape reaches the app's Modal
 * (renderer/app/Modal.tsx) as a browser's does. The E2E tests check the real thing in Chromium.
 */
if (typeof document !== 'undefined' && typeof HTMLDialogElement !== 'undefined') {
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || e.defaultPrevented) return;
    // The last one opened is on top; the app and the host append their dialogs as they open them.
    const open = document.querySelectorAll('dialog[open]');
    const top = open[open.length - 1] as HTMLDialogElement | undefined;
    if (top && top.dispatchEvent(new Event('cancel', { cancelable: true }))) top.close();
  });
}
