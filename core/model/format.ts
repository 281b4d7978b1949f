/** Number and shape formatting shared by every view of the analysis. */

/** 13389064 → "13,389,064". */
export function formatInt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.round(n).toLocaleString('en-US');
}

/** A value as the user typed it, for messages: strings quoted, long values cut. */
export function formatGot(value: unknown): string {
  // An emptied field reads better in words than as "".
  if (typeof value === 'string' && value.trim() === '') return 'an empty value';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number')
    return Number.isInteger(value) && Math.abs(value) < 1e15 ? formatInt(value) : String(value);
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value))
    return `[${value.slice(0, 6).map(formatGot).join(', ')}${value.length > 6 ? ', …' : ''}]`;
  if (typeof value === 'boolean') return String(value);
  return typeof value;
}

/** [3, 64, 112, 112] → "3×64×112×112". */
export function formatShape(shape: readonly number[] | null | undefined): string {
  return shape ? shape.join('×') : '—';
}

/**
 * A batched shape with its batch set apart from the channels, so a batch of 3 is not read as 3
 * channels: [3, 3, 224, 224] → "N=3 · 3×224×224"; a shape of one dimension or none as `formatShape`.
 */
export function formatBatchShape(shape: readonly number[] | null | undefined): string {
  if (!shape || shape.length < 2) return formatShape(shape);
  return `N=${shape[0]} · ${shape.slice(1).join('×')}`;
}

/** 1569826816 → "1.57 G"; 7008824 → "7.01 M"; 9600 → "9.6 K". */
export function formatCompact(n: number, digits = 3): string {
  const abs = Math.abs(n);
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [size, unit] of units) {
    if (abs >= size) return `${Number((n / size).toPrecision(digits))} ${unit}`;
  }
  return String(Math.round(n));
}

/** Bytes as "12.3 MiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** A signed change with its percentage, e.g. "+1.2 M (+9 %)". */
export function formatDelta(now: number, base: number): string {
  const d = now - base;
  const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
  const pct =
    base === 0
      ? ''
      : ` (${sign}${Math.abs((d / base) * 100).toFixed(Math.abs(d / base) < 0.1 ? 1 : 0)} %)`;
  return `${sign}${formatCompact(Math.abs(d))}${pct}`;
}
