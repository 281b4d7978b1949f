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
import type { Ablation } from '../../core/weights/ablation';
import type { AppState } from './store';

export interface RunSettings {
  /** Overrides the design's batch when set. */
  batch: number | null;
  mode: RunMode;
  seed: number;
  input: RunInput;
  /** The backend to run on; null lets the engine pick the fastest that works. */
  backend: BackendName | null;
  /**
   * Load what fits from the design's weights file and start the rest afresh. The app always does (an edited
   * design keeps the trained tensors that still fit and marks the rest "fresh weights"); the
   * command line is strict unless --reinit-mismatched.
   */
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
  /** The run settings the last result was computed with (its backend choice, input, batch): the result keeps its own labels when the settings change. */
  resultSettings: RunSettings | null;
  /** The design and settings of the run in progress; they become the result's only when it succeeds, so a cancelled or failed run leaves the previous result as the previous run's. */
  pendingRun: { readonly design: Design; readonly settings: RunSettings } | null;
  runError: ErrorInfo | null;
  /** What-if ablations for the next run: a run with any also runs without them (`beforeResult`). */
  ablations: readonly Ablation[];
  /** The last run without the ablations, when `result` had some: the "before" of the comparison. */
  beforeResult: RunResult | null;
  /** The ablations `result` was computed with. */
  resultAblations: readonly Ablation[];
  setAblations(ablations: readonly Ablation[]): void;
  setRunSettings(patch: Partial<RunSettings>): void;
  runStarted(runId: string, design: Design): void;
  runProgressed(p: RunProgress): void;
  runFinished(
    runId: string,
    outcome: { ok: true; value: RunResult } | { ok: false; error: ErrorInfo },
    before?: RunResult | null,
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
    reinitMismatched: true,
  },
  ablations: [],
  beforeResult: null,
  resultAblations: [],
  setAblations: (ablations) => set({ ablations }),
  runStatus: 'idle',
  runId: null,
  progress: null,
  result: null,
  resultDesign: null,
  resultSettings: null,
  pendingRun: null,
  runError: null,
  setRunSettings: (patch) => set({ runSettings: { ...get().runSettings, ...patch } }),
  runStarted: (runId, design) =>
    set({
      runId,
      runStatus: 'running',
      progress: null,
      runError: null,
      pendingRun: { design, settings: get().runSettings },
    }),
  runProgressed: (p) => {
    if (p.runId === get().runId) set({ progress: p });
  },
  runFinished: (runId, outcome, before = null) => {
    if (runId !== get().runId) return;
    if (outcome.ok)
      set({
        runStatus: 'done',
        result: outcome.value,
        resultDesign: get().pendingRun?.design ?? null,
        resultSettings: get().pendingRun?.settings ?? null,
        pendingRun: null,
        beforeResult: before,
        resultAblations: before ? get().ablations : [],
        runError: null,
        runId: null,
      });
    else
      set({
        runStatus: outcome.error.code === 'run.cancelled' ? 'cancelled' : 'failed',
        runError: outcome.error,
        runId: null,
        pendingRun: null,
      });
  },
  runCancelling: () => {
    if (get().runStatus === 'running') set({ runStatus: 'cancelling' });
  },
  clearResult: () =>
    set({
      result: null,
      beforeResult: null,
      resultAblations: [],
      resultDesign: null,
      resultSettings: null,
      pendingRun: null,
      runError: null,
      runStatus: 'idle',
      progress: null,
    }),
});

/**
 * Why the shown result no longer describes what Run would do now, as short phrases ("the design",
 * "the backend", "the input"); empty when it still does. The result keeps its own labels either way.
 */
export function staleReasons(
  s: Pick<AppState, 'result' | 'resultDesign' | 'resultSettings' | 'design' | 'runSettings'>,
): string[] {
  if (!s.result) return [];
  const reasons: string[] = [];
  if (s.resultDesign !== s.design) reasons.push('the design');
  const was = s.resultSettings;
  if (was) {
    const now = s.runSettings;
    if (was.backend !== now.backend) reasons.push('the backend');
    if (JSON.stringify(was.input) !== JSON.stringify(now.input)) reasons.push('the input');
    if (was.batch !== now.batch) reasons.push('the batch');
    if (was.mode !== now.mode) reasons.push('the mode');
    if (was.seed !== now.seed) reasons.push('the seed');
  }
  return reasons;
}
