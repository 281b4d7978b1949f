/**
 * Downloads one checkpoint into the weights cache, safely: HTTP(S) GET with Node's own `http` and
 * `https`, a bounded number of redirects, a size bound checked on Content-Length before any byte
 * is read and on every chunk after, a streaming sha256 into an exclusively created temporary file
 * beside the cache entry, torch.hub's hash-prefix rule, then one atomic `rename` into place.
 *
 * Whatever goes wrong (a refused hash, a server that closes mid-file, a wrong size, a cancel, no
 * network, a timeout) the temporary file is removed and nothing with the final name appears: a
 * file with the cached name is always a whole, checked download.
 *
 * Restart, not resume: each attempt starts from byte 0 in a fresh temporary file. torch.hub's hash
 * prefix covers the whole file, and a resumed file would join bytes from two responses that no
 * validator (ETag, If-Range) is checked to tie together; the largest checkpoint is about 224 MB,
 * so starting over is the honest choice. Leftover temporary files of a killed process are swept.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { hashPrefixOf } from '../../core/weights/pretrained';
import { errResult, okResult, type Result } from '../../core/run/types';

/** What a download reports while it runs (throttled) and once at the end. */
export interface DownloadProgress {
  readonly receivedBytes: number;
  /** From the expected size or Content-Length; null when neither is known. */
  readonly totalBytes: number | null;
  /** Average since the first byte was asked for. */
  readonly bytesPerSecond: number;
  /** null when the total or the rate is unknown. */
  readonly secondsLeft: number | null;
}

export interface DownloadOptions {
  /** http: or https: URL. */
  readonly url: string;
  /** The cache folder (it must exist). */
  readonly dir: string;
  /** The plain file name the download is cached as. */
  readonly fileName: string;
  /** Exact size in bytes when known: a Content-Length or a body of another size is refused. */
  readonly expectedBytes?: number | null;
  /** Largest body accepted, in bytes. */
  readonly maxBytes: number;
  /**
   * Whether torch.hub's rule applies: the hash prefix of `fileName` (core/weights/pretrained.ts
   * `hashPrefixOf`) must start the body's sha256. The caller makes sure the name has one.
   */
  readonly hashRule: boolean;
  /** Lower-case hex MD5 the whole body must have (torchvision's datasets publish MD5s). */
  readonly md5?: string;
  /**
   * Looks at the body's first bytes (up to 16, fewer only for a shorter body) and returns why
   * they are not the file expected (an HTML page, say), or null; a reason stops the download.
   */
  readonly checkStart?: (head: Buffer) => string | null;
  /** Prefix of the error codes (default `weights`: `weights.hash`, `weights.offline`, …). */
  readonly codePrefix?: string;
  /** How messages name the cache folder (default "weights cache"). */
  readonly cacheNoun?: string;
  /** What to do instead when the host cannot be reached (default: open the file with --weights FILE). */
  readonly elsewhere?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: DownloadProgress) => void;
  /** Least time between two progress reports, in ms (default 250). */
  readonly progressIntervalMs?: number;
  /** Redirects followed before giving up (default 5; the hubs answer with one or two). */
  readonly maxRedirects?: number;
  /** Idle time on the socket before giving up, in ms (default 30 s). */
  readonly timeoutMs?: number;
}

export interface Downloaded {
  /** Absolute path of the cached file. */
  readonly path: string;
  readonly bytes: number;
  /** Lower-case hex sha256 of the whole file. */
  readonly sha256: string;
  /** Lower-case hex MD5 of the whole file. */
  readonly md5: string;
}

/** Suffix of temporary files: `<fileName>.part-<random hex>`. */
export const PART_SUFFIX = '.part-';
/** Temporary files untouched this long belong to a process that is gone and are swept. */
const STALE_PART_MS = 10 * 60 * 1000;

const OFFLINE_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNRESET',
  'EPIPE',
]);

