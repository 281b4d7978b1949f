/**
 * File → Export…: opens the export dialog (renderer/export/ExportDialog.tsx), loaded on first use,
 * inside an error boundary so a failure closes it with a message.
 */
import { lazy, Suspense } from 'react';
import { appStore, useApp, type AppState } from '../state/store';
import { ErrorBoundary } from './ErrorBoundary';

const ExportDialog = lazy(async () => ({
  default: (await import('../export/ExportDialog')).ExportDialog,
}));

const selectOpen = (s: AppState) => s.exportOpen;

export function ExportSlot() {
  const open = useApp(selectOpen);
  if (!open) return null;
  const close = () => appStore.getState().setExportOpen(false);
  // A failure inside the dialog closes it with a message instead of blanking the window.
  const failed = (e: Error) => {
    close();
    appStore
      .getState()
      .notify(
        `The Export dialog failed and was closed: ${e.message} The design is unchanged.`,
        'error',
      );
  };
  return (
    <ErrorBoundary fallback={() => null} onError={failed}>
      <Suspense fallback={null}>
        <ExportDialog onClose={close} />
      </Suspense>
    </ErrorBoundary>
  );
}
