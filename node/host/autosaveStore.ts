/**
 * Keeps the open design on disk while the user edits, so a crash or kill loses nothing.
 *
 * Each page of each running session writes `autosave-<pid>-<session>[-<page>].json` (atomically,
 * newest edit wins): two tabs of one browser host, or two hosts on one home, never write one file.
 * A clean quit deletes its files. An autosave whose page closed, or whose session is no longer
 * running, becomes a recovery offer of its own, `recovery-<stamp>-<random>.json`, which
 * `takeRecovery(page)` hands out once: the page's own offer first, else the newest. No offer is
 * ever replaced by another, so nothing one page kept is lost to another (issue 20 rule 6).
 *
 * A session is its process id *and* a random id *and* the process's start time: in a container
 * the server is PID 1 at every start, so a process id alone would take the autosave of the
 * crashed run for its own live one and overwrite it.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
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
  /** The page that wrote it (a browser tab's client id; absent for Electron's one window). */
  page: z.string().optional(),
  file: z.object({ path: z.string().nullable(), text: z.string() }),
});
type Saved = z.infer<typeof savedSchema>;

const AUTOSAVE_FILE = /^autosave-(\d+)(?:-([0-9a-f]{8,32})(?:-([A-Za-z0-9_-]{1,64}))?)?\.json$/;
const TMP_FILE = /\.(\d+)\.[0-9a-f]+\.tmp$/;
/** The one recovery offer of older versions; still taken. */
export const RECOVERY_FILE = 'recovery.json';
/** A recovery offer of this version: one file each, never overwritten. */
const OFFER_FILE = /^recovery(?:-[0-9A-Za-z_-]+)?\.json$/;
/** A page name safe in a file name (client ids already are). */
const PAGE = /^[A-Za-z0-9_-]{1,64}$/;

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

  /** Pages of this session that have an autosave now. */
  private readonly pages = new Set<string | undefined>();

  /** The file this session writes for `page` (undefined: the one window of Electron). */
  autosavePath(page?: string): string {
    const suffix = page !== undefined && PAGE.test(page) ? `-${page}` : '';
    return join(this.dir, `autosave-${this.pid}-${this.session}${suffix}.json`);
  }

  /** A new offer's file: time first so names sort by age, then randomness so none is overwritten. */
  private offerPath(): string {
    return join(
      this.dir,
      `recovery-${Date.now().toString(36)}-${randomBytes(6).toString('hex')}.json`,
    );
  }

  /** Opens the store in `dir`, turning each autosave of a dead session into a recovery offer of its own. */
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
    // Every orphan is some page's unsaved work: each becomes its own offer, none is dropped.
    for (const o of orphans) await rename(o.path, store.offerPath()).catch(() => {});
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

  /**
   * Records the open design of `page` (a browser tab's client id; undefined for Electron's one
   * window); writes are serialized so the newest call always lands last. A live page's autosave
   * supersedes an offer made of its own earlier work (its socket dropped and came back).
   */
  save(file: DesignFile, page?: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    const key = page !== undefined && PAGE.test(page) ? page : undefined;
    const saved: Saved = {
      savedAt: new Date().toISOString(),
      pid: this.pid,
      session: this.session,
      ...(this.processStart !== null ? { processStart: this.processStart } : {}),
      ...(key !== undefined ? { page: key } : {}),
      file: { path: file.path, text: file.text },
    };
    this.pages.add(key);
    const write = this.queue.then(async () => {
      await writeFileAtomic(this.autosavePath(key), JSON.stringify(saved), { mode: 0o600 });
      if (key !== undefined)
        for (const offer of await this.offers())
          if (offer.saved.page === key && offer.saved.session === this.session)
            await rm(offer.path, { force: true });
    });
    this.queue = write.catch(() => {});
    return write;
  }

  /** The recovery offers waiting, newest first; damaged ones are removed. */
  private async offers(): Promise<{ path: string; saved: Saved }[]> {
    let names: string[] = [];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const found: { path: string; saved: Saved }[] = [];
    for (const name of names) {
      if (!OFFER_FILE.test(name)) continue;
      const path = join(this.dir, name);
      const saved = savedSchema.safeParse(await readJsonFile(path));
      if (saved.success) found.push({ path, saved: saved.data });
      else await rm(path, { force: true });
    }
    return found.sort((a, b) => b.saved.savedAt.localeCompare(a.saved.savedAt));
  }

  /**
   * A design of a page or session that did not close cleanly, once: `page`'s own offer when it
   * has one (a reloaded tab gets its own work back), else the newest offer. Taking one removes
   * only that offer; the others wait for the next page.
   */
  async takeRecovery(page?: string): Promise<DesignFile | null> {
    await this.queue; // an offer being made (offerOwnAutosave) lands first
    const offers = await this.offers();
    const chosen =
      (page !== undefined ? offers.find((o) => o.saved.page === page) : undefined) ?? offers[0];
    if (!chosen) return null;
    await rm(chosen.path, { force: true });
    return chosen.saved.file;
  }

  /** Whether a recovery offer is waiting (for tests and the About box). */
  async hasRecovery(): Promise<boolean> {
    return (await this.offers()).length > 0;
  }

  /**
   * Turns `page`'s autosave into a recovery offer of its own (after the renderer crashed or the
   * tab closed), so the reloaded page can take it back; false when the page had none.
   */
  async offerOwnAutosave(page?: string): Promise<boolean> {
    const key = page !== undefined && PAGE.test(page) ? page : undefined;
    // Queued like a write, so a takeRecovery() that follows sees the offer.
    const offer = this.queue
      .then(() => rename(this.autosavePath(key), this.offerPath()))
      .then(
        () => {
          this.pages.delete(key);
          return true;
        },
        () => false,
      );
    this.queue = offer.then(() => {});
    return offer;
  }

  /** A clean quit: waits for pending writes, then removes this session's autosave. */
  async closeCleanly(): Promise<void> {
    this.closed = true;
    await this.queue;
    try {
      for (const page of this.pages) await rm(this.autosavePath(page), { force: true });
    } finally {
      liveSessions.delete(this.session);
    }
  }
}
