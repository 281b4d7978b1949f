import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AutosaveStore, RECOVERY_FILE } from './autosaveStore';

const editor = join(import.meta.dirname, '__fixtures__', 'autosaveEditor.ts');

/** Runs the editing session in its own Node process; resolves with it once `until` is printed. */
function startEditor(dir: string, until: RegExp, mode?: 'quit') {
  const child = spawn(process.execPath, ['--import', 'tsx', editor, dir, ...(mode ? [mode] : [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  const reached = new Promise<string>((done, fail) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (until.test(out)) done(out);
    });
    child.stderr.on('data', (c: Buffer) => void (err += c.toString()));
    void exited.then(({ code, signal }) =>
      fail(new Error(`The editor exited (${signal ?? code}) before printing ${until}: ${err}`)),
    );
  });
  return { child, reached, exited };
}

describe('autosave and recovery', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'autosave-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('offers the last edit after the editing process is killed mid-edit, once', async () => {
    const editorProcess = startEditor(dir, /saved 25\n/);
    await editorProcess.reached;
    editorProcess.child.kill('SIGKILL');
    expect((await editorProcess.exited).signal).toBe('SIGKILL');

    const next = await AutosaveStore.open(dir);
    expect(await next.hasRecovery()).toBe(true);
    const recovered = await next.takeRecovery();
    expect(recovered).not.toBeNull();
    expect(recovered!.path).toBe('/designs/net.json');
    // Whole, parseable and at least as new as the last edit the editor reported saved.
    const doc = JSON.parse(recovered!.text) as { n: number; name: string; padding: string };
    expect(doc.n).toBeGreaterThanOrEqual(25);
    expect(doc.name).toBe(`edit ${doc.n}`);
    expect(doc.padding).toHaveLength(64 * 1024);
    // Taking it removes the offer; no temporaries are left behind.
    expect(await next.takeRecovery()).toBeNull();
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('offers nothing after a clean quit', async () => {
    const editorProcess = startEditor(dir, /quit\n/, 'quit');
    await editorProcess.reached;
    expect((await editorProcess.exited).code).toBe(0);
    const next = await AutosaveStore.open(dir);
    expect(await next.takeRecovery()).toBeNull();
    expect(await readdir(dir)).toEqual([]);
  });

  it('does not mistake a live session for a crash', async () => {
    const live = await AutosaveStore.open(dir);
    await live.save({ path: null, text: 'live' });
    // Another session opening the same folder while this one runs finds nothing to recover.
    const other = await AutosaveStore.open(dir);
    expect(await other.takeRecovery()).toBeNull();
    expect(
      (await readdir(dir)).filter((n) => n.startsWith(`autosave-${process.pid}-`)),
    ).toHaveLength(1);
    await live.closeCleanly();
    expect(await readdir(dir)).toEqual([]);
  });

  it('keeps every crashed session as an offer of its own, newest first, and ignores damaged files', async () => {
    const dead = [999_991, 999_992];
    await writeFile(
      join(dir, `autosave-${dead[0]}.json`),
      JSON.stringify({
        savedAt: '2026-01-01T00:00:00.000Z',
        pid: dead[0],
        file: { path: null, text: 'older' },
      }),
    );
    await writeFile(
      join(dir, `autosave-${dead[1]}.json`),
      JSON.stringify({
        savedAt: '2026-01-02T00:00:00.000Z',
        pid: dead[1],
        file: { path: null, text: 'newer' },
      }),
    );
    await writeFile(join(dir, 'autosave-999993.json'), '{"savedAt": tru');
    const store = await AutosaveStore.open(dir, (pid) => pid === process.pid);
    expect((await readdir(dir)).every((n) => /^recovery-[0-9a-z]+-[0-9a-f]+\.json$/.test(n))).toBe(
      true,
    );
    expect(await store.takeRecovery()).toEqual({ path: null, text: 'newer' });
    // The older one is not lost: the next page is offered it.
    expect(await store.takeRecovery()).toEqual({ path: null, text: 'older' });
    expect(await store.takeRecovery()).toBeNull();
  });

  it('keeps each page its own autosave and gives each page its own work back (issue 20 rule 6)', async () => {
    // Two hosts on one home (two stores, one folder), each with a page; and a second tab on one.
    const hostA = await AutosaveStore.open(dir);
    const hostB = await AutosaveStore.open(dir);
    await hostA.save({ path: null, text: 'A' }, 'pageAaaaaaaa');
    await hostB.save({ path: null, text: 'B' }, 'pageBbbbbbbb');
    await hostA.save({ path: null, text: 'C' }, 'pageCcccccccc');
    // Both pages of the issue close; B's offer is made last.
    expect(await hostA.offerOwnAutosave('pageAaaaaaaa')).toBe(true);
    expect(await hostB.offerOwnAutosave('pageBbbbbbbb')).toBe(true);
    // Page A reloads: it gets A, not B's newer design.
    expect(await hostA.takeRecovery('pageAaaaaaaa')).toEqual({ path: null, text: 'A' });
    // Page C is still open and writing: its work is no offer, and C's autosave is untouched.
    expect(await hostB.takeRecovery('pageCcccccccc')).toEqual({ path: null, text: 'B' });
    expect(await hostA.takeRecovery('pageAaaaaaaa')).toBeNull();
    await hostA.closeCleanly();
    await hostB.closeCleanly();
    expect(await readdir(dir)).toEqual([]);
  });

  it('drops an offer of a page that comes back and autosaves again, and still takes the old single recovery.json', async () => {
    const store = await AutosaveStore.open(dir);
    await store.save({ path: null, text: 'before the drop' }, 'pageAaaaaaaa');
    await store.offerOwnAutosave('pageAaaaaaaa');
    await store.save({ path: null, text: 'after' }, 'pageAaaaaaaa');
    expect(await store.hasRecovery()).toBe(false);
    await writeFile(
      join(dir, RECOVERY_FILE),
      JSON.stringify({
        savedAt: '2026-01-01T00:00:00.000Z',
        pid: 1,
        file: { path: null, text: 'old' },
      }),
    );
    expect(await store.takeRecovery('pageBbbbbbbb')).toEqual({ path: null, text: 'old' });
    await store.closeCleanly();
  });

  it('recovers the autosave of a crashed session whose process id this one has again (PID 1 in a container)', async () => {
    // The crashed run was PID 1 too (here: this process's id), in a file of this version and of the old one.
    const crashed = {
      savedAt: '2026-01-02T00:00:00.000Z',
      pid: process.pid,
      session: '0123456789abcdef',
      processStart: 1,
      file: { path: null, text: 'crashed run' },
    };
    await writeFile(
      join(dir, `autosave-${process.pid}-0123456789abcdef.json`),
      JSON.stringify(crashed),
    );
    const store = await AutosaveStore.open(dir);
    expect(await store.takeRecovery()).toEqual({ path: null, text: 'crashed run' });
    await store.save({ path: null, text: 'new session' });
    await writeFile(
      join(dir, `autosave-${process.pid}.json`),
      JSON.stringify({
        savedAt: '2026-01-03T00:00:00.000Z',
        pid: process.pid,
        file: { path: null, text: 'old format' },
      }),
    );
    const again = await AutosaveStore.open(dir);
    expect(await again.takeRecovery()).toEqual({ path: null, text: 'old format' });
    // The live session's own file is left alone.
    expect((await readdir(dir)).filter((n) => n.startsWith('autosave-'))).toHaveLength(1);
    await store.closeCleanly();
    await again.closeCleanly();
  });

  it('takes a live process with a recorded start time that differs for a reused process id', async () => {
    const other = process.ppid;
    const reused = {
      savedAt: '2026-01-02T00:00:00.000Z',
      pid: other,
      session: 'fedcba9876543210',
      processStart: 1000,
      file: { path: null, text: 'reused id' },
    };
    await writeFile(join(dir, `autosave-${other}-fedcba9876543210.json`), JSON.stringify(reused));
    const store = await AutosaveStore.open(dir);
    // Where /proc tells start times (Linux) the parent process started long after 1970: an orphan.
    const expected = existsSync('/proc/self/stat') ? { path: null, text: 'reused id' } : null;
    expect(await store.takeRecovery()).toEqual(expected);
    await store.closeCleanly();
  });

  it('hands its own autosave back as recovery after a renderer crash', async () => {
    const store = await AutosaveStore.open(dir);
    await store.save({ path: null, text: 'before the crash' });
    expect(await store.offerOwnAutosave()).toBe(true);
    expect(await store.takeRecovery()).toEqual({ path: null, text: 'before the crash' });
    expect(await store.offerOwnAutosave()).toBe(false);
  });
});
