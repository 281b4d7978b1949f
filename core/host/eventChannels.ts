/** Channels of the host → renderer events, under the contract's one prefix. */
import { channel } from './contract';

export const EVENT_CHANNELS = {
  runProgress: channel('onDidRunProgress'),
  menuCommand: channel('onDidMenuCommand'),
  weightsProgress: channel('onDidWeightsProgress'),
  trainEvent: channel('onDidTrainEvent'),
} as const;
