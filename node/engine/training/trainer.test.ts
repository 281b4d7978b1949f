import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../../core/analysis/analyze';
import { presetDesign } from '../../../core/presets';
import { setAux, setClasses } from '../../../core/design/edit';
import { randomInput } from '../../../core/weights/init';
import { selectTfBackend } from '../backend';
import { seededStateDict } from '../weights';
import { createTrainer, learningRate, type TrainerOptions } from './trainer';

const base: TrainerOptions = {
  optimizer: 'sgd',
  lr: 0.1,
  momentum: 0.9,
  weightDecay: 0,
  auxWeight: 0.3,
  dropout: false,
  seed: 0,
  schedule: 'constant',
};

describe('learning-rate schedules', () => {
  it('constant, step (per epoch) and cosine (per step, to 0)', () => {
    expect(learningRate(base, 50, 3)).toBe(0.1);
    const step = { ...base, schedule: 'step' as const, stepEpochs: 2, gamma: 0.5 };
    expect([0, 1, 2, 4].map((e) => learningRate(step, 0, e))).toEqual([0.1, 0.1, 0.05, 0.025]);
    const cosine = { ...base, schedule: 'cosine' as const, totalSteps: 10 };
    expect(learningRate(cosine, 0, 0)).toBeCloseTo(0.1, 12);
    expect(learningRate(cosine, 5, 0)).toBeCloseTo(0.05, 12);
    expect(learningRate(cosine, 10, 0)).toBeCloseTo(0, 12);
  });
});

describe('the TF.js trainer on a small GoogLeNet', () => {
  let design = setClasses(setAux(presetDesign('googlenet-torchvision')!, false), 10);
  design = { ...design, input: { ...design.input, batch: 2, channels: 1, height: 32, width: 32 } };
  const analysis = analyze(design);
  const batch = {
    input: randomInput([2, 1, 32, 32], 1),
    target: Int32Array.of(3, 7),
    n: 2,
  };
  beforeAll(async () => {
    expect(analysis.valid).toBe(true);
    expect((await selectTfBackend('wasm')).ok).toBe(true);
  });

  it('steps, counts batches in the running statistics and lowers the loss on a repeated batch', async () => {
    const made = createTrainer(design, analysis, seededStateDict(analysis.graph, 0), {
      ...base,
      lr: 0.01,
    });
    if (!made.ok) throw new Error(made.error.message);
    const t = made.value;
    const losses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await t.step(batch);
      if (!r.ok) throw new Error(r.error.message);
      losses.push(r.value.loss);
    }
    expect(losses[3]).toBeLessThan(losses[0]);
    const sd = t.stateDict();
    expect(sd.get('conv1.bn.num_batches_tracked')?.[0]).toBe(4);
    const ev = await t.evaluate([batch]);
    expect(ev.count).toBe(2);
    expect(ev.predictions.length).toBe(2);
    expect(Number.isFinite(ev.loss)).toBe(true);
    t.dispose();
  });

  it('stops a NaN learning rate with its cause and step', async () => {
    const made = createTrainer(design, analysis, seededStateDict(analysis.graph, 0), {
      ...base,
      lr: NaN,
    });
    if (!made.ok) throw new Error(made.error.message);
    const r = await made.value.step(batch);
    expect(r.ok ? null : r.error.code).toBe('train.nonFinite');
    expect(r.ok ? '' : r.error.message).toMatch(/learning rate at step 1 is NaN/);
    made.value.dispose();
  });

  it('stops values that overflow to infinity with the step', async () => {
    const init = new Map(seededStateDict(analysis.graph, 0));
    init.set('fc.weight', new Float32Array(init.get('fc.weight')!.length).fill(3e38));
    const made = createTrainer(design, analysis, init, base);
    if (!made.ok) throw new Error(made.error.message);
    const r = await made.value.step(batch);
    expect(r.ok ? null : r.error.code).toBe('train.nonFinite');
    expect(r.ok ? '' : r.error.message).toMatch(/step 1/);
    made.value.dispose();
  });
});
