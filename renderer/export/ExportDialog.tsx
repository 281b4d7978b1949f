/**
 * File → Export…: choose a format, preview the file, copy it or save it through the host.
 * Every file is made by core (core/export/exportFormats.ts); the dialog only shows it, turns the
 * graph SVG into PNG pixels with a canvas, and hands the result to the host's `exportFile`.
 *
 * `ExportDialog` is what the app's ExportSlot mounts (it reads the store and the host);
 * `ExportPanel` is the same dialog with everything passed in, for other shells and tests.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Analysis } from '../../core/analysis/analyze';
import { EXPORT_FORMATS, EXPORT_FORMAT_NAMES, exportContent, type ExportResult } from '../../core/export/exportFormats';
import type { SvgTheme } from '../../core/export/graphSvg';
import type { ExportFormat, HostApi } from '../../core/host/contract';
import { formatBytes } from '../../core/model/format';
import type { Design } from '../../core/model/types';
import { useHost } from '../host/host';
import { derive } from '../state/derived';
import { appStore, useApp, type AppState } from '../state/store';
import { svgSize, svgToPngBase64 } from './rasterize';
import './exportDialog.css';

/** PNG pixels per graph unit: sharp on high-density screens and in print. */
export const PNG_SCALE = 2;

export interface ExportPanelProps {
  readonly design: Design;
  readonly analysis: Analysis;
  readonly host: HostApi;
  onClose(): void;
  /** Modules opened in the graph; the pictures can draw them opened too. */
  readonly opened?: readonly string[];
  /** The picture's colours; the app passes its theme. */
  readonly theme?: SvgTheme;
  readonly initialFormat?: ExportFormat;
  /** Told the path after a successful save (the app shows a notice). */
  onSaved?(path: string): void;
  /** Turns the SVG into PNG base64; the browser canvas by default. */
  rasterize?(svg: string, scale: number): Promise<string>;
  /** Seed of the engine's seeded weights that an ONNX export carries (the Run panel's seed). */
  readonly weightsSeed?: number;
}

type Status = { readonly text: string; readonly tone: 'info' | 'error' } | null;

const PICTURES: ReadonlySet<ExportFormat> = new Set(['svg', 'png']);

