/**
 * The Run tab's weights file: which file the design loads (saved with it), Choose… (the host's
 * open dialog, which in the browser host can also upload a file), Clear, and whether the app may
 * still read a file remembered with a reopened design.
 */
import { useEffect, useId, useState } from 'react';
import { WEIGHTS_EXTENSIONS } from '../../core/host/contract';
import { useHost } from '../host/host';
import { appStore, useApp, type AppState } from '../state/store';

const selectWeightsPath = (s: AppState) => s.design.weights?.path ?? null;

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

export function WeightsField() {
  const host = useHost();
  const path = useApp(selectWeightsPath);
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
