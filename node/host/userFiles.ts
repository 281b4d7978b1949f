/**
 * The two rules for every path a user (or an untrusted page) names, in one place:
 *
 * - **Bounded reads** (`readUserFile`): the path is checked before anything is read (a regular
 *   file, not a folder, a named pipe, a device such as /dev/zero, or a socket; not over the
 *   size limit), opened without blocking (a file swapped for a FIFO in between cannot hang the
 *   read), checked again on the open handle, and read with a bound, so a file that grows while
 *   it is read cannot grow memory either. Design files, `--weights`, `--image`, Open, Open
 *   Recent and the images and weights of a run all go through it.
 * - **Real containment** (`realPathInside`): a path is inside a folder when its real path (every
 *   symbolic link resolved) is, for reads the file itself and for writes its parent folder, so a
 *   link in the designs folder to /etc or to another folder leads nowhere.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { errResult, okResult, type Result } from '../../core/run/types';
import { formatBytes } from '../../core/model/format';

/** What a path names, in words: "a folder", "a named pipe (FIFO)". Null for a regular file. */
export function notAFile(info: Stats): string | null {
  if (info.isFile()) return null;
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isCharacterDevice()) return 'a character device (such as /dev/zero)';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

export interface ReadLimits {
  /** Largest file read, in bytes. */
  readonly maxBytes: number;
  /** How messages name the file: "The weights file", "The image", "The design file". */
  readonly noun: string;
  /** Error codes; each defaults to `<prefix>.<kind>`. */
  readonly codePrefix: string;
  readonly codes?: Partial<Record<'notFound' | 'notFile' | 'tooLarge' | 'read', string>>;
  /** Said after the size limit: "; design files are at most 16 MiB". */
  readonly limitNote?: string;
}

const CHUNK = 1024 * 1024;
// Opening a FIFO without O_NONBLOCK waits for a writer forever; Windows has no such flag (nor FIFOs).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Reads a file a user named, with its type and size checked before reading and a bound while
 * reading. Errors are values with stable codes (`<prefix>.notFound`, `.notFile`, `.tooLarge`,
 * `.read`) and sentences naming the file.
 */
export async function readUserFile(path: string, limits: ReadLimits): Promise<Result<Buffer>> {
  const abs = resolve(path);
  const code = (k: 'notFound' | 'notFile' | 'tooLarge' | 'read') =>
    limits.codes?.[k] ?? `${limits.codePrefix}.${k}`;
  const tooLarge = (size: number | null) =>
    errResult<Buffer>(
      code('tooLarge'),
      `${limits.noun} ${abs} is ${size === null ? 'larger than' : `${formatBytes(size)}, over`} the limit of ${formatBytes(limits.maxBytes)}${limits.limitNote ?? ''}.`,
    );
  const notFile = (what: string) =>
    errResult<Buffer>(
      code('notFile'),
      `${limits.noun} ${abs} is ${what}, not a file; name a file.`,
    );
  let info: Stats;
  try {
    info = await stat(abs);
  } catch (e) {
    const c = (e as NodeJS.ErrnoException).code;
    if (c === 'ENOENT' || c === 'ENOTDIR')
      return errResult(code('notFound'), `${limits.noun} ${abs} does not exist.`);
    return errResult(
      code('read'),
      `${limits.noun} ${abs} cannot be read: ${(e as Error).message}.`,
    );
  }
  const kind = notAFile(info);
  if (kind) return notFile(kind);
  if (info.size > limits.maxBytes) return tooLarge(info.size);
  let handle;
  try {
    handle = await open(abs, OPEN_FLAGS);
  } catch (e) {
    return errResult(
      code('read'),
      `${limits.noun} ${abs} cannot be read: ${(e as Error).message}.`,
    );
  }
  try {
    // The path may name something else by now: check what was actually opened.
    const opened = await handle.stat();
    const openedKind = notAFile(opened);
    if (openedKind) return notFile(openedKind);
    if (opened.size > limits.maxBytes) return tooLarge(opened.size);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const want = Math.min(CHUNK, limits.maxBytes + 1 - total);
      const buffer = Buffer.allocUnsafe(want);
      const { bytesRead } = await handle.read(buffer, 0, want, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === want ? buffer : buffer.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limits.maxBytes) return tooLarge(null);
    }
    return okResult(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total));
  } catch (e) {
    return errResult(
      code('read'),
      `${limits.noun} ${abs} cannot be read: ${(e as Error).message}.`,
    );
  } finally {
    await handle.close().catch(() => {});
  }
}

/** Whether `path` is inside `root` (or is it), comparing the path text only. */
export function isInsideText(root: string, path: string): boolean {
  const rel = relative(resolve(root), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The real path of the nearest existing ancestor of `path` (itself when it exists), with the rest appended. */
async function realPathOfNearest(path: string): Promise<string> {
  const rest: string[] = [];
  let at = resolve(path);
  for (;;) {
    try {
      return join(await realpath(at), ...rest.reverse());
    } catch (e) {
      const parent = dirname(at);
      if (parent === at || (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      rest.push(basename(at));
      at = parent;
    }
  }
}

export type Containment =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly reason: 'outside' | 'folder' | 'missing' };

/**
 * Whether `path` really lies inside `root`, every symbolic link resolved: for a read, the file
 * itself (which must exist); for a write, its parent folder (the file need not exist, and must
 * not be a folder: a write renames over it). Returns the real path to use.
 */
export async function realPathInside(
  root: string,
  path: string,
  mode: 'read' | 'write',
): Promise<Containment> {
  let realRoot: string;
  try {
    realRoot = await realpath(resolve(root));
  } catch {
    return { ok: false, reason: 'missing' };
  }
  const inside = (p: string) => {
    const rel = relative(realRoot, p);
    return !rel.startsWith('..') && !isAbsolute(rel);
  };
  if (mode === 'read') {
    let real: string;
    try {
      real = await realpath(resolve(path));
    } catch {
      return { ok: false, reason: 'missing' };
    }
    return inside(real) && real !== realRoot
      ? { ok: true, path: real }
      : { ok: false, reason: 'outside' };
  }
  const abs = resolve(path);
  let parent: string;
  try {
    parent = await realPathOfNearest(dirname(abs));
  } catch {
    return { ok: false, reason: 'missing' };
  }
  const target = join(parent, basename(abs));
  if (!inside(parent) || target === realRoot || !inside(target))
    return { ok: false, reason: 'outside' };
  const existing = await lstat(target).catch(() => null);
  if (existing?.isDirectory()) return { ok: false, reason: 'folder' };
  return { ok: true, path: target };
}
