import { ownText, terminalLines, type OwnText } from '../../core/export/escape';
import { failureText } from '../report';
import type { CliCommand, CliIo } from '../command';
import { formatBytes } from '../../core/model/format';
import type { DownloadProgress } from '../../node/weights/download';
import { fetchWeights, listWeights, weightsCacheDir } from '../../node/weights/weightsCache';
import { fetchProgressText } from '../../core/weights/fetchProgress';

const usage = `Usage: inception-explorer weights list [--json]
       inception-explorer weights fetch PRESET|ID|URL [--force] [--json]

Trained weights of the reference networks, kept in a cache folder:
$INCEPTION_EXPLORER_HOME/weights (default ~/.inception-explorer/weights).

  list                      every known checkpoint: preset, reference, size, and its cached
                            path or "not cached"
  fetch PRESET|ID|URL       download a known checkpoint (by preset name, e.g. inception-v3, or
                            id from the list) or a torch.hub-style URL whose file name carries
                            the first hex digits of its sha256 (name-<hex>.pth); the bytes are
                            checked against that prefix and the file is cached only when whole
  --force                   download again even when the file is cached
  --mirror URL              fetch a known checkpoint from URL/<file name> instead of where it
                            is published (a local copy); its size bound and hash still apply
  --json                    print JSON instead of text (fetch: no progress line)

'run --pretrained' uses the cached checkpoint of the design's preset.`;

/** `12.3 MiB of 49.7 MiB · 4.1 MiB/s · 9 s left`: the app's words too (core/weights/fetchProgress.ts). */
export function progressText(p: DownloadProgress): string {
  return fetchProgressText(p);
}

async function list(values: Record<string, unknown>, io: CliIo): Promise<number> {
  const dir = weightsCacheDir();
  const entries = await listWeights(dir);
  if (values.json) {
    io.out(
      `${JSON.stringify(
        {
          cacheDir: dir,
          checkpoints: entries.map(({ checkpoint: c, path }) => ({ ...c, cachedPath: path })),
        },
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  // The cache folder comes from the environment and the cached paths from the file system.
  const lines = [terminalLines`Weights cache: ${dir}`, ''];
  for (const { checkpoint: c, path } of entries) {
    const size =
      c.sizeBytes !== null ? formatBytes(c.sizeBytes) : `up to ${formatBytes(c.maxBytes)}`;
    lines.push(
      terminalLines`${c.id}  (preset ${c.preset}, ${c.classes} classes, ${size})`,
      terminalLines`  ${c.reference}`,
      path
        ? terminalLines`  cached: ${path}`
        : terminalLines`  not cached: inception-explorer weights fetch ${c.id}`,
    );
  }
  io.out(`${lines.join('\n')}\n`);
  return 0;
}

async function fetch(
  values: Record<string, unknown>,
  target: string,
  io: CliIo,
  fail: (message: string | OwnText, code?: number) => number,
): Promise<number> {
  const live = io.isTty && !values.json;
  let lastPlain = -1;
  const r = await fetchWeights(target, {
    force: Boolean(values.force),
    mirror: values.mirror as string | undefined,
    progressIntervalMs: live ? 200 : 2000,
    onProgress: values.json
      ? undefined
      : (p) => {
          if (live) io.err(`\r${progressText(p).padEnd(60)}`);
          else if (p.receivedBytes !== lastPlain) {
            // Plain lines (a log, a pipe): one every two seconds at most.
            lastPlain = p.receivedBytes;
            io.err(`${progressText(p)}\n`);
          }
        },
  });
  if (live) io.err(`\r${' '.repeat(60)}\r`);
  if (!r.ok) return fail(r.error.message, 1);
  const v = r.value;
  if (values.json) {
    io.out(
      `${JSON.stringify({ path: v.path, alreadyCached: v.alreadyCached, bytes: v.bytes ?? null, sha256: v.sha256 ?? null, id: v.plan.checkpoint?.id ?? null }, null, 2)}\n`,
    );
  } else {
    io.out(
      v.alreadyCached
        ? terminalLines`Already cached: ${v.path}\n`
        : terminalLines`Downloaded ${formatBytes(v.bytes ?? 0)} to ${v.path}${v.plan.hashRule ? ` (sha256 ${v.sha256?.slice(0, 12)}… matches its name)` : ''}\n`,
    );
  }
  return 0;
}

export const weightsCommand: CliCommand = {
  name: 'weights',
  summary: 'list and download the reference networks’ trained weights',
  usage,
  options: {
    force: { type: 'boolean' },
    mirror: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, positionals, io) {
    const fail = (message: string | OwnText, code = 2) => {
      io.err(failureText('weights', message));
      return code;
    };
    const [action, ...rest] = positionals;
    if (action === 'list') {
      if (rest.length) return fail(`list takes no arguments; got ${JSON.stringify(rest[0])}.`);
      if (values.force) return fail('--force applies to fetch only.');
      return list(values, io);
    }
    if (action === 'fetch') {
      if (rest.length !== 1)
        return fail(
          'fetch takes one PRESET, ID or URL, e.g. inception-explorer weights fetch inception-v3.',
        );
      return fetch(values, rest[0], io, fail);
    }
    return fail(
      ownText(
        action === undefined
          ? terminalLines`say list or fetch.\n${ownText(usage)}`
          : terminalLines`unknown action ${JSON.stringify(action)}; say list or fetch.\n${ownText(usage)}`,
      ),
    );
  },
};
