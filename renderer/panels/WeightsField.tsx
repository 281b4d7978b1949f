/**
 * The Run tab's weights file: which file the design loads (saved with it), Choose… (the host's
 * open dialog, which in the browser host can also upload a file), Clear, and whether the app may
 * still read a file remembered with a reopened design.
 */
import { useEffect, useId, useState } from 'react';
import { WEIGHTS_EXTENSIONS, type WeightsProgress } from '../../core/host/contract';
import { pretrainedForPreset, type PretrainedCheckpoint } from '../../core/weights/pretrained';
import { fetchFraction, fetchProgressText } from '../../core/weights/fetchProgress';
import { useHost } from '../host/host';
import { appStore, useApp, type AppState } from '../state/store';

const selectWeightsPath = (s: AppState) => s.design.weights?.path ?? null;
const selectPreset = (s: AppState) => s.design.preset;

/** The file name of a path (either separator). */
const fileName = (path: string) => path.split(/[\\/]/).pop() ?? path;

const EXTENSIONS_TEXT = WEIGHTS_EXTENSIONS.join(', ').replace(/, ([^,]*)$/, ' or $1');

/** Whether the host lets runs read `path` now: a reopened design's file may need choosing again. */
function useWeightsAccess(path: string | null): { path: string; refused: string } | null {
  const host = useHost();
  const [access, setAccess] = useState<{ path: string; refused: string } | null>(null);
  useEffect(() => {
    let live = true;
    setAccess(null);
    if (path === null) return;
    void host.reuseWeights(path).then((r) => {
      if (live && !r.ok) setAccess({ path, refused: r.error.message });
    });
    return () => {
      live = false;
    };
  }, [host, path]);
  return access?.path === path ? access : null;
}

/** Asks the host's dialog for a weights file and sets it on the design. */
export async function chooseWeights(host: ReturnType<typeof useHost>): Promise<void> {
  const r = await host.chooseWeights();
  if (!r.ok) appStore.getState().notify(r.error.message, 'error');
  else if (r.value) appStore.getState().setWeights(r.value.path);
}

/**
 * "Pretrained weights": the reference checkpoint known for the design's preset
 * (core/weights/pretrained.ts), fetched into the app's cache by the host (checked by size and
 * torch.hub's hash prefix) with a progress bar, then set as the design's weights.
 */
function PretrainedButton({ checkpoint }: { checkpoint: PretrainedCheckpoint }) {
  const host = useHost();
  const [progress, setProgress] = useState<WeightsProgress | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(
    () =>
      host.onDidWeightsProgress((p) => {
        if (p.id === checkpoint.id) setProgress(p);
      }),
    [host, checkpoint.id],
  );
  const fetchIt = async () => {
    setBusy(true);
    setProgress(null);
    const r = await host.weightsFetch(checkpoint.id);
    setBusy(false);
    setProgress(null);
    if (!r.ok) {
      if (r.error.code !== 'weights.cancelled')
        appStore.getState().notify(r.error.message, 'error');
      return;
    }
    appStore.getState().setWeights(r.value.path);
    appStore
      .getState()
      .notify(
        `Loaded the reference weights: ${checkpoint.reference} (${checkpoint.fileName}).`,
        'info',
      );
  };
  const fraction = progress ? fetchFraction(progress) : null;
  return (
    <div className="pretrained" data-testid="pretrained">
      <div className="weights-row">
        <button
          type="button"
          disabled={busy}
          onClick={() => void fetchIt()}
          title={`${checkpoint.reference}: ${checkpoint.url}`}
        >
          {busy ? 'Fetching…' : 'Pretrained weights'}
        </button>
        {busy && (
          <button type="button" onClick={() => void host.cancelWeightsFetch(checkpoint.id)}>
            Cancel
          </button>
        )}
        <span className="field-hint pretrained-name">{checkpoint.reference}</span>
      </div>
      {busy && (
        <div className="pretrained-progress" role="status" aria-live="polite">
          <progress
            max={1}
            value={fraction ?? undefined}
            aria-label={`Downloading ${checkpoint.fileName}`}
          />
          <span className="mono">
            {progress ? fetchProgressText(progress) : `Connecting for ${checkpoint.fileName}…`}
          </span>
        </div>
      )}
    </div>
  );
}

export function WeightsField() {
  const host = useHost();
  const path = useApp(selectWeightsPath);
  const preset = useApp(selectPreset);
  const pretrained = pretrainedForPreset(preset);
  const access = useWeightsAccess(path);
  const id = useId();
  return (
    <div className="field weights-field" data-testid="weights-field">
      <span className="field-label" id={`${id}-label`}>
        Weights file
      </span>
      <div className="weights-row" aria-labelledby={`${id}-label`} role="group">
        <span
          className={`weights-name mono${path ? '' : ' muted'}`}
          title={path ?? undefined}
          data-testid="weights-name"
        >
          {path ? fileName(path) : 'None: seeded initialization'}
        </span>
        <button type="button" onClick={() => void chooseWeights(host)}>
          Choose…
        </button>
        {path && (
          <button
            type="button"
            onClick={() => appStore.getState().setWeights(null)}
            aria-label="Clear the weights file"
          >
            Clear
          </button>
        )}
      </div>
      {pretrained && <PretrainedButton checkpoint={pretrained} />}
      {access ? (
        <div className="field-error" role="alert">
          {access.refused}
        </div>
      ) : (
        <div className="field-hint">
          A PyTorch state_dict or safetensors file ({EXTENSIONS_TEXT}); or drop one on the window.
          It is saved with the design. Tensors that no longer fit an edited design start from fresh
          weights, marked on the graph.
        </div>
      )}
    </div>
  );
}
