/** The recently opened or saved design files, newest first, kept in one JSON file. */
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { readJsonFile, writeFileAtomic } from './atomicFile';

export const MAX_RECENT_FILES = 10;
const listSchema = z.array(z.string().min(1).max(4096)).max(100);

export class RecentFiles {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly max = MAX_RECENT_FILES,
  ) {}

  /** Paths that still exist, newest first. */
  async list(): Promise<string[]> {
    await this.queue;
    const all = await this.read();
    const present = await Promise.all(
      all.map((p) =>
        access(p).then(
          () => p,
          () => null,
        ),
      ),
    );
    return present.filter((p): p is string => p !== null);
  }

  /** Whether `path` is in the list (the list is what the user opened or saved before). */
  async has(path: string): Promise<boolean> {
    await this.queue;
    return (await this.read()).includes(resolve(path));
  }

  /** Moves `path` to the top of the list. */
  add(path: string): Promise<void> {
    const abs = resolve(path);
    const write = this.queue.then(async () => {
      const next = [abs, ...(await this.read()).filter((p) => p !== abs)].slice(0, this.max);
      await writeFileAtomic(this.file, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    });
    this.queue = write.catch(() => {});
    return write;
  }

  private async read(): Promise<string[]> {
    const r = listSchema.safeParse(await readJsonFile(this.file));
    return r.success ? r.data : [];
  }
}
