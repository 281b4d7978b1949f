/**
 * The browser host's wire protocol (`inception-explorer serve`), shared by its server
 * (node/browserHost/browserHostServer.ts) and the page (renderer/host/browserHost.ts): requests are
 * `POST /api/<method>` with the JSON argument list and the token header; events and file dialogs
 * travel over one WebSocket at `/ws?token=…&client=…`.
 */
import { z } from 'zod';
import type { HostMethod, MenuCommand, WeightsProgress } from './contract';
import { MAX_DESIGN_BYTES } from '../design/designFile';
import { MAX_EXPORT_BYTES } from './schemas';
import { MAX_WEIGHTS_UPLOAD_BYTES } from './contract';
import type { RunProgress } from '../run/types';
import type { TrainEvent } from '../train/types';

/** Header carrying the access token on every API call. */
export const TOKEN_HEADER = 'x-inception-token';
/** Header naming the page's client id (the socket that shows this page's dialogs). */
export const CLIENT_HEADER = 'x-inception-client';
/** Path prefix of API calls: `POST /api/<method>`. */
export const API_PATH = '/api/';
/** Path of the event socket; it takes `token` and `client` query parameters (a browser socket cannot carry headers). */
export const SOCKET_PATH = '/ws';
/**
 * Header of a binary request (`Content-Type: application/octet-stream`): the JSON argument list
 * without the field that the body carries (BINARY_BODY_FIELDS). Large files travel this way, as
 * bytes, never as base64 inside JSON.
 */
export const ARGS_HEADER = 'x-inception-args';
/** Methods that take a binary body, and the field of their first argument that the body fills. */
export const BINARY_BODY_FIELDS: Readonly<Partial<Record<HostMethod, string>>> = {
  exportFile: 'content',
};
/** Largest binary body: the largest export (MAX_EXPORT_BYTES) or weights upload (MAX_WEIGHTS_UPLOAD_BYTES). */
export const MAX_BINARY_BODY_BYTES = Math.max(MAX_EXPORT_BYTES, MAX_WEIGHTS_UPLOAD_BYTES);
/**
 * Largest JSON body: a design of MAX_DESIGN_BYTES characters, each escaped in the worst case to
 * six bytes (`\u0001`), plus room for the rest of the arguments; every JSON request the schemas
 * accept fits.
 */
export const MAX_JSON_BODY_BYTES = 6 * MAX_DESIGN_BYTES + 1024 * 1024;
/**
 * What a JSON body may expand into: no request of the app has more than a few hundred values or
 * nests deeper than a dozen levels.
 */
export const MAX_JSON_VALUES = 100_000;
export const MAX_JSON_DEPTH = 64;
/** All request bodies held in memory at once: one largest file, one largest JSON call and 64 MiB of small calls. */
export const MAX_BODY_BYTES_IN_FLIGHT =
  MAX_BINARY_BODY_BYTES + MAX_JSON_BODY_BYTES + 64 * 1024 * 1024;

/** Path of weights uploads: `POST` the file's bytes (application/octet-stream) with the token header and its name in UPLOAD_NAME_HEADER (percent-encoded). */
export const UPLOAD_WEIGHTS_PATH = '/upload/weights';
/** Header naming an uploaded file (percent-encoded UTF-8). */
export const UPLOAD_NAME_HEADER = 'x-inception-file-name';
/** A page's client id: random letters, digits, `-` and `_`. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

/** A request the server makes of a page and the page answers (the in-page file dialog). */
export interface PageDialogRequest {
  /**
   * `weights`: open a weights file; the page may also upload one from the computer. `folder`: an
   * image folder among the subfolders of `<home>/datasets` (`files` lists their names).
   */
  readonly kind: 'open' | 'save' | 'export' | 'weights' | 'folder';
  readonly title: string;
  readonly suggestedName: string;
  /** File names already in the folder, for the list in the dialog. */
  readonly files: readonly string[];
  readonly folder: string;
}

/** Messages on the socket, server → page. */
export type ServerMessage =
  | { readonly type: 'runProgress'; readonly progress: RunProgress }
  | { readonly type: 'weightsProgress'; readonly progress: WeightsProgress }
  | { readonly type: 'trainEvent'; readonly event: TrainEvent }
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
