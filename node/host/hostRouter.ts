/**
 * One dispatcher for every HostApi request, shared by Electron main (over IPC) and the browser host
 * (over HTTP): it refuses unknown methods, validates the arguments against core/host/schemas.ts,
 * and turns a handler's unexpected throw into `{ ok: false, error }` data, so nothing relies on an
 * exception crossing the process boundary.
 */
import { HOST_METHODS, type HostApi, type HostMethod } from '../../core/host/contract';
import { describeArgIssues, parseHostArgs, type HostArgs } from '../../core/host/schemas';
import { errResult, type Result } from '../../core/run/types';

/** A handler per request method; `ctx` says who asked (a window, a browser tab). */
export type HostHandlers<C> = {
  readonly [M in HostMethod]: (ctx: C, ...args: HostArgs<M>) => ReturnType<HostApi[M]>;
};

/** Stable error codes of the boundary itself (handlers add their own). */
export const BOUNDARY_ERRORS = {
  unknownMethod: 'ipc.unknownMethod',
  invalid: 'ipc.invalid',
  sender: 'ipc.sender',
  internal: 'host.internal',
} as const;

export function isHostMethod(name: unknown): name is HostMethod {
  return typeof name === 'string' && (HOST_METHODS as readonly string[]).includes(name);
}

export type HostDispatch<C> = (ctx: C, method: unknown, args: unknown) => Promise<Result<unknown>>;

/** Builds the dispatcher; `onInternalError` hears about handler bugs (they still reach the caller as data). */
export function createHostRouter<C>(
  handlers: HostHandlers<C>,
  onInternalError: (method: string, error: unknown) => void = () => {},
): HostDispatch<C> {
  return async (ctx, method, args) => {
    if (!isHostMethod(method)) {
      const name =
        typeof method === 'string'
          ? JSON.stringify(method.slice(0, 64))
          : `of type ${typeof method}`;
      return errResult(
        BOUNDARY_ERRORS.unknownMethod,
        `The request ${name} is not part of the host API; the known requests are ${HOST_METHODS.join(', ')}.`,
      );
    }
    const parsed = parseHostArgs(method, args);
    if (!parsed.ok)
      return errResult(BOUNDARY_ERRORS.invalid, describeArgIssues(method, parsed.issues));
    try {
      const handler = handlers[method] as (ctx: C, ...a: unknown[]) => Promise<Result<unknown>>;
      return await handler(ctx, ...(parsed.args as unknown[]));
    } catch (e) {
      onInternalError(method, e);
      return errResult(
        BOUNDARY_ERRORS.internal,
        `The request "${method}" failed unexpectedly: ${(e as Error)?.message ?? String(e)}. This is a bug; please report it.`,
      );
    }
  };
}
