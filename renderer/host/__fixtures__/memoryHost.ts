/**
 * A host for component tests: design files live in memory, dialogs are scripted, and `run`
 * answers with whatever the test supplies. It is never part of the app and runs no engine.
 */
import type {
  DesignFile,
  HostApi,
  HostInfo,
  MenuCommand,
  SampleImage,
  WeightsProgress,
  WeightsFile,
} from '../../../core/host/contract';
import { isWeightsFileName, notWeightsMessage } from '../../../core/host/contract';
import { PRETRAINED_CHECKPOINTS } from '../../../core/weights/pretrained';
import type {
  CheckpointInfo,
  TrainEvent,
  TrainRequest,
  TrainSummary,
} from '../../../core/train/types';
import {
  errResult,
  okResult,
  type Result,
  type RunProgress,
  type RunRequest,
  type RunResult,
} from '../../../core/run/types';

export interface MemoryHostOptions {
  /** What the next open dialog returns (null = cancelled). */
  openAnswer?: DesignFile | null;
  /** The path a save-as dialog picks (null = cancelled). */
  saveAsPath?: string | null;
  samples?: readonly SampleImage[];
  /** The weights file the weights dialog picks (null = cancelled). */
  weightsAnswer?: WeightsFile | null;
  /** Weights paths `reuseWeights` allows (others: file.notAllowed). */
  allowedWeights?: readonly string[];
  /** Answers `run`; by default every run fails with `run.unavailable`. */
  run?: (
    runId: string,
    request: RunRequest,
    emit: (p: RunProgress) => void,
  ) => Promise<Result<RunResult>>;
  /** Cached paths by checkpoint id (others are not cached). */
  weightsCached?: Readonly<Record<string, string>>;
  /** Answers `weightsFetch`; by default it fails with `weights.unavailable`. */
  weightsFetch?: (
    id: string,
    emit: (p: WeightsProgress) => void,
  ) => Promise<Result<{ readonly path: string }>>;
  /** Answers `train`, sending events through `emit`; by default it fails with `train.unavailable`. */
  train?: (
    trainId: string,
    request: TrainRequest,
    emit: (e: TrainEvent) => void,
  ) => Promise<Result<TrainSummary>>;
  /** What `trainCheckpoints` lists. */
  checkpoints?: readonly CheckpointInfo[];
  /** What `trainSamples` answers (the same images for every cell). */
  trainSamples?: readonly string[];
  /** What `chooseDataFolder` answers (default: cancelled). */
  dataFolder?: { readonly path: string; readonly name: string } | null;
}

export interface MemoryHost extends HostApi {
  /** Files written so far, by path. */
  readonly files: Map<string, string>;
  readonly exports: { format: string; suggestedName: string; content: string; base64?: boolean }[];
  readonly autosaves: DesignFile[];
  readonly cancelled: string[];
  options: MemoryHostOptions;
  /** Sends a menu command as the host's menu would. */
  sendMenuCommand(command: MenuCommand): void;
  /** Sends a training event as a host would. */
  sendTrainEvent(e: TrainEvent): void;
  /** Pause requests so far: [trainId, paused]. */
  readonly pauses: [string, boolean][];
  /** trainSamples requests so far: [trainId, actual, predicted]. */
  readonly sampleRequests: [string, number, number][];
}

