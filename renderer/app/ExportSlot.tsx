/**
 * File → Export…: opens the export dialog (renderer/export/ExportDialog.tsx, the export feature's
 * own component) when it is part of the build, else the basic choices the renderer offers itself.
 * Contract for ExportDialog.tsx: a named export `ExportDialog` taking `{ onClose(): void }`; it reads
 * the design through renderer/state (appStore, derive) and the host through useHost().
 */
import { lazy, Suspense, type ComponentType } from 'react';
import { appStore, useApp, type AppState } from '../state/store';
import { BasicExportDialog } from './Dialogs';
import { ErrorBoundary } from './ErrorBoundary';

interface ExportDialogModule {
  ExportDialog: ComponentType<{ onClose(): void }>;
}

const loaders = import.meta.glob<ExportDialogModule>('../export/ExportDialog.tsx');
const load = loaders['../export/ExportDialog.tsx'];
const ExportDialog = load ? lazy(async () => ({ default: (await load()).ExportDialog })) : null;

/** Whether the full export dialog is part of this build. */
export const hasExportDialog = ExportDialog !== null;

const selectOpen = (s: AppState) => s.exportOpen;

export function ExportSlot() {
  const open = useApp(selectOpen);
  if (!open) return null;
  const close = () => appStore.getState().setExportOpen(false);
  // A failure inside the dialog closes it with a message instead of blanking the window.
  const failed = (e: Error) => {
    close();
    appStore.getState().notify(`The Export dialog failed and was closed: ${e.message} The design is unchanged.`, 'error');
  };
  return (
    <ErrorBoundary fallback={() => null} onError={failed}>
      {ExportDialog ? (
        <Suspense fallback={null}>
          <ExportDialog onClose={close} />
        </Suspense>
      ) : (
        <BasicExportDialog onClose={close} />
      )}
    </ErrorBoundary>
  );
}
