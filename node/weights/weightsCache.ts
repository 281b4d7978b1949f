/**
 * The weights cache, `<app home>/weights` (node/host/appHome.ts): which known checkpoints are in
 * it, what a `weights fetch PRESET|ID|URL` target means, and the fetch itself (download.ts).
 * A file with a checkpoint's name is only ever put there whole and checked, by an atomic rename;
 * on use it is re-checked cheaply by its size.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  findPretrained,
  hashPrefixOf,
  isPlainFileName,
  PRETRAINED_CHECKPOINTS,
  pretrainedForUrl,
  type PretrainedCheckpoint,
} from '../../core/weights/pretrained';
import { errResult, okResult, type Result } from '../../core/run/types';
import { appHome } from '../host/appHome';
import { downloadToCache, type DownloadProgress, type Downloaded } from './download';

/** `<app home>/weights`: `$INCEPTION_EXPLORER_HOME/weights`, else `~/.inception-explorer/weights`. */
export function weightsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(appHome(env), 'weights');
}

/**
 * Creates the cache folder when missing. `weights.home` when it (or a folder above it, such as
 * the one `INCEPTION_EXPLORER_HOME` names) is a file or cannot be created.
 */
export async function ensureCacheDir(dir: string): Promise<Result<string>> {
  try {
    await mkdir(dir, { recursive: true });
    if ((await stat(dir)).isDirectory()) return okResult(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTDIR')
      return errResult(
        'weights.home',
        `The weights cache ${dir} could not be created: ${(e as Error).message}. Set INCEPTION_EXPLORER_HOME to a folder you can write to.`,
      );
  }
  return errResult(
    'weights.home',
    `The weights cache ${dir} cannot be a folder because it or a folder above it is a file; set INCEPTION_EXPLORER_HOME to a folder, or remove that file.`,
  );
}

/**
 * The cached file of `c`, or null when it is missing or its size is wrong (the exact size when
 * known, else not empty and within the bound): a cheap check on use, not a re-hash.
 */
export async function cachedPath(dir: string, c: PretrainedCheckpoint): Promise<string | null> {
  const path = join(dir, c.fileName);
  const s = await stat(path).catch(() => null);
  if (!s?.isFile()) return null;
  const sizeOk = c.sizeBytes !== null ? s.size === c.sizeBytes : s.size > 0 && s.size <= c.maxBytes;
  return sizeOk ? path : null;
}

export interface WeightsListEntry {
  readonly checkpoint: PretrainedCheckpoint;
  /** Absolute path of the cached file, or null when it is not cached. */
  readonly path: string | null;
}

/** Every known checkpoint, in table order, with its cached path or null. */
export async function listWeights(dir: string): Promise<WeightsListEntry[]> {
  return Promise.all(
    PRETRAINED_CHECKPOINTS.map(async (checkpoint) => ({
      checkpoint,
      path: await cachedPath(dir, checkpoint),
    })),
  );
}

/** What one `weights fetch` downloads: a known checkpoint, or a URL's file under torch.hub's rule. */
export interface FetchPlan {
  readonly url: string;
  readonly fileName: string;
  readonly expectedBytes: number | null;
  readonly maxBytes: number;
  readonly hashRule: boolean;
  /** The table row, when the target is a known checkpoint (by preset, id or its exact URL). */
  readonly checkpoint: PretrainedCheckpoint | null;
}

/** Largest file accepted from a URL that is not in the table. */
export const MAX_URL_BYTES = 512 * 1024 * 1024;

/**
 * Resolves a `weights fetch` target: a preset name or checkpoint id from the table, or an http(s)
 * URL. A URL of a known checkpoint is fetched as that row; any other URL must end in a plain file
 * name carrying torch.hub's hash prefix (`name-<hex>.ext`), the only check its bytes can get.
 * Errors: `weights.unknown` (neither known nor a URL), `weights.url` (another scheme, or a name
 * with folders, `..`, an encoded `/` or `\`), `weights.noHash` (no hash prefix in the name).
 */
export function resolveFetchTarget(target: string): Result<FetchPlan> {
  const known = findPretrained(target);
  if (known) return okResult(planOf(known));
  if (!/^[a-z][a-z0-9+.-]*:/i.test(target))
    return errResult(
      'weights.unknown',
      `${JSON.stringify(target)} is not a known preset, checkpoint id or URL; the known ones are ${[...new Set(PRETRAINED_CHECKPOINTS.flatMap((c) => [c.preset, c.id]))].join(', ')}.`,
    );
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return errResult('weights.url', `${JSON.stringify(target)} is not a valid URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return errResult(
      'weights.url',
      `${target} is a ${url.protocol} URL; weights are downloaded only over http or https.`,
    );
  const byUrl = pretrainedForUrl(url.href);
  if (byUrl) return okResult(planOf(byUrl));
  // The URL parser folds `a/../b` away, so the raw text is checked: a name must not reach outside.
  const rawPath = target.replace(/^[^:]*:\/\/[^/]*/, '').replace(/[?#].*$/, '');
  if (/(^|\/)(\.|%2e){2}(\/|$)/i.test(rawPath) || /%2f|%5c|\\/i.test(rawPath))
    return errResult(
      'weights.url',
      `${target} names its file with "..", "\\" or an encoded "/" or "\\"; give the URL of the file itself.`,
    );
  const last = url.pathname.split('/').pop() ?? '';
  let fileName: string;
  try {
    fileName = decodeURIComponent(last);
  } catch {
    return errResult('weights.url', `${target} ends in a badly encoded file name.`);
  }
  if (!isPlainFileName(fileName) || fileName.includes('..'))
    return errResult(
      'weights.url',
      `${target} does not end in a plain file name (got ${JSON.stringify(fileName)}); give the URL of the file itself.`,
    );
  const prefix = hashPrefixOf(fileName);
  if (!prefix)
    return errResult(
      'weights.noHash',
      `${fileName} carries no torch.hub hash prefix (a "-" and the first hex digits of its sha256 before the extension, as in googlenet-1378be20.pth), so its bytes could not be checked; download it yourself and open it with --weights FILE.`,
    );
  return okResult({
    url: url.href,
    fileName,
    expectedBytes: null,
    maxBytes: MAX_URL_BYTES,
    hashRule: true,
    checkpoint: null,
  });
}

const planOf = (c: PretrainedCheckpoint): FetchPlan => ({
  url: c.url,
  fileName: c.fileName,
  expectedBytes: c.sizeBytes,
  maxBytes: c.maxBytes,
  hashRule: c.hashRule,
  checkpoint: c,
});

export interface FetchOptions {
  /** The cache folder (default `weightsCacheDir()`). */
  readonly dir?: string;
  /** Download again even when a file of the right size is cached. */
  readonly force?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: DownloadProgress) => void;
  readonly progressIntervalMs?: number;
  readonly timeoutMs?: number;
  /**
   * A base URL to fetch known checkpoints from instead of where they are published:
   * `<mirror>/<fileName>` (a local copy for computers that cannot reach the hubs; tests). The
   * checkpoint's size bound and hash rule still apply. Not used for URL targets.
   */
  readonly mirror?: string;
}

export interface Fetched extends Partial<Downloaded> {
  readonly path: string;
  /** True when the file was already cached and nothing was downloaded. */
  readonly alreadyCached: boolean;
  readonly plan: FetchPlan;
}

/**
 * `weights fetch`: resolves the target, returns the cached file when it is there (unless `force`),
 * else downloads it (download.ts). Errors: those of `resolveFetchTarget`, `ensureCacheDir` and
 * `downloadToCache`.
 */
export async function fetchWeights(target: string, o: FetchOptions = {}): Promise<Result<Fetched>> {
  const plan = resolveFetchTarget(target);
  if (!plan.ok) return plan;
  const dir = await ensureCacheDir(o.dir ?? weightsCacheDir());
  if (!dir.ok) return dir;
  const p = plan.value;
  if (!o.force) {
    const cached = p.checkpoint
      ? await cachedPath(dir.value, p.checkpoint)
      : await stat(join(dir.value, p.fileName)).then(
          (s) => (s.isFile() && s.size > 0 ? join(dir.value, p.fileName) : null),
          () => null,
        );
    if (cached) return okResult({ path: cached, alreadyCached: true, plan: p });
  }
  const r = await downloadToCache({
    url:
      o.mirror && p.checkpoint
        ? `${o.mirror.replace(/\/+$/, '')}/${encodeURIComponent(p.fileName)}`
        : p.url,
    dir: dir.value,
    fileName: p.fileName,
    expectedBytes: p.expectedBytes,
    maxBytes: p.maxBytes,
    hashRule: p.hashRule,
    signal: o.signal,
    onProgress: o.onProgress,
    progressIntervalMs: o.progressIntervalMs,
    timeoutMs: o.timeoutMs,
  });
  if (!r.ok) return r;
  return okResult({ ...r.value, alreadyCached: false, plan: p });
}
