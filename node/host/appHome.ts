/** The app's home folder, shared by the browser host (designs/, state/) and the weights cache (weights/). */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** `INCEPTION_EXPLORER_HOME` when set and not empty, else `~/.inception-explorer`; always absolute. */
export function appHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.INCEPTION_EXPLORER_HOME || join(homedir(), '.inception-explorer'));
}
