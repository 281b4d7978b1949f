/**
 * The Train tab's form: what the user typed (text, so "-5" or "abc" stay as typed) and the one
 * check that turns it into a TrainRequest's settings or names every field that is wrong, before
 * anything starts. The whole-number ranges are core/train/request.ts's (the hosts check the same);
 * the Train tab also keeps the learning rate, momentum and weights to sensible ranges.
 */
import { formatInt } from '../../core/model/format';
import { TRAIN_BOUNDS } from '../../core/train/request';
import type { Design } from '../../core/model/types';
import type {
  OptimizerName,
  ScheduleName,
  TrainDataSource,
  TrainRequest,
} from '../../core/train/types';

export interface TrainForm {
  /** Fashion-MNIST, or the image folder chosen through the host (`folder`). */
  readonly data: 'fashion-mnist' | 'folder';
  readonly folder: { readonly path: string; readonly name: string } | null;
  /** Download Fashion-MNIST (about 30 MB, MD5-checked) when it is neither installed nor cached. */
  readonly download: boolean;
  readonly epochs: string;
  readonly batch: string;
  /** Train on the first N images; empty for all of them. */
  readonly limit: string;
  readonly optimizer: OptimizerName;
  readonly lr: string;
  readonly momentum: string;
  readonly weightDecay: string;
  readonly auxWeight: string;
  readonly schedule: ScheduleName;
  readonly dropout: boolean;
  readonly seed: string;
}

/** The form a new session starts with: the GoogLeNet paper's aux weight, SGD with momentum 0.9. */
export const DEFAULT_TRAIN_FORM: TrainForm = {
  data: 'fashion-mnist',
  folder: null,
  download: false,
  epochs: '1',
  batch: '32',
  limit: '',
  optimizer: 'sgd',
  lr: '0.01',
  momentum: '0.9',
  weightDecay: '0',
  auxWeight: '0.3',
  schedule: 'constant',
  dropout: true,
  seed: '0',
};

export type TrainFormField = Exclude<
  keyof TrainForm,
  'data' | 'optimizer' | 'schedule' | 'dropout' | 'download'
>;

/** One wrong field: a stable code and a sentence naming the field, the range and what was typed. */
export interface TrainFormIssue {
  readonly field: TrainFormField;
  readonly code: string;
  readonly message: string;
}

interface NumberRule {
  readonly label: string;
  readonly integer: boolean;
  readonly min: number;
  readonly max: number;
  /** Whether min itself is refused (a learning rate of 0 trains nothing). */
  readonly minExclusive?: boolean;
  readonly maxExclusive?: boolean;
}

const RULES: Readonly<Record<Exclude<TrainFormField, 'folder'>, NumberRule>> = {
  epochs: {
    label: 'Epochs',
    integer: true,
    min: TRAIN_BOUNDS.epochs[0],
    max: TRAIN_BOUNDS.epochs[1],
  },
  batch: { label: 'Batch', integer: true, min: TRAIN_BOUNDS.batch[0], max: TRAIN_BOUNDS.batch[1] },
  limit: {
    label: 'Image limit',
    integer: true,
    min: TRAIN_BOUNDS.limit[0],
    max: TRAIN_BOUNDS.limit[1],
  },
  lr: { label: 'Learning rate', integer: false, min: 0, max: 10, minExclusive: true },
  momentum: { label: 'Momentum', integer: false, min: 0, max: 1, maxExclusive: true },
  weightDecay: { label: 'Weight decay', integer: false, min: 0, max: 1 },
  auxWeight: { label: 'Aux weight', integer: false, min: 0, max: 10 },
  seed: { label: 'Seed', integer: true, min: TRAIN_BOUNDS.seed[0], max: TRAIN_BOUNDS.seed[1] },
};

const show = (n: number, integer: boolean) => (integer ? formatInt(n) : String(n));

function rangeText(r: NumberRule): string {
  const what = r.integer ? 'a whole number' : 'a number';
  if (r.minExclusive)
    return `${what} above ${show(r.min, r.integer)} and at most ${show(r.max, r.integer)}`;
  if (r.maxExclusive)
    return `${what} from ${show(r.min, r.integer)} to below ${show(r.max, r.integer)}`;
  return `${what} from ${show(r.min, r.integer)} to ${show(r.max, r.integer)}`;
}

/** The number a field holds, or the issue with it. */
export function checkTrainNumber(
  field: Exclude<TrainFormField, 'folder'>,
  text: string,
): { ok: true; value: number } | { ok: false; issue: TrainFormIssue } {
  const r = RULES[field];
  const t = text.trim();
  const n = t === '' ? NaN : Number(t);
  const bad = (code: string) => ({
    ok: false as const,
    issue: {
      field,
      code,
      message: `${r.label} must be ${rangeText(r)}; got ${t === '' ? 'nothing' : `"${t}"`}.`,
    },
  });
  if (!Number.isFinite(n)) return bad('train.notNumber');
  if (r.integer && !Number.isInteger(n)) return bad('train.notWhole');
  if (n < r.min || (r.minExclusive && n === r.min) || n > r.max || (r.maxExclusive && n === r.max))
    return bad('train.outOfRange');
  return { ok: true, value: n };
}

/**
 * The request the form describes for `design`, or every issue with the form (each field once).
 * `resume` is a checkpoint id to continue from.
 */
export function trainRequestOf(
  form: TrainForm,
  design: Design,
  resume?: string,
): { ok: true; request: TrainRequest } | { ok: false; issues: readonly TrainFormIssue[] } {
  const issues: TrainFormIssue[] = [];
  const num = (field: Exclude<TrainFormField, 'folder'>): number => {
    const c = checkTrainNumber(field, form[field]);
    if (c.ok) return c.value;
    issues.push(c.issue);
    return NaN;
  };
  const epochs = num('epochs');
  const batch = num('batch');
  const limit = form.limit.trim() === '' ? undefined : num('limit');
  const lr = num('lr');
  const momentum = num('momentum');
  const weightDecay = num('weightDecay');
  const auxWeight = num('auxWeight');
  const seed = num('seed');
  let data: TrainDataSource = form.download
    ? { kind: 'fashion-mnist', download: true }
    : { kind: 'fashion-mnist' };
  if (form.data === 'folder') {
    if (form.folder) data = { kind: 'folder', path: form.folder.path };
    else
      issues.push({
        field: 'folder',
        code: 'train.noFolder',
        message:
          'Choose an image folder first (one subfolder per class, PNG or JPEG images), or train on Fashion-MNIST.',
      });
  }
  if (issues.length) return { ok: false, issues };
  return {
    ok: true,
    request: {
      design,
      data,
      epochs,
      ...(limit === undefined ? {} : { limit }),
      batch,
      optimizer: form.optimizer,
      lr,
      momentum,
      weightDecay,
      auxWeight,
      schedule: form.schedule,
      dropout: form.dropout,
      seed,
      ...(resume ? { resume } : {}),
    },
  };
}
