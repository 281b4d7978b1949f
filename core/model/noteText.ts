/**
 * Notes and messages mark names with backticks as inline code (`module.0.weight`), the way a
 * Markdown reader shows them. The app renders those spans as code, and plain-text outputs drop
 * the marks; both go through here so no place shows a literal backtick.
 */

/** One piece of a note: plain text, or a name to show as code. */
export interface NoteSegment {
  readonly text: string;
  readonly code: boolean;
}

/**
 * A note split into plain text and `code` spans: each pair of backticks encloses one code span
 * (the marks removed). An unpaired backtick stays as plain text, so nothing is lost; an empty
 * pair (``) is kept as written.
 */
export function noteSegments(note: string): NoteSegment[] {
  const out: NoteSegment[] = [];
  let plain = '';
  let i = 0;
  while (i < note.length) {
    const open = note.indexOf('`', i);
    const close = open < 0 ? -1 : note.indexOf('`', open + 1);
    if (open < 0 || close < 0 || close === open + 1) {
      const end = open < 0 || close < 0 ? note.length : close + 1;
      plain += note.slice(i, end);
      i = end;
      continue;
    }
    plain += note.slice(i, open);
    if (plain) out.push({ text: plain, code: false });
    plain = '';
    out.push({ text: note.slice(open + 1, close), code: true });
    i = close + 1;
  }
  if (plain) out.push({ text: plain, code: false });
  return out;
}

/** A note as plain text: the code spans' backticks removed (for a status line or a title). */
export function plainNote(note: string): string {
  return noteSegments(note)
    .map((s) => s.text)
    .join('');
}
