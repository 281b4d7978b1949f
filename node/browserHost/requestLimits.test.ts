/**
 * The browser host's bounds (issue 20 rule 3): JSON bodies checked for what they expand into
 * before parsing, files as binary bodies, all bodies in memory bounded together, a connection cap
 * that closes idle connections first, and idle or stalled connections destroyed.
 */
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { okResult } from '../../core/run/types';
import {
  ARGS_HEADER,
  MAX_BINARY_BODY_BYTES,
  MAX_BODY_BYTES_IN_FLIGHT,
  MAX_JSON_BODY_BYTES,
  TOKEN_HEADER,
} from '../../core/host/browserProtocol';
import { MAX_DESIGN_BYTES } from '../../core/design/designFile';
import { MAX_EXPORT_BYTES, MAX_EXPORT_CHARS } from '../../core/host/schemas';
import { startBrowserHost, type BrowserHost, type BrowserHostOptions } from './browserHostServer';
import { BodyBudget, parseBoundedJson } from './requestLimits';

const limits = { maxValues: 1000, maxDepth: 8 };

describe('parseBoundedJson', () => {
  it('parses ordinary bodies', () => {
    expect(
      parseBoundedJson(Buffer.from('[{"a":"[[[,,,]]]","b":[1,-2.5e3,true,null]}]'), limits),
    ).toEqual({
      json: [{ a: '[[[,,,]]]', b: [1, -2500, true, null] }],
    });
    expect(parseBoundedJson(Buffer.from(''), limits)).toEqual({ json: [] });
    expect(parseBoundedJson(Buffer.from('"\\"]]]]]]]]]]"'), limits)).toEqual({
      json: '"]]]]]]]]]]',
    });
  });

  it.each([
    ['an array of many numbers', `[${'0,'.repeat(2000)}0]`],
    ['an array of many strings', `[${'"",'.repeat(2000)}""]`],
    ['an object of many keys', `{${Array.from({ length: 600 }, (_, i) => `"k${i}":1`).join(',')}}`],
    ['deep nesting', `${'['.repeat(20)}${']'.repeat(20)}`],
    ['deep objects', `${'{"a":'.repeat(20)}1${'}'.repeat(20)}`],
  ])('refuses %s before parsing it', (_what, text) => {
    expect(parseBoundedJson(Buffer.from(text), limits)).toMatchObject({
      status: 400,
      code: 'http.jsonTooComplex',
    });
  });

  it('says what is wrong with broken JSON', () => {
    expect(parseBoundedJson(Buffer.from('[1,'), limits)).toMatchObject({ code: 'http.badJson' });
  });
});

describe('the limits agree with each other', () => {
  it('admits every request the schemas accept', () => {
    // A design of the largest size, each character escaped to six bytes, fits one JSON body.
    expect(6 * MAX_DESIGN_BYTES + 1024).toBeLessThanOrEqual(MAX_JSON_BODY_BYTES);
    // Any export string, written as UTF-8 (3 bytes a character at most), fits a binary body.
    expect(3 * MAX_EXPORT_CHARS).toBeLessThanOrEqual(MAX_BINARY_BODY_BYTES);
    // inception-resnet-v2's ONNX model (213 MiB) and Inception v4's (163 MiB) fit.
    expect(213 * 1024 * 1024).toBeLessThan(MAX_EXPORT_BYTES);
    // One largest file and one largest JSON call can be in flight together.
    expect(MAX_BINARY_BODY_BYTES + MAX_JSON_BODY_BYTES).toBeLessThan(MAX_BODY_BYTES_IN_FLIGHT);
  });

  it('BodyBudget keeps room for small bodies while large ones are held', () => {
    const b = new BodyBudget(100, 30, 10);
    expect(b.take(60, 60)).toBe(true);
    expect(b.take(20, 20)).toBe(false); // a large body may not take the reserve
    expect(b.take(5, 5)).toBe(true); // a small one may
    b.give(60);
    expect(b.inFlight).toBe(5);
  });
});

