/**
 * Creating a folder and its missing parents without `mkdir(…, { recursive: true })`: Node 20's
 * recursive mkdir never returns for a path under a pseudo file system that refuses new entries
 * with ENOENT (`/proc/x`, `/sys/x`: it retries the parent, which exists, forever), so an output
 * path like `--dump /proc/x` hung the command. Here each missing folder is made once, from the
 * deepest one that exists, and the file system's error is thrown as it came.
 */
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { errResult, okResult, type Result } from '../../core/run/types';

/**
 * Makes `dir` and its missing parents (like `mkdir -p`). Throws the file system's error (with its
 * `code`: ENOENT, ENOTDIR, EACCES, EROFS, ENOSPC, …) when one cannot be made; the caller words it.
 */
export async function makeFolders(dir: string): Promise<void> {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    const info = await stat(at).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null;
      throw e;
    });
    if (info) {
      if (!info.isDirectory())
        throw Object.assign(new Error(`${at} is not a folder`), { code: 'ENOTDIR' });
      break;
    }
    missing.push(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const d of missing.reverse())
    await mkdir(d).catch(async (e: NodeJS.ErrnoException) => {
      // Made meanwhile by another writer: fine when it is a folder.
      if (e.code !== 'EEXIST' || !(await stat(d)).isDirectory()) throw e;
    });
}

/**
 * Makes sure files can be written in `dir` before work that would write them there starts (a
 * training's checkpoints, --dump): makes the folder, creates and removes an empty file. Errors:
 * `code` with a sentence naming `noun` and `dir` and why (missing, not a folder, read-only, full).
 */
export async function checkWritableFolder(
  dir: string,
  noun: string,
  code: string,
): Promise<Result<void>> {
  const abs = resolve(dir);
  const probe = join(abs, `.write-check-${process.pid}`);
  try {
    await makeFolders(abs);
    // An empty file made and removed (not a write of the product's: no writeFileAtomic).
    await (await open(probe, 'wx')).close();
    await rm(probe, { force: true });
    return okResult(undefined);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (!err?.code) throw e;
    const why =
      err.code === 'ENOSPC'
        ? 'the disk is full'
        : err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS'
          ? 'it cannot be written'
          : err.code === 'ENOTDIR'
            ? 'it or a folder above it is a file, not a folder'
            : err.code === 'ENOENT'
              ? 'it cannot be made there'
              : err.message;
    return errResult(code, `${noun} ${abs} cannot be used: ${why}; choose another folder.`);
  }
}
