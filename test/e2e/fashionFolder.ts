/**
 * A small image folder in torchvision's ImageFolder layout cut from Debian's Fashion-MNIST (the
 * four gzip IDX files in /usr/share/datasets/fashion-mnist/): `perClass` 28×28 grey PNGs of each
 * of the 10 classes, the first ones of the training file. The Train tab's e2e test trains on it,
 * so validation covers a few dozen images instead of the 10,000 test images.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PNG } from 'pngjs';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_CLASSES = [
  'T-shirt_top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Why the folder cannot be made here (Debian's dataset-fashion-mnist is missing), or null. */
export const fashionSkipReason: string | null = existsSync(
  join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'),
)
  ? null
  : `Fashion-MNIST is not at ${FASHION_MNIST_DIR} (Debian's dataset-fashion-mnist package).`;

/** Writes `root/<class>/<n>.png`, `perClass` images per class. */
export async function writeFashionFolder(root: string, perClass: number): Promise<void> {
  const images = gunzipSync(await readFile(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz')));
  const labels = gunzipSync(await readFile(join(FASHION_MNIST_DIR, 'train-labels-idx1-ubyte.gz')));
  const count = labels.readUInt32BE(4);
  const rows = images.readUInt32BE(8);
  const cols = images.readUInt32BE(12);
  const written = new Array<number>(FASHION_CLASSES.length).fill(0);
  for (const name of FASHION_CLASSES) await mkdir(join(root, name), { recursive: true });
  for (let i = 0; i < count && written.some((n) => n < perClass); i++) {
    const label = labels[8 + i];
    if (written[label] >= perClass) continue;
    const png = new PNG({ width: cols, height: rows, colorType: 0, inputColorType: 0 });
    const start = 16 + i * rows * cols;
    for (let p = 0; p < rows * cols; p++) {
      const v = images[start + p];
      png.data[p * 4] = v;
      png.data[p * 4 + 1] = v;
      png.data[p * 4 + 2] = v;
      png.data[p * 4 + 3] = 255;
    }
    await writeFile(
      join(root, FASHION_CLASSES[label], `${written[label]++}.png`),
      PNG.sync.write(png, { colorType: 0 }),
    );
  }
}