function countLines(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

export function ExportPanel({ design, analysis, host, onClose, opened = [], theme: appTheme = 'light', initialFormat = 'pytorch', onSaved, rasterize = svgToPngBase64, weightsSeed = 0 }: ExportPanelProps) {
  const [format, setFormat] = useState<ExportFormat>(initialFormat);
  const [theme, setTheme] = useState<SvgTheme>(appTheme);
  const [drawOpened, setDrawOpened] = useState(opened.length > 0);
  const [foldBatchNorm, setFoldBatchNorm] = useState(true);
  // Kept with the format it was made for: after a format change the old file is still here for one
  // render (the effect below has not run yet), and reading PyTorch code as a picture would throw.
  const [made, setMade] = useState<{ readonly format: ExportFormat; readonly result: ExportResult } | null>(null);
  const result = made?.format === format ? made.result : null;
  const [status, setStatus] = useState<Status>(null);
  const [busy, setBusy] = useState(false);
  const dialog = useRef<HTMLDivElement>(null);
  const openedKey = opened.join(',');

  useEffect(() => {
    let current = true;
    setMade(null);
    const graph = { theme, opened: drawOpened ? openedKey.split(',').filter(Boolean) : [] };
    void exportContent(format, design, analysis, { graph, onnx: { seed: weightsSeed, foldBatchNorm } }).then(
      (r) => current && setMade({ format, result: r }),
      (e: unknown) => current && setStatus({ text: `The ${EXPORT_FORMATS[format].label.toLowerCase()} could not be made: ${(e as Error).message}`, tone: 'error' }),
    );
    return () => {
      current = false;
    };
  }, [format, design, analysis, theme, drawOpened, openedKey, weightsSeed, foldBatchNorm]);

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    dialog.current?.querySelector<HTMLElement>('input:checked')?.focus();
    return () => previous?.focus?.();
  }, []);

  const def = EXPORT_FORMATS[format];
  const picture = PICTURES.has(format);
  const content = result?.ok ? result.value.content : null;
  const pictureUrl = useMemo(() => (picture && content ? `data:image/svg+xml;charset=utf-8,${encodeURIComponent(content)}` : null), [picture, content]);

  const facts = (() => {
    if (!result?.ok) return null;
    const v = result.value;
    // base64: 4 characters for 3 bytes, less the padding.
    if (def.binary) return `${v.fileName} · ${formatBytes(Math.floor((v.content.length * 3) / 4) - (v.content.match(/=*$/)?.[0].length ?? 0))}`;
    if (!picture) return `${v.fileName} · ${countLines(v.content).toLocaleString('en-US')} lines · ${formatBytes(new TextEncoder().encode(v.content).length)}`;
    const { width, height } = svgSize(v.content);
    const px = format === 'png' ? `${width * PNG_SCALE} × ${height * PNG_SCALE} pixels` : `${width} × ${height}`;
    return `${v.fileName} · ${px}`;
  })();

  const copy = async () => {
    if (!content) return;
    try {
      await navigator.clipboard.writeText(content);
      setStatus({ text: `Copied ${def.label.toLowerCase()} to the clipboard.`, tone: 'info' });
    } catch {
      setStatus({ text: 'The clipboard is not available here: select the text in the preview and copy it instead.', tone: 'error' });
    }
  };

  const save = async () => {
    if (!result?.ok) return;
    setBusy(true);
    setStatus(null);
    try {
      const { fileName } = result.value;
      let request: Parameters<HostApi['exportFile']>[0];
      if (def.binary) {
        request = { format, suggestedName: fileName, content: result.value.content, base64: true };
      } else if (def.raster) {
        let base64: string;
        try {
          base64 = await rasterize(result.value.content, PNG_SCALE);
        } catch (e) {
          setStatus({ text: `The PNG could not be drawn: ${(e as Error).message} Export the SVG instead.`, tone: 'error' });
          return;
        }
        request = { format, suggestedName: fileName, content: base64, base64: true };
      } else {
        request = { format, suggestedName: fileName, content: result.value.content };
      }
      const r = await host.exportFile(request);
      if (!r.ok) setStatus({ text: r.error.message, tone: 'error' });
      else if (r.value) {
        setStatus({ text: `Saved to ${r.value.path}.`, tone: 'info' });
        onSaved?.(r.value.path);
      }
    } finally {
      setBusy(false);
      // The browser host's in-page file dialog leaves focus on the page body; bring it back so
      // Escape and Tab keep working here.
      if (!dialog.current?.contains(document.activeElement)) dialog.current?.focus();
    }
  };

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        className="modal export-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="export-title"
        tabIndex={-1}
        ref={dialog}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onClose();
        }}
      >
        <h2 id="export-title">Export {design.name}</h2>
        <div className="export-body">
          <fieldset className="export-formats">
            <legend>Format</legend>
            {EXPORT_FORMAT_NAMES.map((f) => (
              <label key={f} className={f === format ? 'chosen' : undefined}>
                <input type="radio" name="export-format" value={f} checked={f === format} onChange={() => (setFormat(f), setStatus(null))} />
                <span>
                  <strong>{EXPORT_FORMATS[f].label}</strong>
                  <span className="muted small">{EXPORT_FORMATS[f].description}</span>
                </span>
              </label>
            ))}
            {def.binary && (
              <div className="export-options">
                <label className="inline-check">
                  <input type="checkbox" checked={foldBatchNorm} onChange={(e) => setFoldBatchNorm(e.target.checked)} />
                  Fold batch norm into the convolutions (off: BatchNormalization nodes with the state_dict&apos;s tensors)
                </label>
              </div>
            )}
            {picture && (
              <div className="export-options">
                <label>
                  Colours{' '}
                  <select value={theme} onChange={(e) => setTheme(e.target.value as SvgTheme)} aria-label="Picture colours">
                    <option value="light">Light</option>
                    <option value="dark">Dark</option>
                  </select>
                </label>
                {opened.length > 0 && (
                  <label className="inline-check">
                    <input type="checkbox" checked={drawOpened} onChange={(e) => setDrawOpened(e.target.checked)} />
                    Draw {opened.join(', ')} opened
                  </label>
                )}
              </div>
            )}
          </fieldset>
          <div className="export-preview" aria-live="polite">
            {result === null ? (
              <p className="muted">Preparing the {def.label.toLowerCase()}…</p>
            ) : !result.ok ? (
              <div role="alert" className="export-problems">
                <p>
                  The design has {result.issues.length} problem{result.issues.length === 1 ? '' : 's'}, so it cannot be exported. Fix {result.issues.length === 1 ? 'it' : 'them'} first:
                </p>
                <ul>
                  {result.issues.slice(0, 8).map((i, n) => (
                    <li key={n}>{i.message}</li>
                  ))}
                </ul>
                {result.issues.length > 8 && <p className="muted small">…and {result.issues.length - 8} more.</p>}
              </div>
            ) : def.binary ? (
              <p className="export-summary" data-testid="export-summary">
                {result.value.summary}
              </p>
            ) : pictureUrl ? (
              <div className="export-picture">
                <img src={pictureUrl} alt={`The graph of ${design.name}`} />
              </div>
            ) : (
              <pre className="export-code" tabIndex={0} aria-label={`${def.label} preview`}>
                <code>{content}</code>
              </pre>
            )}
            {facts && <p className="muted small export-facts">{facts}</p>}
          </div>
        </div>
        {status && (
          <p className={`export-status ${status.tone}`} role={status.tone === 'error' ? 'alert' : 'status'}>
            {status.text}
          </p>
        )}
        <div className="button-row end">
          <button type="button" onClick={() => void copy()} disabled={!content || def.raster || def.binary}>
            Copy
          </button>
          <button type="button" className="primary" onClick={() => void save()} disabled={!content || busy}>
            {busy ? 'Saving…' : 'Save…'}
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}

const selectExportState = (s: AppState) => [s.design, s.opened, s.theme, s.runSettings.seed] as const;

/** The app's export dialog: the open design, its opened modules and theme, saved through the host. */
export function ExportDialog({ onClose }: { onClose(): void }) {
  const host = useHost();
  const [design, opened, theme, seed] = useApp(useShallow(selectExportState));
  const analysis = derive(design).analysis;
  return (
    <ExportPanel
      design={design}
      analysis={analysis}
      host={host}
      opened={opened}
      theme={theme === 'dark' ? 'dark' : 'light'}
      onClose={onClose}
      onSaved={(path) => appStore.getState().notify(`Exported to ${path}.`)}
      weightsSeed={seed}
    />
  );
}
