/**
 * What a host needs from the engine (node/engine/engineClient.ts implements it), kept as a
 * structural type so hosts and their tests do not depend on how the worker is built.
 */
import type { Result, RunProgress, RunRequest, RunResult } from '../../core/run/types';

export interface EngineStatus {
  /** The backend a run would use now, e.g. `wasm`. */
  readonly backend: string;
  /** Why preferred backends were skipped, one sentence each. */
  readonly notes: readonly string[];
}

export interface EngineLike {
  run(
    runId: string,
    request: RunRequest,
    onProgress: (p: RunProgress) => void,
  ): Promise<Result<RunResult>>;
  cancel(runId: string): Promise<void> | void;
  info(): Promise<EngineStatus>;
  dispose(): Promise<void> | void;
}
