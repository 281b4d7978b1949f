import { describe, expect, it } from 'vitest';
import { analyze } from '../analysis/analyze';
import { presetDesign } from '../presets';
import {
  checkpointMappingError,
  mapCheckpoint,
  type CheckpointMapping,
  type FileTensorInfo,
} from './checkpointKeys';
import { stateDictSpec, type StateEntry } from './stateDict';
import bnInceptionCadene from './__fixtures__/checkpoint-keys/bn-inception-cadene.keys.json';
import googlenetTorchvision from './__fixtures__/checkpoint-keys/googlenet-torchvision.keys.json';
import inceptionResnetV2Cadene1001 from './__fixtures__/checkpoint-keys/inception-resnet-v2-cadene-1001.keys.json';
import inceptionResnetV2Timm from './__fixtures__/checkpoint-keys/inception-resnet-v2-timm.keys.json';
import inceptionV3Dataparallel from './__fixtures__/checkpoint-keys/inception-v3-dataparallel.keys.json';
import inceptionV4Cadene1001 from './__fixtures__/checkpoint-keys/inception-v4-cadene-1001.keys.json';
import inceptionV4Timm from './__fixtures__/checkpoint-keys/inception-v4-timm.keys.json';

const specs = new Map<string, StateEntry[]>();
function spec(preset: string): StateEntry[] {
  if (!specs.has(preset)) specs.set(preset, stateDictSpec(analyze(presetDesign(preset)!).graph));
  return specs.get(preset)!;
}

type FileKeys = Map<string, FileTensorInfo>;

/** A file holding exactly the design's keys, renamed by `rename` (null drops the key). */
function fileFrom(
  entries: readonly StateEntry[],
  rename: (k: string) => string | null = (k) => k,
): FileKeys {
  const out: FileKeys = new Map();
  for (const e of entries) {
    const k = rename(e.key);
    if (k !== null) out.set(k, { shape: e.shape, dtype: e.role === 'counter' ? 'I64' : 'F32' });
  }
  return out;
}

type KeysFixture = { readonly keys: readonly (readonly [string, number[], string])[] };
const FIXTURES: Record<string, unknown> = {
  'bn-inception-cadene': bnInceptionCadene,
  'googlenet-torchvision': googlenetTorchvision,
  'inception-resnet-v2-cadene-1001': inceptionResnetV2Cadene1001,
  'inception-resnet-v2-timm': inceptionResnetV2Timm,
  'inception-v3-dataparallel': inceptionV3Dataparallel,
  'inception-v4-cadene-1001': inceptionV4Cadene1001,
  'inception-v4-timm': inceptionV4Timm,
};

/** Key lists of the reference-style checkpoints (tools/torch/make_reference_checkpoints.py --keys-only). */
function fixture(name: string): FileKeys {
  const json = FIXTURES[name] as KeysFixture;
  return new Map(json.keys.map(([k, shape, dtype]) => [k, { shape, dtype }]));
}

/** The spec with the main classifier cut to `classes` rows. */
function withClasses(
  entries: readonly StateEntry[],
  module: string,
  classes: number,
): StateEntry[] {
  return entries.map((e) =>
    e.key === `${module}.weight` || e.key === `${module}.bias`
      ? { ...e, shape: [classes, ...e.shape.slice(1)] }
      : e,
  );
}

const fedAll = (m: CheckpointMapping, s: readonly StateEntry[]): void => {
  expect(m.unmapped).toEqual([]);
  expect(m.assignments.length + m.countersKept.length).toBe(s.length);
};

