/**
 * Prints what the TypeScript core computes for a design, as JSON on stdout, so the Python tools
 * can compare against it. Usage (from the repository root):
 *
 *   npx tsx tools/torch/spec.ts state-dict googlenet        # a preset name
 *   npx tsx tools/torch/spec.ts state-dict path/to/design.json
 *   npx tsx tools/torch/spec.ts design googlenet-torchvision
 */
import { readFileSync } from 'node:fs';
import { analyze } from '../../core/analysis/analyze';
import { parseDesign, serializeDesign } from '../../core/design/designFile';
import { presetDesign } from '../../core/presets';
import { stateDictSpec } from '../../core/weights/stateDict';
import type { Design } from '../../core/model/types';

function load(source: string): Design {
  const preset = presetDesign(source);
  if (preset) return preset;
  const loaded = parseDesign(readFileSync(source, 'utf8'));
  if (!loaded.ok)
    throw new Error(
      `${source} is not a valid design file: ${loaded.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
    );
  return loaded.design;
}

const [what, source] = process.argv.slice(2);
if (!source || (what !== 'state-dict' && what !== 'design')) {
  process.stderr.write('Usage: npx tsx tools/torch/spec.ts state-dict|design PRESET|FILE\n');
  process.exit(2);
}
const design = load(source);
if (what === 'design') {
  process.stdout.write(serializeDesign(design));
} else {
  const analysis = analyze(design);
  if (!analysis.valid)
    throw new Error(`The design is not valid: ${analysis.issues.map((i) => i.message).join(' ')}`);
  const spec = stateDictSpec(analysis.graph).map((e) => ({
    key: e.key,
    shape: e.shape,
    role: e.role,
    weightShape: e.weightShape,
  }));
  process.stdout.write(`${JSON.stringify(spec)}\n`);
}
