/** What a run loaded from its weights file: N of M tensors, the loader's notes, and the fresh tensors on demand. */
import type { WeightsLoadSummary } from '../../core/run/types';
import { NoteText } from '../help/NoteText';
import { freshWeightsLine, weightsSummaryLine } from '../../core/weights/loadSummary';

export function WeightsSummary({ summary }: { summary: WeightsLoadSummary }) {
  const fresh = freshWeightsLine(summary);
  return (
    <section className="weights-summary" aria-label="Weights loaded" data-testid="weights-summary">
      <h3>Weights</h3>
      <p className={summary.loaded === summary.total ? 'ok' : 'notice'}>
        {summary.loaded === summary.total ? '✓ ' : ''}
        <NoteText text={weightsSummaryLine(summary)} />
      </p>
      {fresh && (
        <p className="small">
          <NoteText text={fresh} />
        </p>
      )}
      {summary.notes.length > 0 && (
        <ul className="fallbacks" aria-label="How the weights file was read">
          {summary.notes.map((n) => (
            <li key={n}>
              <NoteText text={n} />
            </li>
          ))}
        </ul>
      )}
      {summary.reinitialized.length > 0 && (
        <details>
          <summary>
            Show the {summary.reinitialized.length} tensor
            {summary.reinitialized.length === 1 ? '' : 's'} with fresh weights
          </summary>
          <ul className="mono small fresh-keys" aria-label="Tensors with fresh weights">
            {summary.reinitialized.map((k) => (
              <li key={k}>{k}</li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
