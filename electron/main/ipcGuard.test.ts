import { serializeDesign } from '../../core/design/designFile';
import { presetDesign } from '../../core/presets';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_METHODS, channel } from '../../core/host/contract';
import { AutosaveStore } from '../../node/host/autosaveStore';
import { HostEngine } from '../../node/host/hostEngine';
import { createHostRouter } from '../../node/host/hostRouter';
import { createHostService } from '../../node/host/hostService';
import {
  appUrlMatcher,
  registerHostIpc,
  type IpcCaller,
  type IpcInvokeEventLike,
  type IpcMainLike,
} from './ipcGuard';
import { RecentFiles } from '../../node/host/recentFiles';

/** Records what main registers, the way Electron's ipcMain would hold it. */
class RecordingIpcMain implements IpcMainLike {
  readonly handlers = new Map<
    string,
    (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>
  >();
  handle(
    ch: string,
    listener: (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>,
  ) {
    if (this.handlers.has(ch))
      throw new Error(`Attempted to register a second handler for '${ch}'`);
    this.handlers.set(ch, listener);
  }
  removeHandler(ch: string) {
    this.handlers.delete(ch);
  }
  invoke(ch: string, event: IpcInvokeEventLike, ...args: unknown[]) {
    const h = this.handlers.get(ch);
    if (!h) throw new Error(`No handler registered for '${ch}'`);
    return h(event, ...args);
  }
}

const appFrame = (
  url = 'app://inception-explorer/index.html',
  parent: unknown = null,
): IpcInvokeEventLike => ({ senderFrame: { url, parent }, sender: { id: 1 } });

describe('the IPC wrapper of Electron main', () => {
  let dir: string;
  let ipc: RecordingIpcMain;
  let unregister: () => void;
  let engine: HostEngine;
  let design: string;
  const internalErrors: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ipc-'));
    design = join(dir, 'net.json');
    await writeFile(design, serializeDesign(presetDesign('googlenet')!));
    const recent = new RecentFiles(join(dir, 'recent.json'));
    await recent.add(design);
    // The real engine; its worker starts only if a test runs something (none here does).
    engine = new HostEngine();
    const service = createHostService<IpcCaller>({
      kind: 'test',
      appVersion: '0.0.0',
      versions: {},
      dialogs: {
        chooseDesignToOpen: async () => null,
        chooseDesignSavePath: async () => null,
        chooseExportPath: async () => null,
        chooseWeightsToOpen: async () => null,
        chooseDataFolder: async () => null,
      },
      engine,
      autosave: await AutosaveStore.open(join(dir, 'autosave')),
      recent,
      samplesDir: join(dir, 'samples'),
      emitProgress: () => {},
    });
    ipc = new RecordingIpcMain();
    unregister = registerHostIpc(
      ipc,
      createHostRouter(service, (m) => internalErrors.push(m)),
      appUrlMatcher(['app://inception-explorer', 'http://localhost:5173']),
    );
  });
  afterAll(async () => {
    await engine.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('registers exactly one handler per contract method, under the one prefix', () => {
    expect([...ipc.handlers.keys()].sort()).toEqual(HOST_METHODS.map((m) => channel(m)).sort());
    for (const ch of ipc.handlers.keys()) expect(ch.startsWith('inception-explorer:')).toBe(true);
  });

  it('answers a valid message from the app page', async () => {
    expect(await ipc.invoke(channel('recentFiles'), appFrame())).toEqual({
      ok: true,
      value: [design],
    });
    expect(
      await ipc.invoke(channel('openRecent'), appFrame('http://localhost:5173/'), design),
    ).toEqual({
      ok: true,
      value: { path: design, text: serializeDesign(presetDesign('googlenet')!) },
    });
  });

  it('rejects messages from an unexpected sender', async () => {
    const cases: [IpcInvokeEventLike, RegExp][] = [
      [
        appFrame('https://evil.example/'),
        /came from "https:\/\/evil\.example\/", which is not the app's own page/,
      ],
      [appFrame('file:///tmp/page.html'), /not the app's own page/],
      [appFrame('app://other-host/index.html'), /not the app's own page/],
      [appFrame('http://localhost:5174/'), /not the app's own page/],
      [
        appFrame('app://inception-explorer/index.html', { url: 'app://inception-explorer/' }),
        /embedded frame/,
      ],
      [{ senderFrame: null, sender: { id: 1 } }, /page that sent it is gone/],
    ];
    for (const [event, message] of cases) {
      const r = (await ipc.invoke(channel('recentFiles'), event)) as {
        ok: boolean;
        error: { code: string; message: string };
      };
      expect(r.ok).toBe(false);
      expect(r.error.code).toBe('ipc.sender');
      expect(r.error.message).toMatch(message);
    }
  });

  it('rejects a malformed payload with a clear error, before the handler runs', async () => {
    const r = (await ipc.invoke(channel('openRecent'), appFrame(), { path: '/etc/passwd' })) as {
      ok: false;
      error: { code: string; message: string };
    };
    expect(r).toEqual({
      ok: false,
      error: {
        code: 'ipc.invalid',
        message: expect.stringMatching(
          /^The request "openRecent" was refused because its arguments are invalid: args\[0\]: /,
        ),
      },
    });
    const extra = (await ipc.invoke(channel('getInfo'), appFrame(), 'unexpected')) as {
      ok: false;
      error: { code: string };
    };
    expect(extra.error.code).toBe('ipc.invalid');
    const autosave = (await ipc.invoke(channel('autosave'), appFrame(), {
      path: null,
      text: 5,
    })) as { ok: false; error: { code: string; message: string } };
    expect(autosave.error.message).toMatch(/args\[0\]\.text/);
  });

  it('rejects a message of an unknown kind', async () => {
    const dispatch = createHostRouter({} as never);
    expect(
      await dispatch({ webContentsId: 1, url: 'app://inception-explorer/' }, 'readFile', [
        '/etc/passwd',
      ]),
    ).toEqual({
      ok: false,
      error: {
        code: 'ipc.unknownMethod',
        message: expect.stringMatching(
          /^The request "readFile" is not part of the host API; the known requests are getInfo, /,
        ),
      },
    });
    expect((await dispatch({ webContentsId: 1, url: '' }, 42, [])) as unknown).toMatchObject({
      ok: false,
      error: { code: 'ipc.unknownMethod' },
    });
    // Nothing else is listening on the prefix: an unknown channel has no handler at all.
    expect(() => ipc.invoke(channel('readFile'), appFrame())).toThrow(/No handler registered/);
  });

  it('turns a handler bug into an error result instead of a thrown exception', async () => {
    const seen: string[] = [];
    const dispatch = createHostRouter(
      { recentFiles: () => Promise.reject(new Error('boom')) } as never,
      (m) => seen.push(m),
    );
    expect(await dispatch({ webContentsId: 1, url: '' }, 'recentFiles', [])).toEqual({
      ok: false,
      error: {
        code: 'host.internal',
        message:
          'The request "recentFiles" failed unexpectedly: boom. This is a bug; please report it.',
      },
    });
    expect(seen).toEqual(['recentFiles']);
  });

  it('removes every handler it registered', () => {
    unregister();
    expect(ipc.handlers.size).toBe(0);
    expect(internalErrors).toEqual([]);
  });
});
