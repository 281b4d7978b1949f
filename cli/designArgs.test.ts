import { describe, expect, it } from 'vitest';
import { designFromArgs, inputOrderHint } from './designArgs';

describe('--input', () => {
  it('asks "did you mean" for a size given as H×W×C', async () => {
    expect(inputOrderHint(224, 224, 3)).toBe('3x224x224');
    expect(inputOrderHint(299, 299, 1)).toBe('1x299x299');
    expect(inputOrderHint(3, 224, 224)).toBeNull();
    expect(inputOrderHint(64, 32, 32)).toBeNull();
    const r = await designFromArgs({ input: '224x224x3' }, []);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.message).toBe(
        '--input is channels × height × width, so 224x224x3 would be 224 channels of 224×3; did you mean 3x224x224?',
      );
  });
});
