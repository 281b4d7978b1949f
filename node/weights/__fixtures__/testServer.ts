/**
 * Test helpers for the weights cache: an HTTP server on 127.0.0.1 (port 0) serving bytes made in
 * the test, with routes that redirect, fail or stop mid-file; and a watch on every socket Node
 * opens, so a test can assert nothing left this machine.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export type Route =
  | { readonly kind: 'file'; readonly body: Buffer; readonly contentLength?: number | null }
  /** Sends the headers and `sendBytes` of the body, then destroys the socket. */
  | { readonly kind: 'cut'; readonly body: Buffer; readonly sendBytes: number }
  | { readonly kind: 'redirect'; readonly location: string; readonly status?: number }
  | { readonly kind: 'status'; readonly status: number }
  /** Sends the headers, then nothing (a stalled server). */
  | { readonly kind: 'stall'; readonly contentLength: number };

export interface TestServer {
  readonly origin: string;
  readonly port: number;
  /** Paths asked for, in order. */
  readonly requests: string[];
  route(path: string, r: Route): void;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 serving `routes` (others get 404). */
export async function startTestServer(): Promise<TestServer> {
  const routes = new Map<string, Route>();
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push(path);
    const r = routes.get(path);
    if (!r) {
      res.writeHead(404, 'Not Found').end('not here');
      return;
    }
    if (r.kind === 'file') {
      const headers: Record<string, string> = {};
      const length = r.contentLength === undefined ? r.body.length : r.contentLength;
      if (length !== null) headers['content-length'] = String(length);
      res.writeHead(200, headers);
      // Two writes, so a client sees more than one chunk.
      const half = Math.floor(r.body.length / 2);
      res.write(r.body.subarray(0, half));
      setTimeout(() => res.end(r.body.subarray(half)), 5);
    } else if (r.kind === 'cut') {
      res.writeHead(200, { 'content-length': String(r.body.length) });
      res.write(r.body.subarray(0, r.sendBytes), () => setTimeout(() => req.socket.destroy(), 20));
    } else if (r.kind === 'redirect') {
      res.writeHead(r.status ?? 302, { location: r.location }).end();
    } else if (r.kind === 'stall') {
      res.writeHead(200, { 'content-length': String(r.contentLength) });
      res.flushHeaders();
    } else {
      res.writeHead(r.status).end();
    }
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    route: (path, r) => void routes.set(path, r),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Random bytes and their sha256 (hex). */
export function madeBytes(n: number): { body: Buffer; sha256: string } {
  const body = randomBytes(n);
  return { body, sha256: createHash('sha256').update(body).digest('hex') };
}

/**
 * Records the host of every outgoing TCP connection (through `net.Socket.prototype.connect`, which
 * http and https use); `stop()` restores it and returns the hosts.
 */
export function watchConnections(): { hosts: string[]; stop(): string[] } {
  const hosts: string[] = [];
  const original = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const first = args[0] as { host?: string; path?: string } | unknown[] | undefined;
    const opts = Array.isArray(first) ? (first[0] as { host?: string }) : first;
    if (opts && typeof opts === 'object' && 'host' in opts) hosts.push(String(opts.host));
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof original;
  return {
    hosts,
    stop() {
      net.Socket.prototype.connect = original;
      return hosts;
    },
  };
}
