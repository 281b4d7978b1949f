/**
 * The bounds every training request goes through (the CLI's inline loop, the hosts' job and, via
 * the same constants, the hosts' schemas): each wrong field is named with its range and value.
 */
import { describe, expect, it } from 'vitest';
import { presetDesign } from '../presets';
import { hostArgSchemas } from '../host/schemas';
import { checkTrainRequest } from './request';
import type { TrainRequest } from './types';

const request: TrainRequest = {
  design: presetDesign('googlenet-torchvision')!,
  data: { kind: 'random' },
  epochs: 1,
  batch: 2,
  optimizer: 'sgd',
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 0,
  auxWeight: 0.3,
  schedule: 'constant',
  dropout: false,
  seed: 0,
};

describe('checkTrainRequest', () => {
  it('passes a plain request, and a NaN learning rate (the trainer stops it with its cause)', () => {
    expect(checkTrainRequest(request).ok).toBe(true);
    expect(checkTrainRequest({ ...request, lr: NaN }).ok).toBe(true);
  });

  it.each([
    [{ epochs: -5 }, /epochs must be a whole number from 1 to 1,000; got -5\./],
    [{ batch: 1e9 }, /batch must be a whole number from 1 to 1,024; got 1000000000\./],
    [{ steps: 0 }, /steps must be/],
    [{ limit: 2.5 }, /limit must be/],
    [{ seed: -1 }, /seed must be/],
    [{ lr: -1 }, /lr must be a number from 0 to 100; got -1\./],
    [{ lr: Infinity }, /lr must be a number from 0 to 100; got null\./],
    [{ lr: 1e308 }, /lr must be a number from 0 to 100/],
    [{ momentum: 5 }, /momentum must be a number from 0 to 1; got 5\./],
    [{ weightDecay: 2 }, /weightDecay must be a number from 0 to 1/],
    [{ auxWeight: NaN }, /auxWeight must be a number from 0 to 100/],
    [{ momentum: '0.9' }, /momentum must be a number/],
  ])('names %j', (change, message) => {
    const r = checkTrainRequest({ ...request, ...change } as unknown as TrainRequest);
    expect(!r.ok && r.error.code).toBe('train.request');
    expect(!r.ok && r.error.message).toMatch(message);
  });

  it('names every wrong field at once', () => {
    const r = checkTrainRequest({ ...request, epochs: 0, momentum: 2 });
    expect(!r.ok && r.error.message).toMatch(/epochs.*momentum/);
  });

  it.each([{ momentum: 5 }, { lr: 101 }, { weightDecay: 2 }, { auxWeight: 1000 }])(
    'the hosts refuse %j too (one set of bounds)',
    (change) => {
      expect(hostArgSchemas.train.safeParse(['t1', request]).success).toBe(true);
      expect(hostArgSchemas.train.safeParse(['t1', { ...request, ...change }]).success).toBe(false);
      expect(checkTrainRequest({ ...request, ...change }).ok).toBe(false);
    },
  );
});
