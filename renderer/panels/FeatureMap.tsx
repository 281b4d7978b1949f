/** A module's feature map (channel mean of the first image) as a small picture. */
import { memo, useEffect, useRef } from 'react';
import type { FeatureMapSummary, InputPicture, ValueRange } from '../../core/run/types';

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

/** Draws a map (values 0..255 through the ramp) or an RGB picture into a canvas of its own size; CSS scales it. */
function Picture({
  width,
  height,
  values,
  rgb = false,
  label,
  className,
}: {
  width: number;
  height: number;
  values: readonly number[];
  rgb?: boolean;
  label: string;
  className: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    const img = ctx.createImageData(width, height);
    for (let i = 0; i < width * height; i++) {
      const [r, g, b] = rgb
        ? [values[i * 3], values[i * 3 + 1], values[i * 3 + 2]]
        : rampColor(values[i]);
      img.data[i * 4] = r;
      img.data[i * 4 + 1] = g;
      img.data[i * 4 + 2] = b;
      img.data[i * 4 + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }, [width, height, values, rgb]);
  return (
    <canvas
      ref={canvas}
      className={className}
      width={width}
      height={height}
      role="img"
      aria-label={label}
    />
  );
}

function FeatureMapComponent({
  summary,
  label,
  large = false,
}: {
  summary: FeatureMapSummary;
  label: string;
  large?: boolean;
}) {
  return (
    <Picture
      width={summary.width}
      height={summary.height}
      values={summary.mean}
      label={label}
      className={large ? 'feature-map large' : 'feature-map'}
    />
  );
}

export const FeatureMap = memo(FeatureMapComponent);

/** The input's first image as the network saw it. */
export const InputImage = memo(function InputImage({
  picture,
  large = false,
}: {
  picture: InputPicture;
  large?: boolean;
}) {
  return (
    <Picture
      width={picture.width}
      height={picture.height}
      values={picture.rgb}
      rgb
      label="The input image"
      className={large ? 'feature-map large' : 'feature-map'}
    />
  );
});

/** The ramp as a CSS gradient, for the legend. */
const RAMP_CSS = `linear-gradient(to right, ${STOPS.map(([r, g, b]) => `rgb(${r} ${g} ${b})`).join(', ')})`;

/** A value as the legend shows it: 3 significant digits. */
const legendNumber = (v: number) =>
  Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(1) : v.toPrecision(3);

/** The colour scale of a picture: the ramp with the values its ends stand for. */
export function ColourScale({ range, label }: { range: ValueRange; label: string }) {
  return (
    <div
      className="colour-scale"
      role="img"
      aria-label={`${label}: from ${legendNumber(range.min)} to ${legendNumber(range.max)}`}
    >
      <span className="mono">{legendNumber(range.min)}</span>
      <span className="colour-scale-bar" style={{ background: RAMP_CSS }} aria-hidden="true" />
      <span className="mono">{legendNumber(range.max)}</span>
    </div>
  );
}

/**
 * The legend of a grid of maps each scaled to its own range: the ramp from each map's smallest
 * value (dark) to its largest (bright); the large view gives a map's values.
 */
export function ColourScaleKey() {
  return (
    <div
      className="colour-scale"
      role="img"
      aria-label="Colour scale: each map from its own smallest value (dark) to its largest (bright)"
      data-testid="colour-scale-key"
    >
      <span>each map's min</span>
      <span className="colour-scale-bar" style={{ background: RAMP_CSS }} aria-hidden="true" />
      <span>max</span>
    </div>
  );
}

/**
 * The most active channels of a map, as small pictures, each with its colour scale; the caption
 * says how they were chosen.
 */
export function FeatureChannels({ summary, id }: { summary: FeatureMapSummary; id: string }) {
  const total = summary.channelCount;
  return (
    <>
      <p className="small muted" data-testid="channels-caption">
        The {summary.channels.length} most active
        {total ? ` of ${total}` : ''} channels (largest mean |activation| of the first image), each
        scaled to its own range.
      </p>
      <ul className="feature-channels" aria-label={`The most active channels of ${id}`}>
        {summary.channels.map((ch) => (
          <li key={ch.index}>
            <Picture
              width={summary.width}
              height={summary.height}
              values={ch.values}
              label={`${id} channel ${ch.index}`}
              className="feature-map"
            />
            <span>
              channel {ch.index}
              {ch.activation !== undefined ? ` · mean ${legendNumber(ch.activation)}` : ''}
            </span>
            {ch.range && (
              <ColourScale range={ch.range} label={`Channel ${ch.index} colour scale`} />
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
