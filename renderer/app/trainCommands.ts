/**
 * What the Train tab's buttons do (issue 23): start (or resume from a checkpoint), pause, resume,
 * cancel, refresh the checkpoint list, choose an image folder, and run the design with a
 * checkpoint's weights. The host trains; these only ask and fold its answers into the store.
 */
import type { HostApi } from '../../core/host/contract';
import type { CheckpointInfo } from '../../core/train/types';
import { derive } from '../state/derived';
import { appStore } from '../state/store';
import { isLive } from '../state/trainSlice';
import { trainRequestOf } from '../state/trainForm';
import { trainHostOf } from '../host/trainHost';
import { startRun } from './commands';

const state = () => appStore.getState();

/** Why training cannot start now, or null when it can. */
export function trainBlocker(host: HostApi): string | null {
  const s = state();
  if (!trainHostOf(host))
    return 'This host cannot train: start the app with `inception-explorer serve` or the desktop app of this version.';
  if (isLive(s.training)) return 'A training is in progress.';
  const form = trainRequestOf(s.trainForm, s.design);
  // Each field names its own problem; this only says why Start is off.
  if (!form.ok)
    return `Fix the training settings first (${form.issues.length === 1 ? 'one field says' : `${form.issues.length} fields say`} what is wrong).`;
  const { analysis } = derive(s.design);
  if (!analysis.valid) {
    const n = analysis.issues.length;
    return `Fix the design first (${n} problem${n === 1 ? '' : 's'}): ${analysis.issues[0].message}`;
  }
  return null;
}

let trainCounter = 0;

/**
 * Trains the design with the form's settings, or continues from checkpoint `from`. Resolves when
 * the training ends; false when it did not start (the form's issues are on its fields).
 */
export async function startTraining(host: HostApi, from?: CheckpointInfo): Promise<boolean> {
  const trainer = trainHostOf(host);
  if (!trainer || trainBlocker(host)) return false;
  const s = state();
  const checked = trainRequestOf(s.trainForm, s.design, from?.id);
  if (!checked.ok) return false;
  const trainId = `train-${Date.now().toString(36)}-${++trainCounter}`;
  s.trainStarted(trainId, checked.request, from);
  const r = await trainer.train(trainId, checked.request);
  state().trainFinished(trainId, r);
  void refreshCheckpoints(host);
  return true;
}

/** Pauses (true) or resumes (false) the training in progress. */
export async function pauseTraining(host: HostApi, paused: boolean): Promise<void> {
  const trainer = trainHostOf(host);
  const t = state().training;
  if (!trainer || !t || !isLive(t)) return;
  const r = await trainer.pauseTrain(t.trainId, paused);
  if (!r.ok) state().notify(r.error.message, 'error');
}

/** Stops the training in progress within one step; the host keeps a 'cancel' checkpoint. */
export async function cancelTraining(host: HostApi): Promise<void> {
  const trainer = trainHostOf(host);
  const t = state().training;
  if (!trainer || !t || !isLive(t)) return;
  state().trainCancelling(t.trainId);
  const r = await trainer.cancelTrain(t.trainId);
  if (!r.ok) state().notify(r.error.message, 'error');
}

/** Reloads the host's checkpoint list (newest first). */
export async function refreshCheckpoints(host: HostApi): Promise<void> {
  const trainer = trainHostOf(host);
  if (!trainer) return;
  const r = await trainer.trainCheckpoints();
  if (r.ok) state().setCheckpoints(r.value);
  else state().notify(r.error.message, 'error');
}

/** Asks the host for an image folder and trains on it next. */
export async function chooseDataFolder(host: HostApi): Promise<void> {
  const trainer = trainHostOf(host);
  if (!trainer) return;
  const r = await trainer.chooseDataFolder();
  if (!r.ok) state().notify(r.error.message, 'error');
  else if (r.value) state().setTrainForm({ data: 'folder', folder: r.value });
}

/**
 * "Use these weights": lets runs read the checkpoint's weights file, sets it as the design's
 * weights (the Run tab names the checkpoint) and runs the design with them.
 */
export async function runWithCheckpoint(host: HostApi, c: CheckpointInfo): Promise<void> {
  const r = await host.reuseWeights(c.weightsPath);
  if (!r.ok) {
    state().notify(r.error.message, 'error');
    return;
  }
  state().usedCheckpoint(c);
  state().setWeights(r.value.path);
  await startRun(host);
}
