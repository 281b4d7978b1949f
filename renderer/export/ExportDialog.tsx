/**
 * File → Export…: choose a format, preview the file, copy it or save it through the host.
 * Every file is made by core (core/export/exportFormats.ts); the dialog only shows it, turns the
 * graph SVG into PNG pixels with a canvas, and hands the result to the host's `exportFile`.
 *
 * `ExportDialog` is what the app's ExportSlot mounts (it reads the store and the host);
 * `ExportPanel` is the same dialog with everything passed in, for other shells and tests.
 */
import { useEffect, useMemo, useRef, useState, type ReactNode, type RefObject } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Analysis } from '../../core/analysis/analyze';
import {
  EXPORT_FORMATS,
  EXPORT_FORMAT_NAMES,
  exportContent,
  type ExportResult,
} from '../../core/export/exportFormats';
import type { SvgTheme } from '../../core/export/graphSvg';
import type { ExportFormat, HostApi } from '../../core/host/contract';
import { formatBytes } from '../../core/model/format';
import type { Design } from '../../core/model/types';
import { repeatGroups } from '../../core/design/repeats';
import { FOLD_MIN_BLOCKS } from '../../core/graph/graphView';
import { useHost } from '../host/host';
import { derive } from '../state/derived';
import { appStore, useApp, type AppState } from '../state/store';
import { Modal } from '../app/Modal';
import { svgSize, svgToPngBase64 } from './rasterize';
import { bytesFromBase64 } from '../../core/export/onnxGraph';
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
  /** Runs of identical blocks the graph shows unfolded (by first module id); the others it shows folded ×N. */
  readonly unfolded?: readonly string[];
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

/** The line under the preview: file name, then its size in the unit a reader expects for the format. */
function fileFacts(
  format: ExportFormat,
  file: { readonly fileName: string; readonly content: string },
): string {
  const { fileName, content } = file;
  // base64: 4 characters for 3 bytes, less the padding.
  if (EXPORT_FORMATS[format].binary)
    return `${fileName} · ${formatBytes(Math.floor((content.length * 3) / 4) - (content.match(/=*$/)?.[0].length ?? 0))}`;
  if (!PICTURES.has(format))
    return `${fileName} · ${countLines(content).toLocaleString('en-US')} lines · ${formatBytes(new TextEncoder().encode(content).length)}`;
  const { width, height } = svgSize(content);
  return `${fileName} · ${format === 'png' ? `${width * PNG_SCALE} × ${height * PNG_SCALE} pixels` : `${width} × ${height}`}`;
}

/** What the picture formats draw, and how the ONNX model is written. */
interface ExportOptions {
  readonly theme: SvgTheme;
  /** The opened modules drawn opened (empty: all drawn closed). */
  readonly opened: readonly string[];
  /** Runs of identical blocks drawn folded ×N, except those in `unfolded`; off: every block drawn. */
  readonly fold: boolean;
  readonly unfolded: readonly string[];
  readonly weightsSeed: number;
  readonly foldBatchNorm: boolean;
}

/**
 * Makes the file for `format` whenever the design or an option changes; null while it is being made.
 * A failure to make it (a bug in an exporter, not a design problem) goes to the status line.
 */
function useExportFile(
  format: ExportFormat,
  design: Design,
  analysis: Analysis,
  options: ExportOptions,
  setStatus: (s: Status) => void,
): ExportResult | null {
  // Kept with the format it was made for: after a format change the old file is still here for one
  // render (the effect below has not run yet), and reading PyTorch code as a picture would throw.
  const [made, setMade] = useState<{
    readonly format: ExportFormat;
    readonly result: ExportResult;
  } | null>(null);
  const { theme, weightsSeed, foldBatchNorm, fold } = options;
  const openedKey = options.opened.join(',');
  const unfoldedKey = options.unfolded.join(',');
  useEffect(() => {
    let current = true;
    setMade(null);
    const graph = {
      theme,
      opened: openedKey.split(',').filter(Boolean),
      fold,
      unfolded: unfoldedKey.split(',').filter(Boolean),
    };
    void exportContent(format, design, analysis, {
      graph,
      onnx: { seed: weightsSeed, foldBatchNorm },
    }).then(
      (r) => current && setMade({ format, result: r }),
      (e: unknown) =>
        current &&
        setStatus({
          text: `The ${EXPORT_FORMATS[format].label.toLowerCase()} could not be made: ${(e as Error).message}`,
          tone: 'error',
        }),
    );
    return () => {
      current = false;
    };
  }, [
    format,
    design,
    analysis,
    theme,
    openedKey,
    fold,
    unfoldedKey,
    weightsSeed,
    foldBatchNorm,
    setStatus,
  ]);
  return made?.format === format ? made.result : null;
}

