/**
 * The browser host under a small fuzzer of malformed HTTP and WebSocket traffic, on loopback:
 * garbage bytes, broken request lines and headers, bad percent-encoding, URLs that are not URLs,
 * upgrade requests without keys, and (with the token) frames over the size limit, unmasked,
 * with reserved bits or unknown opcodes, fragmented control frames and bad close codes. The
 * count and the time per connection are bounded. Afterwards the server must still answer: the
 * app page, an API call and a new WebSocket. An exception anywhere would fail the run.
 */
import { connect } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { createHostEngine } from '../host/hostEngine';
import { runBrowserHost, type RunningBrowserHost } from './browserHost';
import { MAX_SOCKET_MESSAGE_BYTES } from './browserHostServer';
import { TOKEN_HEADER } from '../../core/host/browserProtocol';
import { staticFiles } from './rendererAssets';

/** Connections thrown at the server, and how long each may take. */
const CASES = 240;
const CONNECTION_MS = 400;
const PARALLEL = 12;

/** Writes bytes on a fresh connection; resolves with what came back when the server closes it or the time is up. */
function raw(port: number, chunks: readonly Buffer[]): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let got = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, CONNECTION_MS);
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('error', done);
    socket.on('close', done);
    socket.on('connect', () => {
      for (const c of chunks) if (!socket.destroyed) socket.write(c);
    });
  });
}

