/**
 * The browser host's HTTP/WebSocket server: the renderer's HostApi over `POST /api/<method>`
 * (JSON argument list in, Result JSON out) and host → page events over one WebSocket at `/ws`.
 *
 * It listens on 127.0.0.1 only. Every API call and socket needs the random token printed in the
 * app URL (header `x-inception-token` for API calls, `?token=` only for the socket, which cannot
 * carry headers from a browser); the Host header must name
 * the loopback address (against DNS rebinding) and a browser's Origin must be the app's own, so
 * other pages and other local sites cannot drive it.
 *
 * No request, however malformed, may end or wedge the process: every socket has an error handler,
 * every handler catches, bad URLs and encodings answer 400, an oversized or broken WebSocket frame
 * closes that one socket. `node/browserHost/browserHostFuzz.test.ts` throws garbage at it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  API_PATH,
  ARGS_HEADER,
  BINARY_BODY_FIELDS,
  CLIENT_HEADER,
  CLIENT_ID_PATTERN,
  MAX_BINARY_BODY_BYTES,
  MAX_BODY_BYTES_IN_FLIGHT,
  MAX_JSON_BODY_BYTES,
  MAX_JSON_DEPTH,
  MAX_JSON_VALUES,
  parseClientMessage,
  SOCKET_PATH,
  TOKEN_HEADER,
  UPLOAD_NAME_HEADER,
  UPLOAD_WEIGHTS_PATH,
  type PageDialogRequest,
  type ServerMessage,
} from '../../core/host/browserProtocol';
import { BOUNDARY_ERRORS, type HostDispatch } from '../host/hostRouter';
import { MAX_WEIGHTS_UPLOAD_BYTES, type WeightsFile } from '../../core/host/contract';
import type { Result } from '../../core/run/types';
import { formatBytes } from '../../core/model/format';
import { contentSecurityPolicy } from '../host/contentSecurityPolicy';
import {
  BodyBudget,
  closeAfterAnswer,
  dropBadConnection,
  guardConnections,
  httpFailure as fail,
  parseBoundedJson,
  readBoundedBody,
  type ConnectionLimits,
  type ConnectionStats,
  type HeldBody,
  type HttpFailure,
} from './requestLimits';

/** Only this address is ever bound: the browser host is for this machine's own browser. */
export const LOOPBACK = '127.0.0.1';
/** Largest WebSocket message a page may send (dialog answers are tiny); larger ones close that socket with 1009. */
export const MAX_SOCKET_MESSAGE_BYTES = 64 * 1024;
/**
 * Connections: enough for several tabs (a browser opens six per origin) and their sockets; a flood
 * of idle ones closes the longest-idle connections without the token first (see
 * `guardConnections`), so the page's own kept-alive and new connections get through.
 */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 256,
  idleMs: 15_000,
  headersMs: 10_000,
};

/** Who made a request: the page's client id (it names the socket that shows dialogs). */
export interface BrowserCaller {
  readonly clientId: string | null;
}

/** Serves the renderer: a Connect-style middleware (Vite's in dev, static files otherwise). */
export type RendererMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: () => void,
) => void;

export interface BrowserHostOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly dispatch: HostDispatch<BrowserCaller>;
  readonly renderer: RendererMiddleware;
  readonly token?: string;
  /** Largest JSON body (default MAX_JSON_BODY_BYTES). */
  readonly maxBodyBytes?: number;
  /** Largest binary body (default MAX_BINARY_BODY_BYTES). */
  readonly maxBinaryBodyBytes?: number;
  /** All bodies in memory at once (default MAX_BODY_BYTES_IN_FLIGHT). */
  readonly bodyBudgetBytes?: number;
  /** Connection cap and timeouts (default DEFAULT_CONNECTION_LIMITS). */
  readonly connections?: Partial<ConnectionLimits>;
  /** Whether the renderer is Vite's dev middleware (its HMR socket needs `ws:` and inline styles). */
  readonly dev?: boolean;
  /** Lets Vite attach its HMR socket to the same server in dev. */
  readonly onServerCreated?: (server: Server) => void;
  /** A page's socket closed (the tab was closed or reloaded): its client id (null: none), and how many pages remain connected. */
  readonly onPageClosed?: (clientId: string | null, openPages: number) => void;
  /** Keeps an uploaded weights file (`POST /upload/weights`); absent: uploads are refused with 404. */
  readonly uploadWeights?: (name: string, bytes: Buffer) => Promise<Result<WeightsFile>>;
  /** Largest upload (default MAX_WEIGHTS_UPLOAD_BYTES). */
  readonly maxUploadBytes?: number;
}

