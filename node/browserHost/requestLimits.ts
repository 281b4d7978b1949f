/**
 * What the browser host lets one request and one connection cost, in one place the server's
 * endpoints share (API calls, binary uploads): bytes read into memory (each body and all bodies
 * together), what a JSON body may expand into, and how long and how many connections may stay open.
 *
 * Issue 20 rule 3: a 300 MiB `[0,0,…]` body once reached V8's uncatchable "invalid size" inside
 * `JSON.parse`, three 400 MiB bodies in parallel took 4 GB, and 20,200 idle loopback sockets pinned
 * the server at its descriptor limit. Every limit here is a named constant the tests and
 * `bench/hostFuzz.ts` check against each other.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** An error of the HTTP layer itself: its status and the `{ code, message }` the client gets. */
export interface HttpFailure {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** Builds an HttpFailure. */
export const httpFailure = (status: number, code: string, message: string): HttpFailure => ({
  status,
  code,
  message,
});

const MIB = 1024 * 1024;

/**
 * The bytes all request bodies held in memory at once may add up to, server-wide. A body that
 * would go over waits for nobody: it is answered 503 `http.busy` and its connection closed.
 */
export class BodyBudget {
  private used = 0;

  /**
   * @param capBytes all bodies together
   * @param smallReserveBytes kept for bodies of at most `smallBodyBytes` (the page's everyday calls),
   *   so large uploads in flight never starve them
   */
  constructor(
    readonly capBytes: number,
    readonly smallReserveBytes = 64 * MIB,
    readonly smallBodyBytes = 1 * MIB,
  ) {}

  /** Bytes held now. */
  get inFlight(): number {
    return this.used;
  }

  /** Takes `bytes` more for a body that will then hold `bodyTotal` bytes; false when over budget. */
  take(bytes: number, bodyTotal: number): boolean {
    const cap =
      bodyTotal <= this.smallBodyBytes ? this.capBytes : this.capBytes - this.smallReserveBytes;
    if (this.used + bytes > cap) return false;
    this.used += bytes;
    return true;
  }

  /** Gives back bytes taken before. */
  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}

/** A body read into memory; `release()` gives its bytes back to the budget (call it once answered). */
export interface HeldBody {
  readonly body: Buffer;
  release(): void;
}

/**
 * Reads a request body of at most `maxBytes`, counting every chunk against `budget` as it arrives.
 * Failures: 413 `http.tooLarge` (declared or streamed past `maxBytes`), 503 `http.busy` (all bodies
 * in flight would exceed the budget), 400 `http.aborted` (cut off). On a failure the request is
 * destroyed once the answer is sent (`closeAfterAnswer`), so nothing more of it is read.
 */
export function readBoundedBody(
  req: IncomingMessage,
  maxBytes: number,
  budget: BodyBudget,
): Promise<HeldBody | HttpFailure> {
  return new Promise((done) => {
    const tooLarge = httpFailure(
      413,
      'http.tooLarge',
      `The request body is larger than the limit of ${maxBytes.toLocaleString('en-US')} bytes for this request.`,
    );
    const busy = httpFailure(
      503,
      'http.busy',
      `The server is already holding ${Math.round(budget.capBytes / MIB)} MiB of request bodies in memory, so this one was refused; try again when the other uploads have finished.`,
    );
    const chunks: Buffer[] = [];
    let held = 0;
    let settled = false;
    const settle = (r: HeldBody | HttpFailure): void => {
      if (settled) return;
      settled = true;
      if (!('body' in r)) {
        budget.give(held);
        held = 0;
        chunks.length = 0;
        // Stop reading: whatever else the client sends is not worth the bytes.
        req.pause();
      }
      done(r);
    };
    const declared = Number(req.headers['content-length']);
    const known = Number.isFinite(declared) && declared >= 0;
    if (known && declared > maxBytes) return settle(tooLarge);
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (held + chunk.length > maxBytes) return settle(tooLarge);
      if (!budget.take(chunk.length, known ? declared : held + chunk.length)) return settle(busy);
      held += chunk.length;
      chunks.push(chunk);
    });
    req.on('end', () => {
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, held);
      chunks.length = 0;
      let released = false;
      settle({
        body,
        release: () => {
          if (released) return;
          released = true;
          budget.give(held);
        },
      });
    });
    req.on('error', () =>
      settle(httpFailure(400, 'http.aborted', 'The request body was cut off before it ended.')),
    );
    req.on('close', () => {
      if (!settled && !req.complete)
        settle(httpFailure(400, 'http.aborted', 'The request body was cut off before it ended.'));
    });
  });
}

