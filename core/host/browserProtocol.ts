/**
 * The browser host's wire protocol (`inception-explorer serve`), shared by its server
 * (node/browserHost/browserHostServer.ts) and the page (renderer/host/browserHost.ts): requests are
 * `POST /api/<method>` with the JSON argument list and the token header; events and file dialogs
 * travel over one WebSocket at `/ws?token=…&client=…`.
 */
import { z } from 'zod';
import type { MenuCommand } from './contract';
import type { RunProgress } from '../run/types';

/** Header carrying the access token on every API call. */
export const TOKEN_HEADER = 'x-inception-token';
/** Header naming the page's client id (the socket that shows this page's dialogs). */
export const CLIENT_HEADER = 'x-inception-client';
/** Path prefix of API calls: `POST /api/<method>`. */
export const API_PATH = '/api/';
/** Path of the event socket; it takes `token` and `client` query parameters (a browser socket cannot carry headers). */
export const SOCKET_PATH = '/ws';
/** Path of weights uploads: `POST` the file's bytes (application/octet-stream) with the token header and its name in UPLOAD_NAME_HEADER (percent-encoded). */
export const UPLOAD_WEIGHTS_PATH = '/upload/weights';
/** Header naming an uploaded file (percent-encoded UTF-8). */
export const UPLOAD_NAME_HEADER = 'x-inception-file-name';
/** A page's client id: random letters, digits, `-` and `_`. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

/** A request the server makes of a page and the page answers (the in-page file dialog). */
export interface PageDialogRequest {
  /** `weights`: open a weights file; the page may also upload one from the computer. */
  readonly kind: 'open' | 'save' | 'export' | 'weights';
  readonly title: string;
  readonly suggestedName: string;
  /** File names already in the folder, for the list in the dialog. */
  readonly files: readonly string[];
  readonly folder: string;
}

/** Messages on the socket, server → page. */
export type ServerMessage =
  | { readonly type: 'runProgress'; readonly progress: RunProgress }
  | { readonly type: 'menuCommand'; readonly command: MenuCommand }
  | { readonly type: 'dialog'; readonly id: number; readonly request: PageDialogRequest };

const clientMessage = z.strictObject({
  type: z.literal('dialogAnswer'),
  id: z.number().int().nonnegative(),
  /** The file name the user chose, or null when they cancelled. */
  name: z.string().max(4096).nullable(),
});

/** Messages on the socket, page → server: the answer to a dialog request (null: cancelled). */
export type ClientMessage = z.output<typeof clientMessage>;

/** Parses one socket message from a page (untrusted text); null for anything that is not a ClientMessage. */
export function parseClientMessage(text: string): ClientMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const r = clientMessage.safeParse(value);
  return r.success ? r.data : null;
}
