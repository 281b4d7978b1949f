/**
 * Results cross boundaries as data, never as exceptions: `{ ok: true, value }` or
 * `{ ok: false, error: { code, message } }`. A leaf (it imports nothing), so any file in core/ can
 * return one without an import cycle; core/run/types.ts re-exports it.
 */
/** A value, or an error with a stable code and a sentence. */
export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ErrorInfo };

export interface ErrorInfo {
  /** Stable code, e.g. `run.cancelled`, `run.timeout`, `run.memory`, `weights.missing`, `ipc.invalid`. */
  readonly code: string;
  /** A full sentence the user can act on. */
  readonly message: string;
}

/** The success value of a Result. */
export const okResult = <T>(value: T): Result<T> => ({ ok: true, value });
/** The failure of a Result: a stable code and a full sentence. */
export const errResult = <T = never>(code: string, message: string): Result<T> => ({
  ok: false,
  error: { code, message },
});
