/**
 * The one message of the status line (saved, opened, failed to …). An information fades after
 * NOTICE_FADE_MS; an error stays until dismissed. It sits beside the canvas's zoom buttons, never
 * over them.
 */
import { useEffect } from 'react';
import { NoteText } from '../help/NoteText';
import { appStore, useApp, type AppState } from '../state/store';

/** How long an information stays, milliseconds. */
export const NOTICE_FADE_MS = 5000;

const selectNotice = (s: AppState) => s.notice;

export function Toast() {
  const notice = useApp(selectNotice);
  useEffect(() => {
    if (!notice || notice.tone === 'error') return;
    const timer = setTimeout(() => {
      // Only this message: a newer one gets its own time.
      if (appStore.getState().notice === notice) appStore.setState({ notice: null });
    }, NOTICE_FADE_MS);
    return () => clearTimeout(timer);
  }, [notice]);
  if (!notice) return null;
  return (
    <div
      className={`toast ${notice.tone}`}
      role={notice.tone === 'error' ? 'alert' : 'status'}
      // Restart the fade animation for each message.
      key={notice.text}
    >
      <span>
        <NoteText text={notice.text} />
      </span>
      <button
        type="button"
        aria-label="Dismiss message"
        onClick={() => appStore.setState({ notice: null })}
      >
        ✕
      </button>
    </div>
  );
}
