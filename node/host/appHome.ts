/** The app's home folder, shared by the browser host (designs/, state/) and the weights cache (weights/). */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { errResult, okResult, type Result } from '../../core/run/types';
import { makeFolders } from './makeFolders';

/** `INCEPTION_EXPLORER_HOME` when set and not empty, else `~/.inception-explorer`; always absolute. */
export function appHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.INCEPTION_EXPLORER_HOME || join(homedir(), '.inception-explorer'));
}

/** A folder the app needs, and what it is for (named in the message when it is unusable). */
export interface AppFolder {
  readonly path: string;
  /** e.g. "the app's home folder (INCEPTION_EXPLORER_HOME)", "the state folder". */
  readonly role: string;
}

/**
 * Makes sure each folder exists (creating it and its parents) and that this user may write in
 * it, in order, so a home that names a file is reported at start instead of as a bug on the
 * first Open or Save. Errors: `home.notFolder` (it, or a folder above it, is a file),
 * `home.unwritable` (no permission, read-only disk), each a sentence naming the folder and its role.
 */
export async function checkAppFolders(folders: readonly AppFolder[]): Promise<Result<void>> {
  for (const { path, role } of folders) {
    try {
      await makeFolders(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOTDIR')
        return errResult(
          'home.unwritable',
          `${path}, ${role}, could not be created: ${(e as Error).message}. Set INCEPTION_EXPLORER_HOME to a folder you can write to.`,
        );
    }
    const info = await stat(path).catch(() => null);
    if (!info?.isDirectory())
      return errResult(
        'home.notFolder',
        `${path}, ${role}, must be a folder, but it or a folder above it is a file; set INCEPTION_EXPLORER_HOME to a folder, or move that file away.`,
      );
    try {
      await access(path, constants.W_OK | constants.X_OK);
    } catch {
      return errResult(
        'home.unwritable',
        `${path}, ${role}, is a folder this user may not write in; set INCEPTION_EXPLORER_HOME to a folder you can write to.`,
      );
    }
  }
  return okResult(undefined);
}
