/**
 * A bounded fuzz run against the browser host on loopback (issue 20 rule 3): oversized and
 * malformed bodies with the token, thousands of idle connections without it, and the page's own
 * calls in between. The server runs in its own process; prints its peak RSS, open descriptors and
 * how many of the page's calls were answered. `npm run fuzz:host [idle connections]`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARGS_HEADER, TOKEN_HEADER } from '../core/host/browserProtocol';

const IDLE = Number(process.argv[2] ?? 6000);
const home = await mkdtemp(join(tmpdir(), 'host-fuzz-'));
const child = spawn(process.execPath, ['--import', 'tsx', 'bench/hostFuzzServer.ts', home], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const [port, token] = await new Promise<[number, string]>((resolve) =>
  child.stdout.once('data', (d: Buffer) => {
    const [p, t] = String(d).trim().split(' ');
    resolve([Number(p), t]);
  }),
);
const pid = child.pid!;
const status = async (): Promise<{ rssMiB: number; peakMiB: number; fds: number }> => {
  const s = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  return {
    rssMiB: Math.round(kib('VmRSS') / 1024),
    peakMiB: Math.round(kib('VmHWM') / 1024),
    fds: (await readdir(`/proc/${pid}/fd`)).length,
  };
};
const base = `http://127.0.0.1:${port}`;
let answered = 0;
let failed = 0;
const pageCall = async (): Promise<void> => {
  try {
    const r = await fetch(`${base}/api/recentFiles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token },
      body: '[]',
      signal: AbortSignal.timeout(5000),
    });
    if ((await r.json()).ok) answered++;
    else failed++;
  } catch {
    failed++;
  }
};
/** Streams `bytes` of a body in 1 MiB pieces (chunked, no length) and returns the status. */
const streamed = (path: string, type: string, bytes: number, fill: string, extra = {}) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': type, [TOKEN_HEADER]: token, ...extra },
    body: new ReadableStream({
      start(c) {
        const piece = new TextEncoder().encode(fill.repeat(Math.ceil((1 << 20) / fill.length)));
        for (let sent = 0; sent < bytes; sent += piece.length) c.enqueue(piece);
        c.close();
      },
    }),
    duplex: 'half',
  } as RequestInit).then(
    (r) => r.status,
    () => 0,
  );

const start = await status();
const t0 = Date.now();
const statuses: Record<string, number[]> = {};
const note = (k: string, s: number) => (statuses[k] ??= []).push(s);
// 1. Oversized and malformed bodies, with the token.
for (const s of await Promise.all([
  streamed('/api/autosave', 'application/json', 300 << 20, '0,'),
  streamed('/api/autosave', 'application/json', 400 << 20, '0,'),
  streamed('/api/autosave', 'application/json', 400 << 20, '0,'),
]))
  note('3 parallel 300-400 MiB JSON [0,0,…]', s);
note('90 MiB [0,0,…] JSON', await streamed('/api/autosave', 'application/json', 90 << 20, '0,'));
note('deep nesting', await streamed('/api/autosave', 'application/json', 1 << 20, '['));
const args = { [ARGS_HEADER]: '[{"format":"onnx","suggestedName":"x.onnx"}]' };
for (const s of await Promise.all([
  streamed('/api/exportFile', 'application/octet-stream', 400 << 20, 'x', args),
  streamed('/api/exportFile', 'application/octet-stream', 400 << 20, 'x', args),
  streamed('/api/exportFile', 'application/octet-stream', 400 << 20, 'x', args),
]))
  note('3 parallel 400 MiB binary', s);
note(
  'binary to a JSON method',
  await streamed('/api/autosave', 'application/octet-stream', 1 << 20, 'x', args),
);
await pageCall();
const afterBodies = await status();
// 2. Idle connections without the token, the page calling in between.
// The page calls while each burst of 500 is still arriving (its kept-alive connection and new
// ones racing the flood), and again once the burst has landed.
const sockets: Socket[] = [];
const during: Promise<void>[] = [];
for (let i = 0; i < IDLE; i++) {
  const s = connect({ host: '127.0.0.1', port });
  s.on('error', () => {});
  sockets.push(s);
  if (i % 500 === 0) during.push(pageCall(), pageCall());
  if (i % 500 === 250) during.push(pageCall());
  if (i % 500 === 499) {
    await new Promise((r) => setTimeout(r, 50));
    await pageCall();
  }
}
await Promise.all(during);
await new Promise((r) => setTimeout(r, 1000));
const duringIdle = await status();
for (let i = 0; i < 20; i++) await pageCall();
for (const s of sockets) s.destroy();
await new Promise((r) => setTimeout(r, 1000));
const end = await status();
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
await rm(home, { recursive: true, force: true });

const out = (line: string) => process.stdout.write(`${line}\n`);
out(`browser host fuzz, ${((Date.now() - t0) / 1000).toFixed(1)} s, loopback only`);
for (const [k, v] of Object.entries(statuses)) out(`  ${k}: HTTP ${v.join(', ')}`);
out(`  page calls answered ${answered}, failed ${failed}`);
out(
  `  server RSS MiB: start ${start.rssMiB}, after bodies ${afterBodies.rssMiB}, with ${IDLE} idle sockets ${duringIdle.rssMiB}, end ${end.rssMiB}; peak ${end.peakMiB}`,
);
out(
  `  server descriptors: start ${start.fds}, with ${IDLE} idle sockets open ${duringIdle.fds}, end ${end.fds}`,
);
process.exitCode = failed === 0 ? 0 : 1;
