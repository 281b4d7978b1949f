/**
 * Module summaries computed on the host (statistics, feature-map pictures) against the same
 * figures computed with TF.js ops, on every backend present.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { randomInput } from '../../core/weights/init';
import { probeBackend } from './backend';
import { featureMapFromValues, featureMapSummary, finishStats, tensorStats } from './summaries';

/** The picture as TF.js ops make it: channel mean and picked channels of image 0, average-pooled ('same'). */
function reference(t: tf.Tensor4D, channels: number, maxSide: number) {
  const [, h, w, c] = t.shape;
  const first = tf.slice(t, [0, 0, 0, 0], [1, h, w, c]);
  const strength = Array.from(tf.mean(tf.abs(first), [0, 1, 2]).dataSync());
  const picked = strength
    .map((v, i) => ({ v, i }))
    .sort((a, b) => b.v - a.v || a.i - b.i)
    .slice(0, Math.min(channels, c))
    .map((e) => e.i)
    .sort((a, b) => a - b);
  const factor = Math.ceil(Math.max(h, w) / maxSide);
  const maps = tf.concat(
    [tf.mean(first, 3, true), tf.gather(first, tf.tensor1d(picked, 'int32'), 3)],
    3,
  ) as tf.Tensor4D;
  const small = factor > 1 ? tf.avgPool(maps, factor, factor, 'same') : maps;
  const [, sh, sw, m] = small.shape;
  const data = small.dataSync();
  const column = (j: number) => Array.from({ length: sh * sw }, (_, p) => data[p * m + j]);
  const bytes = (v: number[]) => {
    const lo = Math.min(...v);
    const hi = Math.max(...v);
    return v.map((x) => (hi > lo ? Math.round(((x - lo) / (hi - lo)) * 255) : 128));
  };
  return {
    width: sw,
    height: sh,
    mean: bytes(column(0)),
    channels: picked.map((index, j) => ({ index, values: bytes(column(j + 1)) })),
  };
}

for (const backend of ['wasm', 'cpu'] as const) {
  const available = await probeBackend(backend);
  describe.skipIf(!available.ok)(`summaries on ${backend}`, () => {
    it('feature-map pictures match TF.js pooling, edge windows included, to one grey level', async () => {
      expect(await tf.setBackend(backend)).toBe(true);
      // 37×23 pooled by 5 with 'same' padding: windows at the edges hold fewer pixels.
      for (const [shape, channels, maxSide] of [
        [[2, 37, 23, 6], 4, 8],
        [[1, 12, 12, 3], 4, 32],
        [[1, 16, 8, 9], 2, 4],
      ] as const) {
        const t = tf.tensor4d(randomInput([...shape], 7), [...shape]);
        const got = featureMapSummary(t, channels, maxSide);
        const want = tf.tidy(() => reference(t, channels, maxSide));
        expect([got.width, got.height]).toEqual([want.width, want.height]);
        expect(got.channels.map((c) => c.index)).toEqual(want.channels.map((c) => c.index));
        const a = [got.mean, ...got.channels.map((c) => c.values)].flat();
        const b = [want.mean, ...want.channels.map((c) => c.values)].flat();
        expect(a.length).toBe(b.length);
        for (let i = 0; i < a.length; i++)
          expect(Math.abs(a[i] - b[i]), `value ${i} of ${shape.join('×')}`).toBeLessThanOrEqual(1);
        t.dispose();
      }
      // A constant map is mid-grey.
      const flat = tf.fill([1, 4, 4, 2], 3) as tf.Tensor4D;
      expect(featureMapSummary(flat).mean).toEqual(new Array(16).fill(128));
      flat.dispose();
    });

    it('statistics match TF.js moments, min and max', async () => {
      expect(await tf.setBackend(backend)).toBe(true);
      const t = tf.add(tf.tensor4d(randomInput([2, 5, 7, 3], 3), [2, 5, 7, 3]), 100);
      const s = finishStats(tensorStats(t));
      const { mean, variance } = tf.moments(t);
      expect(s.mean).toBeCloseTo(mean.dataSync()[0], 4);
      expect(s.std).toBeCloseTo(Math.sqrt(variance.dataSync()[0]), 4);
      expect(s.min).toBe(tf.min(t).dataSync()[0]);
      expect(s.max).toBe(tf.max(t).dataSync()[0]);
      expect(finishStats(tensorStats(tf.zeros([0])))).toEqual({
        min: Infinity,
        max: -Infinity,
        mean: 0,
        std: 0,
      });
      tf.dispose([t, mean, variance]);
    });
  });
}

