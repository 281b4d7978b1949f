/** Words for a download in progress, shared by the command line and the app. */
import { formatBytes } from '../model/format';

/** What a download has done so far (node/weights/download.ts reports it a few times a second). */
export interface FetchProgress {
  readonly receivedBytes: number;
  /** null until the size is known. */
  readonly totalBytes: number | null;
  readonly bytesPerSecond: number;
  /** null while the size or the rate is unknown. */
  readonly secondsLeft: number | null;
}

/** "12.0 MiB of 49.7 MiB · 3.1 MiB/s · 12 s left" (parts that are not known yet are left out). */
export function fetchProgressText(p: FetchProgress): string {
  const parts = [
    p.totalBytes !== null
      ? `${formatBytes(p.receivedBytes)} of ${formatBytes(p.totalBytes)}`
      : formatBytes(p.receivedBytes),
  ];
  if (p.bytesPerSecond > 0) parts.push(`${formatBytes(p.bytesPerSecond)}/s`);
  if (p.secondsLeft !== null && Number.isFinite(p.secondsLeft))
    parts.push(`${formatSeconds(p.secondsLeft)} left`);
  return parts.join(' · ');
}

/** 42 s, 3 min 5 s, 1 h 2 min. */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** The fraction done, 0..1, or null while the size is unknown. */
export function fetchFraction(p: FetchProgress): number | null {
  if (p.totalBytes === null || p.totalBytes <= 0) return null;
  return Math.min(1, p.receivedBytes / p.totalBytes);
}
