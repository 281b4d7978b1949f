import { describe, expect, it } from 'vitest';
import { presetDesign } from '../presets';
import { repeatGroups, setGroupParam } from '../design/repeats';
import { setParam } from '../design/edit';
import { pytorchCode } from './pytorch';

const irv2 = presetDesign('inception-resnet-v2')!;
const run = repeatGroups(irv2)[0];

const headerOf = (code: ReturnType<typeof pytorchCode>) => {
  if (!code.ok) throw new Error(code.issues.map((i) => i.message).join(' '));
  return code.value.code.slice(0, code.value.code.indexOf('"""', 3));
};

describe('the export header of a folded ×N edit', () => {
  it('names the run once with old -> new when every block got the same change', () => {
    const header = headerOf(pytorchCode(setGroupParam(irv2, run.ids, 'scale', 0.2)));
    expect(header).toContain(
      'repeat.0 … repeat.9 (all 10 blocks of the folded run, each): scale: 0.17 -> 0.2',
    );
    expect(header).not.toContain('repeat.3.scale');
  });

  it('lists blocks one by one when only some were changed', () => {
    const header = headerOf(pytorchCode(setParam(irv2, run.ids[3], 'scale', 0.2)));
    expect(header).toContain('repeat.3.scale: 0.17 -> 0.2');
    expect(header).not.toContain('folded run');
  });
});
