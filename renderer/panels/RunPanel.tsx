/**
 * The forward pass: settings, Run and Cancel, progress per module, and the results (output
 * shapes, backend, per-module times, feature maps, top-5 classes). The host runs the engine;
 * the renderer only asks.
 */
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { SampleImage } from '../../core/host/contract';
import { formatBatchShape, formatBytes } from '../../core/model/format';
import type { BackendName, RunResult } from '../../core/run/types';
import { useHost } from '../host/host';
import { appStore, useApp, type AppState } from '../state/store';
import { staleReasons } from '../state/runSlice';
import { designToSave, useDesign, useDerived } from '../state/derived';
import { cancelRun, currentRunPath, runBlocker, startRun } from '../app/commands';
import { TextField, SelectField, parseNumberText } from './fields';
import { ColourScale, ColourScaleKey, FeatureChannels, FeatureMap, InputImage } from './FeatureMap';
import { Modal } from '../app/Modal';
import { UNTRAINED_WEIGHTS_WARNING } from '../../core/run/types';
import { photoRecipe } from '../../core/presets/preprocessing';
import type { Design } from '../../core/model/types';
import type { Ablation } from '../../core/weights/ablation';
import { WeightsField } from './WeightsField';
import { WeightsSummary } from './WeightsSummary';
import { NoteText } from '../help/NoteText';
import { WhatIfComparison } from './WhatIfComparison';

const selectRun = (s: AppState) => ({
  settings: s.runSettings,
  status: s.runStatus,
  progress: s.progress,
  result: s.result,
  resultSettings: s.resultSettings,
  stale: staleReasons(s).join(', '),
  error: s.runError,
  beforeResult: s.beforeResult,
  resultAblations: s.resultAblations,
  setRunSettings: s.setRunSettings,
});

function useSamples(): readonly SampleImage[] {
  const host = useHost();
  const [samples, setSamples] = useState<readonly SampleImage[]>([]);
  useEffect(() => {
    let live = true;
    void host.listSamples().then((r) => {
      if (live && r.ok) setSamples(r.value);
    });
    return () => {
      live = false;
    };
  }, [host]);
  return samples;
}

