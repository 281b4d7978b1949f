/** The browser host for bench/hostFuzz.ts, alone in its process so its memory and descriptors are its own. Prints `port token`. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runBrowserHost } from '../node/browserHost/browserHost';
import { staticFiles } from '../node/browserHost/rendererAssets';
import type { EngineLike } from '../node/host/engineHost';

const home = process.argv[2];
const site = join(home, 'site');
await mkdir(site, { recursive: true });
await writeFile(join(site, 'index.html'), '<!doctype html><title>Inception Explorer</title>');
const running = await runBrowserHost({
  port: 0,
  home,
  appVersion: 'bench',
  renderer: staticFiles(site),
  createEngine: (): EngineLike => {
    throw new Error('The fuzz bench runs no engine.');
  },
});
process.stdout.write(`${running.host.port} ${running.host.token}\n`);
process.on('SIGTERM', () => void running.stop().finally(() => process.exit(0)));
