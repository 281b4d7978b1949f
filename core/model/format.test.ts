import { describe, expect, it } from 'vitest';
import { formatBatchShape, formatShape } from './format';

describe('formatBatchShape', () => {
  it('sets the batch apart from the channels', () => {
    expect(formatBatchShape([3, 3, 224, 224])).toBe('N=3 · 3×224×224');
    expect(formatBatchShape([1, 1000])).toBe('N=1 · 1000');
  });
  it('leaves what has no batch dimension as formatShape does', () => {
    expect(formatBatchShape([1000])).toBe(formatShape([1000]));
    expect(formatBatchShape(null)).toBe('—');
  });
});
