/**
 * Lookups keyed by user text never use plain objects: a module id or an output name that is also
 * a property of Object.prototype (`constructor`, `toString`, `__proto__`, …) is just a name to
 * every pure pass — analysis, the graph view (folded, unfolded, opened, diffed, compared), every
 * export format and the design diff — in designs with and without a known preset.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../analysis/analyze';
import { presetDesign } from '../presets';
import type { Design } from '../model/types';
import { graphView } from '../graph/graphView';
import { compareDesigns, diffDesign } from './diff';
import { EXPORT_FORMAT_NAMES, exportContent } from '../export/exportFormats';
import { onnxModel } from '../export/onnx';
import { initStateDict } from '../weights/stateDict';
import { parseDesign, serializeDesign } from './designFile';

/** Names an attacker (or an unlucky user) may give: every own property of Object.prototype, and more. */
const HOSTILE_NAMES = [
  ...Object.getOwnPropertyNames(Object.prototype),
  'prototype',
  'length',
  'then',
].filter((n) => /^[A-Za-z][A-Za-z0-9_]*$/.test(n)); // what a module id may be

/** The design with module `from` renamed to `to` everywhere it is named. */
function renameModule(design: Design, from: string, to: string): Design {
  const swap = (id: string) => (id === from ? to : id);
  return {
    ...design,
    modules: design.modules.map((m) => ({ ...m, id: swap(m.id), inputs: m.inputs.map(swap) })),
    outputs: Object.fromEntries(Object.entries(design.outputs).map(([k, v]) => [k, swap(v)])),
  };
}

/** The design with output `from` renamed to `to`. */
function renameOutput(design: Design, from: string, to: string): Design {
  return {
    ...design,
    outputs: Object.fromEntries(
      Object.entries(design.outputs).map(([k, v]) => [k === from ? to : k, v]),
    ),
  };
}

const CASES: readonly { preset: string; module: string; output?: string }[] = [
  { preset: 'googlenet', module: 'inception3a', output: 'aux1' },
  { preset: 'googlenet', module: 'conv1' },
  { preset: 'inception-v4', module: 'features.6' },
];

describe('module ids and output names that are Object.prototype properties', () => {
  for (const c of CASES) {
    for (const withPreset of [false, true]) {
      it(`${c.preset}, ${c.module} renamed to each of ${HOSTILE_NAMES.length} names, ${withPreset ? 'with' : 'without'} its preset`, async () => {
        const original = presetDesign(c.preset)!;
        for (const name of HOSTILE_NAMES) {
          let design = renameModule(original, c.module, name);
          if (c.output) design = renameOutput(design, c.output, `${name}`);
          if (!withPreset) design = { ...design, preset: null };
          const where = `${c.preset}: ${c.module} → ${name}`;
          // The design file round-trips (what the app saves and opens).
          const parsed = parseDesign(serializeDesign(design));
          expect(parsed.ok, where).toBe(true);
          const analysis = analyze(design);
          expect(
            analysis.valid,
            `${where}: ${analysis.issues.map((i) => i.message).join('; ')}`,
          ).toBe(true);
          const diff = diffDesign(design, original);
          for (const fold of [false, true]) {
            const view = graphView(design, analysis, { fold, diff, opened: [name] });
            if (!fold)
              expect(
                view.nodes.some((n) => n.id === name),
                where,
              ).toBe(true);
          }
          graphView(design, analysis, { diff: compareDesigns(original, design), compare: true });
          for (const format of EXPORT_FORMAT_NAMES) {
            if (format === 'onnx') continue;
            const r = await exportContent(format, design, analysis);
            expect(r.ok, `${where}: ${format}`).toBe(true);
          }
          const onnx = onnxModel(design, analysis, initStateDict(analysis.graph, 0));
          expect(onnx.ok, `${where}: onnx`).toBe(true);
        }
      });
    }
  }
});