describe('mapCheckpoint: prefixes', () => {
  it('loads an exact key set as is, saying nothing', () => {
    const s = spec('inception-v4');
    const m = mapCheckpoint(fixture('inception-v4-timm'), s, { preset: 'inception-v4' });
    fedAll(m, s);
    expect(m.prefix).toBeNull();
    expect(m.countersKept).toEqual([]);
    expect(m.unusedFileKeys).toEqual([]);
    expect(m.notes).toEqual([]);
    expect(m.assignments.every((a) => a.transform === 'none' && a.fileKey === a.designKey)).toBe(
      true,
    );
    expect(checkpointMappingError(m, { reinitMismatched: false })).toBeNull();
  });

  it('strips DataParallel’s `module.` (torchvision v3 saved from nn.DataParallel)', () => {
    const s = spec('inception-v3');
    const m = mapCheckpoint(fixture('inception-v3-dataparallel'), s, { preset: 'inception-v3' });
    fedAll(m, s);
    expect(m.prefix).toEqual({ kind: 'strip', prefix: 'module.' });
    expect(m.assignments[0]).toEqual({
      designKey: 'Conv2d_1a_3x3.conv.weight',
      fileKey: 'module.Conv2d_1a_3x3.conv.weight',
      transform: 'none',
    });
    expect(m.notes).toContain(
      'Stripped the prefix `module.` from all 580 keys (a DataParallel checkpoint).',
    );
  });

  it.each([
    'model.',
    'net.',
    'main_branch.',
    'backbone.',
    'module.module.',
    'module.model.',
    'encoder.layers.',
  ])('strips `%s`', (prefix) => {
    const s = spec('googlenet-torchvision');
    const m = mapCheckpoint(
      fileFrom(s, (k) => prefix + k),
      s,
      { preset: 'googlenet-torchvision' },
    );
    fedAll(m, s);
    expect(m.prefix).toEqual({ kind: 'strip', prefix });
  });

  it('strips `main_branch.` from a file that also has keys outside it (ALM-pedestrian-attribute#60)', () => {
    const s = spec('bn-inception');
    const file = fileFrom(s, (k) => `main_branch.${k}`);
    file.set('classifier.logits.weight', { shape: [51, 1024], dtype: 'F32' });
    file.set('classifier.logits.bias', { shape: [51], dtype: 'F32' });
    const m = mapCheckpoint(file, s, { preset: 'bn-inception' });
    fedAll(m, s);
    expect(m.prefix).toEqual({ kind: 'strip', prefix: 'main_branch.' });
    expect(m.unusedFileKeys).toEqual(['classifier.logits.weight', 'classifier.logits.bias']);
    expect(m.notes[0]).toBe('Stripped the prefix `main_branch.` from 485 keys of 487.');
  });

  it('adds a prefix the design has and the file lacks', () => {
    const inner = spec('googlenet-torchvision');
    const s = inner.map((e) => ({ ...e, key: `model.${e.key}` }));
    const m = mapCheckpoint(fileFrom(inner), s);
    fedAll(m, s);
    expect(m.prefix).toEqual({ kind: 'add', prefix: 'model.' });
  });

  it('keeps a common prefix whose stripping matches nothing more', () => {
    const s = spec('inception-v4');
    const file = fileFrom(s, (k) =>
      k.startsWith('last_linear.') ? null : `encoder.${k.replace('features.', 'stage.')}`,
    );
    const m = mapCheckpoint(file, s);
    expect(m.prefix).toBeNull();
    expect(m.assignments).toEqual([]);
    expect(m.unusedFileKeys.length).toBe(file.size);
    expect(m.notes[0]).toMatch(
      /all start with `encoder\.stage\.`, but stripping it matches no more/,
    );
  });
});

