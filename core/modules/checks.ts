import type { ExpandContext, Expansion } from './moduleDef';

/** A template's early exit when its input is not a feature map (N×C×H×W). */
export function requireFeatureMap(ctx: ExpandContext): Expansion | null {
  const s = ctx.inputs[0];
  if (s && s.length === 4) return null;
  return {
    layers: [],
    output: ctx.id,
    problems: [
      {
        code: 'shape.rank',
        message: `needs a feature map (N×C×H×W) but receives ${s ? s.join('×') : 'nothing'}`,
      },
    ],
  };
}
