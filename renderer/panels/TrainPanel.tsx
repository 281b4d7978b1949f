/**
 * The Train tab (issue 23): the form (data, epochs, batch, optimizer, learning rate, momentum,
 * aux weight, schedule, dropout, seed), Start / Pause–Resume / Cancel, the engine's and the data's
 * notes, live loss and accuracy curves, images/s and time left, the latest confusion matrix with
 * sample images per cell, per-class accuracy, and the checkpoint list. The host trains; this
 * panel asks and shows what its events say.
 */
import { useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { formatInt } from '../../core/model/format';
import type { CheckpointInfo, EpochValidation } from '../../core/train/types';
import { useHost } from '../host/host';
import { trainHostOf } from '../host/trainHost';
import { useApp, type AppState } from '../state/store';
import { historyOf, isLive, type Training } from '../state/trainSlice';
import { checkTrainNumber, type TrainForm, type TrainFormField } from '../state/trainForm';
import { useDesign } from '../state/derived';
import {
  cancelTraining,
  chooseDataFolder,
  pauseTraining,
  refreshCheckpoints,
  startTraining,
  trainBlocker,
  runWithCheckpoint,
} from '../app/trainCommands';
import { CheckField, SelectField, TextField } from './fields';
import { Chart } from './Chart';
import { accuracyCurves, formatAccuracy, formatDuration, lossCurves } from './trainCurves';
import { Modal } from '../app/Modal';

const selectTrain = (s: AppState) => ({
  form: s.trainForm,
  training: s.training,
  checkpoints: s.checkpoints,
  setTrainForm: s.setTrainForm,
});

type NumberField = Exclude<TrainFormField, 'folder'>;

const STATUS_TEXT: Record<Training['status'], string> = {
  starting: 'Starting the engine and reading the images…',
  running: 'Training',
  paused: 'Paused',
  cancelling: 'Cancelling (within one step)…',
  cancelled: 'Cancelled; the last checkpoint is kept.',
  finished: 'Finished',
  failed: 'Failed',
};

/** The form's number fields with their checks, as the inspector's fields show them. */
function NumberInput({
  field,
  label,
  doc,
  hint,
  form,
  onText,
}: {
  field: NumberField;
  label: string;
  doc: string;
  hint?: string;
  form: TrainForm;
  onText(field: NumberField, text: string): void;
}) {
  const text = form[field];
  const check = field === 'limit' && text.trim() === '' ? null : checkTrainNumber(field, text);
  return (
    <TextField
      label={label}
      name={label}
      doc={doc}
      hint={hint}
      numeric
      value={text}
      error={check && !check.ok ? check.issue.message : undefined}
      onText={(t) => onText(field, t)}
    />
  );
}

function TrainSettings({ busy }: { busy: boolean }) {
  const host = useHost();
  const design = useDesign();
  const { form, setTrainForm } = useApp(useShallow(selectTrain));
  const set = (field: NumberField, text: string) => setTrainForm({ [field]: text });
  const canFolder = trainHostOf(host) !== null;
  return (
    <fieldset className="train-form" disabled={busy}>
      <legend className="visually-hidden">Training settings</legend>
      <div className="train-data-row">
        <SelectField
          label="Data"
          name="Training data"
          value={form.data}
          options={[
            { value: 'fashion-mnist', label: 'Fashion-MNIST (28×28, 10 classes)' },
            {
              value: 'folder',
              label: form.folder ? `Folder: ${form.folder.name}` : 'An image folder…',
            },
          ]}
          onChange={(v) => {
            if (v === 'folder' && !form.folder) void chooseDataFolder(host);
            else setTrainForm({ data: v as TrainForm['data'] });
          }}
        />
        {form.data === 'folder' && canFolder && (
          <button type="button" onClick={() => void chooseDataFolder(host)}>
            Choose…
          </button>
        )}
      </div>
      {form.data === 'fashion-mnist' && (
        <CheckField
          label="Download Fashion-MNIST if it is missing"
          doc="When Debian's dataset-fashion-mnist is not installed and the app's cache is empty, download the four files (about 30 MB) from torchvision's mirror, checked against their MD5s."
          checked={form.download}
          onChange={(download) => setTrainForm({ download })}
        />
      )}
      {form.data === 'folder' && !form.folder && (
        <p className="field-error" role="alert">
          Choose an image folder first (one subfolder per class, PNG or JPEG images), or train on
          Fashion-MNIST.
        </p>
      )}
      <p className="field-hint train-fit">
        Images are fitted to the design’s input, {design.input.channels}×{design.input.height}×
        {design.input.width} (resized, channels replicated or averaged).
      </p>
      <div className="field-grid">
        <NumberInput
          field="epochs"
          label="Epochs"
          doc="Passes over the training images (1–1,000)."
          form={form}
          onText={set}
        />
        <NumberInput
          field="batch"
          label="Batch"
          doc="Images per optimizer step (1–1,024)."
          form={form}
          onText={set}
        />
        <NumberInput
          field="limit"
          label="Image limit"
          doc="Train on the first N training images only; empty for all of them."
          hint="Empty: all images."
          form={form}
          onText={set}
        />
        <NumberInput
          field="seed"
          label="Seed"
          doc="Seeds the initial weights, the shuffled order and dropout."
          form={form}
          onText={set}
        />
        <SelectField
          label="Optimizer"
          value={form.optimizer}
          options={[
            { value: 'sgd', label: 'SGD (momentum)' },
            { value: 'adam', label: 'Adam' },
          ]}
          onChange={(v) => setTrainForm({ optimizer: v as TrainForm['optimizer'] })}
        />
        <SelectField
          label="Schedule"
          name="Learning-rate schedule"
          value={form.schedule}
          options={[
            { value: 'constant', label: 'Constant' },
            { value: 'step', label: 'Step' },
            { value: 'cosine', label: 'Cosine' },
          ]}
          onChange={(v) => setTrainForm({ schedule: v as TrainForm['schedule'] })}
        />
        <NumberInput
          field="lr"
          label="Learning rate"
          doc="The optimizer's step size (above 0, at most 10)."
          form={form}
          onText={set}
        />
        <NumberInput
          field="momentum"
          label="Momentum"
          doc="SGD's momentum (0 to below 1); Adam ignores it."
          hint={form.optimizer === 'adam' ? 'Adam ignores it.' : undefined}
          form={form}
          onText={set}
        />
        <NumberInput
          field="weightDecay"
          label="Weight decay"
          doc="L2 penalty on the weights (0–1)."
          form={form}
          onText={set}
        />
        <NumberInput
          field="auxWeight"
          label="Aux weight"
          doc="Weight of each aux head's cross-entropy in the loss (0.3 in the GoogLeNet paper)."
          hint={design.aux ? undefined : 'The design has no aux heads.'}
          form={form}
          onText={set}
        />
      </div>
      <CheckField
        label="Dropout as the design says"
        doc="Off trains without dropout (as the parity checks with PyTorch do)."
        checked={form.dropout}
        onChange={(dropout) => setTrainForm({ dropout })}
      />
    </fieldset>
  );
}

/** Step, epoch, images/s and time left of the training shown. */
function TrainProgress({ t }: { t: Training }) {
  const total = t.started?.totalSteps ?? 0;
  const step = t.last?.step ?? t.started?.startStep ?? 0;
  const live = isLive(t);
  return (
    <div className="train-progress" aria-live="polite">
      {live && (
        <progress
          aria-label="Training progress"
          max={total || 1}
          value={total ? step : undefined}
        />
      )}
      <p className="small" data-testid="train-status">
        <strong>{STATUS_TEXT[t.status]}</strong>
        {t.started && (
          <>
            {' '}
            · step {formatInt(step)} of {formatInt(total)}
            {t.last && (
              <>
                {' '}
                · epoch {t.last.epoch} · lr {+t.last.lr.toPrecision(3)}
              </>
            )}
          </>
        )}
      </p>
      {t.last && live && (
        <p className="small mono" data-testid="train-speed">
          {t.last.imagesPerSecond.toFixed(0)} images/s
          {t.last.secondsLeft !== null && ` · ${formatDuration(t.last.secondsLeft)} left`}
        </p>
      )}
      {t.summary && (
        <p className="small" data-testid="train-summary">
          {formatInt(t.summary.steps)} steps in {formatDuration(t.summary.seconds)} on{' '}
          {t.summary.engine}.
        </p>
      )}
      {t.error && t.status === 'failed' && (
        <p className="field-error" role="alert">
          {t.error.message}
        </p>
      )}
    </div>
  );
}

/** Which engine trains and why others were skipped; how the images were read and fitted. */
function TrainNotes({ t }: { t: Training }) {
  if (!t.started) return null;
  const s = t.started;
  return (
    <details className="train-notes">
      <summary>
        Engine: <span data-testid="train-engine">{s.engine}</span> · {formatInt(s.trainCount)}{' '}
        training, {formatInt(s.validationCount)} validation images
      </summary>
      <ul className="fallbacks" aria-label="Engine notes">
        {s.engineNotes.map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
      <ul className="fallbacks" aria-label="Data notes">
        {s.dataNotes.map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
    </details>
  );
}

function TrainCharts({ t }: { t: Training }) {
  // A new object per event (version) keeps the charts' data fresh while the arrays grow in place.
  const loss = useMemo(() => lossCurves(historyOf(t)), [t]);
  const accuracy = useMemo(() => accuracyCurves(historyOf(t)), [t]);
  const lastStep = t.steps[t.steps.length - 1];
  const lastEpoch = t.epochs[t.epochs.length - 1];
  return (
    <section className="panel-section train-charts" aria-label="Training curves">
      <Chart
        title="Loss"
        testId="loss-chart"
        xLabel="step"
        yLabel="loss"
        series={loss.series}
        data={loss.data}
        summary={
          lastStep
            ? `Train loss ${lastStep.loss.toFixed(3)} at step ${lastStep.step}${lastEpoch ? `; validation loss ${lastEpoch.loss.toFixed(3)} after epoch ${lastEpoch.epoch}` : ''}.`
            : 'No step yet.'
        }
      />
      <Chart
        title="Accuracy"
        testId="accuracy-chart"
        xLabel="step"
        yLabel="top-1 %"
        yRange={[0, 100]}
        height={140}
        series={accuracy.series}
        data={accuracy.data}
        summary={
          lastEpoch
            ? `Validation top-1 ${formatAccuracy(lastEpoch.top1)} after epoch ${lastEpoch.epoch}.`
            : 'Validation runs after each epoch.'
        }
      />
    </section>
  );
}

/** Colour of a confusion cell: its share of the actual class's images. */
const cellShade = (n: number, rowTotal: number) =>
  rowTotal ? Math.round((n / rowTotal) * 100) : 0;

function ConfusionMatrix({
  v,
  classNames,
  onCell,
}: {
  v: EpochValidation;
  classNames: readonly string[];
  onCell(actual: number, predicted: number): void;
}) {
  const name = (i: number) => classNames[i] ?? `class ${i}`;
  return (
    <div className="confusion-wrap">
      <table className="confusion" aria-label={`Confusion matrix after epoch ${v.epoch}`}>
        <caption className="small muted">
          Rows: actual class · columns: predicted (by index). Select a cell to see its images.
        </caption>
        <thead>
          <tr>
            <th scope="col">actual \ predicted</th>
            {v.confusion.map((_, j) => (
              <th key={j} scope="col" title={name(j)}>
                {j}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {v.confusion.map((row, i) => {
            const total = row.reduce((a, b) => a + b, 0);
            return (
              <tr key={i}>
                <th scope="row" title={name(i)}>
                  <span className="confusion-index">{i}</span> {name(i)}
                </th>
                {row.map((n, j) => (
                  <td key={j}>
                    <button
                      type="button"
                      className={`confusion-cell${i === j ? ' diagonal' : ''}${cellShade(n, total) >= 50 ? ' strong' : ''}`}
                      style={{ ['--share' as string]: `${cellShade(n, total)}%` }}
                      aria-label={`${n} ${name(i)} images predicted ${name(j)}`}
                      disabled={n === 0}
                      onClick={() => onCell(i, j)}
                    >
                      {n}
                    </button>
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function PerClass({ v, classNames }: { v: EpochValidation; classNames: readonly string[] }) {
  return (
    <ul className="per-class" aria-label="Accuracy per class">
      {v.perClass.map((a, i) => (
        <li key={i}>
          <span className="bar-label">{classNames[i] ?? `class ${i}`}</span>
          <span className="bar-track" aria-hidden="true">
            <span className="bar" style={{ width: `${(a ?? 0) * 100}%` }} />
          </span>
          <span className="bar-value mono">{formatAccuracy(a)}</span>
        </li>
      ))}
    </ul>
  );
}

/** The images of one confusion cell, asked of the host. */
function CellSamples({
  t,
  cell,
  classNames,
  onClose,
}: {
  t: Training;
  cell: { actual: number; predicted: number };
  classNames: readonly string[];
  onClose(): void;
}) {
  const host = useHost();
  const [images, setImages] = useState<readonly string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const trainer = trainHostOf(host);
    if (!trainer) return;
    let live = true;
    void trainer.trainSamples(t.trainId, cell.actual, cell.predicted, 16).then((r) => {
      if (!live) return;
      if (r.ok) setImages(r.value);
      else setError(r.error.message);
    });
    return () => {
      live = false;
    };
  }, [host, t.trainId, cell.actual, cell.predicted]);
  const name = (i: number) => classNames[i] ?? `class ${i}`;
  return (
    <Modal
      title={`${name(cell.actual)} predicted as ${name(cell.predicted)}`}
      onClose={onClose}
      actions={
        <button type="button" onClick={onClose} data-autofocus>
          Close
        </button>
      }
    >
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : images === null ? (
        <p className="muted">Reading the images…</p>
      ) : images.length === 0 ? (
        <p className="muted">No image of this cell is left to show.</p>
      ) : (
        <ul className="cell-samples" aria-label="Sample images">
          {images.map((src, k) => (
            <li key={k}>
              <img
                src={src}
                alt={`${name(cell.actual)} image ${k + 1}, predicted ${name(cell.predicted)}`}
              />
            </li>
          ))}
        </ul>
      )}
    </Modal>
  );
}

function Validation({ t }: { t: Training }) {
  const [cell, setCell] = useState<{ actual: number; predicted: number } | null>(null);
  const v = t.epochs[t.epochs.length - 1];
  if (!v) return null;
  const classNames = t.started?.classNames ?? [];
  return (
    <section className="panel-section" aria-labelledby="validation-title">
      <h3 id="validation-title">
        Validation after epoch {v.epoch}: top-1 {formatAccuracy(v.top1)}, loss {v.loss.toFixed(3)}
      </h3>
      <ConfusionMatrix
        v={v}
        classNames={classNames}
        onCell={(actual, predicted) => setCell({ actual, predicted })}
      />
      <h3>Accuracy per class</h3>
      <PerClass v={v} classNames={classNames} />
      {cell && (
        <CellSamples t={t} cell={cell} classNames={classNames} onClose={() => setCell(null)} />
      )}
    </section>
  );
}

const REASON_TEXT: Record<CheckpointInfo['reason'], string> = {
  epoch: 'after an epoch',
  cancel: 'on cancel',
  final: 'at the end',
};

function Checkpoints({ busy }: { busy: boolean }) {
  const host = useHost();
  const { checkpoints } = useApp(useShallow(selectTrain));
  useEffect(() => {
    void refreshCheckpoints(host);
  }, [host]);
  return (
    <section className="panel-section" aria-labelledby="checkpoints-title">
      <header className="section-header">
        <h2 id="checkpoints-title">Checkpoints</h2>
        <button type="button" onClick={() => void refreshCheckpoints(host)}>
          Refresh
        </button>
      </header>
      {checkpoints.length === 0 ? (
        <p className="section-doc">
          None yet: one is written after each epoch and when a training is cancelled.
        </p>
      ) : (
        <ol className="checkpoints" aria-label="Checkpoints, newest first">
          {checkpoints.map((c) => (
            <li key={c.id} data-testid="checkpoint">
              <div className="checkpoint-title">
                <strong>{c.designName}</strong> · epoch {c.epoch} · step {formatInt(c.step)} · top-1{' '}
                {formatAccuracy(c.top1)}
              </div>
              <div className="small muted" title={c.dir}>
                {REASON_TEXT[c.reason]}, {new Date(c.savedAt).toLocaleString()}
              </div>
              <div className="button-row">
                <button
                  type="button"
                  onClick={() => void runWithCheckpoint(host, c)}
                  aria-label={`Use the weights of ${c.id}`}
                >
                  Use these weights
                </button>
                <button
                  type="button"
                  disabled={busy}
                  onClick={() => void startTraining(host, c)}
                  aria-label={`Resume training from ${c.id}`}
                >
                  Resume from here
                </button>
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function TrainPanel() {
  const host = useHost();
  const { training: t } = useApp(useShallow(selectTrain));
  useDesign(); // the blocker reads the design's validity
  const live = isLive(t);
  const blocker = trainBlocker(host);
  const paused = t?.status === 'paused';
  return (
    <div className="train-panel">
      <section className="panel-section" aria-labelledby="train-title">
        <header className="section-header">
          <h2 id="train-title">Train</h2>
        </header>
        <TrainSettings busy={live} />
        <div className="button-row">
          <button
            type="button"
            className="primary"
            onClick={() => void startTraining(host)}
            disabled={Boolean(blocker)}
            aria-describedby={blocker ? 'train-blocker' : undefined}
          >
            Start
          </button>
          <button
            type="button"
            onClick={() => void pauseTraining(host, !paused)}
            disabled={!t || (t.status !== 'running' && t.status !== 'paused')}
          >
            {paused ? 'Resume' : 'Pause'}
          </button>
          <button
            type="button"
            onClick={() => void cancelTraining(host)}
            disabled={
              !t || (t.status !== 'running' && t.status !== 'paused' && t.status !== 'starting')
            }
          >
            Cancel
          </button>
        </div>
        {blocker && !live && (
          <p id="train-blocker" className="field-error">
            {blocker}
          </p>
        )}
        {t && <TrainProgress t={t} />}
        {t && <TrainNotes t={t} />}
      </section>
      {t && (t.steps.length > 0 || t.epochs.length > 0) && <TrainCharts t={t} />}
      {t && <Validation t={t} />}
      <Checkpoints busy={live} />
    </div>
  );
}
