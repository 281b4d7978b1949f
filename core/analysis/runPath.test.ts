import { describe, expect, it } from 'vitest';
import { presetDesign } from '../presets';
import type { Design } from '../model/types';
import { runPath, runPathMessage } from './runPath';

const atSize = (d: Design, size: number): Design => ({
  ...d,
  input: { ...d.input, height: size, width: size },
});
const v3 = presetDesign('inception-v3')!;
const googlenet = presetDesign('googlenet')!;

describe('runPath', () => {
  it('runs a valid design as it is, with no notes', () => {
    const p = runPath(v3, 'eval');
    expect(p.ok && p.design).toBe(v3);
    expect(p.ok && p.notes).toEqual([]);
  });

  it('runs Inception v3 at 224×224 in eval mode without its aux head, and says why', () => {
    const p = runPath(atSize(v3, 224), 'eval');
    if (!p.ok) throw new Error(runPathMessage(p));
    expect(p.design.modules.map((m) => m.id)).not.toContain('AuxLogits');
    expect(p.design.outputs).toEqual({ main: 'fc' });
    expect(p.analysis.valid).toBe(true);
    expect(p.analysis.outputs.main).toEqual([v3.input.batch, 1000]);
    expect(p.skipped.map((i) => [i.nodeId, i.code])).toEqual([['AuxLogits', 'shape.collapsed']]);
    expect(p.notes).toHaveLength(1);
    expect(p.notes[0]).toMatch(
      /^AuxLogits is off the eval path \(an aux head, which only train mode runs\)/,
    );
    // The note keeps the analysis' sentence, which names the layer and the input size at fault.
    expect(p.notes[0]).toContain('in conv1.conv, the 5×5 kernel does not fit its 3×3 input');
    expect(p.notes[0]).toContain('299×299');
  });

  it('refuses the same design in train mode, naming the layer and saying an eval run would go', () => {
    const p = runPath(atSize(v3, 224), 'train');
    if (p.ok) throw new Error('train mode ran a design whose aux head does not fit');
    expect(p.blocking.map((i) => i.nodeId)).toEqual(['AuxLogits']);
    const message = runPathMessage(p);
    expect(message).toContain('AuxLogits: in conv1.conv, the 5×5 kernel does not fit');
    expect(message).toContain(
      'Train mode runs every module, aux heads included, so AuxLogits must fit too',
    );
  });

  it('names the field of a skipped problem when it has one (an aux head’s setting out of range)', () => {
    const edited: Design = {
      ...googlenet,
      modules: googlenet.modules.map((m) =>
        m.id === 'aux1' ? { ...m, params: { ...m.params, conv_out: 0 } } : m,
      ),
    };
    const p = runPath(edited, 'eval');
    if (!p.ok) throw new Error(runPathMessage(p));
    expect(p.skipped.map((i) => [i.nodeId, i.field])).toEqual([['aux1', 'conv_out']]);
    expect(p.notes[0]).toContain('its problem (field conv_out) does not stop this eval run');
    expect(p.design.modules.map((m) => m.id)).not.toContain('aux1');
    expect(p.design.modules.map((m) => m.id)).not.toContain('aux2');
    expect(p.analysis.evalOutputs).toEqual(['main']);
    expect(runPath(edited, 'train').ok).toBe(false);
  });

  it('still refuses an eval run when a problem lies on the eval path', () => {
    const p = runPath(atSize(googlenet, 64), 'eval');
    if (p.ok) throw new Error('ran a design whose avgpool does not fit');
    expect(p.blocking.map((i) => i.nodeId)).toContain('avgpool');
    expect(p.hint).toBeNull();
  });

  it('skips a module nothing on the main path reads, the same way', () => {
    const broken: Design = {
      ...googlenet,
      modules: [
        ...googlenet.modules,
        { id: 'probe', kind: 'linear', inputs: ['inception4a'], params: { out_features: 0 } },
      ],
    };
    const p = runPath(broken, 'eval');
    if (!p.ok) throw new Error(runPathMessage(p));
    expect(p.design.modules.map((m) => m.id)).not.toContain('probe');
    expect(p.notes[0]).toMatch(/^probe is off the eval path \(not read by the main output\)/);
  });
});
