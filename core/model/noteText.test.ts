import { describe, expect, it } from 'vitest';
import { noteSegments, plainNote } from './noteText';

describe('noteSegments', () => {
  it('splits code spans out of a weights-mapping note, without their backticks', () => {
    expect(noteSegments("Renamed the checkpoint's `fc` to the design's `classifier` (x).")).toEqual(
      [
        { text: "Renamed the checkpoint's ", code: false },
        { text: 'fc', code: true },
        { text: " to the design's ", code: false },
        { text: 'classifier', code: true },
        { text: ' (x).', code: false },
      ],
    );
  });

  it('keeps text without backticks, an unpaired backtick and an empty pair as written', () => {
    expect(noteSegments('plain')).toEqual([{ text: 'plain', code: false }]);
    expect(noteSegments('a ` b')).toEqual([{ text: 'a ` b', code: false }]);
    expect(noteSegments('a `` b `c`')).toEqual([
      { text: 'a `` b ', code: false },
      { text: 'c', code: true },
    ]);
    expect(noteSegments('')).toEqual([]);
  });

  it('gives the plain text of a note', () => {
    expect(plainNote('Stripped the prefix `module.` from 10 keys.')).toBe(
      'Stripped the prefix module. from 10 keys.',
    );
  });
});
