/**
 * A term's explanation where the term appears: a small "?" button beside it that opens the
 * paragraph (core/model/glossary.ts) and its source below, and closes on a second press or Escape.
 */
import { useEffect, useId, useState } from 'react';
import { glossaryEntry, type GlossaryTermId } from '../../core/model/glossary';

export function TermHelp({ term }: { term: GlossaryTermId }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const entry = glossaryEntry(term);
  // An opened paragraph near the bottom of a scrolling panel is brought into view (the panel
  // scrolls; the page never does).
  useEffect(() => {
    if (open) document.getElementById(id)?.scrollIntoView?.({ block: 'nearest' });
  }, [open, id]);
  return (
    <>
      <button
        type="button"
        className="term-help nodrag"
        aria-expanded={open}
        aria-controls={id}
        aria-label={`What is ${entry.term}?`}
        title={`What is ${entry.term}?`}
        onClick={(e) => {
          // Inside a label, a click would also toggle the field it labels.
          e.preventDefault();
          setOpen((o) => !o);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && open) {
            e.stopPropagation();
            setOpen(false);
          }
        }}
      >
        ?
      </button>
      {open && <TermParagraph id={id} term={term} />}
    </>
  );
}

/** The paragraph of a term with its source, as the help sheet and the fields show it. */
export function TermParagraph({ term, id }: { term: GlossaryTermId; id?: string }) {
  const entry = glossaryEntry(term);
  return (
    <div className="term-text" id={id} role="note" aria-label={entry.term}>
      <p>
        <strong>{entry.term}.</strong> {entry.text}
      </p>
      <p className="term-source">Source: {entry.source}</p>
    </div>
  );
}
