import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeImage,
  imageBatch,
  IMAGENET_MEAN,
  IMAGENET_STD,
  resizeAndCrop,
  resizeBilinear,
  resizeImage,
  type RgbImage,
} from './imageInput';
import { presetPreprocessing } from '../../core/presets/preprocessing';
import { defaultAssetsDir } from './workerEntry';

function png(
  width: number,
  height: number,
  pixel: (x: number, y: number) => [number, number, number],
): Buffer {
  const p = new PNG({ width, height });
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      p.data.set([r, g, b, 255], (y * width + x) * 4);
    }
  return PNG.sync.write(p);
}

function solid(width: number, height: number, rgb: [number, number, number]): RgbImage {
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { width, height, rgb: data };
}

describe('image input', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'engine-images-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('decodes PNG and JPEG by their content', () => {
    const p = decodeImage(
      png(3, 2, (x, y) => [x * 100, y * 200, 7]),
      'a.png',
    );
    expect(p.ok).toBe(true);
    if (p.ok) {
      expect([p.value.width, p.value.height]).toEqual([3, 2]);
      expect(Array.from(p.value.rgb.subarray(3 * 4, 3 * 5))).toEqual([100, 200, 7]);
    }
    const rgba = new Uint8Array(16 * 8 * 4).fill(200);
    const j = decodeImage(jpeg.encode({ data: rgba, width: 16, height: 8 }, 95).data, 'b.jpg');
    expect(j.ok).toBe(true);
    if (j.ok) {
      expect([j.value.width, j.value.height]).toEqual([16, 8]);
      expect(Math.abs(j.value.rgb[0] - 200)).toBeLessThanOrEqual(2);
    }
  });

  it('names a file that is not an image or is damaged', () => {
    expect(decodeImage(new TextEncoder().encode('GIF89a....'), 'x.gif')).toMatchObject({
      ok: false,
      error: { code: 'input.format' },
    });
    const broken = png(4, 4, () => [1, 2, 3]).subarray(0, 40);
    const r = decodeImage(broken, 'broken.png');
    expect(r).toMatchObject({ ok: false, error: { code: 'input.decode' } });
    if (!r.ok) expect(r.error.message).toContain('broken.png');
  });

  it('resizes with antialiasing: a constant image stays constant, a gradient stays ordered', () => {
    const flat = resizeBilinear(solid(40, 30, [10, 20, 30]), 13, 7);
    for (let i = 0; i < flat.rgb.length; i += 3)
      expect(Array.from(flat.rgb.subarray(i, i + 3)).map((v) => Math.round(v * 1e4) / 1e4)).toEqual(
        [10, 20, 30],
      );
    const ramp: RgbImage = {
      width: 64,
      height: 1,
      rgb: Float32Array.from({ length: 64 * 3 }, (_, i) => Math.floor(i / 3) * 4),
    };
    const small = resizeBilinear(ramp, 8, 1);
    const reds = Array.from({ length: 8 }, (_, i) => small.rgb[i * 3]);
    for (let i = 1; i < 8; i++) expect(reds[i]).toBeGreaterThan(reds[i - 1]);
    // Shrinking by 8 averages each block of 8 (plus the filter's overlap): the first is near 14.
    expect(reds[0]).toBeGreaterThan(8);
    expect(reds[0]).toBeLessThan(20);
  });

  it("follows torchvision's Resize(256) + CenterCrop(224): shorter side 256, then the middle", () => {
    // A 451×300 photo becomes 384×256 (long side truncated); the crop keeps its center.
    const wide: RgbImage = { width: 451, height: 300, rgb: new Float32Array(451 * 300 * 3) };
    for (let y = 0; y < 300; y++)
      for (let x = 0; x < 451; x++) wide.rgb[(y * 451 + x) * 3] = x < 225 ? 0 : 255;
    const out = resizeAndCrop(wide, 224, 224);
    expect([out.width, out.height]).toEqual([224, 224]);
    // The left/right split sits in the middle of the crop.
    const row = Array.from({ length: 224 }, (_, x) => out.rgb[(100 * 224 + x) * 3]);
    expect(row[100]).toBeLessThan(5);
    expect(row[124]).toBeGreaterThan(250);
  });

  it('normalizes with ImageNet mean and std into N·C·H·W, repeating images to fill the batch', async () => {
    const file = path.join(dir, 'grey.png');
    await writeFile(
      file,
      png(300, 260, () => [128, 64, 255]),
    );
    const r = await imageBatch([file], 2, 3, 8, 8, 'imagenet');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.length).toBe(2 * 3 * 64);
    const want = [128, 64, 255].map((v, c) => (v / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c]);
    for (let n = 0; n < 2; n++)
      for (let c = 0; c < 3; c++) expect(r.value[(n * 3 + c) * 64 + 10]).toBeCloseTo(want[c], 4);
    const half = await imageBatch([file], 1, 3, 8, 8, 'halfRange');
    if (half.ok) expect(half.value[0]).toBeCloseTo((128 / 255 - 0.5) / 0.5, 4);
    const grey = await imageBatch([file], 1, 1, 8, 8, 'imagenet');
    if (grey.ok)
      expect(grey.value[0]).toBeCloseTo(
        ((128 * 0.299 + 64 * 0.587 + 255 * 0.114) / 255 - 0.449) / 0.226,
        4,
      );
  });

  it("prepares photos as each preset's reference expects: Caffe's BGR in 0..255 minus the means, timm's [-1, 1]", async () => {
    const file = path.join(dir, 'colour.png');
    await writeFile(
      file,
      png(300, 260, () => [200, 100, 30]),
    );
    const caffe = await imageBatch([file], 1, 3, 8, 8, presetPreprocessing('googlenet-paper'));
    expect(caffe.ok).toBe(true);
    if (caffe.ok)
      expect([0, 1, 2].map((c) => caffe.value[c * 64 + 10])).toEqual(
        [30 - 104, 100 - 117, 200 - 123].map((v) => expect.closeTo(v, 3)),
      );
    const bn = await imageBatch([file], 1, 3, 8, 8, presetPreprocessing('bn-inception'));
    if (bn.ok) expect(bn.value[2 * 64 + 10]).toBeCloseTo(200 - 128, 3);
    const timm = await imageBatch([file], 1, 3, 8, 8, presetPreprocessing('inception-resnet-v2'));
    if (timm.ok)
      expect([0, 1, 2].map((c) => timm.value[c * 64 + 10])).toEqual(
        [200, 100, 30].map((v) => expect.closeTo((v / 255 - 0.5) / 0.5, 4)),
      );
    // A preset without a preprocessing of its own gets torchvision's ImageNet normalization.
    const plain = await imageBatch([file], 1, 3, 8, 8, presetPreprocessing(null));
    if (plain.ok)
      expect(plain.value[10]).toBeCloseTo((200 / 255 - IMAGENET_MEAN[0]) / IMAGENET_STD[0], 4);
  });

  it('refuses inputs images cannot fill, and names missing files', async () => {
    expect(await imageBatch([path.join(dir, 'none.png')], 1, 3, 8, 8, 'imagenet')).toMatchObject({
      ok: false,
      error: { code: 'input.read' },
    });
    const four = await imageBatch(
      [path.join(defaultAssetsDir(), 'samples', 'cat.jpg')],
      1,
      4,
      8,
      8,
      'imagenet',
    );
    expect(four).toMatchObject({ ok: false, error: { code: 'input.channels' } });
    if (!four.ok) expect(four.error.message).toContain('4');
  });

  it('ships small sample photos that decode', async () => {
    for (const name of ['cat.jpg', 'coffee.jpg', 'rocket.jpg', 'astronaut.jpg']) {
      const bytes = await readFile(path.join(defaultAssetsDir(), 'samples', name));
      expect(bytes.byteLength).toBeLessThanOrEqual(150 * 1024);
      const img = decodeImage(bytes, name);
      expect(img.ok, name).toBe(true);
      if (img.ok) expect(Math.min(img.value.width, img.value.height)).toBeGreaterThanOrEqual(256);
    }
  });

  it('resizes only the crop: the same values as resizing whole and cutting, for wide, tall and square photos', () => {
    for (const [w, h, interpolation] of [
      [90, 31, 'bicubic'],
      [17, 60, 'bilinear'],
      [40, 40, 'bicubic'],
    ] as const) {
      const img: RgbImage = {
        width: w,
        height: h,
        rgb: Float32Array.from({ length: w * h * 3 }, (_, i) => (i * 37) % 256),
      };
      const crop = resizeAndCrop(img, 24, 24, 0.875, 'round', interpolation);
      // Whole resize, then the centre crop, by hand.
      const side = Math.round(24 / 0.875);
      const rw = w <= h ? side : Math.trunc((side * w) / Math.min(w, h));
      const rh = h < w ? side : Math.trunc((side * h) / Math.min(w, h));
      const whole = resizeImage(img, rw, rh, interpolation);
      const top = Math.round((rh - 24) / 2);
      const left = Math.round((rw - 24) / 2);
      for (let y = 0; y < 24; y++)
        for (let x = 0; x < 24 * 3; x++)
          expect(crop.rgb[y * 72 + x]).toBe(whole.rgb[((top + y) * rw + left) * 3 + x]);
    }
  });

  it('bounds the work of a long, thin photo: its resize is never allocated; past 64:1 it is refused by name', async () => {
    // 2,000 × 40 (50:1) would resize to 12,800 × 256 for a 224 crop: only the crop is computed.
    const strip: RgbImage = solid(2000, 40, [200, 100, 50]);
    const out = resizeAndCrop(strip, 224, 224);
    expect([out.width, out.height]).toEqual([224, 224]);
    expect(Array.from(out.rgb.subarray(0, 3))).toEqual([200, 100, 50]);
    for (const [w, h] of [
      [8000, 1],
      [65535, 1],
      [1, 6000],
      [650, 10],
    ]) {
      const file = path.join(dir, `strip-${w}x${h}.png`);
      await writeFile(
        file,
        png(w, h, () => [1, 2, 3]),
      );
      const r = await imageBatch([file], 1, 3, 224, 224, 'imagenet');
      expect(r, `${w}×${h}`).toMatchObject({ ok: false, error: { code: 'input.aspect' } });
      if (!r.ok) expect(r.error.message).toContain(`strip-${w}x${h}.png`);
    }
    const fine = path.join(dir, 'strip-640x10.png');
    await writeFile(
      fine,
      png(640, 10, () => [9, 9, 9]),
    );
    expect((await imageBatch([fine], 1, 3, 224, 224, 'imagenet')).ok).toBe(true);
  });
});
