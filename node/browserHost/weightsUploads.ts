/** Weights files a page uploads to the browser host (dropped on the window or picked from the computer). */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { isWeightsFileName, notWeightsMessage, type WeightsFile } from '../../core/host/contract';
import { errResult, okResult, type Result } from '../../core/run/types';
import { writeFileAtomic } from '../host/atomicFile';

/**
 * A safe file name for an upload called `name`: its stem reduced to letters, digits, `.`, `-`
 * and `_` (at most 80), a random tag so two uploads never overwrite each other, and its own
 * weights extension in lower case. `googlenet (1).PTH` → `googlenet-1-3fa9c2.pth`.
 */
export function uploadFileName(name: string, tag: string = randomBytes(3).toString('hex')): string {
  const ext = extname(name).toLowerCase();
  const stem = basename(name, extname(name))
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 80);
  return `${stem || 'weights'}-${tag}${ext}`;
}

/** Keeps an uploaded weights file in `dir` (created when missing), atomically, under a safe unique name. */
export async function saveWeightsUpload(
  dir: string,
  name: string,
  bytes: Uint8Array,
): Promise<Result<WeightsFile>> {
  const shown = basename(name).slice(0, 200);
  if (!isWeightsFileName(shown))
    return errResult('weights.notWeightsFile', notWeightsMessage(shown));
  if (bytes.length === 0)
    return errResult('upload.empty', `${shown} is empty (0 bytes); it holds no weights.`);
  const path = join(dir, uploadFileName(shown));
  try {
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(path, bytes);
  } catch (e) {
    return errResult(
      'upload.write',
      `${shown} could not be kept in ${dir}: ${(e as Error).message}.`,
    );
  }
  return okResult({ path, name: shown });
}
