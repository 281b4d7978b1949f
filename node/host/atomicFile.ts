/** Whole-file writes that a crash or kill can never leave half-written. */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { makeFolders } from './makeFolders';

/** Options of `writeFileAtomic`. */
export interface AtomicWriteOptions {
  /**
   * Permission bits of the file. By default a file written over keeps its mode (a design saved
   * again stays 644) and a new one gets 0666 less the umask; state files pass 0o600.
   */
  readonly mode?: number;
}

/**
 * Writes to a temporary sibling, flushes it, then renames it over `path` (atomic on POSIX and
 * NTFS). A folder at `path` is refused before anything is written, so no temporary file is left.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  await makeFolders(dirname(path));
  const existing = await stat(path).catch(() => null);
  if (existing?.isDirectory())
    throw Object.assign(new Error(`${path} is a folder; give a file name`), { code: 'EISDIR' });
  const keep = options.mode ?? (existing ? existing.mode & 0o777 : undefined);
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', keep ?? 0o666);
  try {
    // open() applies the umask; an explicit or kept mode is set exactly.
    if (keep !== undefined) await handle.chmod(keep);
    await handle.writeFile(data);
    await handle.datasync();
  } catch (e) {
    await handle.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Reads and parses a JSON file; undefined when it is missing or not valid JSON. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