/** Destroys the request's connection once `res` is sent: after a refused body nothing more is read. */
export function closeAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Connection', 'close');
  res.once('finish', () => req.socket.destroy());
  res.once('close', () => req.socket.destroy());
}

/** What a JSON body may expand into once parsed. */
export interface JsonShapeLimits {
  /** Values of any kind (numbers, strings, objects, arrays, literals), counted before parsing. */
  readonly maxValues: number;
  /** Arrays and objects nested inside each other. */
  readonly maxDepth: number;
}

/**
 * Parses JSON (as `{ json }`) after checking, in one pass over the bytes and without allocating, that it holds
 * at most `maxValues` values nested at most `maxDepth` deep: a body within the byte limit can still
 * expand to arrays V8 cannot allocate (`[0,0,…]` is 8 bytes per 2 text bytes), which kills the
 * process instead of throwing. Failures: 400 `http.jsonTooComplex`, 400 `http.badJson`.
 */
export function parseBoundedJson(
  body: Buffer,
  limits: JsonShapeLimits,
): { readonly json: unknown } | HttpFailure {
  let values = 0;
  let depth = 0;
  let inString = false;
  let inScalar = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    const scalarChar =
      (c >= 0x30 && c <= 0x39) ||
      (c >= 0x61 && c <= 0x7a) ||
      c === 0x2d ||
      c === 0x2b ||
      c === 0x2e;
    if (scalarChar) {
      if (!inScalar) values++;
      inScalar = true;
      continue;
    }
    inScalar = false;
    if (c === 0x22) {
      inString = true;
      values++;
    } else if (c === 0x5b || c === 0x7b) {
      values++;
      if (++depth > limits.maxDepth)
        return httpFailure(
          400,
          'http.jsonTooComplex',
          `The request body nests arrays or objects more than ${limits.maxDepth} deep; no request of the app needs that.`,
        );
    } else if (c === 0x5d || c === 0x7d) depth--;
    if (values > limits.maxValues)
      return httpFailure(
        400,
        'http.jsonTooComplex',
        `The request body holds more than ${limits.maxValues.toLocaleString('en-US')} JSON values; no request of the app needs that many.`,
      );
  }
  if (values > limits.maxValues)
    return httpFailure(
      400,
      'http.jsonTooComplex',
      `The request body holds more than ${limits.maxValues.toLocaleString('en-US')} JSON values; no request of the app needs that many.`,
    );
  try {
    return { json: body.length === 0 ? [] : (JSON.parse(body.toString('utf8')) as unknown) };
  } catch (e) {
    return httpFailure(
      400,
      'http.badJson',
      `The request body is not valid JSON: ${(e as Error).message}.`,
    );
  }
}

/** How many connections the server keeps, and for how long one may sit idle. */
export interface ConnectionLimits {
  /** Open connections at most; a new one beyond this closes another (see `guardConnections`) or itself. */
  readonly maxConnections: number;
  /** A connection with no request in progress and no traffic for this long is destroyed. */
  readonly idleMs: number;
  /** Time for a request's headers to arrive. */
  readonly headersMs: number;
  /**
   * How long a new connection is given to send its first request before it may be closed to make
   * room (unless every other connection is as new or carries work). Default 2 s.
   */
  readonly graceMs?: number;
}

/** What `guardConnections` reports: open connections now, and how many it closed and why. */
export interface ConnectionStats {
  readonly open: number;
  readonly evicted: number;
  readonly timedOut: number;
  /** Open connections that have carried a request with the right token (the page's own). */
  readonly trusted: number;
}

/** What the guard knows of one open connection. */
interface ConnectionState {
  /** Requests or sockets in progress on it: while above 0 it is never closed to make room. */
  busy: number;
  /** It has carried a request the server accepted (the page's token): closed last. */
  trusted: boolean;
  /** When it connected, ms. */
  readonly since: number;
  /** Its last traffic, ms. */
  last: number;
}

/**
 * Which open connection to close to make room for `fresh`, or null when every other one carries
 * work. The order (issue 20: 6,000 idle sockets opened 500 at a time once cost the page 3 of its
 * 33 calls, its own kept-alive or just-opened connection being closed as "longest idle"):
 * 1. untrusted, idle, older than the grace period, longest idle first (the flood);
 * 2. untrusted, idle, still within its grace period, oldest first (a flood faster than the grace);
 * 3. trusted (the page's keep-alive connections), longest idle first;
 * never one with a request or a page socket in progress.
 */