function TimeChart({ result }: { result: RunResult }) {
  const max = Math.max(...result.modules.map((m) => m.ms), 1e-6);
  return (
    <figure className="time-chart">
      <figcaption>Time per module (total {result.totalMs.toFixed(0)} ms)</figcaption>
      {result.timing && <p className="time-method">{result.timing.note}</p>}
      {/* Unmeasured times are zeros, not a chart. */}
      {result.timing?.method !== 'none' && (
        <ul aria-label="Time per module">
          {result.modules.map((m) => (
            <li key={m.id}>
              <span className="bar-label">{m.id}</span>
              <span className="bar-track" aria-hidden="true">
                <span className="bar" style={{ width: `${(m.ms / max) * 100}%` }} />
              </span>
              <span className="bar-value">{m.ms < 10 ? m.ms.toFixed(1) : m.ms.toFixed(0)} ms</span>
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}

/** How a photo becomes this design's input, in words (the engine prepares it the same way). */
function photoPreparation(design: Design, trainedWeights: boolean): string {
  const used = photoRecipe(design, trainedWeights).preprocessing;
  return `Photos go in as ${design.preset ? `${design.preset}'s reference` : 'torchvision'} expects: ${used.summary} The input picture shows the photo itself.`;
}

/** The backends a user can pick, fastest first (README: Benchmarks). */
const BACKEND_CHOICES: readonly { readonly value: BackendName | 'auto'; readonly label: string }[] =
  [
    { value: 'auto', label: 'Automatic (fastest that works)' },
    { value: 'onnxruntime', label: 'ONNX Runtime (eval; train runs on TF.js)' },
    { value: 'tensorflow', label: 'TF.js native TensorFlow (tfjs-node)' },
    { value: 'wasm', label: 'TF.js WebAssembly' },
    { value: 'cpu', label: 'TF.js plain JavaScript (slow)' },
  ];

const list = (xs: readonly string[]) =>
  xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;

/** Why the result ran where it did, in a few words. */
function backendReason(result: RunResult, chosen: BackendName | null): string {
  if (result.backend.fallbacks.length)
    return chosen
      ? `${chosen} could not run this; see below`
      : 'faster backends could not run this; see below';
  return chosen === result.backend.name ? 'as chosen' : 'the fastest that works here';
}

/** Each output's shape and statistics, and whether every module measured the shape core computed. */
function OutputShapes({ result }: { result: RunResult }) {
  const mismatches = result.modules.filter((m) => !m.match);
  return (
    <>
      <h3>Outputs</h3>
      <table className="outputs" aria-label="Output shapes">
        <tbody>
          {Object.entries(result.outputs).map(([name, o]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td className="mono" data-testid={`output-shape-${name}`}>
                {formatBatchShape(o.shape)}
              </td>
              <td className="muted small">
                mean {o.stats.mean.toFixed(3)}, std {o.stats.std.toFixed(3)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className={mismatches.length ? 'field-error' : 'ok'}>
        {mismatches.length
          ? `${mismatches.length} module${mismatches.length === 1 ? '' : 's'} measured a shape different from core's: ${mismatches.map((m) => `${m.id} (${formatBatchShape(m.shape)} vs ${formatBatchShape(m.expectedShape)})`).join(', ')}.`
          : `✓ Every one of the ${result.modules.length} modules produced the output shape the graph shows.`}
      </p>
    </>
  );
}

/** Where and how the run ran: backend (and why), mode, batch, seed, peak memory, and the engine's notes. */
function RunFacts({
  result,
  chosenBackend,
  notes,
}: {
  result: RunResult;
  chosenBackend: BackendName | null;
  notes: readonly string[];
}) {
  return (
    <>
      <dl className="facts">
        <div>
          <dt>Backend</dt>
          <dd>
            <span data-testid="run-backend">{result.backend.name}</span>{' '}
            <span className="muted small">({backendReason(result, chosenBackend)})</span>
          </dd>
        </div>
        <div>
          <dt>Mode · batch · seed</dt>
          <dd>
            {result.mode} · {result.batch} · {result.seed}
          </dd>
        </div>
        <div>
          <dt>Peak memory</dt>
          <dd>{formatBytes(result.peakBytes)}</dd>
        </div>
      </dl>
      {result.backend.fallbacks.length > 0 && (
        <ul className="fallbacks" aria-label="Why other backends were not used">
          {result.backend.fallbacks.map((f) => (
            <li key={f}>
              <NoteText text={f} />
            </li>
          ))}
        </ul>
      )}
      {notes.length > 0 && (
        <ul className="fallbacks" aria-label="Engine notes">
          {notes.map((w) => (
            <li key={w}>
              <NoteText text={w} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** The five likeliest classes of one output for the first image, with the untrained-weights caveat. */
function TopClasses({
  output,
  top5,
  untrained,
  classNames,
}: {
  output: string;
  top5: readonly { index: number; label: string; probability: number }[];
  untrained: boolean;
  /** The trained checkpoint's class names, by index (Fashion-MNIST's, an image folder's). */
  classNames?: readonly string[];
}) {
  const label = (c: { index: number; label: string }) => classNames?.[c.index] ?? c.label;
  return (
    <>
      <h3>Top-5 classes ({output}, first image)</h3>
      {untrained && (
        <p className="notice" role="note">
          The weights are an untrained random initialization, so these predictions are meaningless;
          they show the pipeline works, not what the image is.
        </p>
      )}
      <ol className="top5">
        {top5.map((c) => (
          <li key={c.index}>
            <span className="top5-label" title={label(c)}>
              {label(c)}
            </span>
            <span className="mono top5-value">{(c.probability * 100).toFixed(2)} %</span>
          </li>
        ))}
      </ol>
    </>
  );
}

/** The feature maps beside the input picture; one opens large in a modal. */
function FeatureMaps({ result }: { result: RunResult }) {
  const withMaps = result.modules.filter((m) => m.featureMap);
  // 1×1 maps (after the global pool) are single values: listed, not drawn.
  const pictured = withMaps.filter((m) => m.featureMap!.width * m.featureMap!.height > 1);
  const flat = withMaps.filter((m) => m.featureMap!.width * m.featureMap!.height <= 1);
  const [openMap, setOpenMap] = useState<string | null>(null);
  const shownMap = pictured.find((m) => m.id === openMap);
  if (pictured.length === 0 && !result.inputPicture) return null;
  return (
    <>
      <h3>Feature maps (channel mean, first image)</h3>
      <p className="muted small" data-testid="feature-maps-caption">
        Each picture is the mean over the module&apos;s channels for the first image, scaled to its
        own range. Select a map to see it large, beside the input, with its values&apos; colour
        scale and its most active channels (largest mean activation).
        {result.untrainedWeights ? ' With untrained weights the patterns carry no meaning.' : ''}
      </p>
      <ColourScaleKey />
      <ul className="feature-maps">
        {result.inputPicture && (
          <li>
            <InputImage picture={result.inputPicture} />
            <span>input</span>
          </li>
        )}
        {pictured.map((m) => (
          <li key={m.id}>
            <button
              type="button"
              className="feature-map-button"
              onClick={() => setOpenMap(m.id)}
              aria-label={`Show the ${m.id} feature map large`}
            >
              <FeatureMap summary={m.featureMap!} label={`${m.id} feature map`} />
            </button>
            <span>{m.id}</span>
          </li>
        ))}
      </ul>
      {flat.length > 0 && (
        <p className="muted small">
          Not shown: {flat.map((m) => m.id).join(', ')} (1×1 maps carry no picture).
        </p>
      )}
      {shownMap && (
        <Modal
          title={`${shownMap.id}: ${formatBatchShape(shownMap.shape)}`}
          onClose={() => setOpenMap(null)}
          actions={
            <button type="button" onClick={() => setOpenMap(null)} data-autofocus>
              Close
            </button>
          }
        >
          <div className="feature-large">
            {result.inputPicture && (
              <figure>
                <InputImage picture={result.inputPicture} large />
                <figcaption>Input (first image)</figcaption>
              </figure>
            )}
            <figure>
              <FeatureMap
                summary={shownMap.featureMap!}
                label={`${shownMap.id} feature map, large`}
                large
              />
              <figcaption>Mean over {shownMap.shape[1]} channels</figcaption>
              {shownMap.featureMap!.range && (
                <ColourScale
                  range={shownMap.featureMap!.range}
                  label={`${shownMap.id} colour scale`}
                />
              )}
            </figure>
          </div>
          <FeatureChannels summary={shownMap.featureMap!} id={shownMap.id} />
        </Modal>
      )}
    </>
  );
}

const selectBatchSaving = (s: AppState) => [s.saveBatchWithDesign, s.savedText] as const;

/**
 * Whether the batch is saved with the design, and what that means: off (the default), the
 * batch is a setting of the runs and changing it leaves the design saved; on, Save writes it.
 */
function BatchSaving() {
  const [saveBatch, savedText] = useApp(useShallow(selectBatchSaving));
  const design = useDesign();
  const kept = designToSave(design, savedText, false).input.batch;
  return (
    <div className="batch-saving small" data-testid="batch-saving">
      <label className="inline-check">
        <input
          type="checkbox"
          checked={saveBatch}
          onChange={(e) => appStore.getState().setSaveBatchWithDesign(e.target.checked)}
        />{' '}
        Save batch with design
      </label>
      <p className="muted" data-testid="batch-saving-note">
        {saveBatch
          ? `Saved with the design: changing N marks the design unsaved, and Save writes N=${design.input.batch}.`
          : kept === design.input.batch
            ? 'For runs only: changing N does not mark the design unsaved.'
            : `For runs only: N=${design.input.batch} does not mark the design unsaved; Save keeps the file's N=${kept}.`}
      </p>
    </div>
  );
}

function Results({
  result,
  stale,
  chosenBackend,
  before,
  ablations,
}: {
  result: RunResult;
  /** What changed since the run ("the design", "the backend"); empty when nothing did. */
  stale: readonly string[];
  /** The backend choice the run was made with (not the current one). */
  chosenBackend: BackendName | null;
  before: RunResult | null;
  ablations: readonly Ablation[];
}) {
  const firstTop5 = Object.entries(result.outputs).find(([, o]) => o.top5?.length);
  // A run with a training's checkpoint names its classes as the training did (its data's classes).
  const trained = useApp(selectTrainedCheckpoint);
  const classNames =
    trained?.classNames &&
    result.weights &&
    firstTop5?.[1].shape.at(-1) === trained.classNames.length
      ? trained.classNames
      : undefined;
  // The untrained-weights warning is shown as the note beside the top-5, not twice.
  const notes = result.warnings.filter((w) => !(firstTop5 && w === UNTRAINED_WEIGHTS_WARNING));
  return (
    <section className="results" aria-label="Run results">
      {stale.length > 0 && (
        <p className="notice" data-testid="stale-result">
          These results are from the previous run: {list(stale)} changed since. Run again to update
          them.
        </p>
      )}
      {result.weights && <WeightsSummary summary={result.weights} />}
      {before && <WhatIfComparison before={before} after={result} ablations={ablations} />}
      <OutputShapes result={result} />
      <RunFacts result={result} chosenBackend={chosenBackend} notes={notes} />
      {firstTop5 && (
        <TopClasses
          output={firstTop5[0]}
          top5={firstTop5[1].top5!}
          untrained={result.untrainedWeights}
          classNames={classNames}
        />
      )}
      <TimeChart result={result} />
      <FeatureMaps result={result} />
    </section>
  );
}

const selectTrainedCheckpoint = (s: AppState) =>
  s.design.weights ? (s.trainedWeights[s.design.weights.path] ?? null) : null;

/** Which checkpoint of the Train tab the weights file is, when the user chose "Use these weights". */
function TrainedWeightsNote() {
  const c = useApp(selectTrainedCheckpoint);
  if (!c) return null;
  return (
    <p className="notice" data-testid="trained-weights" role="note">
      Runs with trained weights: {c.designName}, epoch {c.epoch}, step{' '}
      {c.step.toLocaleString('en-US')}
      {c.top1 === null ? '' : `, validation top-1 ${(c.top1 * 100).toFixed(1)} %`} (checkpoint{' '}
      <span className="mono">{c.id}</span>).
    </p>
  );
}

export function RunPanel() {
  const host = useHost();
  const design = useDesign();
  useDerived(); // re-render when the design's validity changes
  const {
    settings,
    status,
    progress,
    result,
    resultSettings,
    stale,
    error,
    beforeResult,
    resultAblations,
    setRunSettings,
  } = useApp(useShallow(selectRun));
  const samples = useSamples();
  const blocker = runBlocker();
  const path = currentRunPath();
  const skipNotes = path.ok ? path.notes : [];
  const running = status === 'running' || status === 'cancelling';
  const inputValue = settings.input.kind === 'sample' ? `sample:${settings.input.name}` : 'random';
  return (
    <div className="run-panel">
      <section className="panel-section" aria-labelledby="run-title">
        <header className="section-header">
          <h2 id="run-title">Forward pass</h2>
        </header>
        <div className="field-grid">
          {/* One batch: the design's N (also under Network settings), so the graph and the result agree. */}
          <TextField
            label="Batch (N)"
            name="Run batch"
            doc="The design's batch: the N of every N×C×H×W shape on the graph. The same field as Batch under Network settings; whether Save writes it is the checkbox below."
            numeric
            value={String(design.input.batch)}
            onText={(t) => {
              const v = parseNumberText(t);
              if (typeof v === 'number') appStore.getState().setInput('batch', v);
            }}
          />
          <TextField
            label="Seed"
            name="Run seed"
            numeric
            value={String(settings.seed)}
            onText={(t) => {
              const v = parseNumberText(t);
              if (typeof v === 'number' && Number.isInteger(v) && v >= 0)
                setRunSettings({ seed: v });
            }}
          />
        </div>
        <BatchSaving />
        <fieldset className="radio-row">
          <legend>Mode</legend>
          {(['eval', 'train'] as const).map((m) => (
            <label key={m}>
              <input
                type="radio"
                name="run-mode"
                value={m}
                checked={settings.mode === m}
                onChange={() => setRunSettings({ mode: m })}
              />
              {m === 'eval' ? 'Eval (main output)' : 'Train (main + aux outputs)'}
            </label>
          ))}
        </fieldset>
        <SelectField
          label="Input"
          value={inputValue}
          hint={
            settings.input.kind === 'random'
              ? undefined
              : photoPreparation(design, design.weights !== undefined)
          }
          options={[
            { value: 'random', label: 'Random normal (seeded)' },
            ...samples.map((s) => ({ value: `sample:${s.name}`, label: `Sample: ${s.label}` })),
          ]}
          onChange={(v) =>
            setRunSettings({
              input:
                v === 'random'
                  ? { kind: 'random' }
                  : { kind: 'sample', name: v.slice('sample:'.length) },
            })
          }
        />
        <SelectField
          label="Backend"
          value={settings.backend ?? 'auto'}
          options={BACKEND_CHOICES}
          onChange={(v) => setRunSettings({ backend: v === 'auto' ? null : (v as BackendName) })}
        />
        <WeightsField />
        <TrainedWeightsNote />
        <div className="button-row">
          <button
            type="button"
            className="primary"
            onClick={() => void startRun(host)}
            disabled={Boolean(blocker)}
            aria-describedby={blocker ? 'run-blocker' : undefined}
          >
            Run
          </button>
          <button
            type="button"
            onClick={() => void cancelRun(host)}
            disabled={status !== 'running'}
          >
            Cancel
          </button>
        </div>
        {blocker && !running && (
          <p id="run-blocker" className="field-error">
            <NoteText text={blocker} />
          </p>
        )}
        {!blocker &&
          skipNotes.map((n) => (
            <p key={n} className="notice" data-testid="run-skips">
              <NoteText text={n} />
            </p>
          ))}
        {running && (
          <div className="progress" aria-live="polite">
            <progress
              aria-label="Run progress"
              max={progress?.total ?? 1}
              value={progress?.done ?? 0}
            />
            <span className="small">
              {status === 'cancelling'
                ? 'Cancelling…'
                : progress
                  ? `${progress.module} (${progress.done}/${progress.total})`
                  : 'Starting the engine…'}
            </span>
          </div>
        )}
        {error && !running && (
          <p className={status === 'cancelled' ? 'notice' : 'field-error'} role="alert">
            {status === 'cancelled' ? 'The run was cancelled.' : <NoteText text={error.message} />}
          </p>
        )}
      </section>
      {result && (
        <Results
          result={result}
          stale={stale ? stale.split(', ') : []}
          chosenBackend={resultSettings ? resultSettings.backend : settings.backend}
          before={beforeResult}
          ablations={resultAblations}
        />
      )}
    </div>
  );
}
