/**
 * The preload bridge, loaded with a stand-in for the `electron` module (the real one cannot load
 * in plain Node): what it exposes, and that it exposes nothing of ipcRenderer.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { HOST_METHODS, channel, type HostApi } from '../../core/host/contract';
import { EVENT_CHANNELS } from '../../core/host/eventChannels';

const exposed = new Map<string, unknown>();
const invoked: { channel: string; args: unknown[] }[] = [];
const listeners = new Map<string, (event: unknown, payload: unknown) => void>();
let failNext: Error | null = null;

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
  ipcRenderer: {
    invoke: (ch: string, ...args: unknown[]) => {
      invoked.push({ channel: ch, args });
      if (failNext) {
        const e = failNext;
        failNext = null;
        return Promise.reject(e);
      }
      return Promise.resolve({ ok: true, value: ch });
    },
    on: (ch: string, l: (event: unknown, payload: unknown) => void) => void listeners.set(ch, l),
  },
  webUtils: { getPathForFile: (f: { name: string }) => `/dropped/${f.name}` },
}));

describe('preload bridge', () => {
  let api: HostApi;
  beforeAll(async () => {
    await import('./preload');
    api = exposed.get('inceptionExplorer') as HostApi;
  });

  it('exposes one object, window.inceptionExplorer, with one function per message and nothing else', () => {
    expect([...exposed.keys()]).toEqual(['inceptionExplorer']);
    expect(Object.keys(api).sort()).toEqual(
      [
        ...HOST_METHODS,
        'onDidRunProgress',
        'onDidMenuCommand',
        'onDidWeightsProgress',
        'onDidTrainEvent',
        'dropWeights',
      ].sort(),
    );
    for (const value of Object.values(api)) expect(typeof value).toBe('function');
  });

  it('grants a dropped weights file by its path (webUtils), and refuses other files without asking main', async () => {
    const file = { name: 'g.pth', size: 3, arrayBuffer: async () => new ArrayBuffer(3) };
    await api.dropWeights(file);
    expect(invoked.splice(0)).toEqual([
      { channel: channel('grantDroppedWeights'), args: ['/dropped/g.pth'] },
    ]);
    const photo = await api.dropWeights({ ...file, name: 'cat.jpg' });
    expect(photo).toMatchObject({ ok: false, error: { code: 'weights.notWeightsFile' } });
    expect(invoked).toEqual([]);
  });

  it('sends each request on its own channel with exactly its arguments', async () => {
    const file = { path: null, text: '{}' };
    await api.getInfo();
    await api.saveDesign(file);
    await api.openRecent('/d/a.json');
    await api.cancelRun('r1');
    expect(invoked.splice(0)).toEqual([
      { channel: channel('getInfo'), args: [] },
      { channel: channel('saveDesign'), args: [file] },
      { channel: channel('openRecent'), args: ['/d/a.json'] },
      { channel: channel('cancelRun'), args: ['r1'] },
    ]);
  });

  it('turns a failed IPC call into an error result', async () => {
    failNext = new Error("No handler registered for 'inception-explorer:getInfo'");
    expect(await api.getInfo()).toEqual({
      ok: false,
      error: {
        code: 'ipc.failed',
        message: `The request "getInfo" could not reach the app: No handler registered for 'inception-explorer:getInfo'`,
      },
    });
  });

  it('delivers events without the IPC event object, and unsubscribes', () => {
    const progress: unknown[] = [];
    const off = api.onDidRunProgress((p) => progress.push(p));
    const fakeEvent = { sender: 'ipcRenderer internals' };
    listeners.get(EVENT_CHANNELS.runProgress)!(fakeEvent, {
      runId: 'r',
      done: 1,
      total: 2,
      module: 'conv1',
    });
    off();
    listeners.get(EVENT_CHANNELS.runProgress)!(fakeEvent, {
      runId: 'r',
      done: 2,
      total: 2,
      module: 'fc',
    });
    expect(progress).toEqual([{ runId: 'r', done: 1, total: 2, module: 'conv1' }]);
  });

  it('keeps menu commands that arrive before the renderer subscribes', () => {
    listeners.get(EVENT_CHANNELS.menuCommand)!({}, 'open');
    const commands: unknown[] = [];
    const off = api.onDidMenuCommand((c) => commands.push(c));
    listeners.get(EVENT_CHANNELS.menuCommand)!({}, 'save');
    off();
    expect(commands).toEqual(['open', 'save']);
  });
});