/**
 * The host's save request for a made file: text as is, the ONNX model and the PNG (drawn from the
 * SVG) as their bytes, so the largest models (inception-resnet-v2's 213 MiB) travel as files,
 * not as base64 text a third larger.
 */
async function saveRequest(
  format: ExportFormat,
  file: { readonly fileName: string; readonly content: string },
  rasterize: (svg: string, scale: number) => Promise<string>,
): Promise<Parameters<HostApi['exportFile']>[0]> {
  const def = EXPORT_FORMATS[format];
  const suggestedName = file.fileName;
  if (def.binary) return { format, suggestedName, content: bytesFromBase64(file.content) };
  if (def.raster)
    return {
      format,
      suggestedName,
      content: bytesFromBase64(await rasterize(file.content, PNG_SCALE)),
    };
  return { format, suggestedName, content: file.content };
}

/** Copy and Save for the made file, reporting to the status line; `busy` while Save runs. */
function useExportActions({
  format,
  result,
  host,
  rasterize,
  onSaved,
  setStatus,
  dialog,
}: {
  format: ExportFormat;
  result: ExportResult | null;
  host: HostApi;
  rasterize: (svg: string, scale: number) => Promise<string>;
  onSaved?: (path: string) => void;
  setStatus: (s: Status) => void;
  dialog: RefObject<HTMLElement | null>;
}) {
  const [busy, setBusy] = useState(false);
  const label = EXPORT_FORMATS[format].label;

  const copy = async () => {
    if (!result?.ok) return;
    try {
      await navigator.clipboard.writeText(result.value.content);
      setStatus({ text: `Copied ${label.toLowerCase()} to the clipboard.`, tone: 'info' });
    } catch {
      setStatus({
        text: 'The clipboard is not available here: select the text in the preview and copy it instead.',
        tone: 'error',
      });
    }
  };

  const save = async () => {
    if (!result?.ok) return;
    setBusy(true);
    setStatus(null);
    try {
      let request: Parameters<HostApi['exportFile']>[0];
      try {
        request = await saveRequest(format, result.value, rasterize);
      } catch (e) {
        // Only the PNG is drawn here; the other formats are already made.
        setStatus({
          text: `The PNG could not be drawn: ${(e as Error).message} Export the SVG instead.`,
          tone: 'error',
        });
        return;
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

  return { busy, copy, save };
}

/** The format list, with the chosen format's options under it. */
function FormatChooser({
  format,
  onChoose,
  children,
}: {
  format: ExportFormat;
  onChoose(f: ExportFormat): void;
  children: ReactNode;
}) {
  return (
    <fieldset className="export-formats">
      <legend>Format</legend>
      {EXPORT_FORMAT_NAMES.map((f) => (
        <label key={f} className={f === format ? 'chosen' : undefined}>
          <input
            type="radio"
            name="export-format"
            value={f}
            checked={f === format}
            onChange={() => onChoose(f)}
            data-autofocus={f === format || undefined}
          />
          <span>
            <strong>{EXPORT_FORMATS[f].label}</strong>
            <span className="muted small">{EXPORT_FORMATS[f].description}</span>
          </span>
        </label>
      ))}
      {children}
    </fieldset>
  );
}

/** The ONNX model's option: fold batch norm into the convolutions or keep its nodes. */
function OnnxOptions({
  foldBatchNorm,
  onFoldBatchNorm,
}: {
  foldBatchNorm: boolean;
  onFoldBatchNorm(fold: boolean): void;
}) {
  return (
    <div className="export-options">
      <label className="inline-check">
        <input
          type="checkbox"
          checked={foldBatchNorm}
          onChange={(e) => onFoldBatchNorm(e.target.checked)}
        />
        Fold batch norm into the convolutions (off: BatchNormalization nodes with the
        state_dict&apos;s tensors)
      </label>
    </div>
  );
}

/** The pictures' options: colours, and whether the modules opened in the graph are drawn opened. */
interface PictureOptionsProps {
  theme: SvgTheme;
  onTheme(t: SvgTheme): void;
  opened: readonly string[];
  drawOpened: boolean;
  onDrawOpened(draw: boolean): void;
  /** The design's runs of identical blocks that fold, by size (empty: the option is not shown). */
  runs: readonly number[];
  fold: boolean;
  onFold(fold: boolean): void;
}

function PictureOptions({
  theme,
  onTheme,
  opened,
  drawOpened,
  onDrawOpened,
  runs,
  fold,
  onFold,
}: PictureOptionsProps) {
  return (
    <div className="export-options">
      <label>
        Colours{' '}
        <select
          value={theme}
          onChange={(e) => onTheme(e.target.value as SvgTheme)}
          aria-label="Picture colours"
        >
          <option value="light">Light</option>
          <option value="dark">Dark</option>
        </select>
      </label>
      {opened.length > 0 && (
        <label className="inline-check">
          <input
            type="checkbox"
            checked={drawOpened}
            onChange={(e) => onDrawOpened(e.target.checked)}
          />
          Draw {opened.join(', ')} opened
        </label>
      )}
      {runs.length > 0 && (
        <label className="inline-check">
          <input type="checkbox" checked={fold} onChange={(e) => onFold(e.target.checked)} />
          Draw each run of identical blocks as one node ({runs.map((n) => `×${n}`).join(', ')}), as
          the graph shows it; unticked, every block is drawn
        </label>
      )}
    </div>
  );
}

/** Why an invalid design cannot be exported, in core's words (the first eight problems). */
function ExportProblems({ issues }: { issues: readonly { readonly message: string }[] }) {
  const n = issues.length;
  return (
    <div role="alert" className="export-problems">
      <p>
        The design has {n} problem{n === 1 ? '' : 's'}, so it cannot be exported. Fix{' '}
        {n === 1 ? 'it' : 'them'} first:
      </p>
      <ul>
        {issues.slice(0, 8).map((i, k) => (
          <li key={k}>{i.message}</li>
        ))}
      </ul>
      {n > 8 && <p className="muted small">…and {n - 8} more.</p>}
    </div>
  );
}

/** The made file as the reader sees it: the code, the picture, the ONNX summary, or the design's problems. */
function ExportPreview({
  format,
  result,
  designName,
}: {
  format: ExportFormat;
  result: ExportResult | null;
  designName: string;
}) {
  const def = EXPORT_FORMATS[format];
  const content = result?.ok ? result.value.content : null;
  const picture = PICTURES.has(format);
  const pictureUrl = useMemo(
    () =>
      picture && content ? `data:image/svg+xml;charset=utf-8,${encodeURIComponent(content)}` : null,
    [picture, content],
  );
  return (
    <div className="export-preview" aria-live="polite">
      {result === null ? (
        <p className="muted">Preparing the {def.label.toLowerCase()}…</p>
      ) : !result.ok ? (
        <ExportProblems issues={result.issues} />
      ) : def.binary ? (
        <p className="export-summary" data-testid="export-summary">
          {result.value.summary}
        </p>
      ) : pictureUrl ? (
        <div className="export-picture">
          <img src={pictureUrl} alt={`The graph of ${designName}`} />
        </div>
      ) : (
        <pre className="export-code" tabIndex={0} aria-label={`${def.label} preview`}>
          <code>{content}</code>
        </pre>
      )}
      {result?.ok && <p className="muted small export-facts">{fileFacts(format, result.value)}</p>}
    </div>
  );
}

export function ExportPanel({
  design,
  analysis,
  host,
  onClose,
  opened = [],
  unfolded = [],
  theme: appTheme = 'light',
  initialFormat = 'pytorch',
  onSaved,
  rasterize = svgToPngBase64,
  weightsSeed = 0,
}: ExportPanelProps) {
  const [format, setFormat] = useState<ExportFormat>(initialFormat);
  const [theme, setTheme] = useState<SvgTheme>(appTheme);
  const [drawOpened, setDrawOpened] = useState(opened.length > 0);
  const [foldBatchNorm, setFoldBatchNorm] = useState(true);
  const [fold, setFold] = useState(true);
  // The runs the graph folds: the picture's option names them and draws them the same way by default.
  const runs = useMemo(
    () =>
      repeatGroups(design)
        .filter((g) => g.count >= FOLD_MIN_BLOCKS && !unfolded.includes(g.ids[0]))
        .map((g) => g.count),
    [design, unfolded],
  );
  const [status, setStatus] = useState<Status>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const result = useExportFile(
    format,
    design,
    analysis,
    {
      theme,
      opened: drawOpened ? opened : [],
      fold: fold && runs.length > 0,
      unfolded,
      weightsSeed,
      foldBatchNorm,
    },
    setStatus,
  );
  const { busy, copy, save } = useExportActions({
    format,
    result,
    host,
    rasterize,
    onSaved,
    setStatus,
    dialog,
  });
  const def = EXPORT_FORMATS[format];
  const ready = result?.ok === true;

  return (
    <Modal
      title={`Export ${design.name}`}
      onClose={onClose}
      className="export-dialog"
      dialogRef={dialog}
      actions={
        <>
          <button
            type="button"
            onClick={() => void copy()}
            disabled={!ready || def.raster || def.binary}
          >
            Copy
          </button>
          <button
            type="button"
            className="primary"
            onClick={() => void save()}
            disabled={!ready || busy}
          >
            {busy ? 'Saving…' : 'Save…'}
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </>
      }
    >
      <div className="export-body">
        <FormatChooser format={format} onChoose={(f) => (setFormat(f), setStatus(null))}>
          {def.binary && (
            <OnnxOptions foldBatchNorm={foldBatchNorm} onFoldBatchNorm={setFoldBatchNorm} />
          )}
          {PICTURES.has(format) && (
            <PictureOptions
              theme={theme}
              onTheme={setTheme}
              opened={opened}
              drawOpened={drawOpened}
              onDrawOpened={setDrawOpened}
              runs={runs}
              fold={fold}
              onFold={setFold}
            />
          )}
        </FormatChooser>
        <ExportPreview format={format} result={result} designName={design.name} />
      </div>
      {status && (
        <p
          className={`export-status ${status.tone}`}
          role={status.tone === 'error' ? 'alert' : 'status'}
        >
          {status.text}
        </p>
      )}
    </Modal>
  );
}

const selectExportState = (s: AppState) =>
  [s.design, s.opened, s.unfolded, s.theme, s.runSettings.seed] as const;

/** The app's export dialog: the open design, its opened modules and theme, saved through the host. */
export function ExportDialog({ onClose }: { onClose(): void }) {
  const host = useHost();
  const [design, opened, unfolded, theme, seed] = useApp(useShallow(selectExportState));
  const analysis = derive(design).analysis;
  return (
    <ExportPanel
      design={design}
      analysis={analysis}
      host={host}
      opened={opened}
      unfolded={unfolded}
      theme={theme === 'dark' ? 'dark' : 'light'}
      onClose={onClose}
      onSaved={(path) => appStore.getState().notify(`Exported to ${path}.`)}
      weightsSeed={seed}
    />
  );
}
