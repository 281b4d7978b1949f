#!/usr/bin/env node
// `npm start`: the Electron app through Electron Forge when it can run here; otherwise one or two
// lines saying exactly why, then the browser host (`inception-explorer serve`) and its URL.
// `npm start -- --browser` always starts the browser host; other arguments go to serve
// (--port, --open, --dir). It never waits for input, so it works under CI=true without a terminal.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { fallbackMessage, findElectronBinary, planStart } =
  await import('../node/launch/startPlan.ts');

const args = process.argv.slice(2);
const forceBrowser =
  args.includes('--browser') || process.env.INCEPTION_EXPLORER_HOST === 'browser';
const rest = args.filter((a) => a !== '--browser');
const plan = planStart(
  {
    nodeVersion: process.version,
    platform: process.platform,
    env: process.env,
    electronBinary: findElectronBinary(root),
  },
  forceBrowser,
);

let child;
if (plan.kind === 'electron') {
  const forge = createRequire(import.meta.url).resolve(
    '@electron-forge/cli/dist/electron-forge.js',
  );
  child = spawn(process.execPath, [forge, 'start', ...(rest.length ? ['--', ...rest] : [])], {
    cwd: root,
    stdio: 'inherit',
  });
} else {
  process.stderr.write(`${fallbackMessage(plan)}\n`);
  child = spawn(process.execPath, [join(root, 'bin', 'inception-explorer.mjs'), 'serve', ...rest], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 128 + 2 : 1);
});
