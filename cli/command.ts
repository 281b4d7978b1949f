import type { ParseArgsConfig } from 'node:util';

/** Where a command writes; tests pass their own. */
export interface CliIo {
  out(s: string): void;
  err(s: string): void;
  readonly isTty: boolean;
}

export interface CliCommand {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The full usage text for --help and errors. */
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** Returns the exit code: 0 success, 1 invalid design or failed run, 2 bad usage. */
  run(values: Record<string, unknown>, positionals: readonly string[], io: CliIo): Promise<number>;
}