describe('the browser host server under load', () => {
  let host: BrowserHost | undefined;
  afterEach(async () => {
    await host?.close();
    host = undefined;
  });

  const start = async (o: Partial<BrowserHostOptions>, hold?: Promise<void>) => {
    const calls: { method: unknown; args: unknown }[] = [];
    host = await startBrowserHost({
      port: 0,
      renderer: (_req, _res, next) => next(),
      dispatch: async (_ctx, method, args) => {
        calls.push({ method, args });
        const first = Array.isArray(args) ? (args[0] as { content?: unknown }) : undefined;
        if (first?.content instanceof Uint8Array && hold) await hold;
        return okResult(
          first?.content instanceof Uint8Array ? { bytes: first.content.byteLength } : 'fine',
        );
      },
      ...o,
    });
    return { host, calls };
  };
  const post = (
    h: BrowserHost,
    method: string,
    body: string | Uint8Array,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${h.origin}/api/${method}`, {
      method: 'POST',
      headers: {
        'content-type': typeof body === 'string' ? 'application/json' : 'application/octet-stream',
        [TOKEN_HEADER]: h.token,
        ...headers,
      },
      body: body as BodyInit,
    });

  it('takes a file as a binary body with its other arguments in the header', async () => {
    const { host: h, calls } = await start({});
    const bytes = new Uint8Array(3 * 1024 * 1024).fill(7);
    const r = await post(h, 'exportFile', bytes, {
      [ARGS_HEADER]: JSON.stringify([{ format: 'onnx', suggestedName: 'm.onnx' }]),
    });
    expect(await r.json()).toEqual({ ok: true, value: { bytes: bytes.length } });
    const args = calls[0].args as [{ format: string; content: Uint8Array }];
    expect(args[0].format).toBe('onnx');
    expect(Buffer.from(args[0].content).equals(Buffer.from(bytes))).toBe(true);
  });

  it.each([
    ['a method that takes JSON', 'autosave', JSON.stringify([{}]), 415, 'http.contentType'],
    ['no arguments header', 'exportFile', undefined, 400, 'http.args'],
    ['arguments that are not a list', 'exportFile', '{"format":"onnx"}', 400, 'http.args'],
    ['arguments that carry the content', 'exportFile', '[{"content":"x"}]', 400, 'http.args'],
    ['arguments that are not JSON', 'exportFile', '[{', 400, 'http.badJson'],
  ])('refuses a binary body with %s', async (_what, method, args, status, code) => {
    const { host: h, calls } = await start({});
    const r = await post(h, method, new Uint8Array(10), args ? { [ARGS_HEADER]: args } : {});
    expect(r.status).toBe(status);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe(code);
    expect(calls).toEqual([]);
  });

  it('refuses a JSON body that would expand past its limits, and a binary body past its size', async () => {
    const { host: h } = await start({ maxBinaryBodyBytes: 1024 });
    const many = await post(h, 'autosave', `[${'0,'.repeat(200_000)}0]`);
    expect(many.status).toBe(400);
    expect(((await many.json()) as { error: { code: string } }).error.code).toBe(
      'http.jsonTooComplex',
    );
    const big = await post(h, 'exportFile', new Uint8Array(2048), {
      [ARGS_HEADER]: '[{"format":"onnx","suggestedName":"m.onnx"}]',
    });
    expect(big.status).toBe(413);
  });

  it('holds at most the budget of bodies in memory, and small calls still pass', async () => {
    let release = () => {};
    const hold = new Promise<void>((r) => (release = r));
    const { host: h } = await start({ bodyBudgetBytes: 64 * 1024 * 1024 + 3 * 1024 * 1024 }, hold);
    const args = { [ARGS_HEADER]: '[{"format":"onnx","suggestedName":"m.onnx"}]' };
    const first = post(h, 'exportFile', new Uint8Array(2 * 1024 * 1024), args);
    await expect.poll(() => h.stats().bodyBytesInFlight).toBe(2 * 1024 * 1024);
    const second = await post(h, 'exportFile', new Uint8Array(2 * 1024 * 1024), args);
    expect(second.status).toBe(503);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('http.busy');
    expect(await (await post(h, 'recentFiles', '[]')).json()).toEqual({ ok: true, value: 'fine' });
    release();
    expect((await first).status).toBe(200);
    await expect.poll(() => h.stats().bodyBytesInFlight).toBe(0);
  });

  const openIdle = (port: number, n: number): Promise<Socket[]> =>
    Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise<Socket>((resolve) => {
            const s = connect({ host: '127.0.0.1', port });
            s.on('error', () => {});
            s.on('connect', () => resolve(s));
            s.on('close', () => resolve(s));
          }),
      ),
    );

  it('caps connections by closing idle ones, so the page is still answered, and times idle ones out', async () => {
    const { host: h } = await start({
      connections: { maxConnections: 20, idleMs: 600, headersMs: 600 },
    });
    const idle = await openIdle(h.port, 300);
    expect(await (await post(h, 'recentFiles', '[]')).json()).toEqual({ ok: true, value: 'fine' });
    expect(h.stats().open).toBeLessThanOrEqual(20);
    expect(h.stats().evicted).toBeGreaterThanOrEqual(280);
    // Idle connections are destroyed (not half-closed): the server holds none of them after the timeout.
    await expect.poll(() => h.stats().open, { timeout: 5000 }).toBe(0);
    await expect
      .poll(() => idle.filter((s) => !s.destroyed && s.readyState === 'open').length, {
        timeout: 5000,
      })
      .toBe(0);
    for (const s of idle) s.destroy();
  });

  it('answers every page call while bursts of idle connections without the token flood the cap', async () => {
    const { host: h } = await start({
      connections: { maxConnections: 64, idleMs: 10_000, headersMs: 5000, graceMs: 300 },
    });
    const answers: Promise<unknown>[] = [];
    const call = () =>
      answers.push(
        post(h, 'recentFiles', '[]').then(
          (r) => r.json(),
          (e: Error) => e.message,
        ),
      );
    call();
    const flood: Socket[] = [];
    for (let burst = 0; burst < 6; burst++) {
      // The page calls while each burst arrives (its kept-alive and new connections racing it).
      const arriving = openIdle(h.port, 200);
      for (let i = 0; i < 6; i++) {
        call();
        await new Promise((r) => setTimeout(r, 5));
      }
      flood.push(...(await arriving));
      await new Promise((r) => setTimeout(r, 50));
    }
    const got = await Promise.all(answers);
    expect(got).toEqual(got.map(() => ({ ok: true, value: 'fine' })));
    expect(h.stats().open).toBeLessThanOrEqual(64);
    expect(h.stats().evicted).toBeGreaterThan(500);
    expect(h.stats().trusted).toBeGreaterThanOrEqual(1);
    for (const s of flood) s.destroy();
  });

  it("keeps the page's kept-alive connection through a flood: connections without the token go first", async () => {
    const { host: h } = await start({
      connections: { maxConnections: 16, idleMs: 10_000, headersMs: 5000, graceMs: 0 },
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const call = (token: string) =>
      new Promise<{ reused: boolean; body: string }>((resolve, reject) => {
        const req = request(
          `${h.origin}/api/recentFiles`,
          {
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token },
          },
          (res) => {
            let body = '';
            res.on('data', (d) => (body += String(d)));
            res.on('end', () => resolve({ reused: req.reusedSocket, body }));
          },
        );
        req.on('error', reject);
        req.end('[]');
      });
    // A wrong token does not make a connection the page's (and its connection is closed).
    expect((await call('wrong')).body).toMatch(/http\.token/);
    expect(h.stats().trusted).toBe(0);
    expect((await call(h.token)).body).toBe('{"ok":true,"value":"fine"}');
    expect(h.stats().trusted).toBe(1);
    const flood = await openIdle(h.port, 100);
    await expect.poll(() => h.stats().evicted).toBeGreaterThanOrEqual(100 - 16);
    // The same connection answers again: it was never the one closed to make room.
    const again = await call(h.token);
    expect(again).toEqual({ reused: true, body: '{"ok":true,"value":"fine"}' });
    expect(h.stats().open).toBeLessThanOrEqual(16);
    agent.destroy();
    for (const s of flood) s.destroy();
  });

  it('destroys a connection whose headers never end, even when the client keeps writing and never closes', async () => {
    const { host: h } = await start({
      connections: { maxConnections: 20, idleMs: 5000, headersMs: 500 },
    });
    const s = connect({ host: '127.0.0.1', port: h.port });
    s.on('error', () => {});
    let got = '';
    s.on('data', (d) => (got += String(d)));
    // The client never ends its side (allowHalfOpen would keep the descriptor on a mere end()).
    const timer = setInterval(() => s.writable && s.write('X-Slow: 1\r\n'), 100);
    s.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\n`);
    const closed = await new Promise<boolean>((resolve) => {
      s.on('close', () => resolve(true));
      setTimeout(() => resolve(false), 4000);
    });
    clearInterval(timer);
    expect(closed).toBe(true);
    expect(got).toMatch(/^HTTP\/1\.1 408 /);
    await expect.poll(() => h.stats().open).toBe(0);
  });
});
