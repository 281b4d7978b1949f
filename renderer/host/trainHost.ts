/**
 * The training half of the host (issue 23): the HostApi methods the Train tab calls. A host that
 * cannot train (a test host built without them) lacks them, and the Train tab says so instead of
 * failing on a click.
 */
import type { HostApi } from '../../core/host/contract';

/** What the Train tab asks of the host (core/host/contract.ts states each method). */
export type TrainHostApi = Pick<HostApi, (typeof TRAIN_METHODS)[number]>;

const TRAIN_METHODS = [
  'train',
  'cancelTrain',
  'pauseTrain',
  'trainCheckpoints',
  'trainSamples',
  'chooseDataFolder',
  'onDidTrainEvent',
] as const satisfies readonly (keyof HostApi)[];

/** The host's training methods, or null when this host has none. */
export function trainHostOf(host: HostApi): TrainHostApi | null {
  const h = host as HostApi & Partial<TrainHostApi>;
  return TRAIN_METHODS.every((m) => typeof h[m] === 'function') ? (h as TrainHostApi) : null;
}
