/** The design file named on a command line (a launch, a second instance, a file manager's "Open with"). */
import { isAbsolute, resolve } from 'node:path';

/**
 * The last argument that names a `.json` file, resolved against `cwd`. Electron and Chromium put
 * their own switches and the app path in argv; switches are skipped, other arguments must end in `.json`.
 */
export function designPathFromArgv(argv: readonly string[], cwd: string): string | null {
  for (let i = argv.length - 1; i >= 1; i--) {
    const arg = argv[i];
    if (arg.startsWith('-') || !/\.json$/i.test(arg)) continue;
    const path = arg.startsWith('file://') ? decodeURIComponent(new URL(arg).pathname) : arg;
    return isAbsolute(path) ? path : resolve(cwd, path);
  }
  return null;
}
