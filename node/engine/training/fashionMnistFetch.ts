/**
 * Where Fashion-MNIST's four gzip IDX files are: a folder the user named, Debian's
 * dataset-fashion-mnist, the app's cache, or (when asked) downloaded into the cache from the
 * location torchvision 0.14's `FashionMNIST` downloads from (its `mirrors` and `resources`: file
 * names and MD5s), through node/weights/download.ts (bounded size, exclusive temporary file,
 * atomic rename, so a cached file is always whole and checked).
 *
 * Debian's files are not byte-identical to torchvision's: Debian's packaging rewrote the gzip
 * headers (no stored file name, its own timestamp), so each is 23 or 24 bytes shorter (the length
 * of the name and its NUL) and its MD5 differs. Local folders are therefore checked by the IDX
 * reader (fashionMnist.ts), not by MD5; the MD5s guard only what is downloaded.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { errResult, okResult, type Result } from '../../../core/run/types';
import { downloadToCache, type DownloadProgress } from '../../weights/download';
import { DEBIAN_FASHION_MNIST_DIR, FASHION_MNIST_FILES } from './fashionMnist';
import { makeFolders } from '../../host/makeFolders';

/** torchvision 0.14 `FashionMNIST.mirrors`: where the files are downloaded from. */
export const FASHION_MNIST_MIRROR = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

/**
 * torchvision 0.14 `FashionMNIST.resources` (file name, MD5), with each file's size in bytes
 * (Debian's size plus the gzip header's stored name and its NUL, which Debian's files lack).
 */
export const FASHION_MNIST_RESOURCES: readonly {
  readonly file: string;
  readonly md5: string;
  readonly bytes: number;
}[] = [
  {
    file: FASHION_MNIST_FILES.trainImages,
    md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
    bytes: 26_421_880,
  },
  { file: FASHION_MNIST_FILES.trainLabels, md5: '25c81989df183df01b3e8a0aad5dffbe', bytes: 29_515 },
  {
    file: FASHION_MNIST_FILES.testImages,
    md5: 'bef4ecab320f06d8554ea6380940ec79',
    bytes: 4_422_102,
  },
  { file: FASHION_MNIST_FILES.testLabels, md5: 'bb300cfdad3c16e7a12a480ee83cd310', bytes: 5_148 },
];

/** The cache folder under the app's home: `<home>/datasets/fashion-mnist`. */
export function fashionMnistCacheDir(home: string): string {
  return path.join(home, 'datasets', 'fashion-mnist');
}

/** Progress of one file of the download. */
export interface FashionMnistProgress extends DownloadProgress {
  readonly file: string;
  /** 1-based position of the file among those being downloaded, and their number. */
  readonly index: number;
  readonly of: number;
}

export interface LocateOptions {
  /** A folder the user named: used when it holds the four files, an error otherwise. */
  readonly dir?: string;
  /** The app's home folder; the cache is `<home>/datasets/fashion-mnist`. */
  readonly home: string;
  /** Download the missing files into the cache when no folder has them (default false). */
  readonly download?: boolean;
  /** Where to download from (default torchvision's mirror); a trailing slash is added. */
  readonly baseUrl?: string;
  /** Debian's folder (default /usr/share/datasets/fashion-mnist); tests point it elsewhere. */
  readonly systemDir?: string;
  /**
   * The files' MD5s and sizes (default torchvision's, FASHION_MNIST_RESOURCES); tests serve their
   * own bytes, which cannot have torchvision's MD5s.
   */
  readonly resources?: typeof FASHION_MNIST_RESOURCES;
  readonly onProgress?: (p: FashionMnistProgress) => void;
  readonly signal?: AbortSignal;
}

const regularFile = async (p: string): Promise<boolean> => {
  try {
    const s = await stat(p);
    if (!s.isFile()) return false;
    await access(p, constants.R_OK);
    return true;
  } catch {
    return false;
  }
};

