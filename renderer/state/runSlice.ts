/** The forward-pass panel: its settings, the run in progress and the last result. */
import type { StateCreator } from 'zustand';
import type { Design } from '../../core/model/types';
import type {
  BackendName,
  ErrorInfo,
  RunInput,
  RunMode,
  RunProgress,
  RunResult,
} from '../../core/run/types';
import type { AppState } from './store';

export interface RunSettings {
  /** Overrides the design's batch when set. */
  batch: number | null;
  mode: RunMode;
  seed: number;
  input: RunInput;
  /** The backend to run on; null lets the engine pick the fastest that works. */
  backend: BackendName | null;
  /** A safetensors weights file (a path the host allows); null: the seeded initialization. */
  weightsPath: string | null;
  /** Fine-tuning: load what fits from `weightsPath`, start the rest (a new classifier) afresh. */
  reinitMismatched: boolean;
}

export type RunStatus = 'idle' | 'running' | 'cancelling' | 'done' | 'failed' | 'cancelled';

export interface RunSlice {
  runSettings: RunSettings;
  runStatus: RunStatus;
  runId: string | null;
  progress: RunProgress | null;
  result: RunResult | null;
  /** The design the last result was computed for: results go stale when the design changes. */
  resultDesign: Design | null;
  runError: ErrorInfo | null;
  setRunSettings(patch: Partial<RunSettings>): void;
  runStarted(runId: string, design: Design): void;
  runProgressed(p: RunProgress): void;
  runFinished(
    runId: string,
    outcome: { ok: true; value: RunResult } | { ok: false; error: ErrorInfo },
  ): void;
  runCancelling(): void;
  clearResult(): void;
}

export const createRunSlice: StateCreator<AppState, [['temporal', unknown]], [], RunSlice> = (
  set,
  get,
) => ({
  runSettings: {
    batch: null,
    mode: 'eval',
    seed: 0,
    input: { kind: 'random' },
    backend: null,
    weightsPath: null,
    reinitMismatched: false,
  },
  runStatus: 'idle',
  runId: null,
  progress: null,
  result: null,
  resultDesign: null,
  runError: null,
  setRunSettings: (patch) => set({ runSettings: { ...get().runSettings, ...patch } }),
  runStarted: (runId, design) =>
    set({ runId, runStatus: 'running', progress: null, runError: null, resultDesign: design }),
  runProgressed: (p) => {
    if (p.runId === get().runId) set({ progress: p });
  },
  runFinished: (runId, outcome) => {
    if (runId !== get().runId) return;
    if (outcome.ok) set({ runStatus: 'done', result: outcome.value, runError: null, runId: null });
    else
      set({
        runStatus: outcome.error.code === 'run.cancelled' ? 'cancelled' : 'failed',
        runError: outcome.error,
        runId: null,
      });
  },
  runCancelling: () => {
    if (get().runStatus === 'running') set({ runStatus: 'cancelling' });
  },
  clearResult: () =>
    set({ result: null, resultDesign: null, runError: null, runStatus: 'idle', progress: null }),
});
