import { describe, expect, it } from 'vitest';
import { PRESET_PREPROCESSING } from '../presets/preprocessing';
import { presetNames } from '../presets';
import {
  findPretrained,
  hashPrefixOf,
  isPlainFileName,
  PRETRAINED_CHECKPOINTS,
  pretrainedForPreset,
} from './pretrained';

describe('hashPrefixOf (torch.hub HASH_REGEX.search)', () => {
  // Expected values printed by Python 3.11: re.compile(r'-([a-f0-9]*)\.').search(name).
  it.each([
    ['googlenet-1378be20.pth', '1378be20'],
    ['inception_v3_google-0cc3c7bd.pth', '0cc3c7bd'],
    ['bn_inception-52deb4733.pth', '52deb4733'],
    ['a-b-cd.pth', 'cd'],
    ['x-ab.cd-ef.pth', 'ab'],
    ['v-1.2-ab.pth', '1'],
    ['foo-.pth', ''],
    ['timm-inception_v4.tf_in1k.safetensors', null],
    ['noext-abc', null],
    ['A-ABC.pth', null],
  ])('%s → %s', (name, prefix) => {
    expect(hashPrefixOf(name)).toBe(prefix);
  });
});

describe('the checkpoint table', () => {
  it('has unique ids and file names, plain names, known presets and recipes', () => {
    const ids = PRETRAINED_CHECKPOINTS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    const files = PRETRAINED_CHECKPOINTS.map((c) => c.fileName);
    expect(new Set(files).size).toBe(files.length);
    for (const c of PRETRAINED_CHECKPOINTS) {
      expect(isPlainFileName(c.fileName)).toBe(true);
      expect(presetNames).toContain(c.preset);
      expect(Object.keys(PRESET_PREPROCESSING)).toContain(c.preprocessing);
      expect(c.url).toMatch(/^https?:\/\//);
      if (c.sizeBytes !== null) expect(c.maxBytes).toBeGreaterThanOrEqual(c.sizeBytes);
      // The rule applies exactly where the name carries a non-empty hash prefix.
      expect(Boolean(hashPrefixOf(c.fileName))).toBe(c.hashRule);
      if (c.hashRule) expect(c.url.endsWith(`/${c.fileName}`)).toBe(true);
      // No id can be mistaken for a preset name or the other way round.
      expect(presetNames).not.toContain(c.id);
    }
  });

  it('picks the 1000-class reference per preset and finds by id or preset', () => {
    expect(pretrainedForPreset('inception-v4')?.id).toBe('timm-inception_v4.tf_in1k');
    expect(pretrainedForPreset('inception-resnet-v2')?.classes).toBe(1000);
    expect(pretrainedForPreset('inception-v3')?.sizeBytes).toBe(108_949_747);
    expect(pretrainedForPreset('inception-resnet-v1')).toBeUndefined();
    expect(pretrainedForPreset(null)).toBeUndefined();
    expect(findPretrained('cadene-inceptionv4')?.classes).toBe(1001);
    expect(findPretrained('googlenet-torchvision')?.id).toBe('torchvision-googlenet');
    expect(findPretrained('nope')).toBeUndefined();
  });

  it('refuses names that are not plain', () => {
    for (const bad of ['', '.', '..', '../x.pth', 'a/b.pth', 'a\\b.pth', '.hidden', 'a\u0000b'])
      expect(isPlainFileName(bad)).toBe(false);
  });
});
