/**
 * Training through the browser host over real HTTP and WebSocket: the in-page folder dialog lists
 * only subfolders of <home>/datasets, a tiny design trains on random data with its events on the
 * socket, and the checkpoint it leaves is listed and readable by runs.
 */
import { request as httpRequest } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { presetDesign } from '../../core/presets';
import { setAux, setClasses } from '../../core/design/edit';
import type { TrainEvent } from '../../core/train/types';
import { CLIENT_HEADER, TOKEN_HEADER, type ServerMessage } from '../../core/host/browserProtocol';
import { createHostEngine } from '../host/hostEngine';
import { runBrowserHost, type RunningBrowserHost } from './browserHost';
import { staticFiles } from './rendererAssets';

type Reply = { ok: boolean; value?: unknown; error?: { code: string; message: string } };

function post(port: number, method: string, headers: Record<string, string>, args: unknown[]) {
  return new Promise<Reply>((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: `/api/${method}`,
        method: 'POST',
        headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(JSON.parse(body) as Reply));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(args));
  });
}

const waitFor = async (check: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 2400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!check()) throw new Error(`Timed out waiting for ${what}.`);
};

describe('training through the browser host', () => {
  let home: string;
  let running: RunningBrowserHost;
  let port: number;
  let headers: Record<string, string>;
  let ws: WebSocket;
  const messages: ServerMessage[] = [];
  const client = 'trainer-0123456789';

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'browser-train-'));
    const site = join(home, 'site');
    await mkdir(site, { recursive: true });
    await writeFile(join(site, 'index.html'), '<!doctype html><title>Inception Explorer</title>');
    running = await runBrowserHost({
      port: 0,
      home,
      appVersion: '0.1.0',
      renderer: staticFiles(site),
      createEngine: () => createHostEngine(),
    });
    port = running.host.port;
    headers = { [TOKEN_HEADER]: running.host.token, [CLIENT_HEADER]: client };
    ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${running.host.token}&client=${client}`, {
      origin: `http://127.0.0.1:${port}`,
    });
    ws.on('message', (d) => messages.push(JSON.parse(String(d)) as ServerMessage));
    await new Promise((r) => ws.on('open', r));
  });
  afterAll(async () => {
    ws?.close();
    await running?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('chooses a folder among <home>/datasets only', async () => {
    await mkdir(join(home, 'datasets', 'shapes', 'circle'), { recursive: true });
    const chosen = post(port, 'chooseDataFolder', headers, []);
    await waitFor(() => messages.some((m) => m.type === 'dialog'), 'the folder dialog');
    const dialog = messages.find((m) => m.type === 'dialog') as Extract<
      ServerMessage,
      { type: 'dialog' }
    >;
    expect(dialog.request).toMatchObject({
      kind: 'folder',
      files: ['shapes'],
      folder: join(home, 'datasets'),
    });
    ws.send(JSON.stringify({ type: 'dialogAnswer', id: dialog.id, name: 'shapes' }));
    expect(await chosen).toEqual({
      ok: true,
      value: { path: join(home, 'datasets', 'shapes'), name: 'shapes' },
    });
    // A name that is not listed (a path out of the folder) is refused.
    const again = post(port, 'chooseDataFolder', headers, []);
    await waitFor(
      () => messages.filter((m) => m.type === 'dialog').length === 2,
      'the second dialog',
    );
    const second = messages.filter((m) => m.type === 'dialog')[1] as Extract<
      ServerMessage,
      { type: 'dialog' }
    >;
    ws.send(JSON.stringify({ type: 'dialogAnswer', id: second.id, name: '../../etc' }));
    expect((await again).error?.code).toBe('dialog.badName');
  });

  it('trains a tiny design on random data with its events on the socket', async () => {
    let design = setClasses(setAux(presetDesign('googlenet-torchvision')!, false), 10);
    design = {
      ...design,
      input: { ...design.input, batch: 2, channels: 1, height: 32, width: 32 },
    };
    const request = {
      design,
      data: { kind: 'random' },
      epochs: 1,
      steps: 1,
      limit: 2,
      batch: 2,
      optimizer: 'sgd',
      lr: 0.01,
      momentum: 0.9,
      weightDecay: 0,
      auxWeight: 0.3,
      schedule: 'constant',
      dropout: false,
      seed: 0,
    };
    const done = await post(port, 'train', headers, ['web-1', request]);
    expect(done, JSON.stringify(done).slice(0, 400)).toMatchObject({
      ok: true,
      value: { steps: 1, cancelled: false },
    });
    const events = messages
      .filter((m) => m.type === 'trainEvent')
      .map((m) => (m as { event: TrainEvent }).event);
    expect(events.map((e) => e.type)).toEqual(['started', 'step', 'epoch', 'finished']);
    const list = await post(port, 'trainCheckpoints', headers, []);
    const first = (list.value as { weightsPath: string; reason: string }[])[0];
    expect(first.reason).toBe('epoch');
    expect(first.weightsPath.startsWith(join(home, 'checkpoints'))).toBe(true);
    expect(await post(port, 'reuseWeights', headers, [first.weightsPath])).toMatchObject({
      ok: true,
    });
    const cell = await post(port, 'trainSamples', headers, ['web-1', 0, 0, 16]);
    expect(cell.ok).toBe(true);
  }, 120_000);
});