/** A failure of the download, already worded for the user; anything else thrown is a bug. */
class DownloadError extends Error {
  constructor(
    /** The code without its prefix: `hash`, `offline`, … */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** The sentence for a network failure before any byte arrived. */
export function offlineMessage(
  host: string,
  errorCode: string,
  fileName: string,
  elsewhere = `Download ${fileName} elsewhere and open it with --weights FILE.`,
): string {
  return `Could not reach ${host} (${errorCode}): this computer seems offline, or the host is blocked. ${elsewhere}`;
}

/** Removes temporary files of `fileName` that no live download has written to for a while. */
async function sweepStaleParts(dir: string, fileName: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const now = Date.now();
  for (const name of names) {
    if (!name.startsWith(fileName + PART_SUFFIX)) continue;
    const s = await stat(join(dir, name)).catch(() => null);
    if (s && now - s.mtimeMs > STALE_PART_MS) await rm(join(dir, name), { force: true });
  }
}

/** GETs `url`, following redirects; resolves with the 200 response (its body not yet read). */
function get(
  url: URL,
  o: DownloadOptions,
  redirectsLeft: number,
  onRequest: (req: http.ClientRequest) => void,
): Promise<http.IncomingMessage> {
  return new Promise((resolvePromise, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const req = client.get(
      url,
      {
        headers: { 'user-agent': 'inception-explorer', 'accept-encoding': 'identity' },
        signal: o.signal,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
          res.resume();
          if (redirectsLeft <= 0) {
            reject(
              new DownloadError(
                'redirects',
                `The download of ${o.fileName} was redirected more than ${o.maxRedirects ?? 5} times (last to ${res.headers.location}); nothing was cached.`,
              ),
            );
            return;
          }
          let next: URL;
          try {
            next = new URL(res.headers.location, url);
          } catch {
            reject(
              new DownloadError(
                'redirects',
                `${url.host} redirected the download of ${o.fileName} to ${JSON.stringify(res.headers.location)}, which is not a URL; nothing was cached.`,
              ),
            );
            return;
          }
          if (next.protocol !== 'http:' && next.protocol !== 'https:') {
            reject(
              new DownloadError(
                'redirects',
                `${url.host} redirected the download of ${o.fileName} to a ${next.protocol} URL; only http and https are followed, so nothing was cached.`,
              ),
            );
            return;
          }
          get(next, o, redirectsLeft - 1, onRequest).then(resolvePromise, reject);
          return;
        }
        if (status !== 200) {
          res.resume();
          reject(
            new DownloadError(
              'http',
              `${url.host} answered ${status} ${res.statusMessage ?? ''} for ${url.href}, so ${o.fileName} was not downloaded.`.replace(
                /\s+,/,
                ',',
              ),
            ),
          );
          return;
        }
        resolvePromise(res);
      },
    );
    onRequest(req);
    req.setTimeout(o.timeoutMs ?? 30_000, () =>
      req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e instanceof DownloadError) reject(e);
      else if (o.signal?.aborted || e.name === 'AbortError')
        reject(
          new DownloadError(
            'cancelled',
            `The download of ${o.fileName} was cancelled; nothing was cached.`,
          ),
        );
      else if (e.code === 'ETIMEDOUT')
        reject(
          new DownloadError(
            'timeout',
            `${url.host} sent nothing for ${Math.round((o.timeoutMs ?? 30_000) / 1000)} s, so the download of ${o.fileName} was stopped; nothing was cached. Try again later. ${o.elsewhere ?? 'Or download the file elsewhere and open it with --weights FILE.'}`,
          ),
        );
      else if (e.code && OFFLINE_CODES.has(e.code))
        reject(
          new DownloadError('offline', offlineMessage(url.host, e.code, o.fileName, o.elsewhere)),
        );
      else
        reject(
          new DownloadError(
            'network',
            `The download of ${o.fileName} from ${url.host} failed: ${e.message}; nothing was cached.`,
          ),
        );
    });
  });
}

/**
 * Downloads `o.url` to `o.dir/o.fileName` as described at the top of this file. Errors (all leave
 * nothing cached; `weights` is `o.codePrefix` when given): `weights.url` (not http/https),
 * `weights.redirects`, `weights.http` (not 200), `weights.tooLarge` (Content-Length or body over
 * `maxBytes`), `weights.size` (not `expectedBytes`), `weights.interrupted` (the connection closed
 * mid-file), `weights.content` (`checkStart` refused the first bytes), `weights.hash` (torch.hub's
 * rule or `md5` refused the bytes), `weights.cancelled`, `weights.timeout`, `weights.offline`,
 * `weights.network`, `weights.write` (the cache folder is not writable).
 */