/** One client → server WebSocket frame (masked unless told otherwise). */
function frame(
  opcode: number,
  payload: Buffer,
  o: { fin?: boolean; rsv?: number; masked?: boolean; declaredLength?: bigint } = {},
): Buffer {
  const head: number[] = [((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | opcode];
  const masked = o.masked ?? true;
  const len = o.declaredLength ?? BigInt(payload.length);
  const ext: Buffer[] = [];
  if (len < 126n) head.push((masked ? 0x80 : 0) | Number(len));
  else if (len < 65536n) {
    head.push((masked ? 0x80 : 0) | 126);
    const b = Buffer.alloc(2);
    b.writeUInt16BE(Number(len));
    ext.push(b);
  } else {
    head.push((masked ? 0x80 : 0) | 127);
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(len);
    ext.push(b);
  }
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const body = masked ? Buffer.from(payload.map((v, i) => v ^ mask[i % 4])) : payload;
  return Buffer.concat([Buffer.from(head), ...ext, ...(masked ? [mask] : []), body]);
}

describe('browser host under malformed traffic', () => {
  let home: string;
  let running: RunningBrowserHost;
  let port: number;
  let token: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'browser-fuzz-'));
    const site = join(home, 'site');
    await mkdir(site, { recursive: true });
    await writeFile(join(site, 'index.html'), '<!doctype html><title>Inception Explorer</title>');
    running = await runBrowserHost({
      port: 0,
      home,
      appVersion: '0.1.0',
      renderer: staticFiles(site),
      maxBodyBytes: 64 * 1024,
      createEngine: () => createHostEngine(),
    });
    ({ port, token } = running.host);
  });
  afterAll(async () => {
    await running?.stop();
    await rm(home, { recursive: true, force: true });
  });

  const host = () => `Host: 127.0.0.1:${port}\r\n`;
  const upgradeHead = (target: string, extra = '') =>
    `GET ${target} HTTP/1.1\r\n${host()}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;
  const api = (method: string, body: string, extra = '') =>
    `POST /api/${method} HTTP/1.1\r\n${host()}${TOKEN_HEADER}: ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

  /** The cases of issue 9 first, then families of malformed traffic with random parts. */
  const knownCases = (): Buffer[][] => {
    const b = (s: string) => Buffer.from(s, 'latin1');
    const ws = (...frames: Buffer[]) => [b(upgradeHead(`/ws?token=${token}`)), ...frames];
    return [
      [b(upgradeHead('http://[/ws'))],
      [b(upgradeHead(`http://[/ws?token=${token}`))],
      [b(upgradeHead('/ws?token=%ff%fe'))],
      [b(upgradeHead(`/ws?token=${token}`).replace(/Sec-WebSocket-Key: [^\r]*\r\n/, ''))],
      [b(upgradeHead(`/ws?token=${token}`).replace('Version: 13', 'Version: 99'))],
      [b(api('%ff', '[]'))],
      [b(api('%', '[]'))],
      [b(api('%E0%A4%A', '[]'))],
      [b(api('recentFiles', '[', ''))],
      [b(api('recentFiles', '[]'.repeat(10), ''))],
      [
        b(
          `POST /api/recentFiles?token=${token} HTTP/1.1\r\n${host()}Content-Type: application/json\r\nContent-Length: 2\r\n\r\n[]`,
        ),
      ],
      [b(`POST /api/recentFiles HTTP/1.1\r\n${host()}Content-Length: -1\r\n\r\n`)],
      [
        b(
          `POST /api/recentFiles HTTP/1.1\r\n${host()}Content-Length: 2\r\nContent-Length: 3\r\n\r\n[]`,
        ),
      ],
      [
        b(
          `POST /api/recentFiles HTTP/1.1\r\n${host()}Transfer-Encoding: chunked\r\n\r\nzz\r\n[]\r\n0\r\n\r\n`,
        ),
      ],
      [b(`GET /%00%ff/../..%2f HTTP/1.1\r\n${host()}\r\n`)],
      [b(`GET ${'/a'.repeat(20000)} HTTP/1.1\r\n${host()}\r\n`)],
      [b(`GET / HTTP/1.1\r\n${host()}X: ${'y'.repeat(100_000)}\r\n\r\n`)],
      [b(`GET / HTTP/1.1\r\nno colon here\r\n\r\n`)],
      [b('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03')],
      [b(`CONNECT 127.0.0.1:${port} HTTP/1.1\r\n${host()}\r\n`)],
      [b(`OPTIONS * HTTP/1.1\r\n${host()}\r\n`)],
      [b('GET /\r\n\r\n')],
      ws(frame(1, Buffer.alloc(MAX_SOCKET_MESSAGE_BYTES + 1, 0x61))),
      ws(frame(1, Buffer.from('{"type":"dialogAnswer","id":1,"name":null}'), { masked: false })),
      ws(frame(1, Buffer.from('x'), { rsv: 7 })),
      ws(frame(3, Buffer.from('x'))),
      ws(frame(9, Buffer.from('ping'), { fin: false })),
      ws(frame(8, Buffer.from([0x03, 0xe7]))),
      ws(frame(1, Buffer.from([0xff, 0xfe, 0xfd]))),
      ws(frame(2, Buffer.alloc(0), { declaredLength: 2n ** 63n - 1n })),
      ws(
        frame(1, Buffer.from('null')),
        frame(1, Buffer.from('42')),
        frame(1, Buffer.from('{"type":"dialogAnswer","id":"x"}')),
        frame(1, Buffer.from('[1,2]')),
      ),
      ws(frame(0, Buffer.from('continuation without a start'))),
      ws(b('\x00\x00\x00\x00\x00\x00')),
    ];
  };

  const randomCases = (count: number): Buffer[][] => {
    const garbage = fc.uint8Array({ maxLength: 2048 }).map((a) => [Buffer.from(a)]);
    const line = fc
      .tuple(
        fc.constantFrom('GET', 'POST', 'PUT', 'HEAD', 'DELETE', 'X', ''),
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2', 'HTTP/9.9', ''),
      )
      .map(([m, path, v]) => [Buffer.from(`${m} /${path} ${v}\r\n${host()}\r\n`, 'utf8')]);
    const apiCall = fc
      .tuple(
        fc.string({ unit: 'binary', maxLength: 20 }),
        fc.string({ unit: 'binary', maxLength: 200 }),
      )
      .map(([m, body]) => [Buffer.from(api(encodeURI(m).replace(/%2[5F]/gi, '%'), body), 'utf8')]);
    const wsFrames = fc
      .array(
        fc.tuple(
          fc.integer({ min: 0, max: 15 }),
          fc.uint8Array({ maxLength: 300 }),
          fc.boolean(),
          fc.integer({ min: 0, max: 7 }),
          fc.boolean(),
        ),
        { minLength: 1, maxLength: 5 },
      )
      .map((fs) => [
        Buffer.from(upgradeHead(`/ws?token=${token}`)),
        ...fs.map(([op, p, fin, rsv, masked]) => frame(op, Buffer.from(p), { fin, rsv, masked })),
      ]);
    const split = fc
      .tuple(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(200))
      .map(([junk, cut]) => {
        const whole = Buffer.from(upgradeHead(`/ws?token=${token}`));
        return [whole.subarray(0, cut), Buffer.from(junk)];
      });
    return fc.sample(fc.oneof(garbage, line, apiCall, wsFrames, split), {
      numRuns: count,
      seed: 20261130,
    });
  };

  const stillAnswers = async (): Promise<void> => {
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    const call = await fetch(`http://127.0.0.1:${port}/api/recentFiles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token },
      body: '[]',
    });
    expect(await call.json()).toEqual({ ok: true, value: [] });
    const opened = await new Promise<boolean>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`);
      ws.on('open', () => {
        ws.close();
        resolve(true);
      });
      ws.on('error', () => resolve(false));
    });
    expect(opened).toBe(true);
  };

  it('answers the malformed requests of issue 9 with 4xx and goes on', async () => {
    const b = (s: string) => Buffer.from(s, 'latin1');
    expect(await raw(port, [b(upgradeHead('http://[/ws'))])).toMatch(/^HTTP\/1\.1 400 /);
    expect(await raw(port, [b(api('%ff', '[]'))])).toMatch(/^HTTP\/1\.1 400 [\s\S]*http\.url/);
    const tokenInQuery = await raw(port, [
      b(
        `POST /api/recentFiles?token=${token} HTTP/1.1\r\n${host()}Content-Type: application/json\r\nContent-Length: 2\r\n\r\n[]`,
      ),
    ]);
    expect(tokenInQuery).toMatch(/^HTTP\/1\.1 401 [\s\S]*http\.token/);
    // An oversized frame closes that socket with 1009 (message too big), and only that one.
    const closed = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`);
      ws.on('open', () => ws.send(Buffer.alloc(MAX_SOCKET_MESSAGE_BYTES + 1)));
      ws.on('close', (code) => resolve(code));
      ws.on('error', () => {});
    });
    expect(closed).toBe(1009);
    await stillAnswers();
  });

  it(`still answers after ${CASES} connections of malformed HTTP and WebSocket traffic`, async () => {
    const cases = [...knownCases(), ...randomCases(CASES - knownCases().length)];
    expect(cases.length).toBe(CASES);
    const answers: string[] = [];
    for (let i = 0; i < cases.length; i += PARALLEL) {
      answers.push(...(await Promise.all(cases.slice(i, i + PARALLEL).map((c) => raw(port, c)))));
    }
    // Nothing answered 5xx: every malformed request is the client's fault.
    const serverErrors = answers.filter((a) => /^HTTP\/1\.[01] 5\d\d/.test(a));
    expect(serverErrors).toEqual([]);
    await stillAnswers();
  }, 120_000);
});