describe('featureMapFromValues', () => {
  it.each([
    [2, 5, 7, 3],
    [1, 64, 48, 6],
    [3, 33, 17, 1],
  ])(
    'draws the same picture from NCHW values as from NHWC ones (%i×%i×%i×%i, N×H×W×C)',
    (n, h, w, c) => {
      const nhwc = randomInput([n, h, w, c], h * w + c);
      const nchw = new Float32Array(nhwc.length);
      for (let b = 0; b < n; b++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++)
            for (let k = 0; k < c; k++)
              nchw[((b * c + k) * h + y) * w + x] = nhwc[((b * h + y) * w + x) * c + k];
      expect(featureMapFromValues(nchw, 'nchw', h, w, c, 4, 16)).toEqual(
        featureMapFromValues(nhwc, 'nhwc', h, w, c, 4, 16),
      );
    },
  );
});

describe('inputPictureFromValues', () => {
  it('gives the first image as RGB 0..255, min–max scaled and downsampled to at most 112 a side', async () => {
    const { inputPictureFromValues } = await import('./summaries');
    const h = 224;
    const w = 224;
    const x = new Float32Array(2 * 3 * h * w);
    for (let i = 0; i < 3 * h * w; i++) x[i] = (i % w) / w - 0.5; // a left-to-right ramp in image 0
    x.fill(99, 3 * h * w); // image 1 must not change the scale
    const p = inputPictureFromValues(x, 3, h, w);
    expect([p.width, p.height, p.rgb.length]).toEqual([112, 112, 112 * 112 * 3]);
    expect(p.rgb.slice(0, 3)).toEqual([0, 0, 0]);
    expect(Math.max(...p.rgb)).toBeGreaterThan(250);
    const gray = inputPictureFromValues(Float32Array.from([0, 1, 2, 3]), 1, 2, 2);
    expect(gray.rgb).toEqual([0, 0, 0, 85, 85, 85, 170, 170, 170, 255, 255, 255]);
  });

  it("shows a photo as the user sees it: the preset's preparation (BGR 0–255 minus means, or ImageNet mean/std) undone", async () => {
    const { inputPictureFromValues } = await import('./summaries');
    const { normalize } = await import('./imageInput');
    const { PRESET_PREPROCESSING } = await import('../../core/presets/preprocessing');
    // A 2×1 photo: one orange pixel, one sky-blue pixel.
    const photo = { width: 2, height: 1, rgb: Float32Array.from([255, 128, 0, 90, 160, 230]) };
    for (const preset of ['bn-inception', 'googlenet-paper', 'googlenet', 'inception-resnet-v2']) {
      const how = PRESET_PREPROCESSING[preset];
      const x = normalize(photo, 3, how);
      expect(inputPictureFromValues(x, 3, 1, 2, 112, how).rgb, preset).toEqual([
        255, 128, 0, 90, 160, 230,
      ]);
    }
    // Without a photo's preparation (seeded noise) it is min–max scaled, channel order as stored.
    const bgr = normalize(photo, 3, PRESET_PREPROCESSING['bn-inception']);
    expect(inputPictureFromValues(bgr, 3, 1, 2).rgb.slice(0, 3)).not.toEqual([255, 128, 0]);
  });
});

describe('feature-map colour scale', () => {
  it('says what 0 and 255 stand for and how active each shown channel is', () => {
    // 2×2 map, 3 channels (NCHW): channel 1 is the most active.
    const x = Float32Array.of(0, 1, 2, 3, 10, 10, 10, 30, 0, 0, 0, 1);
    const s = featureMapFromValues(x, 'nchw', 2, 2, 3, 2);
    expect(s.channelCount).toBe(3);
    expect(s.channels.map((c) => c.index)).toEqual([0, 1]);
    expect(s.channels[1].range).toEqual({ min: 10, max: 30 });
    expect(s.channels[1].activation).toBe(15);
    expect(s.range!.min).toBeCloseTo(10 / 3);
    expect(s.range!.max).toBeCloseTo(34 / 3);
  });
});