export function createMemoryHost(options: MemoryHostOptions = {}): MemoryHost {
  const progressListeners = new Set<(p: RunProgress) => void>();
  const menuListeners = new Set<(c: MenuCommand) => void>();
  const weightsListeners = new Set<(p: WeightsProgress) => void>();
  const trainListeners = new Set<(e: TrainEvent) => void>();
  const info: HostInfo = {
    kind: 'test',
    appVersion: '0.0.0-test',
    versions: {},
    backend: 'none',
    backendNotes: ['The test host runs no engine.'],
    platform: 'test',
  };
  const host: MemoryHost = {
    files: new Map(),
    exports: [],
    autosaves: [],
    cancelled: [],
    options,
    sendMenuCommand: (command) => menuListeners.forEach((l) => l(command)),
    getInfo: async () => okResult(info),
    openDesign: async () => okResult(host.options.openAnswer ?? null),
    saveDesign: async (file) => {
      if (file.path === null) return host.saveDesignAs(file);
      host.files.set(file.path, file.text);
      return okResult({ path: file.path });
    },
    saveDesignAs: async (file) => {
      const path = host.options.saveAsPath ?? null;
      if (path === null) return okResult(null);
      host.files.set(path, file.text);
      return okResult({ path });
    },
    exportFile: async (req) => {
      host.exports.push({
        format: req.format,
        suggestedName: req.suggestedName,
        // Bytes are recorded as base64, as a string export with `base64` would be.
        content:
          typeof req.content === 'string'
            ? req.content
            : Buffer.from(req.content).toString('base64'),
        ...(req.base64 || typeof req.content !== 'string' ? { base64: true } : {}),
      });
      return okResult({ path: `/exports/${req.suggestedName}` });
    },
    autosave: async (file) => {
      host.autosaves.push(file);
      return okResult(undefined);
    },
    takeRecovery: async () => okResult(null),
    recentFiles: async () => okResult([...host.files.keys()]),
    openRecent: async (path) => {
      const text = host.files.get(path);
      return text === undefined
        ? errResult('file.missing', `${path} no longer exists.`)
        : okResult({ path, text });
    },
    listSamples: async () => okResult(host.options.samples ?? []),
    chooseWeights: async () => okResult(host.options.weightsAnswer ?? null),
    dropWeights: async (file) =>
      isWeightsFileName(file.name)
        ? okResult({ path: `/uploads/${file.name}`, name: file.name })
        : errResult('weights.notWeightsFile', notWeightsMessage(file.name)),
    grantDroppedWeights: async (path) => okResult({ path, name: path.split('/').pop() ?? path }),
    reuseWeights: async (path) =>
      host.options.allowedWeights?.includes(path)
        ? okResult({ path, name: path.split('/').pop() ?? path })
        : errResult(
            'file.notAllowed',
            `${path} was not chosen in this session and is not in Recent Files, so the app may not read it. Choose the weights file again (Choose… or drop it on the window).`,
          ),
    run: async (runId, request) => {
      if (!host.options.run) return errResult('run.unavailable', 'The test host runs no engine.');
      return host.options.run(runId, request, (p) => progressListeners.forEach((l) => l(p)));
    },
    cancelRun: async (runId) => {
      host.cancelled.push(runId);
      return okResult(undefined);
    },
    onDidRunProgress: (cb) => {
      progressListeners.add(cb);
      return () => progressListeners.delete(cb);
    },
    weightsList: async () =>
      okResult(
        PRETRAINED_CHECKPOINTS.map((checkpoint) => ({
          checkpoint,
          path: host.options.weightsCached?.[checkpoint.id] ?? null,
        })),
      ),
    weightsFetch: async (id) => {
      if (!host.options.weightsFetch)
        return errResult('weights.unavailable', 'The test host downloads nothing.');
      return host.options.weightsFetch(id, (p) => weightsListeners.forEach((l) => l(p)));
    },
    cancelWeightsFetch: async (id) => {
      host.cancelled.push(`weights:${id}`);
      return okResult(undefined);
    },
    onDidWeightsProgress: (cb) => {
      weightsListeners.add(cb);
      return () => weightsListeners.delete(cb);
    },
    onDidMenuCommand: (cb) => {
      menuListeners.add(cb);
      return () => menuListeners.delete(cb);
    },
    pauses: [],
    sampleRequests: [],
    sendTrainEvent: (e) => trainListeners.forEach((l) => l(e)),
    train: async (trainId, request) => {
      if (!host.options.train)
        return errResult('train.unavailable', 'The test host trains nothing.');
      return host.options.train(trainId, request, (e) => trainListeners.forEach((l) => l(e)));
    },
    cancelTrain: async (trainId) => {
      host.cancelled.push(`train:${trainId}`);
      return okResult(undefined);
    },
    pauseTrain: async (trainId, paused) => {
      host.pauses.push([trainId, paused]);
      return okResult(undefined);
    },
    trainCheckpoints: async () => okResult(host.options.checkpoints ?? []),
    trainSamples: async (trainId, actual, predicted, count) => {
      host.sampleRequests.push([trainId, actual, predicted]);
      return okResult((host.options.trainSamples ?? []).slice(0, count));
    },
    chooseDataFolder: async () => okResult(host.options.dataFolder ?? null),
    onDidTrainEvent: (cb) => {
      trainListeners.add(cb);
      return () => trainListeners.delete(cb);
    },
  };
  return host;
}
