import { describe, expect, it } from 'vitest';
import { fetchFraction, fetchProgressText, formatSeconds } from './fetchProgress';

describe('download progress in words', () => {
  it('says bytes of total, rate and time left, leaving out what is not known', () => {
    expect(
      fetchProgressText({
        receivedBytes: 12 * 1024 ** 2,
        totalBytes: 50 * 1024 ** 2,
        bytesPerSecond: 3 * 1024 ** 2,
        secondsLeft: 12.4,
      }),
    ).toBe('12.0 MiB of 50.0 MiB · 3.0 MiB/s · 12 s left');
    expect(
      fetchProgressText({
        receivedBytes: 2048,
        totalBytes: null,
        bytesPerSecond: 0,
        secondsLeft: null,
      }),
    ).toBe('2.0 KiB');
  });

  it('formats seconds, minutes and hours', () => {
    expect([
      formatSeconds(0),
      formatSeconds(59.4),
      formatSeconds(185),
      formatSeconds(3720),
    ]).toEqual(['0 s', '59 s', '3 min 5 s', '1 h 2 min']);
  });

  it('gives the fraction done only when the size is known', () => {
    expect(
      fetchFraction({ receivedBytes: 5, totalBytes: 10, bytesPerSecond: 1, secondsLeft: 5 }),
    ).toBe(0.5);
    expect(
      fetchFraction({ receivedBytes: 5, totalBytes: null, bytesPerSecond: 1, secondsLeft: null }),
    ).toBeNull();
  });
});
