import { describe, expect, it } from 'vitest';
import { splitNodeId } from './parts';

describe('splitNodeId', () => {
  it('keeps the distinguishing end of a long name (a block number, a suffix of five characters or fewer)', () => {
    expect(splitNodeId('repeat_1.10')).toEqual(['repeat', '_1.10']);
    expect(splitNodeId('inception_4e')).toEqual(['inception', '_4e']);
    expect(splitNodeId('features.21')).toEqual(['features', '.21']);
    expect(splitNodeId('pool5_drop_7x7_s1')).toEqual(['pool5_drop_7x7', '_s1']);
  });

  it('cuts short names, and names without a short last part, at the end as before', () => {
    expect(splitNodeId('Mixed_7c')).toEqual(['Mixed_7c', '']);
    expect(splitNodeId('inception4c')).toEqual(['inception4c', '']);
    expect(splitNodeId('loss3_classifier')).toEqual(['loss3_classifier', '']);
    expect(splitNodeId('conv2_3x3_reduce')).toEqual(['conv2_3x3_reduce', '']);
    expect(splitNodeId('pool1_norm1')).toEqual(['pool1_norm1', '']);
  });
});