function evictionCandidate(
  open: ReadonlyMap<Socket, ConnectionState>,
  fresh: Socket,
  now: number,
  graceMs: number,
): Socket | null {
  let best: Socket | null = null;
  let bestRank = Infinity;
  let bestLast = Infinity;
  for (const [socket, s] of open) {
    if (socket === fresh || s.busy > 0) continue;
    const rank = s.trusted ? 2 : now - s.since < graceMs ? 1 : 0;
    if (rank < bestRank || (rank === bestRank && s.last < bestLast)) {
      best = socket;
      bestRank = rank;
      bestLast = s.last;
    }
  }
  return best;
}

/**
 * Bounds the server's connections: at most `maxConnections` open, idle ones destroyed after
 * `idleMs`, and a connection the server gives up on (bad request, header timeout) destroyed rather
 * than half-closed, so its file descriptor is freed whatever the client does. When a new
 * connection goes over the cap, another is closed in the order of `evictionCandidate`, so a flood
 * of idle sockets without the token cannot lock the page out: connections with a request in
 * progress are never closed, the page's (`trusts(req)`: its token was right) go last, and a new
 * connection has `graceMs` to send its request. `markBusy(socket)` keeps a connection that carries
 * work (an upgraded page socket, a request waiting for a dialog) from being closed as idle;
 * `markTrusted(socket)` marks one as the page's. All peers are on loopback, so no per-address cap:
 * it could not tell the page from the flood.
 */
export function guardConnections(
  server: Server,
  limits: ConnectionLimits,
  trusts: (req: IncomingMessage) => boolean = () => false,
): {
  stats(): ConnectionStats;
  markBusy(socket: Socket, busy: boolean): void;
  markTrusted(socket: Socket): void;
} {
  const open = new Map<Socket, ConnectionState>();
  const graceMs = limits.graceMs ?? 2_000;
  let evicted = 0;
  let timedOut = 0;
  const touch = (socket: Socket): void => {
    const s = open.get(socket);
    if (s) s.last = Date.now();
  };
  server.headersTimeout = limits.headersMs;
  server.requestTimeout = Math.max(limits.headersMs, 120_000);
  server.keepAliveTimeout = Math.min(5_000, limits.idleMs);
  server.timeout = limits.idleMs;
  server.on('connection', (socket: Socket) => {
    socket.on('error', () => socket.destroy());
    const now = Date.now();
    open.set(socket, { busy: 0, trusted: false, since: now, last: now });
    socket.once('close', () => open.delete(socket));
    socket.on('data', () => touch(socket));
    if (open.size <= limits.maxConnections) return;
    const victim = evictionCandidate(open, socket, now, graceMs) ?? socket;
    victim.destroy();
    open.delete(victim);
    evicted++;
  });
  // Without a listener Node destroys a socket that timed out; with one it is our choice.
  server.on('timeout', (socket: Socket) => {
    if ((open.get(socket)?.busy ?? 0) > 0) return;
    timedOut++;
    socket.destroy();
  });
  const markBusy = (socket: Socket, busy: boolean): void => {
    const s = open.get(socket);
    if (!s) return;
    s.busy = Math.max(0, s.busy + (busy ? 1 : -1));
    touch(socket);
  };
  const markTrusted = (socket: Socket): void => {
    const s = open.get(socket);
    if (s) s.trusted = true;
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    markBusy(socket, true);
    if (trusts(req)) markTrusted(socket);
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      markBusy(socket, false);
    };
    res.once('finish', end);
    res.once('close', end);
  });
  return {
    stats: () => ({
      open: open.size,
      evicted,
      timedOut,
      trusted: [...open.values()].filter((s) => s.trusted).length,
    }),
    markBusy,
    markTrusted,
  };
}

/**
 * Answers a connection the HTTP parser gave up on (garbage, header overflow, header timeout) with
 * 400 or 408 and destroys it once written: `end()` alone leaves it half-open with its file
 * descriptor for as long as the client likes.
 */
export function dropBadConnection(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || socket.destroyed) return void socket.destroy();
  const status =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_HEADERS_TIMEOUT'
      ? '408 Request Timeout'
      : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () =>
    socket.destroy(),
  );
  // A client that never reads can stall the write; it gets a second, then loses the socket.
  setTimeout(() => socket.destroy(), 1000).unref();
}
