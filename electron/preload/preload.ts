/**
 * The preload bridge: exposes `window.inceptionExplorer`, an object implementing HostApi with one
 * function per message. The renderer never sees ipcRenderer or an IPC event object; arguments go
 * to main, where one wrapper checks the sender and validates them.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import {
  channel,
  isWeightsFileName,
  notWeightsMessage,
  type HostApi,
  type HostMethod,
  type MenuCommand,
  type WeightsFile,
  type WeightsProgress,
} from '../../core/host/contract';
import type { Result, RunProgress } from '../../core/run/types';
import type { TrainEvent } from '../../core/train/types';
import { EVENT_CHANNELS } from '../../core/host/eventChannels';

/** Invokes one request; a failure of the IPC itself also comes back as data. */
function invoke<T>(method: HostMethod, ...args: unknown[]): Promise<Result<T>> {
  return (ipcRenderer.invoke(channel(method), ...args) as Promise<Result<T>>).catch(
    (e: unknown) => ({
      ok: false as const,
      error: {
        code: 'ipc.failed',
        message: `The request "${method}" could not reach the app: ${(e as Error)?.message ?? String(e)}`,
      },
    }),
  );
}

const progressListeners = new Set<(p: RunProgress) => void>();
const menuListeners = new Set<(c: MenuCommand) => void>();
const weightsListeners = new Set<(p: WeightsProgress) => void>();
const trainListeners = new Set<(e: TrainEvent) => void>();
// Commands sent before the renderer subscribed (a file opened at launch) wait for the first listener.
const pendingCommands: MenuCommand[] = [];

ipcRenderer.on(EVENT_CHANNELS.runProgress, (_event, progress: RunProgress) => {
  for (const l of [...progressListeners]) l(progress);
});
ipcRenderer.on(EVENT_CHANNELS.weightsProgress, (_event, progress: WeightsProgress) => {
  for (const l of [...weightsListeners]) l(progress);
});
ipcRenderer.on(EVENT_CHANNELS.trainEvent, (_event, e: TrainEvent) => {
  for (const l of [...trainListeners]) l(e);
});
ipcRenderer.on(EVENT_CHANNELS.menuCommand, (_event, command: MenuCommand) => {
  if (menuListeners.size === 0) pendingCommands.push(command);
  for (const l of [...menuListeners]) l(command);
});

const host: HostApi = {
  getInfo: () => invoke('getInfo'),
  openDesign: () => invoke('openDesign'),
  saveDesign: (file) => invoke('saveDesign', file),
  saveDesignAs: (file) => invoke('saveDesignAs', file),
  exportFile: (req) => invoke('exportFile', req),
  autosave: (file) => invoke('autosave', file),
  takeRecovery: () => invoke('takeRecovery'),
  recentFiles: () => invoke('recentFiles'),
  openRecent: (path) => invoke('openRecent', path),
  listSamples: () => invoke('listSamples'),
  chooseWeights: () => invoke('chooseWeights'),
  async dropWeights(file) {
    if (!isWeightsFileName(file.name))
      return {
        ok: false,
        error: { code: 'weights.notWeightsFile', message: notWeightsMessage(file.name) },
      };
    // A dropped File's path is known only here (Electron 32+ removed File.path); main checks it again.
    let path = '';
    try {
      path = webUtils.getPathForFile(file as File);
    } catch {
      path = '';
    }
    if (!path)
      return {
        ok: false,
        error: {
          code: 'weights.dropPath',
          message: `${file.name} has no path on this computer (dropped from a web page or an archive?); save it to a folder first, then drop or choose it.`,
        },
      };
    return invoke<WeightsFile>('grantDroppedWeights', path);
  },
  grantDroppedWeights: (path) => invoke('grantDroppedWeights', path),
  reuseWeights: (path) => invoke('reuseWeights', path),
  run: (runId, request) => invoke('run', runId, request),
  cancelRun: (runId) => invoke('cancelRun', runId),
  onDidRunProgress(callback) {
    progressListeners.add(callback);
    return () => void progressListeners.delete(callback);
  },
  weightsList: () => invoke('weightsList'),
  weightsFetch: (id) => invoke('weightsFetch', id),
  cancelWeightsFetch: (id) => invoke('cancelWeightsFetch', id),
  onDidWeightsProgress(callback) {
    weightsListeners.add(callback);
    return () => void weightsListeners.delete(callback);
  },
  train: (trainId, request) => invoke('train', trainId, request),
  cancelTrain: (trainId) => invoke('cancelTrain', trainId),
  pauseTrain: (trainId, paused) => invoke('pauseTrain', trainId, paused),
  trainCheckpoints: () => invoke('trainCheckpoints'),
  trainSamples: (trainId, actual, predicted, count) =>
    invoke('trainSamples', trainId, actual, predicted, count),
  chooseDataFolder: () => invoke('chooseDataFolder'),
  onDidTrainEvent(callback) {
    trainListeners.add(callback);
    return () => void trainListeners.delete(callback);
  },
  onDidMenuCommand(callback) {
    menuListeners.add(callback);
    for (const command of pendingCommands.splice(0)) callback(command);
    return () => void menuListeners.delete(callback);
  },
};

contextBridge.exposeInMainWorld('inceptionExplorer', host);
