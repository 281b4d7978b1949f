import { terminalLines } from '../../core/export/escape';
import { spawn } from 'node:child_process';
import type { CliCommand } from '../command';
import { checkBrowserHostFolders, runBrowserHost } from '../../node/browserHost/browserHost';
import { createHostEngine } from '../../node/host/hostEngine';

const VERSION = '0.1.0';
/** How long a clean shutdown may take after SIGINT/SIGTERM. */
const STOP_GRACE_MS = 5000;

/** Opens `url` in the desktop's browser; false when there is no opener. */
function openInBrowser(url: string): Promise<boolean> {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  return new Promise((resolve) => {
    const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'serve the explorer to a browser on this machine (127.0.0.1 only)',
  usage: `Usage: inception-explorer serve [--port P] [--open] [--dir FOLDER] [--dev]

Serves the app on http://127.0.0.1 only, for a browser on this machine (no desktop needed).
Prints one line, "Inception Explorer: URL", when ready; the URL carries a random access token,
so open it exactly as printed. Stop with Ctrl+C.

  --port P        the port (default: a free one)
  --open          open the URL in the default browser
  --dir FOLDER    where designs and exports are saved (default ~/.inception-explorer/designs,
                  or $INCEPTION_EXPLORER_HOME/designs); the app's file dialogs list this folder
  --dev           serve the renderer through Vite's dev server (live reload) instead of a cached build`,
  options: {
    port: { type: 'string' },
    open: { type: 'boolean' },
    dir: { type: 'string' },
    dev: { type: 'boolean' },
  },
  async run(values, _positionals, io) {
    const portText = values.port === undefined ? '0' : String(values.port);
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port > 65535) {
      io.err(
        `inception-explorer serve: --port must be a whole number from 0 to 65535 (0 picks a free port); got ${JSON.stringify(portText)}.\n`,
      );
      return 2;
    }
    // One entry per line: a logged path, name or error message cannot start a line of its own.
    const log = (line: string): void => io.err(terminalLines`${line.replace(/\n+$/, '')}\n`);
    const designsDir = typeof values.dir === 'string' ? values.dir : undefined;
    // Say at start what is wrong with the folders, not as "a bug" on the first Open or Save.
    const folders = await checkBrowserHostFolders({ designsDir });
    if (!folders.ok) {
      io.err(terminalLines`inception-explorer serve: ${folders.error.message}\n`);
      return 1;
    }
    let running;
    try {
      running = await runBrowserHost({
        port,
        designsDir,
        dev: Boolean(values.dev),
        appVersion: VERSION,
        createEngine: () => {
          const engine = createHostEngine({}, log);
          engine.start();
          return engine;
        },
        log,
      });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EADDRINUSE')
        io.err(
          `inception-explorer serve: port ${port} is already in use; choose another with --port, or omit it to use a free one.\n`,
        );
      else if (err.code === 'EACCES')
        io.err(
          `inception-explorer serve: this user may not listen on port ${port}; choose a port above 1023.\n`,
        );
      else
        io.err(
          terminalLines`inception-explorer serve: the browser host could not start: ${err.message}\n`,
        );
      return 1;
    }
    io.out(terminalLines`Inception Explorer: ${running.host.url}\n`);
    if (values.open && process.env.BROWSER !== 'none' && !(await openInBrowser(running.host.url))) {
      io.err(
        'inception-explorer serve: no browser could be opened here; open the URL above yourself.\n',
      );
    }
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    // A stop that hangs (a read stuck in the kernel, a worker that does not end) must not keep the
    // server alive after Ctrl+C or SIGTERM: give it a few seconds, then leave regardless.
    // A step of the stop that fails is reported, and the process still ends.
    const stopped = await Promise.race([
      running.stop().then(
        () => true,
        (e: unknown) => {
          io.err(
            `inception-explorer serve: the shutdown was not clean: ${(e as Error)?.message ?? String(e)}\n`,
          );
          return false;
        },
      ),
      new Promise<false>((done) => setTimeout(() => done(false), STOP_GRACE_MS).unref()),
    ]);
    if (!stopped)
      io.err(
        `inception-explorer serve: the shutdown took longer than ${STOP_GRACE_MS / 1000} s; exiting anyway.\n`,
      );
    // Anything still holding the event loop (a pending read of a pipe or device) is not waited for.
    setTimeout(() => process.exit(stopped ? 0 : 1), 1000).unref();
    return stopped ? 0 : 1;
  },
};
