/** A module's feature map (channel mean of the first image) as a small picture. */
import { memo, useEffect, useRef } from 'react';
import type { FeatureMapSummary } from '../../core/run/types';

/** A perceptually even dark-blue → yellow ramp (viridis-like), so structure reads in both themes. */
const STOPS: readonly [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

export function rampColor(v: number): [number, number, number] {
  const t = Math.max(0, Math.min(1, v / 255)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(t));
  const f = t - i;
  const [a, b] = [STOPS[i], STOPS[i + 1]];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

function FeatureMapComponent({ summary, label }: { summary: FeatureMapSummary; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    const img = ctx.createImageData(summary.width, summary.height);
    summary.mean.forEach((v, i) => {
      const [r, g, b] = rampColor(v);
      img.data[i * 4] = r;
      img.data[i * 4 + 1] = g;
      img.data[i * 4 + 2] = b;
      img.data[i * 4 + 3] = 255;
    });
    ctx.putImageData(img, 0, 0);
  }, [summary]);
  return <canvas ref={canvas} className="feature-map" width={summary.width} height={summary.height} role="img" aria-label={label} />;
}

export const FeatureMap = memo(FeatureMapComponent);