export interface BrowserHost {
  /** `http://127.0.0.1:PORT/?token=TOKEN` */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  readonly server: Server;
  /** Sends an event to every connected page. */
  broadcast(message: ServerMessage): void;
  /** Asks the page of `clientId` to show a dialog; null when it is cancelled or the page leaves. */
  askPage(clientId: string | null, request: PageDialogRequest): Promise<string | null>;
  /** Open connections, how many were closed to make room or for idling, and body bytes in memory. */
  stats(): ConnectionStats & { readonly bodyBytesInFlight: number };
  close(): Promise<void>;
}

/** Constant-time token comparison. */
function tokenMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Status for a Result the router produced: boundary errors are the client's fault. */
function statusFor(code: string | undefined): number {
  if (code === BOUNDARY_ERRORS.unknownMethod) return 404;
  if (code === BOUNDARY_ERRORS.invalid) return 400;
  if (code === BOUNDARY_ERRORS.internal) return 500;
  return 200;
}

/** decodeURIComponent, or null for text that is not valid percent-encoded UTF-8 (`%ff`). */
function decodeComponent(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/** A request URL resolved against the server, or null when it is not a URL (`http://[/ws`). */
function parseUrl(raw: string | undefined, base: string): URL | null {
  try {
    return new URL(raw ?? '/', base);
  } catch {
    return null;
  }
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  413: 'Payload Too Large',
  503: 'Service Unavailable',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
};

/** What every step of a request needs: the options, the token and (once listening) the port. */
interface ServerContext {
  readonly options: BrowserHostOptions;
  readonly token: string;
  readonly maxBody: number;
  readonly maxBinaryBody: number;
  readonly budget: BodyBudget;
  /** 0 until the server listens. */
  port: number;
}

/** Refuses a request whose Host header is not this server's loopback address (DNS rebinding). */
function checkHost(ctx: ServerContext, req: IncomingMessage): HttpFailure | null {
  const allowed = new Set([`${LOOPBACK}:${ctx.port}`, `localhost:${ctx.port}`]);
  return allowed.has(String(req.headers.host ?? '').toLowerCase())
    ? null
    : fail(
        403,
        'http.host',
        `The request was refused because its Host header ${JSON.stringify(req.headers.host ?? '')} is not this server's loopback address ${LOOPBACK}:${ctx.port}.`,
      );
}

/** Refuses a request from another page's origin. Browsers always send Origin on POST and WebSocket requests; non-browser clients may omit it. */
function checkOrigin(ctx: ServerContext, req: IncomingMessage): HttpFailure | null {
  const origin = req.headers.origin;
  const allowed = new Set([`http://${LOOPBACK}:${ctx.port}`, `http://localhost:${ctx.port}`]);
  if (origin === undefined || allowed.has(origin.toLowerCase())) return null;
  return fail(
    403,
    'http.origin',
    `The request was refused because it came from the page origin ${JSON.stringify(origin)}; only the app at http://${LOOPBACK}:${ctx.port} may call this server.`,
  );
}

/** Refuses a request without the right access token. */
function checkToken(ctx: ServerContext, given: unknown): HttpFailure | null {
  if (tokenMatches(ctx.token, given)) return null;
  return fail(
    401,
    'http.token',
    given
      ? 'The request was refused because its access token is wrong; open the exact URL that `inception-explorer serve` printed.'
      : 'The request was refused because it carries no access token; open the exact URL that `inception-explorer serve` printed.',
  );
}

/** The headers every answer carries: CSP allowing only this server's socket, no sniffing, no framing. */
function setSecurityHeaders(res: ServerResponse, port: number): void {
  res.setHeader(
    'Content-Security-Policy',
    contentSecurityPolicy({
      connectOrigins: [`ws://${LOOPBACK}:${port}`, `ws://localhost:${port}`],
    }),
  );
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function sendFailure(res: ServerResponse, f: HttpFailure): void {
  sendJson(res, f.status, { ok: false, error: { code: f.code, message: f.message } });
}

/** The `Content-Type` without parameters, lower case. */
function mediaType(req: IncomingMessage): string {
  return String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
}

const jsonLimits = { maxValues: MAX_JSON_VALUES, maxDepth: MAX_JSON_DEPTH };

/**
 * The argument list of a binary request: the JSON of the ARGS_HEADER header, with the body put in
 * the field BINARY_BODY_FIELDS names for `method`. Shared by every endpoint that takes a file.
 */
async function readBinaryArgs(
  ctx: ServerContext,
  req: IncomingMessage,
  method: string,
): Promise<{ args: unknown; held: HeldBody } | HttpFailure> {
  const field = Object.hasOwn(BINARY_BODY_FIELDS, method)
    ? BINARY_BODY_FIELDS[method as keyof typeof BINARY_BODY_FIELDS]
    : undefined;
  if (!field)
    return fail(
      415,
      'http.contentType',
      `The request "${method.slice(0, 64)}" takes a JSON body ("Content-Type: application/json"), not bytes.`,
    );
  const header = req.headers[ARGS_HEADER];
  const parsed =
    typeof header === 'string'
      ? parseBoundedJson(Buffer.from(header, 'utf8'), jsonLimits)
      : fail(
          400,
          'http.args',
          `A binary request names its arguments in the ${ARGS_HEADER} header.`,
        );
  if ('status' in parsed) return parsed;
  const args = parsed.json;
  const first: unknown = Array.isArray(args) ? args[0] : undefined;
  if (typeof first !== 'object' || first === null || Array.isArray(first) || field in first)
    return fail(
      400,
      'http.args',
      `The ${ARGS_HEADER} header must be a JSON list whose first item is an object without "${field}" (the body carries it).`,
    );
  const held = await readBoundedBody(req, ctx.maxBinaryBody, ctx.budget);
  if ('status' in held) return held;
  return {
    args: [{ ...(first as object), [field]: held.body }, ...(args as unknown[]).slice(1)],
    held,
  };
}

/**
 * Checks an API request (POST, origin, token, body type) and reads its argument list: JSON, or a
 * binary body for a method that takes one. The held body is released once the answer is sent.
 */
async function readApiCall(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  method: string,
): Promise<{ args: unknown } | HttpFailure> {
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    return fail(
      405,
      'http.method',
      `Host requests are POST; ${req.method} ${url.pathname} is not supported.`,
    );
  }
  // The token travels in the header only: a URL ends up in logs, histories and Referer headers.
  const refused = checkOrigin(ctx, req) ?? checkToken(ctx, req.headers[TOKEN_HEADER]);
  if (refused) {
    closeAfterAnswer(req, res);
    return refused;
  }
  const type = mediaType(req);
  let read: { args: unknown; held: HeldBody } | HttpFailure;
  if (type === 'application/octet-stream') read = await readBinaryArgs(ctx, req, method);
  else if (type === 'application/json') {
    const held = await readBoundedBody(req, ctx.maxBody, ctx.budget);
    if ('status' in held) read = held;
    else {
      const parsed = parseBoundedJson(held.body, jsonLimits);
      // The text is parsed: the bytes can go back to the budget now.
      held.release();
      read = 'status' in parsed ? parsed : { args: parsed.json, held };
    }
  } else
    read = fail(
      415,
      'http.contentType',
      `The request body must be JSON sent as "Content-Type: application/json" (or bytes as "application/octet-stream" for a file); got ${JSON.stringify(type || 'none')}.`,
    );
  if ('status' in read) {
    // The rest of a refused body is not worth reading: the connection ends with the answer.
    closeAfterAnswer(req, res);
    return read;
  }
  const { held } = read;
  res.once('close', () => held.release());
  return { args: read.args };
}

/** `POST /api/<method>`: dispatches the call and answers its Result as JSON. */
async function handleApi(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  url: URL,
): Promise<void> {
  const name = decodeComponent(method);
  if (name === null) {
    closeAfterAnswer(req, res);
    sendFailure(
      res,
      fail(
        400,
        'http.url',
        `The method name in ${JSON.stringify(url.pathname.slice(0, 100))} is not valid percent-encoded UTF-8.`,
      ),
    );
    return;
  }
  const call = await readApiCall(ctx, req, res, url, name);
  if ('status' in call) {
    sendFailure(res, call);
    return;
  }
  const header = req.headers[CLIENT_HEADER];
  const clientId = typeof header === 'string' && CLIENT_ID_PATTERN.test(header) ? header : null;
  const result = await ctx.options.dispatch({ clientId }, name, call.args);
  sendJson(res, statusFor(result.ok ? undefined : result.error.code), result);
}

/**
 * `POST /upload/weights`: the bytes of a weights file the page dropped or picked, its name in
 * UPLOAD_NAME_HEADER; answers the Result of `uploadWeights` as JSON. Checked like API calls
 * (origin, token) and bounded by `maxUploadBytes`, with a sentence saying the limit.
 */
async function handleUpload(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const upload = ctx.options.uploadWeights;
  if (!upload) {
    req.resume();
    sendFailure(res, fail(404, 'http.notFound', 'This host takes no uploads.'));
    return;
  }
  if (req.method !== 'POST') {
    req.resume();
    res.setHeader('Allow', 'POST');
    sendFailure(
      res,
      fail(405, 'http.method', `Uploads are POST; ${req.method} ${url.pathname} is not supported.`),
    );
    return;
  }
  const refused = checkOrigin(ctx, req) ?? checkToken(ctx, req.headers[TOKEN_HEADER]);
  if (refused) {
    req.resume();
    sendFailure(res, refused);
    return;
  }
  const rawName = req.headers[UPLOAD_NAME_HEADER];
  const name = typeof rawName === 'string' ? decodeComponent(rawName) : null;
  if (!name) {
    req.resume();
    sendFailure(
      res,
      fail(
        400,
        'upload.name',
        `An upload must name its file in the ${UPLOAD_NAME_HEADER} header (percent-encoded).`,
      ),
    );
    return;
  }
  const limit = ctx.options.maxUploadBytes ?? MAX_WEIGHTS_UPLOAD_BYTES;
  const held = await readBoundedBody(req, limit, ctx.budget);
  if ('status' in held) {
    closeAfterAnswer(req, res);
    sendFailure(
      res,
      held.status === 413
        ? fail(
            413,
            'upload.tooLarge',
            `${name} is larger than the ${formatBytes(limit)} the browser host takes as an upload; put it in the weights folder and choose it there instead.`,
          )
        : held,
    );
    return;
  }
  const body = held.body;
  res.on('close', () => held.release());
  const result = await upload(name, body);
  sendJson(res, result.ok ? 200 : 400, result);
}

/** Every HTTP request: the API, or the renderer's files for GET/HEAD. */
function handleRequest(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): void {
  setSecurityHeaders(res, ctx.port);
  const hostRefused = checkHost(ctx, req);
  if (hostRefused) {
    sendFailure(res, hostRefused);
    return;
  }
  const url = parseUrl(req.url, `http://${LOOPBACK}:${ctx.port}`);
  if (!url) {
    sendFailure(res, fail(400, 'http.url', 'The request URL is malformed.'));
    return;
  }
  if (url.pathname === UPLOAD_WEIGHTS_PATH) {
    handleUpload(ctx, req, res, url).catch((e: unknown) => {
      if (!res.headersSent)
        sendFailure(
          res,
          fail(
            500,
            BOUNDARY_ERRORS.internal,
            `The upload failed unexpectedly: ${(e as Error).message}. This is a bug; please report it.`,
          ),
        );
      else res.destroy();
    });
    return;
  }
  const api = /^\/api\/([^/]*)$/.exec(url.pathname);
  if (api) {
    handleApi(ctx, req, res, api[1], url).catch((e: unknown) => {
      if (!res.headersSent)
        sendFailure(
          res,
          fail(
            500,
            BOUNDARY_ERRORS.internal,
            `The server failed unexpectedly: ${(e as Error).message}. This is a bug; please report it.`,
          ),
        );
      else res.destroy();
    });
    return;
  }
  if (url.pathname.startsWith(API_PATH) || url.pathname === API_PATH.slice(0, -1)) {
    sendFailure(
      res,
      fail(
        404,
        BOUNDARY_ERRORS.unknownMethod,
        `There is no host request at ${url.pathname}; requests are POST /api/<method>.`,
      ),
    );
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    sendFailure(
      res,
      fail(
        405,
        'http.method',
        `Only GET and HEAD serve the app; ${req.method} is not supported here.`,
      ),
    );
    return;
  }
  ctx.options.renderer(req, res, () =>
    sendFailure(
      res,
      fail(404, 'http.notFound', `There is no file at ${url.pathname.slice(0, 200)}.`),
    ),
  );
}

/** Answers a refused WebSocket upgrade with a JSON failure and closes the connection. */
function rejectUpgrade(socket: Socket, f: HttpFailure): void {
  const body = JSON.stringify({ ok: false, error: { code: f.code, message: f.message } });
  if (!socket.writable) return void socket.destroy();
  socket.end(
    `HTTP/1.1 ${f.status} ${STATUS_TEXT[f.status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The connected pages: one socket per client id (a newer page with the same id takes over) plus
 * pages without one, and the dialogs the host is waiting on, each answerable only by its own page.
 */
class PageSockets {
  private readonly byClient = new Map<string, WebSocket>();
  private readonly anonymous = new Set<WebSocket>();
  private readonly pending = new Map<
    number,
    { clientId: string; resolve: (name: string | null) => void }
  >();
  private nextDialogId = 1;

  constructor(
    private readonly onPageClosed?: (clientId: string | null, openPages: number) => void,
  ) {}

  /** Takes a freshly upgraded socket for `clientId` (null: a page without an id). */
  attach(ws: WebSocket, clientId: string | null): void {
    if (clientId) {
      this.byClient.get(clientId)?.close(4000, 'Another page took over this client id.');
      this.byClient.set(clientId, ws);
    } else this.anonymous.add(ws);
    // A frame over the size limit or a protocol error ends this socket (1009/1002), nothing else.
    ws.on('error', () => ws.terminate());
    ws.on('message', (data) => this.answer(clientId, String(data)));
    ws.on('close', () => this.detach(ws, clientId));
  }

  /** A page's dialog answer; a page may only answer its own dialogs. */
  private answer(clientId: string | null, text: string): void {
    const msg = parseClientMessage(text);
    if (!msg) return;
    const waiting = this.pending.get(msg.id);
    if (!waiting || waiting.clientId !== clientId) return;
    this.pending.delete(msg.id);
    waiting.resolve(msg.name);
  }

  /** A socket closed: its page's open dialogs resolve as cancelled. */
  private detach(ws: WebSocket, clientId: string | null): void {
    this.anonymous.delete(ws);
    if (clientId && this.byClient.get(clientId) === ws) {
      this.byClient.delete(clientId);
      for (const [id, p] of this.pending) {
        if (p.clientId === clientId) {
          this.pending.delete(id);
          p.resolve(null);
        }
      }
    }
    // A socket replaced by a newer one of the same page is not the page closing.
    if (clientId && this.byClient.has(clientId)) return;
    this.onPageClosed?.(clientId, this.byClient.size + this.anonymous.size);
  }

  broadcast(message: ServerMessage): void {
    for (const ws of [...this.byClient.values(), ...this.anonymous]) send(ws, message);
  }

  askPage(clientId: string | null, request: PageDialogRequest): Promise<string | null> {
    const ws = clientId ? this.byClient.get(clientId) : undefined;
    if (!clientId || !ws) return Promise.resolve(null);
    const id = this.nextDialogId++;
    return new Promise((resolve) => {
      this.pending.set(id, { clientId, resolve });
      send(ws, { type: 'dialog', id, request });
    });
  }

  /** Resolves every open dialog as cancelled. */
  cancelAll(): void {
    for (const p of this.pending.values()) p.resolve(null);
    this.pending.clear();
  }
}

function send(ws: WebSocket, message: ServerMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}

/** A WebSocket upgrade: only `/ws` with the right host, origin and token becomes a page socket. */
function handleUpgrade(
  ctx: ServerContext,
  wss: WebSocketServer,
  pages: PageSockets,
  req: IncomingMessage,
  socket: Socket,
  head: Buffer,
  connections: Pick<ReturnType<typeof guardConnections>, 'markBusy' | 'markTrusted'>,
): void {
  const url = parseUrl(req.url, `http://${LOOPBACK}:${ctx.port}`);
  if (!url) {
    rejectUpgrade(socket, fail(400, 'http.url', 'The request URL is malformed.'));
    return;
  }
  if (url.pathname !== SOCKET_PATH) {
    // In dev, Vite's HMR socket shares this server and answers its own upgrades.
    if (!ctx.options.dev)
      rejectUpgrade(socket, fail(403, 'http.notFound', `There is no socket at ${url.pathname}.`));
    return;
  }
  const refused =
    checkHost(ctx, req) ?? checkOrigin(ctx, req) ?? checkToken(ctx, url.searchParams.get('token'));
  if (refused) {
    rejectUpgrade(socket, refused);
    return;
  }
  const clientParam = url.searchParams.get('client');
  const clientId = clientParam && CLIENT_ID_PATTERN.test(clientParam) ? clientParam : null;
  wss.handleUpgrade(req, socket, head, (ws) => {
    // A page's socket is not idle however quiet it is: it carries events and dialogs.
    connections.markBusy(socket, true);
    connections.markTrusted(socket);
    pages.attach(ws, clientId);
  });
}

/**
 * Makes the HTTP server. Unparseable requests (bad request lines, header overflows, garbage) get
 * 400 and lose only their own connection; a socket that already broke is just dropped; slow
 * clients may not hold a connection open forever.
 */
function createHttpServer(
  ctx: ServerContext,
  pages: PageSockets,
): { server: Server; wss: WebSocketServer; connections: ReturnType<typeof guardConnections> } {
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...ctx.options.connections };
  // Node checks header and request timeouts on this interval (30 s by default).
  const server = createServer(
    { connectionsCheckingInterval: Math.min(1000, limits.headersMs) },
    (req, res) => handleRequest(ctx, req, res),
  );
  server.on('clientError', dropBadConnection);
  // A connection that carried the page's token is the page's: closed last to make room.
  const connections = guardConnections(server, limits, (req) =>
    tokenMatches(ctx.token, req.headers[TOKEN_HEADER]),
  );

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_SOCKET_MESSAGE_BYTES });
  wss.on('error', () => {});
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    try {
      handleUpgrade(ctx, wss, pages, req, socket, head, connections);
    } catch (e) {
      rejectUpgrade(
        socket,
        fail(
          500,
          BOUNDARY_ERRORS.internal,
          `The socket could not be opened: ${(e as Error).message}.`,
        ),
      );
    }
  });
  return { server, wss, connections };
}

