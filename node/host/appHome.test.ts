import { mkdtemp, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appHome, checkAppFolders } from './appHome';
import { checkBrowserHostFolders, runBrowserHost } from '../browserHost/browserHost';
import { serveCommand } from '../../cli/commands/serve';
import type { EngineLike } from './engineHost';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'app-home-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const noEngine = (): EngineLike => {
  throw new Error('no engine in this test');
};

describe('appHome', () => {
  it('is INCEPTION_EXPLORER_HOME, absolute, or ~/.inception-explorer', () => {
    expect(appHome({ INCEPTION_EXPLORER_HOME: 'rel/home' })).toMatch(/^\/.*rel\/home$/);
    expect(appHome({})).toMatch(/\.inception-explorer$/);
  });
});

describe('checkAppFolders', () => {
  it('creates missing folders and accepts existing ones', async () => {
    const r = await checkAppFolders([
      { path: join(dir, 'a', 'b'), role: 'a test folder' },
      { path: dir, role: 'the home' },
    ]);
    expect(r.ok).toBe(true);
    expect((await stat(join(dir, 'a', 'b'))).isDirectory()).toBe(true);
  });

  it.each([
    ['the home is a file', 'home', ['home']],
    ['a folder above it is a file', 'home', ['home/state']],
    ['the state folder is a file', 'home/state', ['home/state']],
  ])('names the folder when %s', async (_what, file, checked) => {
    await mkdir(join(dir, 'home'), { recursive: true });
    await rm(join(dir, 'home'), { recursive: true });
    if (file !== 'home') await mkdir(join(dir, 'home'));
    await writeFile(join(dir, file), 'not a folder');
    const r = await checkAppFolders(checked.map((p) => ({ path: join(dir, p), role: 'X' })));
    expect(r).toMatchObject({ ok: false, error: { code: 'home.notFolder' } });
    if (!r.ok) expect(r.error.message).toContain(`${join(dir, checked[0])}, X, must be a folder`);
  });
});

describe('the browser host at start and at stop', () => {
  it.each(['/proc/x', '/proc/x/home', '/sys/x'])(
    'refuses a home under a pseudo file system (%s) instead of hanging in mkdir',
    async (home) => {
      const r = await checkAppFolders([{ path: home, role: 'the home' }]);
      expect(!r.ok && r.error.code).toBe('home.unwritable');
      expect(!r.ok && r.error.message).toContain(`${home}, the home, could not be created`);
    },
  );

  it('refuses a home that is a file, or whose state, designs or weights folder is a file', async () => {
    for (const file of ['', 'state', 'designs', 'weights']) {
      const home = join(dir, `home-${file || 'itself'}`);
      if (file) await mkdir(home);
      await writeFile(join(home, file), 'x');
      const r = await checkBrowserHostFolders({ home });
      expect(r).toMatchObject({ ok: false, error: { code: 'home.notFolder' } });
      await expect(
        runBrowserHost({ port: 0, home, appVersion: '0', createEngine: noEngine }),
      ).rejects.toMatchObject({ code: 'home.notFolder' });
    }
  });

  it('serve says what is wrong and exits 1 when INCEPTION_EXPLORER_HOME names a file', async () => {
    const file = join(dir, 'home-file');
    await writeFile(file, 'x');
    const before = process.env.INCEPTION_EXPLORER_HOME;
    process.env.INCEPTION_EXPLORER_HOME = file;
    let err = '';
    try {
      const code = await serveCommand.run({ port: '0' }, [], {
        isTty: false,
        out: () => {},
        err: (s) => (err += s),
      });
      expect(code).toBe(1);
    } finally {
      if (before === undefined) delete process.env.INCEPTION_EXPLORER_HOME;
      else process.env.INCEPTION_EXPLORER_HOME = before;
    }
    expect(err).toContain(
      `${file}, the app's home folder (INCEPTION_EXPLORER_HOME), must be a folder`,
    );
    expect(err).not.toMatch(/bug/i);
  });

  it('stops listening even when the state folder became a file while it ran', async () => {
    const home = join(dir, 'home');
    const site = join(dir, 'site');
    await mkdir(site);
    await writeFile(join(site, 'index.html'), '<!doctype html>');
    const { staticFiles } = await import('../browserHost/rendererAssets');
    const running = await runBrowserHost({
      port: 0,
      home,
      appVersion: '0',
      renderer: staticFiles(site),
      createEngine: noEngine,
    });
    await rm(join(home, 'state'), { recursive: true });
    await writeFile(join(home, 'state'), 'now a file');
    await running.stop().catch(() => {});
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: running.host.port });
      s.on('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.on('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});
