/**
 * The browser host over real HTTP and WebSocket: the security checks (token, Origin, Host,
 * loopback only), the error answers (malformed JSON, oversized bodies, unknown methods, bad
 * payloads), the in-page dialog round trip, and a real run with progress over the socket.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { serializeDesign } from '../../core/design/designFile';
import { presetDesign } from '../../core/presets';
import type { RunProgress } from '../../core/run/types';
import { createHostEngine } from '../host/hostEngine';
import { runBrowserHost, type RunningBrowserHost } from './browserHost';
import {
  CLIENT_HEADER,
  TOKEN_HEADER,
  UPLOAD_NAME_HEADER,
  UPLOAD_WEIGHTS_PATH,
  type ServerMessage,
} from '../../core/host/browserProtocol';
import { staticFiles } from './rendererAssets';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json: () => { ok: boolean; value?: unknown; error?: { code: string; message: string } };
}

function send(
  port: number,
  path: string,
  o: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    chunked?: boolean;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: o.method ?? 'POST',
        headers: { host: `127.0.0.1:${port}`, ...o.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body,
            json: () => JSON.parse(body),
          }),
        );
      },
    );
    req.on('error', reject);
    if (o.chunked && o.body) {
      // Written in pieces without a Content-Length, so only the streaming limit can catch it.
      const b = Buffer.from(o.body);
      for (let i = 0; i < b.length; i += 512) req.write(b.subarray(i, i + 512));
      req.end();
    } else req.end(o.body);
  });
}

const externalIPv4 = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

function openSocket(
  url: string,
  origin?: string,
): Promise<{ ws: WebSocket; messages: ServerMessage[] } | { status: number; body: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    const messages: ServerMessage[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(String(d)) as ServerMessage));
    ws.on('open', () => resolve({ ws, messages }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
  });
}

const waitFor = async (check: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!check()) throw new Error(`Timed out waiting for ${what}.`);
};

describe('browser host server', () => {
  let home: string;
  let running: RunningBrowserHost;
  let port: number;
  let token: string;
  let auth: Record<string, string>;
  const json = { 'content-type': 'application/json' };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'browser-host-'));
    const site = join(home, 'site');
    await mkdir(site, { recursive: true });
    await writeFile(join(site, 'index.html'), '<!doctype html><title>Inception Explorer</title>');
    running = await runBrowserHost({
      port: 0,
      home,
      appVersion: '0.1.0',
      renderer: staticFiles(site),
      maxBodyBytes: 64 * 1024,
      maxUploadBytes: 4096,
      createEngine: () => createHostEngine(),
    });
    ({ port, token } = running.host);
    auth = { ...json, [TOKEN_HEADER]: token };
  });
  afterAll(async () => {
    await running?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('keeps an uploaded weights file in <home>/weights/uploads, which runs may then read; refuses strangers and oversize files', async () => {
    const upload = (headers: Record<string, string>, body: Buffer) =>
      send(port, UPLOAD_WEIGHTS_PATH, {
        headers: { 'content-type': 'application/octet-stream', ...headers },
        body,
      });
    const ok = await upload(
      { [TOKEN_HEADER]: token, [UPLOAD_NAME_HEADER]: encodeURIComponent('my googlenet.pth') },
      Buffer.from([1, 2, 3]),
    );
    expect(ok.status).toBe(200);
    const kept = ok.json().value as { path: string; name: string };
    expect(kept.name).toBe('my googlenet.pth');
    expect(kept.path.startsWith(join(home, 'weights', 'uploads', 'my-googlenet-'))).toBe(true);
    const reuse = await send(port, '/api/reuseWeights', {
      headers: auth,
      body: JSON.stringify([kept.path]),
    });
    expect(reuse.json()).toMatchObject({ ok: true, value: { path: kept.path } });
    const stranger = await upload({ [UPLOAD_NAME_HEADER]: 'g.pth' }, Buffer.from([1]));
    expect(stranger.status).toBe(401);
    const big = await upload(
      { [TOKEN_HEADER]: token, [UPLOAD_NAME_HEADER]: 'big.pth' },
      Buffer.alloc(5000),
    );
    expect(big.status).toBe(413);
    expect(big.json().error?.message).toContain('big.pth is larger than the 4.0 KiB');
    const photo = await upload(
      { [TOKEN_HEADER]: token, [UPLOAD_NAME_HEADER]: 'cat.jpg' },
      Buffer.from([1]),
    );
    expect(photo.json().error?.code).toBe('weights.notWeightsFile');
  });

  it('prints a loopback URL with a long random token and listens on 127.0.0.1 only', () => {
    expect(running.host.url).toBe(`http://127.0.0.1:${port}/?token=${token}`);
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const address = running.host.server.address();
    expect(address).toMatchObject({ address: '127.0.0.1', family: 'IPv4', port });
  });

  it.skipIf(!externalIPv4)(
    "cannot be reached on the machine's network address (skipped where the machine has no non-loopback IPv4 address)",
    async () => {
      const reached = await new Promise<string>((resolve) => {
        const socket = connect({ host: externalIPv4!, port });
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      expect(reached).toBe('ECONNREFUSED');
    },
  );

  it('serves the app with a strict CSP and no-framing headers', async () => {
    const r = await send(port, '/', { method: 'GET' });
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>Inception Explorer</title>');
    expect(r.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self';/);
    expect(r.headers['content-security-policy']).toContain(
      `connect-src 'self' ws://127.0.0.1:${port}`,
    );
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect((await send(port, '/graph/view', { method: 'GET' })).body).toContain('<title>');
    expect((await send(port, '/missing.js', { method: 'GET' })).status).toBe(404);
    // Dot segments cannot leave the served folder: this is the app page, not /etc/passwd.
    const traversal = await send(port, '/../../etc/passwd', { method: 'GET' });
    expect(traversal.body).toContain('<title>Inception Explorer</title>');
    expect(traversal.body).not.toContain('root:');
    expect((await send(port, '/%2e%2e/%2e%2e/etc/passwd.txt', { method: 'GET' })).status).toBe(404);
  });

  it('answers a request that carries the token', async () => {
    const r = await send(port, '/api/recentFiles', { headers: auth, body: '[]' });
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ ok: true, value: [] });
    // The token goes in the header only: a URL ends up in logs and histories.
    const viaQuery = await send(port, `/api/recentFiles?token=${token}`, {
      headers: json,
      body: '[]',
    });
    expect(viaQuery.status).toBe(401);
  });

  it('rejects a missing or wrong token with 401', async () => {
    const none = await send(port, '/api/recentFiles', { headers: json, body: '[]' });
    expect(none.status).toBe(401);
    expect(none.json()).toEqual({
      ok: false,
      error: {
        code: 'http.token',
        message:
          'The request was refused because it carries no access token; open the exact URL that `inception-explorer serve` printed.',
      },
    });
    const wrong = await send(port, '/api/recentFiles', {
      headers: { ...json, [TOKEN_HEADER]: `${token.slice(0, -1)}x` },
      body: '[]',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.json().error!.message).toMatch(/access token is wrong/);
  });

  it('rejects other web pages by Origin, and other host names (DNS rebinding) by Host', async () => {
    const evil = await send(port, '/api/recentFiles', {
      headers: { ...auth, origin: 'http://evil.example' },
      body: '[]',
    });
    expect(evil.status).toBe(403);
    expect(evil.json().error).toEqual({
      code: 'http.origin',
      message: `The request was refused because it came from the page origin "http://evil.example"; only the app at http://127.0.0.1:${port} may call this server.`,
    });
    const otherPort = await send(port, '/api/recentFiles', {
      headers: { ...auth, origin: `http://127.0.0.1:${port + 1}` },
      body: '[]',
    });
    expect(otherPort.status).toBe(403);
    expect(
      (
        await send(port, '/api/recentFiles', {
          headers: { ...auth, origin: `http://127.0.0.1:${port}` },
          body: '[]',
        })
      ).status,
    ).toBe(200);
    const rebound = await send(port, '/api/recentFiles', {
      headers: { ...auth, host: `evil.example:${port}` },
      body: '[]',
    });
    expect(rebound.status).toBe(403);
    expect(rebound.json().error!.code).toBe('http.host');
    expect(
      (await send(port, '/', { method: 'GET', headers: { host: 'attacker.test' } })).status,
    ).toBe(403);
  });

  it('answers malformed JSON, wrong content types and wrong methods with clear errors', async () => {
    const bad = await send(port, '/api/openRecent', { headers: auth, body: '["/a", ' });
    expect(bad.status).toBe(400);
    expect(bad.json().error).toEqual({
      code: 'http.badJson',
      message: expect.stringMatching(/^The request body is not valid JSON: .+\.$/),
    });
    const text = await send(port, '/api/recentFiles', {
      headers: { 'content-type': 'text/plain', [TOKEN_HEADER]: token },
      body: '[]',
    });
    expect(text.status).toBe(415);
    expect(text.json().error!.code).toBe('http.contentType');
    const get = await send(port, '/api/recentFiles', {
      method: 'GET',
      headers: { [TOKEN_HEADER]: token },
    });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
  });

  it('rejects oversized bodies with 413, declared or streamed', async () => {
    const big = JSON.stringify([{ path: null, text: 'x'.repeat(70 * 1024) }]);
    const declared = await send(port, '/api/autosave', { headers: auth, body: big });
    expect(declared.status).toBe(413);
    expect(declared.json().error).toEqual({
      code: 'http.tooLarge',
      message: 'The request body is larger than the limit of 65,536 bytes for this request.',
    });
    const streamed = await send(port, '/api/autosave', { headers: auth, body: big, chunked: true });
    expect(streamed.status).toBe(413);
  });

  it('rejects unknown methods with 404 and invalid payloads with 400', async () => {
    const unknown = await send(port, '/api/deleteEverything', { headers: auth, body: '[]' });
    expect(unknown.status).toBe(404);
    expect(unknown.json().error!.code).toBe('ipc.unknownMethod');
    expect((await send(port, '/api/a/b', { headers: auth, body: '[]' })).status).toBe(404);
    const invalid = await send(port, '/api/openRecent', { headers: auth, body: '[42]' });
    expect(invalid.status).toBe(400);
    expect(invalid.json().error).toEqual({
      code: 'ipc.invalid',
      message: expect.stringMatching(
        /^The request "openRecent" was refused because its arguments are invalid: args\[0\]: /,
      ),
    });
    expect(
      (await send(port, '/api/recentFiles', { headers: auth, body: '{"not": "a list"}' })).status,
    ).toBe(400);
  });

  it('accepts a WebSocket only with the token and from the app origin', async () => {
    const base = `ws://127.0.0.1:${port}/ws`;
    expect(await openSocket(base)).toMatchObject({ status: 401 });
    expect(await openSocket(`${base}?token=nope`)).toMatchObject({ status: 401 });
    const evil = await openSocket(`${base}?token=${token}`, 'http://evil.example');
    expect(evil).toMatchObject({ status: 403 });
    expect((evil as { body: string }).body).toMatch(/http\.origin/);
    expect(await openSocket(`ws://127.0.0.1:${port}/other?token=${token}`)).toMatchObject({
      status: 403,
    });
    const good = await openSocket(`${base}?token=${token}`, `http://127.0.0.1:${port}`);
    expect('ws' in good).toBe(true);
    if ('ws' in good) {
      running.host.broadcast({ type: 'menuCommand', command: 'fitView' });
      await waitFor(() => good.messages.length > 0, 'the broadcast');
      expect(good.messages).toEqual([{ type: 'menuCommand', command: 'fitView' }]);
      good.ws.close();
    }
  });

  it('asks the calling page for a file name and opens that file from the designs folder', async () => {
    const text = serializeDesign(presetDesign('googlenet')!);
    await mkdir(running.designsDir, { recursive: true });
    await writeFile(join(running.designsDir, 'mine.json'), text);
    const clientId = 'client-0123456789';
    const page = await openSocket(
      `ws://127.0.0.1:${port}/ws?token=${token}&client=${clientId}`,
      `http://127.0.0.1:${port}`,
    );
    const intruder = await openSocket(
      `ws://127.0.0.1:${port}/ws?token=${token}&client=intruder-0123456789`,
      `http://127.0.0.1:${port}`,
    );
    if (!('ws' in page) || !('ws' in intruder)) throw new Error('The sockets did not open.');
    const opened = send(port, '/api/openDesign', {
      headers: { ...auth, [CLIENT_HEADER]: clientId },
      body: '[]',
    });
    await waitFor(() => page.messages.some((m) => m.type === 'dialog'), 'the dialog request');
    const dialog = page.messages.find((m) => m.type === 'dialog') as Extract<
      ServerMessage,
      { type: 'dialog' }
    >;
    expect(dialog.request).toEqual({
      kind: 'open',
      title: 'Open design',
      suggestedName: '',
      files: ['mine.json'],
      folder: running.designsDir,
    });
    // Another page cannot answer this page's dialog.
    intruder.ws.send(
      JSON.stringify({ type: 'dialogAnswer', id: dialog.id, name: '../../etc/passwd' }),
    );
    page.ws.send(JSON.stringify({ type: 'dialogAnswer', id: dialog.id, name: 'mine' }));
    const r = await opened;
    expect(r.json()).toEqual({
      ok: true,
      value: { path: join(running.designsDir, 'mine.json'), text },
    });

    // A name that tries to leave the folder is refused as data.
    const escaping = send(port, '/api/saveDesignAs', {
      headers: { ...auth, [CLIENT_HEADER]: clientId },
      body: JSON.stringify([{ path: null, text }]),
    });
    await waitFor(
      () => page.messages.filter((m) => m.type === 'dialog').length === 2,
      'the save dialog',
    );
    const save = page.messages.filter((m) => m.type === 'dialog')[1] as Extract<
      ServerMessage,
      { type: 'dialog' }
    >;
    expect(save.request.suggestedName).toBe('GoogLeNet.json');
    page.ws.send(JSON.stringify({ type: 'dialogAnswer', id: save.id, name: '../outside' }));
    expect((await escaping).json()).toMatchObject({ ok: false, error: { code: 'dialog.badName' } });

    // Without a connected page there is nothing to show the dialog on.
    const orphan = await send(port, '/api/openDesign', { headers: auth, body: '[]' });
    expect(orphan.json()).toMatchObject({ ok: false, error: { code: 'dialog.unavailable' } });
    page.ws.close();
    intruder.ws.close();
  });

  it('runs a design on the real engine and streams progress over the socket', async () => {
    const page = await openSocket(
      `ws://127.0.0.1:${port}/ws?token=${token}&client=runner-0123456789`,
      `http://127.0.0.1:${port}`,
    );
    if (!('ws' in page)) throw new Error('The socket did not open.');
    const design = {
      ...presetDesign('googlenet-torchvision')!,
      aux: false,
      input: { batch: 1, channels: 3, height: 64, width: 64 },
    };
    const info = await send(port, '/api/getInfo', { headers: auth, body: '[]' });
    expect(info.json()).toMatchObject({
      ok: true,
      value: {
        kind: 'browser',
        backend: expect.stringMatching(/^(onnxruntime|tensorflow|wasm|cpu)$/),
      },
    });
    const r = await send(port, '/api/run', {
      headers: auth,
      body: JSON.stringify([
        'run-1',
        { design, mode: 'eval', seed: 1, input: { kind: 'random' }, featureMaps: false },
      ]),
    });
    const result = r.json() as {
      ok: true;
      value: { outputs: Record<string, { shape: number[] }>; untrainedWeights: boolean };
    };
    expect(result, r.body.slice(0, 500)).toMatchObject({ ok: true });
    expect(result.value.outputs.main.shape).toEqual([1, 1000]);
    expect(result.value.untrainedWeights).toBe(true);
    const progress = page.messages
      .filter((m) => m.type === 'runProgress')
      .map((m) => (m as { progress: RunProgress }).progress);
    // ONNX Runtime runs the whole graph as one session and reports once it is done; TF.js
    // reports module by module.
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.runId === 'run-1')).toBe(true);
    expect(progress.at(-1)!.done).toBe(progress.at(-1)!.total);
    expect(
      await send(port, '/api/cancelRun', { headers: auth, body: '["run-1"]' }).then((x) =>
        x.json(),
      ),
    ).toEqual({ ok: true });
    page.ws.close();
  });
});
