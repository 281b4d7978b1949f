import { describe, expect, it } from 'vitest';
import { analyze } from '../../core/analysis/analyze';
import { presetDesign } from '../../core/presets';
import { setClasses } from '../../core/design/edit';
import { stateDictSpec } from '../../core/weights/stateDict';
import { freshWeightsLine, weightsSummaryLine } from '../../core/weights/loadSummary';
import {
  fineTuneStateDict,
  seededStateDict,
  stateDictToSafetensors,
  weightsFromBytes,
} from './weights';
import { weightsLoadSummary } from './weightsSummary';

describe('weightsLoadSummary', () => {
  const backbone = analyze(presetDesign('googlenet')!);
  const file = stateDictToSafetensors(seededStateDict(backbone.graph, 7), backbone.graph);

  it('counts every tensor of a file that fits', () => {
    const spec = stateDictSpec(backbone.graph);
    const r = weightsFromBytes(file, spec, 'googlenet.safetensors');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const s = weightsLoadSummary('/x/y/googlenet.safetensors', backbone.graph, r.value);
    expect(s.loaded).toBe(s.total);
    expect(s.total).toBe(spec.filter((e) => e.role !== 'counter').length);
    expect(s.freshModules).toEqual([]);
    expect(weightsSummaryLine(s)).toBe(
      `Loaded ${s.total} of ${s.total} tensors from googlenet.safetensors.`,
    );
    expect(freshWeightsLine(s)).toBeNull();
  });

  it('names the modules whose tensors did not fit (a 10-class classifier)', () => {
    const small = analyze(setClasses(presetDesign('googlenet')!, 10));
    const spec = stateDictSpec(small.graph);
    const r = fineTuneStateDict(file, spec, 'g', seededStateDict(small.graph, 0));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const s = weightsLoadSummary('g.safetensors', small.graph, r.value);
    expect(s.loaded).toBe(spec.filter((e) => e.role !== 'counter').length - 6);
    expect([...s.freshModules].sort()).toEqual(['aux1', 'aux2', 'fc1']);
    expect(freshWeightsLine(s)).toContain('6 tensors in 3 modules');
  });
});
