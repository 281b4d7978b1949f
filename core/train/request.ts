/**
 * Bounds of a TrainRequest's numbers, checked before anything is read or allocated, so a count like
 * −5 or 10⁹ gets a sentence instead of an allocation failure. Shared by the hosts' schemas
 * (core/host/schemas.ts) and the training loop (the CLI's requests come in that way).
 */
import { errResult, okResult, type Result } from '../run/types';
import type { TrainRequest } from './types';

/** Inclusive bounds of each whole-number field. */
export const TRAIN_BOUNDS = {
  epochs: [1, 1000],
  batch: [1, 1024],
  steps: [1, 10_000_000],
  limit: [1, 10_000_000],
  seed: [0, 2 ** 31 - 1],
} as const;

/**
 * Inclusive bounds of each real-number field (the hosts' schemas and the CLI go through these too).
 * A learning rate above 100, a momentum above 1 or a weight decay above 1 only diverges; an aux
 * weight above 100 drowns the main loss. A NaN learning rate is let through on purpose: the trainer
 * stops it at its first step and names its cause (the issue's "NaN learning rate" case).
 */
export const TRAIN_REAL_BOUNDS = {
  lr: [0, 100],
  momentum: [0, 1],
  weightDecay: [0, 1],
  auxWeight: [0, 100],
} as const;

/**
 * Checks every bound at once. Errors: `train.request`, naming each field, its range and the value.
 * A NaN or infinite learning rate passes here: the trainer stops it at its first step with its cause.
 */
export function checkTrainRequest(r: TrainRequest): Result<void> {
  const problems: string[] = [];
  for (const [field, [lo, hi]] of Object.entries(TRAIN_BOUNDS)) {
    const v = (r as unknown as Record<string, unknown>)[field];
    if (v === undefined && (field === 'steps' || field === 'limit')) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi)
      problems.push(
        `${field} must be a whole number from ${lo} to ${hi.toLocaleString('en-US')}; got ${JSON.stringify(v)}.`,
      );
  }
  for (const [field, [lo, hi]] of Object.entries(TRAIN_REAL_BOUNDS)) {
    const v = (r as unknown as Record<string, unknown>)[field];
    if (field === 'lr' && Number.isNaN(v)) continue;
    if (typeof v !== 'number' || !(v >= lo && v <= hi))
      problems.push(`${field} must be a number from ${lo} to ${hi}; got ${JSON.stringify(v)}.`);
  }
  if (r.data.kind === 'folder') {
    const f = r.data.validationFraction ?? 0.2;
    if (!(f >= 0 && f <= 0.9))
      problems.push(`validationFraction must be from 0 to 0.9; got ${JSON.stringify(f)}.`);
  }
  return problems.length ? errResult('train.request', problems.join(' ')) : okResult(undefined);
}
