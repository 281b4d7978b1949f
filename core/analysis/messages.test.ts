/**
 * Messages a learner reads: they name fields by the labels the app shows (scripts keep the codes,
 * the fields and the JSON paths), and a "does not fit" problem names its actual cause.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from './analyze';
import { presetDesign } from '../presets';
import { setInput, setParam } from '../design/edit';
import { insertAfter } from '../design/edit';
import type { Design } from '../model/types';

const googlenet = () => presetDesign('googlenet')!;
const issues = (d: Design) => analyze(d).issues;

describe('messages use the labels the user sees', () => {
  it('names a filter count by its label, keeping the key in `field`', () => {
    const [i] = issues(setParam(googlenet(), 'inception4c', 'out_3x3', 'abc'));
    expect(i).toMatchObject({ code: 'param.type', nodeId: 'inception4c', field: 'out_3x3' });
    expect(i.message).toBe('inception4c: 3×3 must be a whole number from 1 to 65,536; got "abc".');
    const [r] = issues(setParam(googlenet(), 'inception3a', 'red_5x5', 0));
    expect(r.message).toContain('5×5 reduce must be');
    expect(r.message).not.toMatch(/red_5x5/);
  });

  it('names the design-wide settings as the Network settings panel does', () => {
    const [i] = issues(setInput(googlenet(), { height: 0 }));
    expect(i).toMatchObject({
      field: 'input.height',
      message: 'Input height must be a whole number from 1 to 8,192; got 0.',
    });
  });

  it('ends a classifier problem with the field that fixes it, by its label', () => {
    const fc1 = issues(setInput(googlenet(), { height: 299, width: 299 })).find(
      (i) => i.nodeId === 'fc1',
    )!;
    expect(fc1.field).toBe('in_size');
    expect(fc1.message).toMatch(/, or change "Built for map size"\.$/);
    expect(fc1.message).not.toContain('in_size');
  });
});

describe('messages name the actual cause', () => {
  it("blames maxpool3's padding edit, not the input size, when aux1 gets 1,152 features instead of 2,048", () => {
    const aux1 = issues(setParam(googlenet(), 'maxpool3', 'padding', 0)).find(
      (i) => i.nodeId === 'aux1',
    )!;
    expect(aux1.code).toBe('linear.inFeatures');
    expect(aux1.message).toContain('receives 1,152');
    expect(aux1.message).toContain(
      'the Padding edit of maxpool3 upstream changes the map that reaches it (13×13; it was built for 14×14). Undo that edit',
    );
    expect(aux1.message).not.toContain('input size');
  });

  it('blames the input size when only the input size changed', () => {
    const fc1 = issues(setInput(googlenet(), { height: 299, width: 299 })).find(
      (i) => i.nodeId === 'fc1',
    )!;
    expect(fc1.message).toContain(
      "the input size (299×299; the preset's is 224×224) changes the map that reaches it (4×4; it was built for 1×1). Use the input size it was built for (224×224)",
    );
  });

  it('blames an inserted module that shrinks the map', () => {
    const d = insertAfter(googlenet(), 'inception4e', {
      id: 'shrink',
      kind: 'maxPool',
      params: { kernel: 3, stride: 2, padding: 1 },
      stage: '4',
    });
    const fc1 = issues(d).find((i) => i.nodeId === 'avgpool' || i.nodeId === 'fc1')!;
    expect(fc1.message).toContain('the inserted shrink upstream changes the map that reaches it');
    expect(fc1.message).toContain('Remove shrink or make it keep the map size');
  });

  it("names the aux heads' field at 32×32 (their pool window), with its JSON key, as it does the final avgpool's", () => {
    const all = issues(setInput(googlenet(), { height: 32, width: 32 }));
    for (const id of ['aux1', 'aux2', 'avgpool']) {
      const i = all.find((x) => x.nodeId === id)!;
      expect(i.code, id).toBe('pool.windowTooLarge');
      expect(i.field, id).toBe(id === 'avgpool' ? 'kernel' : 'pool_kernel');
      expect(i.message, id).toMatch(
        id === 'avgpool' ? /or change "Window"\.$/ : /or change "Pool window"\.$/,
      );
      expect(i.message, id).toContain('the input size (32×32');
    }
  });
});

describe('summary CSV', () => {
  it("keeps each layer's module in its id, so sorted rows can be told apart", async () => {
    const { summaryCsv } = await import('./summaryTable');
    const csv = summaryCsv(analyze(googlenet()), true);
    expect(csv).toContain('\ninception3a.branch2.0.conv,1,');
    expect(csv).toContain('\ninception4a.branch2.0.conv,1,');
    expect(csv).not.toMatch(/\nbranch2\.0\.conv,/);
  });
});
