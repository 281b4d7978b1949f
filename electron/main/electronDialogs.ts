/** Native file dialogs for the host service; `dialog` and the window come in as parameters. */
import type { BrowserWindow, Dialog } from 'electron';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { WEIGHTS_EXTENSIONS, type ExportFormat } from '../../core/host/contract';
import { EXPORT_FORMATS } from '../../node/host/exportFormats';
import type { HostDialogs } from '../../node/host/hostService';
import type { IpcCaller } from './ipcGuard';

const WEIGHTS_FILTERS = [
  {
    name: 'Weights (PyTorch state_dict, safetensors)',
    extensions: WEIGHTS_EXTENSIONS.map((e) => e.slice(1)),
  },
  { name: 'All files', extensions: ['*'] },
];

const DESIGN_FILTERS = [
  { name: 'Inception Explorer design', extensions: ['json'] },
  { name: 'All files', extensions: ['*'] },
];

/**
 * `takePendingOpen` yields a file the OS or command line asked to open (or Open Recent in the
 * menu); the next Open then returns it without a dialog, after the renderer has had its say
 * about unsaved changes.
 */
export function electronDialogs(
  dialog: Pick<Dialog, 'showOpenDialog' | 'showSaveDialog'>,
  window: () => BrowserWindow | null,
  takePendingOpen: () => string | null,
): HostDialogs<IpcCaller> {
  let lastFolder = homedir();
  // Weights usually live apart from designs (a downloads or checkpoints folder).
  let lastWeightsFolder = homedir();
  const remember = (path: string | undefined): string | null => {
    if (!path) return null;
    lastFolder = join(path, '..');
    return path;
  };
  const parent = (): BrowserWindow | undefined => window() ?? undefined;
  return {
    async chooseDesignToOpen() {
      const pending = takePendingOpen();
      if (pending) return pending;
      const options = {
        title: 'Open design',
        defaultPath: lastFolder,
        properties: ['openFile' as const],
        filters: DESIGN_FILTERS,
      };
      const w = parent();
      const r = w ? await dialog.showOpenDialog(w, options) : await dialog.showOpenDialog(options);
      return r.canceled ? null : remember(r.filePaths[0]);
    },
    async chooseWeightsToOpen() {
      const options = {
        title: 'Choose a weights file',
        defaultPath: lastWeightsFolder,
        properties: ['openFile' as const],
        filters: WEIGHTS_FILTERS,
      };
      const w = parent();
      const r = w ? await dialog.showOpenDialog(w, options) : await dialog.showOpenDialog(options);
      if (r.canceled || !r.filePaths[0]) return null;
      lastWeightsFolder = join(r.filePaths[0], '..');
      return r.filePaths[0];
    },
    async chooseDataFolder() {
      const options = {
        title: 'Choose an image folder (one subfolder per class)',
        defaultPath: lastFolder,
        properties: ['openDirectory' as const],
      };
      const w = parent();
      const r = w ? await dialog.showOpenDialog(w, options) : await dialog.showOpenDialog(options);
      return r.canceled || !r.filePaths[0] ? null : r.filePaths[0];
    },
    async chooseDesignSavePath(_ctx, suggestedName) {
      const options = {
        title: 'Save design',
        defaultPath: join(lastFolder, suggestedName),
        filters: DESIGN_FILTERS,
        properties: ['showOverwriteConfirmation' as const, 'createDirectory' as const],
      };
      const w = parent();
      const r = w ? await dialog.showSaveDialog(w, options) : await dialog.showSaveDialog(options);
      return r.canceled ? null : remember(r.filePath);
    },
    async chooseExportPath(_ctx, suggestedName, format: ExportFormat) {
      const { extension, filterName } = EXPORT_FORMATS[format];
      const options = {
        title: `Export ${filterName}`,
        defaultPath: join(lastFolder, suggestedName),
        filters: [{ name: filterName, extensions: [extension.slice(1)] }],
        properties: ['showOverwriteConfirmation' as const, 'createDirectory' as const],
      };
      const w = parent();
      const r = w ? await dialog.showSaveDialog(w, options) : await dialog.showSaveDialog(options);
      return r.canceled ? null : remember(r.filePath);
    },
  };
}
