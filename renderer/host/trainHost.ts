/**
 * The training half of the host (issue 23): the HostApi methods the Train tab calls. A host that
 * cannot train (an older browser host, a test host without them) lacks them, and the Train tab
 * says so instead of failing on a click.
 */
import type { HostApi } from '../../core/host/contract';
import type { Result } from '../../core/run/types';
import type {
  CheckpointInfo,
  TrainEvent,
  TrainRequest,
  TrainSummary,
} from '../../core/train/types';

/** What the Train tab asks of the host (core/host/contract.ts states each method). */
export interface TrainHostApi {
  /** Trains; resolves at the end, while events arrive through onDidTrainEvent. */
  train(trainId: string, request: TrainRequest): Promise<Result<TrainSummary>>;
  /** Stops within one step and writes a 'cancel' checkpoint. */
  cancelTrain(trainId: string): Promise<Result<void>>;
  pauseTrain(trainId: string, paused: boolean): Promise<Result<void>>;
  /** Every checkpoint written, newest first. */
  trainCheckpoints(): Promise<Result<readonly CheckpointInfo[]>>;
  /** PNG data: URLs of up to `count` validation images of one confusion cell. */
  trainSamples(
    trainId: string,
    actual: number,
    predicted: number,
    count: number,
  ): Promise<Result<readonly string[]>>;
  /** Asks for an image folder (ImageFolder layout); null when the user cancels. */
  chooseDataFolder(): Promise<Result<{ readonly path: string; readonly name: string } | null>>;
  onDidTrainEvent(callback: (e: TrainEvent) => void): () => void;
}

const TRAIN_METHODS = [
  'train',
  'cancelTrain',
  'pauseTrain',
  'trainCheckpoints',
  'trainSamples',
  'chooseDataFolder',
  'onDidTrainEvent',
] as const satisfies readonly (keyof TrainHostApi)[];

/** The host's training methods, or null when this host has none. */
export function trainHostOf(host: HostApi): TrainHostApi | null {
  const h = host as HostApi & Partial<TrainHostApi>;
  return TRAIN_METHODS.every((m) => typeof h[m] === 'function') ? (h as TrainHostApi) : null;
}
