/**
 * A note or message from core or the engine, with its `code` spans shown as code (core/model/noteText.ts):
 * the one renderer for note text, so no panel shows literal backticks.
 */
import { noteSegments } from '../../core/model/noteText';

export function NoteText({ text }: { text: string }) {
  return <>{noteSegments(text).map((s, i) => (s.code ? <code key={i}>{s.text}</code> : s.text))}</>;
}
