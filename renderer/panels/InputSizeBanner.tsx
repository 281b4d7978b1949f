/** One banner, above the graph, when the input size no longer fits the preset's fixed-size modules (core/analysis/inputSizeNotice.ts), with the fix as a button. */
import { useEffect } from 'react';
import { inputSizeNotice } from '../../core/analysis/inputSizeNotice';
import { viewport } from '../app/commands';
import { useDerived } from '../state/derived';
import { appStore, useApp, type AppState } from '../state/store';

const selectDesign = (s: AppState) => s.design;

export function InputSizeBanner() {
  const design = useApp(selectDesign);
  const { analysis } = useDerived();
  const notice = inputSizeNotice(design, analysis.issues);
  const shown = notice !== null;
  // The banner takes its line from the canvas: fit the graph again to the room that is left (and
  // given back), or its bottom row would slide under the totals bar.
  useEffect(() => {
    const frame = requestAnimationFrame(() => viewport.fitView());
    return () => cancelAnimationFrame(frame);
  }, [shown]);
  if (!notice) return null;
  const { height, width } = notice.presetSize;
  return (
    <div className="input-size-banner" role="status" data-testid="input-size-banner">
      <span>{notice.message}</span>
      <button
        type="button"
        onClick={() => {
          const s = appStore.getState();
          s.setInput('height', height);
          s.setInput('width', width);
        }}
      >
        Use {height}×{width}
      </button>
    </div>
  );
}
