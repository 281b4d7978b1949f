import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fallbackMessage, findElectronBinary, planStart } from './startPlan';

const repo = join(import.meta.dirname, '..', '..');
const display = { DISPLAY: ':0' };

describe('npm start: Electron or the browser host', () => {
  it('launches Electron when Node, the binary and a display are all there', () => {
    expect(
      planStart({
        nodeVersion: 'v22.13.0',
        platform: 'linux',
        env: display,
        electronBinary: '/e/electron',
      }),
    ).toEqual({ kind: 'electron', binary: '/e/electron' });
    expect(
      planStart({
        nodeVersion: 'v24.1.0',
        platform: 'darwin',
        env: {},
        electronBinary: '/e/Electron.app',
      }).kind,
    ).toBe('electron');
  });

  it('names every reason Electron cannot start, in sentences', () => {
    const plan = planStart({
      nodeVersion: 'v20.19.5',
      platform: 'linux',
      env: {},
      electronBinary: null,
    });
    expect(plan).toEqual({
      kind: 'browser',
      forced: false,
      reasons: [
        'Electron Forge 8 needs Node.js 22.13.0 or newer, and this is Node.js 20.19.5.',
        'The Electron binary is not installed (node_modules/electron/dist is missing: its download was blocked or skipped; run `node node_modules/electron/install.js` where the network allows).',
        'There is no display to open a window on (DISPLAY and WAYLAND_DISPLAY are not set).',
      ],
    });
    expect(
      planStart({
        nodeVersion: 'v22.12.9',
        platform: 'linux',
        env: { WAYLAND_DISPLAY: 'wayland-0' },
        electronBinary: '/e',
      }),
    ).toMatchObject({
      kind: 'browser',
      reasons: [expect.stringMatching(/^Electron Forge 8 needs Node\.js 22\.13\.0/)],
    });
    const message = fallbackMessage(plan as Extract<typeof plan, { kind: 'browser' }>);
    expect(message.split('\n')).toHaveLength(2);
    expect(message).toMatch(/^Electron cannot start here: Electron Forge 8 needs/);
    expect(fallbackMessage({ kind: 'browser', reasons: [], forced: true })).toBe(
      'Starting the browser host (--browser was given).',
    );
  });

  it('looks for the Electron binary on disk without triggering its download', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'no-electron-'));
    try {
      expect(findElectronBinary(empty, {})).toBeNull();
      expect(findElectronBinary(empty, { ELECTRON_OVERRIDE_DIST_PATH: '/nonexistent' })).toBeNull();
      expect(
        findElectronBinary(empty, { ELECTRON_OVERRIDE_DIST_PATH: '/usr/bin', PATH: '' }),
      ).toBeNull();
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('falls back to the browser host under CI without a display, printing why and the URL', async () => {
    const home = await mkdtemp(join(tmpdir(), 'start-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CI: 'true',
      INCEPTION_EXPLORER_HOME: home,
      BROWSER: 'none',
    };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    // --dev serves through Vite's middleware, so the test does not wait for a renderer build.
    const child = spawn(
      process.execPath,
      [join(repo, 'scripts', 'start.mjs'), '--dev', '--port', '0'],
      { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /^Inception Explorer: (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)\n/m.exec(out);
          if (m) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`npm start exited (${code}) early: ${err}`)));
        setTimeout(
          () =>
            reject(
              new Error(`npm start printed no URL within 90 s. stdout: ${out} stderr: ${err}`),
            ),
          90_000,
        );
      });
      const [why, next] = err.split('\n');
      expect(why).toMatch(/^Electron cannot start here: /);
      if (!process.env.DISPLAY) expect(why).toContain('There is no display to open a window on');
      expect(next).toBe(
        'Starting the browser host instead; open the URL below in a browser on this machine.',
      );
      expect(out).toBe(`Inception Explorer: ${url}\n`);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>Inception Explorer</title>');
    } finally {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(force);
      }
      await rm(home, { recursive: true, force: true });
    }
  });
});