/** Listens on 127.0.0.1:`port` (0: a free port); resolves with the bound port. */
async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((done, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => {
      server.off('error', reject);
      done();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Starts the server on 127.0.0.1; resolves once it listens. */
export async function startBrowserHost(o: BrowserHostOptions): Promise<BrowserHost> {
  const ctx: ServerContext = {
    options: o,
    token: o.token ?? randomBytes(24).toString('base64url'),
    maxBody: o.maxBodyBytes ?? MAX_JSON_BODY_BYTES,
    maxBinaryBody: o.maxBinaryBodyBytes ?? MAX_BINARY_BODY_BYTES,
    budget: new BodyBudget(o.bodyBudgetBytes ?? MAX_BODY_BYTES_IN_FLIGHT),
    port: 0,
  };
  const pages = new PageSockets(o.onPageClosed);
  const { server, wss, connections } = createHttpServer(ctx, pages);
  o.onServerCreated?.(server);
  ctx.port = await listen(server, o.port);
  const origin = `http://${LOOPBACK}:${ctx.port}`;
  return {
    url: `${origin}/?token=${ctx.token}`,
    origin,
    port: ctx.port,
    token: ctx.token,
    server,
    broadcast: (message) => pages.broadcast(message),
    askPage: (clientId, request) => pages.askPage(clientId, request),
    stats: () => ({ ...connections.stats(), bodyBytesInFlight: ctx.budget.inFlight }),
    async close() {
      pages.cancelAll();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