export async function downloadToCache(o: DownloadOptions): Promise<Result<Downloaded>> {
  const prefix = o.codePrefix ?? 'weights';
  let url: URL;
  try {
    url = new URL(o.url);
  } catch {
    return errResult(`${prefix}.url`, `${JSON.stringify(o.url)} is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return errResult(
      `${prefix}.url`,
      `${o.url} is a ${url.protocol} URL; files are downloaded only over http or https.`,
    );
  const finalPath = join(o.dir, o.fileName);
  const tmp = join(o.dir, `${o.fileName}${PART_SUFFIX}${randomBytes(6).toString('hex')}`);
  await sweepStaleParts(o.dir, o.fileName);

  let req: http.ClientRequest | undefined;
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  let received = 0;
  try {
    const started = Date.now();
    const res = await get(url, o, o.maxRedirects ?? 5, (r) => (req = r));
    const lengthHeader = res.headers['content-length'];
    const contentLength = lengthHeader !== undefined ? Number(lengthHeader) : null;
    if (contentLength !== null && contentLength > o.maxBytes) {
      res.destroy();
      throw new DownloadError(
        'tooLarge',
        `${url.host} says ${o.fileName} is ${mb(contentLength)}, more than the ${mb(o.maxBytes)} accepted for it, so it was not downloaded.`,
      );
    }
    if (o.expectedBytes != null && contentLength !== null && contentLength !== o.expectedBytes) {
      res.destroy();
      throw new DownloadError(
        'size',
        `${url.host} says ${o.fileName} is ${contentLength} bytes, but it should be ${o.expectedBytes}; it was not downloaded.`,
      );
    }
    const total = o.expectedBytes ?? contentLength;

    try {
      handle = await open(tmp, 'wx', 0o644);
    } catch (e) {
      res.destroy();
      throw new DownloadError(
        'write',
        `The ${o.cacheNoun ?? 'weights cache'} ${o.dir} is not writable: ${(e as Error).message}.`,
      );
    }
    const sha = createHash('sha256');
    const md5 = createHash('md5');
    let head: Buffer | null = o.checkStart ? Buffer.alloc(0) : null;
    const checkHead = () => {
      const why = o.checkStart!(head!);
      head = null;
      if (why) {
        res.destroy();
        throw new DownloadError(
          'content',
          `${url.host} did not send ${o.fileName}: ${why}; nothing was cached.`,
        );
      }
    };
    const interval = o.progressIntervalMs ?? 250;
    let lastReport = 0;
    const report = (force: boolean) => {
      if (!o.onProgress) return;
      const now = Date.now();
      if (!force && now - lastReport < interval) return;
      lastReport = now;
      const seconds = Math.max((now - started) / 1000, 1e-3);
      const rate = received / seconds;
      o.onProgress({
        receivedBytes: received,
        totalBytes: total,
        bytesPerSecond: rate,
        secondsLeft: total !== null && rate > 0 ? Math.max(0, (total - received) / rate) : null,
      });
    };
    report(true);
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        received += chunk.length;
        if (received > o.maxBytes || (o.expectedBytes != null && received > o.expectedBytes)) {
          res.destroy();
          throw new DownloadError(
            received > o.maxBytes ? 'tooLarge' : 'size',
            `${o.fileName} grew past ${received > o.maxBytes ? `the ${mb(o.maxBytes)} accepted for it` : `its expected ${o.expectedBytes} bytes`}, so the download was stopped; nothing was cached.`,
          );
        }
        if (head) {
          head = Buffer.concat([head, chunk.subarray(0, 16 - head.length)]);
          if (head.length >= 16) checkHead();
        }
        sha.update(chunk);
        md5.update(chunk);
        await handle.write(chunk).catch((err: Error) => {
          res.destroy();
          throw new DownloadError(
            'write',
            `${o.fileName} could not be written to the ${o.cacheNoun ?? 'weights cache'} ${o.dir}: ${err.message}; nothing was cached.`,
          );
        });
        report(false);
      }
    } catch (e) {
      if (e instanceof DownloadError) throw e;
      if (o.signal?.aborted)
        throw new DownloadError(
          'cancelled',
          `The download of ${o.fileName} was cancelled; nothing was cached.`,
        );
      throw new DownloadError(
        'interrupted',
        `The download of ${o.fileName} stopped after ${received} of ${total ?? 'an unknown number of'} bytes (${(e as Error).message}); nothing was cached. Run the same command again to start over.`,
      );
    }
    if (!res.complete || (contentLength !== null && received !== contentLength))
      throw new DownloadError(
        'interrupted',
        `The download of ${o.fileName} stopped after ${received} of ${total ?? 'an unknown number of'} bytes (the connection closed); nothing was cached. Run the same command again to start over.`,
      );
    if (o.expectedBytes != null && received !== o.expectedBytes)
      throw new DownloadError(
        'size',
        `${o.fileName} arrived with ${received} bytes, but it should be ${o.expectedBytes}; nothing was cached.`,
      );
    if (head) checkHead();
    report(true);
    const digest = sha.digest('hex');
    const md5Digest = md5.digest('hex');
    if (o.md5 !== undefined && md5Digest !== o.md5.toLowerCase())
      throw new DownloadError(
        'hash',
        `${o.fileName} was refused: its MD5 is ${md5Digest}, but it should be ${o.md5.toLowerCase()}. The file is damaged or not the one expected; nothing was cached.`,
      );
    const prefix = o.hashRule ? hashPrefixOf(o.fileName) : null;
    if (prefix !== null && !digest.startsWith(prefix))
      throw new DownloadError(
        'hash',
        `${o.fileName} was refused: its sha256 is ${digest}, but its name says the sha256 starts with ${prefix} (torch.hub's rule). The file is damaged or not the one the name promises; nothing was cached.`,
      );
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, finalPath);
    return okResult({ path: finalPath, bytes: received, sha256: digest, md5: md5Digest });
  } catch (e) {
    if (e instanceof DownloadError) return errResult(`${prefix}.${e.code}`, e.message);
    throw e;
  } finally {
    req?.destroy();
    await handle?.close().catch(() => {});
    await rm(tmp, { force: true });
  }
}
