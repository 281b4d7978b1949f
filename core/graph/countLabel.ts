/**
 * The short form of a template's count label, for a node's count cell at reduced zoom, where a
 * cell is about 30 screen pixels wide: "3×3 reduce" → "3×3r", "3×3 dbl reduce" → "3×3dr",
 * "Pool proj" → "pool", "3×3 /2 (a)" → "3×3/2a". The full label (and the template's doc) stays
 * in the cell's tooltip; the exported SVG shows the full label, cut to its cell.
 */
export function shortCountLabel(label: string): string {
  const lower = label.replace(/^#/, '');
  if (/^pool (proj|features)$/i.test(lower)) return 'pool';
  // "Double 3×3 reduce" (BN-Inception's words) reads as "3×3 dbl reduce".
  const words = lower
    .replace(/^double (\S+)/i, '$1 dbl')
    .split(/\s+/)
    .filter(Boolean);
  const [head, ...rest] = words;
  // Only a kernel-named label ("3×3 …", "1×3 ‖ 3×1") is abbreviated; a word label ("Filters",
  // "Hidden units", "FC") keeps its first word.
  if (!/^\d+(×\d+)+,?$/.test(head ?? '')) return head ?? '';
  const tail = rest
    .map((w) => {
      if (w === 'reduce') return 'r';
      if (w === 'dbl') return 'd';
      if (w === '1st') return '1';
      if (w === '2nd,') return '2,';
      if (w === '2nd') return '2';
      if (w === '3rd') return '3';
      if (w === 'filters') return '';
      if (w === 'channels') return 'c';
      return w.replace(/[()]/g, '');
    })
    .join('');
  return head + tail;
}

/**
 * A count's explanation for its tooltip: the template's full label, what the count is in the
 * template's words (its parameter's `doc`), and the parameter's name, e.g. "3×3 reduce: 1×1 filters
 * that reduce channels before the 3×3 convolution. (red_3x3)".
 */
export function countExplanation(c: {
  readonly label: string;
  readonly doc: string;
  readonly field: string;
}): string {
  return `${c.label}${c.doc ? `: ${c.doc}` : ''} (${c.field})`;
}
