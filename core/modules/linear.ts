/** A fully connected layer, flattening a feature map first. Its input size is fixed when built. */
import { formatInt } from '../model/format';
import { defineModule } from './moduleDef';

export const linear = defineModule({
  kind: 'linear',
  label: 'Linear',
  description:
    'A fully connected layer; a feature map arriving here is flattened in N·C·H·W order first.',
  params: {
    out_features: {
      type: 'countOrClasses',
      label: 'Outputs',
      default: 'classes',
      group: 'filters',
      doc: 'Output features; "classes" follows the design\'s class count.',
    },
    in_size: {
      type: 'pair',
      label: 'Built for map size',
      min: 1,
      max: 1024,
      default: 1,
      group: 'structure',
      doc: 'The spatial size of the map this layer was built for: its input features are channels × this size, as PyTorch fixes them when the network is built.',
    },
    bias: { type: 'bool', label: 'Bias', default: true, group: 'flavor' },
  },
  arity: { min: 1, max: 1 },
  expand(p, ctx) {
    const b = ctx.builder();
    const s = ctx.inputs[0];
    let input = ctx.inputIds[0];
    let inFeatures = s[1];
    let expectation: string | undefined;
    if (s.length === 4) {
      input = b.add('flatten', 'flatten', [input], {});
      inFeatures = s[1] * p.in_size[0] * p.in_size[1];
      expectation = `${formatInt(s[1])} channels × ${p.in_size[0]}×${p.in_size[1]}, the map size it was built for`;
    } else if (s.length !== 2) {
      input = b.add('flatten', 'flatten', [input], {});
      inFeatures = s.slice(1).reduce((a, x) => a * x, 1);
    }
    const out = b.add('', 'linear', [input], {
      inFeatures,
      outFeatures: p.out_features,
      bias: p.bias,
      expectation,
    });
    return { layers: b.layers, output: out };
  },
});
