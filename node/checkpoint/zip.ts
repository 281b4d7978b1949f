/**
 * The central directory of a zip archive, read strictly and with bounds, for torch.save's zip
 * format. torch writes every entry STORED (uncompressed, data aligned to 64 bytes), so a STORED
 * entry is a view of the file's bytes, never a copy; a DEFLATE entry (an archive repacked by a zip
 * tool) is inflated only when its declared size is under the limit, and with that size as a hard
 * cap on the output, so a zip bomb costs no more memory than the limit. A reader of our own
 * because the needed subset (central directory, zip64 sizes, two methods) is short and a package
 * would add a dependency without removing any check written here.
 */
import { inflateRawSync } from 'node:zlib';
import { errResult, okResult, type Result } from '../../core/run/types';

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** Whether bytes start like a zip archive (`PK\x03\x04`). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return (
    bytes.byteLength >= 4 &&
    bytes[0] === 0x50 &&
    bytes[1] === 0x4b &&
    bytes[2] === 3 &&
    bytes[3] === 4
  );
}

/**
 * Lists a zip archive's entries from its central directory. Every size and offset is checked
 * against the file's length before anything is read. Errors: `weights.format` (no or damaged
 * directory), `weights.truncated` (offsets past the end).
 */
export function readZipDirectory(bytes: Uint8Array, source: string): Result<ZipEntry[]> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength;
  const damaged = (what: string) =>
    errResult<ZipEntry[]>(
      'weights.format',
      `${source} is a zip archive whose ${what}; it is damaged or not a PyTorch checkpoint.`,
    );
  let eocd = -1;
  for (let i = n - 22; i >= Math.max(0, n - 22 - 65535); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0)
    return errResult(
      'weights.truncated',
      `${source} starts like a zip archive (a PyTorch checkpoint) but has no end-of-archive record; it is truncated or damaged.`,
    );
  let count = view.getUint16(eocd + 10, true);
  let cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  if (eocd >= 20 && view.getUint32(eocd - 20, true) === ZIP64_LOCATOR) {
    const at = view.getBigUint64(eocd - 20 + 8, true);
    if (at > BigInt(n - 56)) return damaged('zip64 record lies outside the file');
    const z = Number(at);
    if (view.getUint32(z, true) !== ZIP64_EOCD) return damaged('zip64 record is missing');
    const c = view.getBigUint64(z + 32, true);
    const s = view.getBigUint64(z + 40, true);
    const o = view.getBigUint64(z + 48, true);
    if (c > BigInt(n) || s > BigInt(n) || o > BigInt(n))
      return damaged('zip64 record declares sizes beyond the file');
    count = Number(c);
    cdSize = Number(s);
    cdOffset = Number(o);
  }
  if (cdOffset + cdSize > n)
    return errResult(
      'weights.truncated',
      `${source} is truncated: its zip directory ends at byte ${cdOffset + cdSize} of a ${n}-byte file.`,
    );
  if (count * 46 > cdSize)
    return damaged(`directory of ${cdSize} bytes cannot hold the ${count} entries it declares`);
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  const names = new TextDecoder('utf-8');
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdOffset + cdSize || view.getUint32(p, true) !== CENTRAL)
      return damaged(`directory entry ${i} is damaged`);
    const method = view.getUint16(p + 10, true);
    let compressedSize = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    let localHeaderOffset = view.getUint32(p + 42, true);
    const end = p + 46 + nameLength + extraLength + commentLength;
    if (end > cdOffset + cdSize) return damaged(`directory entry ${i} runs past the directory`);
    const name = names.decode(bytes.subarray(p + 46, p + 46 + nameLength));
    // zip64 extra field: the 0xFFFFFFFF fields, in order size, compressed size, offset.
    let x = p + 46 + nameLength;
    const xEnd = x + extraLength;
    while (x + 4 <= xEnd) {
      const id = view.getUint16(x, true);
      const len = view.getUint16(x + 2, true);
      if (id === 1) {
        let q = x + 4;
        const next = () => {
          if (q + 8 > x + 4 + len) return -1;
          const v = view.getBigUint64(q, true);
          q += 8;
          return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
        if (size < 0 || compressedSize < 0 || localHeaderOffset < 0)
          return damaged(`entry ${name} has a short zip64 field`);
      }
      x += 4 + len;
    }
    if (localHeaderOffset + 30 + compressedSize > n)
      return errResult(
        'weights.truncated',
        `${source} is truncated: its zip entry ${name} declares ${compressedSize} bytes at byte ${localHeaderOffset}, past the end of the ${n}-byte file.`,
      );
    entries.push({ name, method, compressedSize, size, localHeaderOffset });
    p = end;
  }
  return okResult(entries);
}

/**
 * The bytes of one entry: a view for STORED entries, inflated for DEFLATE ones whose declared size
 * is at most `maxBytes` (and never more than declared). Errors: `weights.tooLarge`,
 * `weights.truncated`, `weights.format`.
 */
export function zipEntryBytes(
  bytes: Uint8Array,
  entry: ZipEntry,
  source: string,
  maxBytes: number,
): Result<Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  if (view.getUint32(at, true) !== LOCAL)
    return errResult(
      'weights.format',
      `${source}: the zip entry ${entry.name} has no local header where the directory says; the file is damaged.`,
    );
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (start + entry.compressedSize > bytes.byteLength)
    return errResult(
      'weights.truncated',
      `${source} is truncated: its zip entry ${entry.name} ends at byte ${start + entry.compressedSize} of a ${bytes.byteLength}-byte file.`,
    );
  const raw = bytes.subarray(start, start + entry.compressedSize);
  if (entry.size > maxBytes)
    return errResult(
      'weights.tooLarge',
      `${source}: the zip entry ${entry.name} declares ${entry.size.toLocaleString('en-US')} bytes, over the limit of ${maxBytes.toLocaleString('en-US')}; it was not read.`,
    );
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size)
      return errResult(
        'weights.format',
        `${source}: the stored zip entry ${entry.name} has two different sizes; the file is damaged.`,
      );
    return okResult(raw);
  }
  if (entry.method !== 8)
    return errResult(
      'weights.format',
      `${source}: the zip entry ${entry.name} is compressed with method ${entry.method}; PyTorch checkpoints are stored uncompressed (or DEFLATE).`,
    );
  let out: Buffer;
  try {
    out = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
  } catch (e) {
    const tooBig = e instanceof RangeError || /maxOutputLength|buffer/i.test((e as Error).message);
    return errResult(
      tooBig ? 'weights.tooLarge' : 'weights.format',
      tooBig
        ? `${source}: the zip entry ${entry.name} inflates to more than the ${entry.size.toLocaleString('en-US')} bytes it declares (a zip bomb or a damaged file); it was refused.`
        : `${source}: the zip entry ${entry.name} cannot be inflated (${(e as Error).message}); the file is damaged.`,
    );
  }
  if (out.byteLength !== entry.size)
    return errResult(
      'weights.truncated',
      `${source}: the zip entry ${entry.name} inflates to ${out.byteLength} bytes, not the ${entry.size} it declares.`,
    );
  return okResult(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
}
