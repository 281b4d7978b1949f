import { describe, expect, it } from 'vitest';
import { analyze } from '../../core/analysis/analyze';
import { presetDesign } from '../../core/presets';
import { setClasses } from '../../core/design/edit';
import { stateDictSpec } from '../../core/weights/stateDict';
import {
  fineTuneNote,
  fineTuneStateDict,
  seededStateDict,
  stateDictFromSafetensors,
  stateDictToSafetensors,
} from './weights';
import { nativeTensorflowReason } from './backend';

describe('fine-tuning: a 1000-class backbone under a 10-class design', () => {
  const backbone = analyze(presetDesign('googlenet')!);
  const file = stateDictToSafetensors(seededStateDict(backbone.graph, 7), backbone.graph);
  const small = analyze(setClasses(presetDesign('googlenet')!, 10));
  const spec = stateDictSpec(small.graph);

  it('is refused by a strict load, with the way out named', () => {
    const r = stateDictFromSafetensors(file, spec, 'tv.safetensors');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.message).toContain(
        'fc1.weight has shape [1000, 1024] but this design needs [10, 1024]',
      );
      expect(r.error.message).toContain('--reinit-mismatched');
    }
  });

  it('loads every tensor that fits and leaves the classifiers initialized, naming them', () => {
    const initial = seededStateDict(small.graph, 0);
    const r = fineTuneStateDict(file, spec, 'tv.safetensors', initial);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect([...r.value.reinitialized].sort()).toEqual([
      'aux1.fc2.bias',
      'aux1.fc2.weight',
      'aux2.fc2.bias',
      'aux2.fc2.weight',
      'fc1.bias',
      'fc1.weight',
    ]);
    expect(r.value.ignored).toEqual([]);
    const fromFile = seededStateDict(backbone.graph, 7);
    expect(r.value.dict.get('conv1.conv.weight')).toEqual(fromFile.get('conv1.conv.weight'));
    expect(r.value.dict.get('inception5b.branch4.1.conv.weight')).toEqual(
      fromFile.get('inception5b.branch4.1.conv.weight'),
    );
    expect(r.value.dict.get('fc1.weight')).toEqual(initial.get('fc1.weight'));
    expect(r.value.dict.size).toBe(spec.length);
    const note = fineTuneNote(r.value, 'tv.safetensors').join(' ');
    expect(note).toContain('6 tensors left at the seeded initialization');
    expect(note).toContain('fc1.weight');
  });
});

describe('nativeTensorflowReason', () => {
  it('says "not installed" plainly, without the install path', () => {
    const e = Object.assign(
      new Error(
        "Cannot find package '@tensorflow/tfjs-node' imported from /work/some/where/node/engine/backend.ts",
      ),
      { code: 'ERR_MODULE_NOT_FOUND' },
    );
    const text = nativeTensorflowReason(e);
    expect(text).toContain('is not installed');
    expect(text).toContain('optional');
    expect(text).toContain('npm install @tensorflow/tfjs-node');
    expect(text).not.toContain('/work/');
  });

  it('keeps a load failure short and path-free', () => {
    const text = nativeTensorflowReason(
      new Error(
        'libtensorflow.so.2: cannot open shared object file at /usr/lib/node_modules/x.node',
      ),
    );
    expect(text).toContain('could not be loaded');
    expect(text).not.toContain('/usr/lib');
  });
});
