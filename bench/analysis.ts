/**
 * How long a full re-analysis takes after one edit, for GoogLeNet and for a synthetic chain of
 * 1,000 inception modules, and the diff of two designs (analyses at hand, as the app has them).
 * Prints figures; asserts nothing. Run: npm run bench:analysis
 */
import { performance } from 'node:perf_hooks';
import { analyze } from '../core/analysis/analyze';
import { presetDesign } from '../core/presets';
import { deleteModule, setParam } from '../core/design/edit';
import { compareDesigns } from '../core/design/diff';
import type { Design, ModuleSpec } from '../core/model/types';

function chain(n: number): Design {
  const base = presetDesign('googlenet')!;
  const modules: ModuleSpec[] = base.modules
    .filter((m) => ['conv1', 'maxpool1', 'conv2', 'maxpool2'].includes(m.id))
    .map((m) => ({ ...m }));
  let last = 'maxpool2';
  for (let i = 0; i < n; i++) {
    const id = `inception_${i}`;
    modules.push({
      id,
      kind: 'inception',
      inputs: [last],
      params: { out_1x1: 64, red_3x3: 96, out_3x3: 128, red_5x5: 16, out_5x5: 32, out_1x1pool: 32 },
      stage: 'chain',
    });
    last = id;
  }
  modules.push({
    id: 'avgpool',
    kind: 'adaptiveAvgPool',
    inputs: [last],
    params: { output_size: 1 },
    stage: 'head',
  });
  modules.push({
    id: 'fc1',
    kind: 'linear',
    inputs: ['avgpool'],
    params: { out_features: 'classes' },
    stage: 'head',
  });
  return {
    ...base,
    name: `chain of ${n}`,
    preset: null,
    aux: false,
    modules,
    outputs: { main: 'fc1' },
  };
}

function measure(
  label: string,
  design: Design,
  moduleId: string,
  runs: number,
  cold: boolean,
): void {
  const times: number[] = [];
  let layers = 0;
  for (let i = 0; i < runs + 3; i++) {
    // Cold: every module is new (nothing cached); warm: one module changed since the last analysis.
    const edited = setParam(
      cold ? structuredClone(design) : design,
      moduleId,
      'out_3x3',
      100 + (i % 50),
    );
    const t0 = performance.now();
    const a = analyze(edited);
    const dt = performance.now() - t0;
    if (!a.valid) throw new Error(`${label}: ${a.issues[0].message}`);
    layers = a.layers.length;
    if (i >= 3) times.push(dt);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const p95 = times[Math.floor(times.length * 0.95)];
  process.stdout.write(
    `${label.padEnd(36)} ${String(layers).padStart(6)} layers   median ${median.toFixed(2).padStart(8)} ms   p95 ${p95.toFixed(2).padStart(8)} ms\n`,
  );
}

process.stdout.write(
  'Full re-analysis after one edit (setParam + analyze), Node ' + process.version + '\n',
);
const googlenet = presetDesign('googlenet')!;
const big = chain(1000);
measure('GoogLeNet, after one edit', googlenet, 'inception4c', 200, false);
measure('GoogLeNet, from scratch', googlenet, 'inception4c', 200, true);
measure('1,000-module chain, after one edit', big, 'inception_500', 30, false);
measure('1,000-module chain, from scratch', big, 'inception_500', 10, true);

/** The diff of `b` against `a`, their analyses given (the app keeps both). */
function measureDiff(label: string, a: Design, b: Design, runs: number): void {
  const sa = analyze(a);
  const sb = analyze(b);
  const times: number[] = [];
  for (let i = 0; i < runs + 3; i++) {
    const t0 = performance.now();
    compareDesigns(a, b, { a: sa, b: sb });
    if (i >= 3) times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  process.stdout.write(
    `${label.padEnd(52)} median ${times[Math.floor(times.length / 2)].toFixed(2).padStart(8)} ms\n`,
  );
}

process.stdout.write('\nDiff of two designs (compareDesigns, both analyses given)\n');
measureDiff(
  'GoogLeNet vs one edit',
  googlenet,
  setParam(googlenet, 'inception4c', 'out_3x3', 300),
  200,
);
const v3 = presetDesign('inception-v3');
if (v3) measureDiff('GoogLeNet vs Inception v3 (ids differ)', googlenet, v3, 100);
measureDiff(
  '1,000-module chain vs one deleted module',
  big,
  deleteModule(big, 'inception_500'),
  20,
);
const renamed: Design = {
  ...big,
  modules: big.modules.map((m) =>
    m.id.startsWith('inception_')
      ? {
          ...m,
          id: `block_${m.id.slice(10)}`,
          inputs: m.inputs.map((x) => x.replace('inception_', 'block_')),
        }
      : { ...m, inputs: m.inputs.map((x) => x.replace('inception_', 'block_')) },
  ),
};
measureDiff('1,000-module chain vs every id renamed (by position)', big, renamed, 5);
