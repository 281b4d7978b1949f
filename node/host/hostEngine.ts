/**
 * The engine as a host runs it: one EngineClient (node/engine) whose worker lifecycle the host
 * owns. `start()` spins the worker up ahead of the first run; after a run ends in a crash or an
 * out-of-memory the worker is restarted at once, so the next run does not pay for the start; and
 * `dispose()` stops it on quit.
 */
import { EngineClient, type EngineClientOptions } from '../engine/engineClient';
import type { Result, RunProgress, RunRequest, RunResult } from '../../core/run/types';
import type { EngineLike, EngineStatus } from './engineHost';

/** Result codes after which the worker is gone and a fresh one is started. */
export const WORKER_LOST_CODES: ReadonlySet<string> = new Set([
  'engine.crashed',
  'run.outOfMemory',
  'engine.failed',
]);

export class HostEngine implements EngineLike {
  /** The engine client (public for tests of crash recovery). */
  readonly client: EngineClient;
  private disposed = false;
  /** How many times the worker was restarted after a crash (shown in getInfo's notes). */
  restarts = 0;
  private warming: Promise<unknown> | null = null;

  constructor(
    options: EngineClientOptions = {},
    private readonly log: (line: string) => void = () => {},
  ) {
    this.client = new EngineClient(options);
  }

  /** Starts the worker now (its backend loads in the background). */
  start(): void {
    if (this.disposed) return;
    this.warming = this.client
      .info()
      .catch((e: Error) => this.log(`The engine could not start: ${e.message}`));
  }

  async run(
    runId: string,
    request: RunRequest,
    onProgress: (p: RunProgress) => void,
  ): Promise<Result<RunResult>> {
    const result = await this.client.run(runId, request, onProgress);
    if (!result.ok && WORKER_LOST_CODES.has(result.error.code) && !this.disposed) {
      this.restarts++;
      this.log(`The engine worker stopped (${result.error.code}); starting a fresh one.`);
      this.start();
    }
    return result;
  }

  cancel(runId: string): void {
    this.client.cancel(runId);
  }

  async info(): Promise<EngineStatus> {
    try {
      // A worker that died a moment ago answers with an error once; the retry starts a fresh one.
      const b = await this.client.info().catch(() => this.client.info());
      const restarted =
        this.restarts > 0
          ? [
              `The engine worker was restarted ${this.restarts} time${this.restarts === 1 ? '' : 's'} after a crash in this session.`,
            ]
          : [];
      return { backend: b.name, notes: [...b.fallbacks, ...restarted] };
    } catch (e) {
      return { backend: 'none', notes: [(e as Error).message] };
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.warming;
    await this.client.dispose();
  }
}

/** The engine of a host; options choose the worker file and assets in a packaged app. */
export function createHostEngine(
  options: EngineClientOptions = {},
  log?: (line: string) => void,
): HostEngine {
  return new HostEngine(options, log);
}
