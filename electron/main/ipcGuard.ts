/**
 * The one wrapper through which Electron main registers every IPC handler. It checks that the
 * message comes from the app's own top-level frame, then hands it to the host router, which
 * validates the payload. Electron objects arrive as parameters (structural types below), so this
 * file runs and is tested in plain Node.
 */
import { HOST_METHODS, channel } from '../../core/host/contract';
import { errResult, type Result } from '../../core/run/types';
import { BOUNDARY_ERRORS, type HostDispatch } from '../../node/host/hostRouter';

/** The parts of Electron's IpcMainInvokeEvent the guard reads. */
export interface IpcInvokeEventLike {
  readonly senderFrame: { readonly url: string; readonly parent: unknown } | null;
  readonly sender: { readonly id: number };
}

/** The parts of Electron's ipcMain the guard uses. */
export interface IpcMainLike {
  handle(
    channel: string,
    listener: (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>,
  ): void;
  removeHandler(channel: string): void;
}

/** Who sent a message, once the guard trusts it. */
export interface IpcCaller {
  readonly webContentsId: number;
  readonly url: string;
}

/**
 * Whether a URL is the app's own page: the `app://` origin the packaged renderer is served from,
 * or the Vite dev server's origin during `electron-forge start`.
 */
export function appUrlMatcher(appOrigins: readonly string[]): (url: string) => boolean {
  // Custom schemes have an opaque origin ("null") in WHATWG URL; compare scheme and host instead.
  const originOf = (url: string): string => {
    const u = new URL(url);
    return u.origin === 'null' ? `${u.protocol}//${u.host}` : u.origin;
  };
  const origins = new Set(appOrigins.map(originOf));
  return (url) => {
    try {
      return origins.has(originOf(url));
    } catch {
      return false;
    }
  };
}

/** Checks the sender of one message; an error Result when it is not the app's top-level page. */
export function checkSender(
  event: IpcInvokeEventLike,
  isAppUrl: (url: string) => boolean,
): Result<IpcCaller> {
  const frame = event.senderFrame;
  if (!frame)
    return errResult(
      BOUNDARY_ERRORS.sender,
      'The message was refused because the page that sent it is gone.',
    );
  if (frame.parent)
    return errResult(
      BOUNDARY_ERRORS.sender,
      'The message was refused because it came from an embedded frame, not the app window.',
    );
  if (!isAppUrl(frame.url)) {
    return errResult(
      BOUNDARY_ERRORS.sender,
      `The message was refused because it came from ${JSON.stringify(frame.url.slice(0, 200))}, which is not the app's own page.`,
    );
  }
  return { ok: true, value: { webContentsId: event.sender.id, url: frame.url } };
}

/** Handles one message on one channel: sender check, then the router (payload check, handler). */
export function guardedInvoke(
  dispatch: HostDispatch<IpcCaller>,
  isAppUrl: (url: string) => boolean,
  method: string,
  event: IpcInvokeEventLike,
  args: unknown[],
): Promise<Result<unknown>> {
  const sender = checkSender(event, isAppUrl);
  if (!sender.ok) return Promise.resolve(sender);
  return dispatch(sender.value, method, args);
}

/** Registers one handler per HostApi request channel; returns a function that removes them all. */
export function registerHostIpc(
  ipcMain: IpcMainLike,
  dispatch: HostDispatch<IpcCaller>,
  isAppUrl: (url: string) => boolean,
): () => void {
  for (const method of HOST_METHODS) {
    ipcMain.handle(channel(method), (event, ...args) =>
      guardedInvoke(dispatch, isAppUrl, method, event, args),
    );
  }
  return () => {
    for (const method of HOST_METHODS) ipcMain.removeHandler(channel(method));
  };
}