describe('mapCheckpoint: reference naming schemes and classifiers', () => {
  it('renames Cadene’s IRv2 `last_linear` to timm’s `classif` and drops the 1001st class', () => {
    const s = spec('inception-resnet-v2');
    const m = mapCheckpoint(fixture('inception-resnet-v2-cadene-1001'), s, {
      preset: 'inception-resnet-v2',
    });
    fedAll(m, s);
    expect(m.renames).toEqual([
      {
        scheme: 'Cadene pretrainedmodels inceptionresnetv2 → timm',
        from: 'last_linear',
        to: 'classif',
        keys: 2,
      },
    ]);
    expect(m.notes).toContain(
      'Renamed the checkpoint’s `last_linear` to the design’s `classif` (Cadene pretrainedmodels inceptionresnetv2 → timm: last_linear → classif).'.replace(
        /’/g,
        "'",
      ),
    );
    expect(m.assignments.filter((a) => a.transform === 'dropBackgroundRow')).toEqual([
      {
        designKey: 'classif.weight',
        fileKey: 'last_linear.weight',
        transform: 'dropBackgroundRow',
      },
      { designKey: 'classif.bias', fileKey: 'last_linear.bias', transform: 'dropBackgroundRow' },
    ]);
    expect(m.backgroundRowDropped).toEqual(['classif']);
    expect(m.countersKept.length).toBe(204);
    expect(m.notes.filter((n) => n.includes('num_batches_tracked'))).toEqual([
      "The checkpoint has no `num_batches_tracked` counters for 204 batch-norm layers (older PyTorch did not save them); the design's values are kept.",
    ]);
    expect(m.unusedFileKeys).toEqual([]);
  });

  it('renames with every table when the preset is not known', () => {
    const s = spec('inception-resnet-v2');
    const m = mapCheckpoint(fixture('inception-resnet-v2-cadene-1001'), s, { preset: null });
    fedAll(m, s);
    expect(m.renames.map((r) => `${r.from}→${r.to}`)).toEqual(['last_linear→classif']);
  });

  it('maps timm’s IRv2 keys onto the design unchanged', () => {
    const s = spec('inception-resnet-v2');
    const m = mapCheckpoint(fixture('inception-resnet-v2-timm'), s, {
      preset: 'inception-resnet-v2',
    });
    fedAll(m, s);
    expect(m.renames).toEqual([]);
    expect(m.notes).toEqual([]);
  });

  it('loads Cadene’s 1001-class v4 (same names) by dropping the background row', () => {
    const s = spec('inception-v4');
    const m = mapCheckpoint(fixture('inception-v4-cadene-1001'), s, { preset: 'inception-v4' });
    fedAll(m, s);
    expect(m.renames).toEqual([]);
    expect(m.backgroundRowDropped).toEqual(['last_linear']);
    expect(m.notes).toContain(
      'The checkpoint’s classifier for `last_linear` has 1001 classes (TensorFlow’s, with a background class at row 0); row 0 was dropped, so output i is ImageNet class i (the file’s class i + 1).'.replace(
        /’/g,
        "'",
      ),
    );
    expect(m.countersKept.length).toBe(149);
  });

  it('renames Cadene’s inceptionv3 `last_linear` to torchvision’s `fc`, leaving AuxLogits.fc', () => {
    const s = spec('inception-v3');
    const file = fileFrom(s, (k) => (k.startsWith('fc.') ? `last_linear.${k.slice(3)}` : k));
    const m = mapCheckpoint(file, s, { preset: 'inception-v3' });
    fedAll(m, s);
    expect(m.renames.map((r) => [r.from, r.to, r.keys])).toEqual([['last_linear', 'fc', 2]]);
    expect(m.assignments.find((a) => a.designKey === 'AuxLogits.fc.weight')?.fileKey).toBe(
      'AuxLogits.fc.weight',
    );
  });

  it('matches a same-shape classifier under an unrelated name', () => {
    const s = spec('bn-inception');
    const file = fileFrom(s, (k) => k.replace(/^last_linear\./, 'head.proj.'));
    const m = mapCheckpoint(file, s, { preset: 'bn-inception' });
    fedAll(m, s);
    expect(m.classifierMatch).toEqual({ fileModule: 'head.proj', designModule: 'last_linear' });
    expect(m.notes).toContain(
      "Matched the checkpoint's classifier `head.proj` to the design's `last_linear` by its shape ([1000, 1024] weight and bias).",
    );
  });

  it('takes no classifier by shape when two fit', () => {
    const s = spec('bn-inception');
    const file = fileFrom(s, (k) => k.replace(/^last_linear\./, 'head_a.'));
    file.set('head_b.weight', { shape: [1000, 1024], dtype: 'F32' });
    file.set('head_b.bias', { shape: [1000], dtype: 'F32' });
    const m = mapCheckpoint(file, s);
    expect(m.classifierMatch).toBeNull();
    expect(m.unmapped.map((u) => [u.designKey, u.reason])).toEqual([
      ['last_linear.weight', 'missing'],
      ['last_linear.bias', 'missing'],
    ]);
    expect(m.notes.some((n) => n.includes('2 of its modules have a fitting shape'))).toBe(true);
  });

  it('leaves a 1001-class classifier unmapped on a 10-class design, listing both shapes', () => {
    const s = withClasses(spec('inception-resnet-v2'), 'classif', 10);
    const m = mapCheckpoint(fixture('inception-resnet-v2-cadene-1001'), s, {
      preset: 'inception-resnet-v2',
    });
    expect(m.unmapped).toEqual([
      {
        designKey: 'classif.weight',
        designShape: [10, 1536],
        reason: 'classes',
        fileKey: 'last_linear.weight',
        fileShape: [1001, 1536],
        message:
          "`classif.weight`: the checkpoint's `last_linear.weight` has 1001 classes [1001, 1536]; the design has 10 [10, 1536].",
      },
      {
        designKey: 'classif.bias',
        designShape: [10],
        reason: 'classes',
        fileKey: 'last_linear.bias',
        fileShape: [1001],
        message:
          "`classif.bias`: the checkpoint's `last_linear.bias` has 1001 classes [1001]; the design has 10 [10].",
      },
    ]);
    expect(m.unusedFileKeys).toEqual(['last_linear.weight', 'last_linear.bias']);
    expect(m.backgroundRowDropped).toEqual([]);
    expect(checkpointMappingError(m, { reinitMismatched: false })?.code).toBe('weights.unmapped');
    expect(checkpointMappingError(m, { reinitMismatched: true })).toBeNull();
  });

  it('does not map torchvision’s GoogLeNet onto the tutorial preset (different network)', () => {
    const s = spec('googlenet');
    const m = mapCheckpoint(fixture('googlenet-torchvision'), s, { preset: 'googlenet' });
    expect(m.unmapped.length).toBeGreaterThan(250);
    expect(
      m.unmapped.some((u) => u.reason === 'shape' && u.designKey === 'conv2.conv.weight'),
    ).toBe(true);
  });

  it('maps torchvision’s GoogLeNet with its aux heads, and without them lists them as unused', () => {
    const s = spec('googlenet-torchvision');
    fedAll(mapCheckpoint(fixture('googlenet-torchvision'), s), s);
    const noAux = s.filter((e) => !e.key.startsWith('aux'));
    const m = mapCheckpoint(fixture('googlenet-torchvision'), noAux);
    fedAll(m, noAux);
    expect(m.unusedFileKeys.length).toBe(s.length - noAux.length);
    expect(m.unusedFileKeys.every((k) => k.startsWith('aux'))).toBe(true);
  });

  it('maps Cadene’s BN-Inception, keeping the counters it lacks', () => {
    const s = spec('bn-inception');
    const m = mapCheckpoint(fixture('bn-inception-cadene'), s, { preset: 'bn-inception' });
    fedAll(m, s);
    expect(m.countersKept.length).toBe(69);
  });
});