/** The four file names missing (or not regular readable files) in `dir`. */
async function missingFiles(dir: string): Promise<string[]> {
  const names = Object.values(FASHION_MNIST_FILES);
  const present = await Promise.all(names.map((f) => regularFile(path.join(dir, f))));
  return names.filter((_, i) => !present[i]);
}

/**
 * The folder holding Fashion-MNIST's four gzip IDX files: `opts.dir` when given (which must hold
 * them), else Debian's /usr/share/datasets/fashion-mnist/, else `<home>/datasets/fashion-mnist`,
 * else, with `download`, that cache after downloading the missing files from `baseUrl` (each
 * checked against torchvision's MD5 and size; a gzip file must start with 1f 8b, so an HTML page
 * is refused on its first bytes). The files' contents are checked when they are read
 * (loadFashionMnist). Errors: `data.missing` (no folder has the files and `download` is off, or
 * `dir` lacks some), `data.download.*` (the download's code: `hash`, `size`, `content`,
 * `interrupted`, `offline`, `http`, `write`, …; whatever was refused is not cached).
 */
export async function locateFashionMnist(opts: LocateOptions): Promise<Result<string>> {
  if (opts.dir !== undefined) {
    const dir = path.resolve(opts.dir);
    const missing = await missingFiles(dir);
    if (!missing.length) return okResult(dir);
    return errResult(
      'data.missing',
      `${dir} does not hold Fashion-MNIST: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing or not a readable file${missing.length === 1 ? '' : 's'} (the four files are ${Object.values(FASHION_MNIST_FILES).join(', ')}).`,
    );
  }
  const system = opts.systemDir ?? DEBIAN_FASHION_MNIST_DIR;
  if (!(await missingFiles(system)).length) return okResult(system);
  const cache = fashionMnistCacheDir(opts.home);
  const missing = await missingFiles(cache);
  if (!missing.length) return okResult(cache);
  if (!opts.download)
    return errResult(
      'data.missing',
      `Fashion-MNIST was not found in ${system} or ${cache}. Install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist), put the four IDX files in ${cache}, or allow the download (about 30 MB from ${new URL(opts.baseUrl ?? FASHION_MNIST_MIRROR).host}).`,
    );
  try {
    await makeFolders(cache);
  } catch (e) {
    return errResult(
      'data.download.write',
      `The dataset cache ${cache} could not be created: ${(e as Error).message}.`,
    );
  }
  const base = (opts.baseUrl ?? FASHION_MNIST_MIRROR).replace(/\/*$/, '/');
  const wanted = (opts.resources ?? FASHION_MNIST_RESOURCES).filter((r) =>
    missing.includes(r.file),
  );
  for (const [i, r] of wanted.entries()) {
    const got = await downloadToCache({
      url: new URL(r.file, base).href,
      dir: cache,
      fileName: r.file,
      expectedBytes: r.bytes,
      maxBytes: r.bytes,
      hashRule: false,
      md5: r.md5,
      checkStart: gzipStart,
      codePrefix: 'data.download',
      cacheNoun: 'dataset cache',
      elsewhere: `Install Debian's dataset-fashion-mnist instead, or copy the four files into ${cache}.`,
      signal: opts.signal,
      onProgress: opts.onProgress
        ? (p) => opts.onProgress!({ ...p, file: r.file, index: i + 1, of: wanted.length })
        : undefined,
    });
    if (!got.ok) return got;
  }
  return okResult(cache);
}

/** Why `head` is not the start of a gzip file (magic 1f 8b), or null. */
function gzipStart(head: Buffer): string | null {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return null;
  const text = head.toString('latin1').trimStart().toLowerCase();
  if (text.startsWith('<'))
    return 'it sent an HTML page instead of the gzip file (a login page, a proxy or an error page)';
  return 'what it sent does not start like a gzip file (bytes 1f 8b)';
}
