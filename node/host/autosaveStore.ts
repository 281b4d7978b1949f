/**
 * Keeps the open design on disk while the user edits, so a crash or kill loses nothing.
 *
 * Each running session writes `autosave-<pid>-<session>.json` (atomically, newest edit wins). A
 * clean quit deletes its file. When a session opens the store, any autosave left by a session
 * that is no longer running is moved to `recovery.json`, which `takeRecovery()` hands to the
 * renderer once. Per-session files let two sessions share a folder without mistaking a live one
 * for a crash.
 *
 * A session is its process id *and* a random id *and* the process's start time: in a container
 * the server is PID 1 at every start, so a process id alone would take the autosave of the
 * crashed run for its own live one and overwrite it.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { DesignFile } from '../../core/host/contract';
import { readJsonFile, writeFileAtomic } from './atomicFile';

const savedSchema = z.object({
  savedAt: z.string(),
  pid: z.number().int(),
  /** Random id of the session (absent in files of older versions). */
  session: z.string().optional(),
  /** When the writing process started (ms since 1970), to tell a reused process id apart. */
  processStart: z.number().optional(),
  file: z.object({ path: z.string().nullable(), text: z.string() }),
});
type Saved = z.infer<typeof savedSchema>;

const AUTOSAVE_FILE = /^autosave-(\d+)(?:-([0-9a-f]{8,32}))?\.json$/;
const TMP_FILE = /\.(\d+)\.[0-9a-f]+\.tmp$/;
export const RECOVERY_FILE = 'recovery.json';

/** Sessions of this process that are open now (tests open several in one process). */
const liveSessions = new Set<string>();

/**
 * When process `pid` started, in ms since 1970, from Linux's /proc (boot time + start ticks at
 * the usual 100 per second); null where there is no /proc or the process is gone.
 */
export function processStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const boot = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    if (!boot || !Number.isFinite(ticks)) return null;
    return Number(boot[1]) * 1000 + ticks * 10;
  } catch {
    return null;
  }
}

/** Whether a process id belongs to a live process (signal 0 checks without signalling). */
export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class AutosaveStore {
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  private readonly session = randomBytes(8).toString('hex');
  private readonly processStart = processStartTime(process.pid);

  private constructor(
    readonly dir: string,
    private readonly pid: number,
  ) {
    liveSessions.add(this.session);
  }

  /** The file this session writes. */
  get autosavePath(): string {
    return join(this.dir, `autosave-${this.pid}-${this.session}.json`);
  }

  /** Opens the store in `dir`, turning autosaves of dead sessions into the recovery offer. */
  static async open(
    dir: string,
    isAlive: (pid: number) => boolean = isProcessAlive,
  ): Promise<AutosaveStore> {
    const store = new AutosaveStore(dir, process.pid);
    let names: string[] = [];
    try {
      names = await readdir(dir);
    } catch {
      return store; // No folder yet: nothing to recover.
    }
    // Half-written temporaries of dead processes are garbage (and one of this process id cannot be ours yet).
    for (const name of names) {
      const tmp = TMP_FILE.exec(name);
      if (tmp && (Number(tmp[1]) === process.pid || !isAlive(Number(tmp[1]))))
        await rm(join(dir, name), { force: true });
    }
    const orphans: { path: string; saved: Saved }[] = [];
    for (const name of names) {
      const m = AUTOSAVE_FILE.exec(name);
      if (!m) continue;
      const path = join(dir, name);
      const saved = savedSchema.safeParse(await readJsonFile(path));
      if (!saved.success) {
        if (!isAlive(Number(m[1])) || Number(m[1]) === process.pid) await rm(path, { force: true });
        continue;
      }
      if (!AutosaveStore.orphaned(saved.data, isAlive)) continue;
      orphans.push({ path, saved: saved.data });
    }
    if (orphans.length === 0) return store;
    // The newest orphan is what the user last saw; an older recovery offer is superseded.
    orphans.sort((a, b) => b.saved.savedAt.localeCompare(a.saved.savedAt));
    const existing = savedSchema.safeParse(await readJsonFile(join(dir, RECOVERY_FILE)));
    if (!existing.success || existing.data.savedAt <= orphans[0].saved.savedAt) {
      await rename(orphans[0].path, join(dir, RECOVERY_FILE));
      orphans.shift();
    }
    for (const o of orphans) await rm(o.path, { force: true });
    return store;
  }

  /**
   * Whether an autosave's session has ended: its process is gone, or its process id now belongs
   * to this process or to a process that started at another time (the id was reused).
   */
  private static orphaned(saved: Saved, isAlive: (pid: number) => boolean): boolean {
    if (saved.session !== undefined && liveSessions.has(saved.session)) return false;
    if (saved.pid === process.pid) return true;
    if (!isAlive(saved.pid)) return true;
    const started = saved.processStart === undefined ? null : processStartTime(saved.pid);
    return started !== null && Math.abs(started - saved.processStart!) > 2000;
  }

  /** Records the open design; writes are serialized so the newest call always lands last. */
  save(file: DesignFile): Promise<void> {
    if (this.closed) return Promise.resolve();
    const saved: Saved = {
      savedAt: new Date().toISOString(),
      pid: this.pid,
      session: this.session,
      ...(this.processStart !== null ? { processStart: this.processStart } : {}),
      file: { path: file.path, text: file.text },
    };
    const write = this.queue.then(() =>
      writeFileAtomic(this.autosavePath, JSON.stringify(saved), { mode: 0o600 }),
    );
    this.queue = write.catch(() => {});
    return write;
  }

  /** The design of a session that did not quit cleanly, once: taking it removes the offer. */
  async takeRecovery(): Promise<DesignFile | null> {
    await this.queue; // an offer being made (offerOwnAutosave) lands first
    const path = join(this.dir, RECOVERY_FILE);
    const saved = savedSchema.safeParse(await readJsonFile(path));
    await rm(path, { force: true });
    return saved.success ? saved.data.file : null;
  }

  /** Whether a recovery offer is waiting (for tests and the About box). */
  async hasRecovery(): Promise<boolean> {
    return stat(join(this.dir, RECOVERY_FILE)).then(
      () => true,
      () => false,
    );
  }

  /**
   * Turns this session's autosave into the recovery offer (after the renderer crashed, before it
   * reloads), so the reloaded page can take it back.
   */
  async offerOwnAutosave(): Promise<boolean> {
    // Queued like a write, so a takeRecovery() that follows sees the offer.
    const offer = this.queue
      .then(() => rename(this.autosavePath, join(this.dir, RECOVERY_FILE)))
      .then(
        () => true,
        () => false,
      );
    this.queue = offer.then(() => {});
    return offer;
  }

  /** A clean quit: waits for pending writes, then removes this session's autosave. */
  async closeCleanly(): Promise<void> {
    this.closed = true;
    await this.queue;
    await rm(this.autosavePath, { force: true });
    liveSessions.delete(this.session);
  }
}