describe('mapCheckpoint: conservative and safe', () => {
  it('never feeds one design key from two file keys (the exact name wins over a stripped one)', () => {
    const s = spec('googlenet-torchvision');
    const file = fileFrom(s, (k) => `module.${k}`);
    file.set('fc.weight', { shape: [1000, 1024], dtype: 'F32' });
    const m = mapCheckpoint(file, s);
    fedAll(m, s);
    const feeding = m.assignments.filter((a) => a.designKey === 'fc.weight');
    expect(feeding).toEqual([{ designKey: 'fc.weight', fileKey: 'fc.weight', transform: 'none' }]);
    expect(m.unusedFileKeys).toEqual(['module.fc.weight']);
    expect(new Set(m.assignments.map((a) => a.fileKey)).size).toBe(m.assignments.length);
  });

  it('is harmless with keys like __proto__ and constructor', () => {
    const s = spec('googlenet-torchvision');
    const file = fileFrom(s);
    for (const k of [
      '__proto__',
      'constructor',
      '__proto__.weight',
      'toString.bias',
      'hasOwnProperty',
    ])
      file.set(k, { shape: [3], dtype: 'F32' });
    const m = mapCheckpoint(file, s, { preset: '__proto__' });
    fedAll(m, s);
    expect(m.unusedFileKeys).toEqual([
      '__proto__',
      'constructor',
      '__proto__.weight',
      'toString.bias',
      'hasOwnProperty',
    ]);
    expect(({} as Record<string, unknown>).weight).toBeUndefined();
  });

  it('lists every design key of an empty file and refuses it even with reinitMismatched', () => {
    const s = spec('inception-v4');
    const m = mapCheckpoint(new Map(), s);
    expect(m.assignments).toEqual([]);
    expect(m.unmapped.length).toBe(s.filter((e) => e.role !== 'counter').length);
    expect(m.notes).toEqual(['The checkpoint holds no tensors.']);
    expect(checkpointMappingError(m, { reinitMismatched: true })?.code).toBe(
      'weights.nothingMapped',
    );
  });

  it('lists everything of a file with nothing in common', () => {
    const s = spec('inception-v4');
    const file = fileFrom(spec('googlenet-paper'));
    const m = mapCheckpoint(file, s);
    expect(m.assignments).toEqual([]);
    expect(m.classifierMatch).toBeNull();
    expect(m.unusedFileKeys).toEqual([...file.keys()]);
    expect(m.unmapped.every((u) => u.reason === 'missing')).toBe(true);
    const error = checkpointMappingError(m, { reinitMismatched: true });
    expect(error?.message).toMatch(
      /^No tensor of the checkpoint fits the design, so nothing would be loaded\. None of the checkpoint's 128 keys fit/,
    );
  });

  it('reports a wrong shape under the right name with both shapes', () => {
    const s = spec('inception-v4');
    const file = fileFrom(s);
    file.set('features.0.conv.weight', { shape: [32, 1, 3, 3], dtype: 'F32' });
    const m = mapCheckpoint(file, s);
    expect(m.unmapped).toEqual([
      expect.objectContaining({
        designKey: 'features.0.conv.weight',
        reason: 'shape',
        fileShape: [32, 1, 3, 3],
        message:
          "`features.0.conv.weight`: the checkpoint's `features.0.conv.weight` is [32, 1, 3, 3]; the design needs [32, 3, 3, 3].",
      }),
    ]);
    const error = checkpointMappingError(m, { reinitMismatched: false });
    expect(error?.code).toBe('weights.unmapped');
    expect(error?.message).toMatch(
      /^1 tensor of the design is not in the checkpoint or does not fit: .* Use --reinit-mismatched/,
    );
  });

  it('leaves a fitting bias unloaded when its weight does not fit', () => {
    const s = spec('inception-v4');
    const m = mapCheckpoint(fileFrom(spec('bn-inception')), s);
    expect(m.assignments).toEqual([]);
    expect(m.unmapped.find((u) => u.designKey === 'last_linear.bias')).toEqual({
      designKey: 'last_linear.bias',
      designShape: [1000],
      reason: 'partner',
      fileKey: 'last_linear.bias',
      fileShape: [1000],
      message:
        '`last_linear.bias` fits, but `last_linear.weight` does not, so the layer keeps its initial values.',
    });
    expect(m.unusedFileKeys).toContain('last_linear.bias');
    expect(checkpointMappingError(m, { reinitMismatched: true })?.code).toBe(
      'weights.nothingMapped',
    );
  });

  it('strips `module.`, renames and drops the background row together (Cadene IRv2 from DataParallel)', () => {
    const file = new Map(
      [...fixture('inception-resnet-v2-cadene-1001')].map(([k, v]) => [`module.${k}`, v]),
    );
    const s = spec('inception-resnet-v2');
    const m = mapCheckpoint(file, s, { preset: 'inception-resnet-v2' });
    fedAll(m, s);
    expect(m.prefix).toEqual({ kind: 'strip', prefix: 'module.' });
    expect(m.renames.map((r) => r.to)).toEqual(['classif']);
    expect(m.backgroundRowDropped).toEqual(['classif']);
    expect(m.assignments.at(-1)).toEqual({
      designKey: 'classif.bias',
      fileKey: 'module.last_linear.bias',
      transform: 'dropBackgroundRow',
    });
  });

  it('is deterministic', () => {
    const s = spec('inception-resnet-v2');
    const a = mapCheckpoint(fixture('inception-resnet-v2-cadene-1001'), s);
    const b = mapCheckpoint(fixture('inception-resnet-v2-cadene-1001'), s);
    expect(a).toEqual(b);
  });
});
