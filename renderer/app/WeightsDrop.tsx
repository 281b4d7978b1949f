/**
 * Dropping a weights file anywhere on the window sets it as the design's weights: Electron lets
 * runs read it where it is, the browser host uploads it. While files are dragged over the window
 * an overlay says what it takes; anything else dropped is refused with what it accepts.
 */
import { useEffect, useState } from 'react';
import { WEIGHTS_EXTENSIONS } from '../../core/host/contract';
import { useHost } from '../host/host';
import { appStore } from '../state/store';

const carriesFiles = (e: DragEvent) => Boolean(e.dataTransfer?.types.includes('Files'));

export function WeightsDrop() {
  const host = useHost();
  const [over, setOver] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  useEffect(() => {
    let depth = 0;
    const enter = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      depth++;
      setOver(true);
    };
    const leave = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setOver(false);
    };
    const dragOver = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      // Without this the browser opens the dropped file in place of the app.
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const drop = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setOver(false);
      const file = e.dataTransfer?.files[0];
      if (!file) return;
      setBusy(file.name);
      void host.dropWeights(file).then((r) => {
        setBusy(null);
        const s = appStore.getState();
        if (!r.ok) s.notify(r.error.message, 'error');
        else {
          s.setWeights(r.value.path);
          s.setSideTab('run');
          s.notify(`Weights file set: ${r.value.name}. Run to load it.`);
        }
      });
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', dragOver);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', dragOver);
      window.removeEventListener('drop', drop);
    };
  }, [host]);
  if (!over && !busy) return null;
  return (
    <div className="drop-overlay" role="status" aria-live="polite" data-testid="drop-overlay">
      <p>
        {busy
          ? `Reading ${busy}…`
          : `Drop a weights file (${WEIGHTS_EXTENSIONS.join(', ')}) to load it into this design.`}
      </p>
    </div>
  );
}
