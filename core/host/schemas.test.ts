import { describe, expect, it } from 'vitest';
import { HOST_METHODS } from './contract';
import { describeArgIssues, hostArgSchemas, parseHostArgs } from './schemas';
import { presetDesign } from '../presets';
import { serializeDesign } from '../design/designFile';

const design = presetDesign('googlenet')!;
const file = { path: '/home/user/net.json', text: serializeDesign(design) };

describe('host payload schemas', () => {
  it('has one schema per request method of the contract', () => {
    expect(Object.keys(hostArgSchemas).sort()).toEqual([...HOST_METHODS].sort());
  });

  it('accepts well-formed arguments and returns a validated copy of a run request', () => {
    const r = parseHostArgs('run', [
      'run-1',
      { design, mode: 'eval', seed: 7, input: { kind: 'random' } },
    ]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.args[0]).toBe('run-1');
    expect(r.args[1].design).toEqual(design);
    expect(r.args[1].design).not.toBe(design);
    expect(parseHostArgs('saveDesign', [file]).ok).toBe(true);
    expect(parseHostArgs('saveDesign', [{ path: null, text: '{}' }]).ok).toBe(true);
    expect(parseHostArgs('getInfo', []).ok).toBe(true);
    expect(
      parseHostArgs('exportFile', [
        { format: 'png', suggestedName: 'graph.png', content: 'AAAA', base64: true },
      ]).ok,
    ).toBe(true);
  });

  it('accepts what-if ablations and refuses malformed ones', () => {
    const run = (ablations: unknown) =>
      parseHostArgs('run', [
        'run-1',
        { design, mode: 'eval', seed: 7, input: { kind: 'random' }, ablations },
      ]);
    expect(
      run([
        { kind: 'branchOff', module: 'inception4c', branch: 'branch3' },
        { kind: 'topFilters', layer: 'inception4c.branch2.1.conv', keep: 8 },
      ]).ok,
    ).toBe(true);
    for (const bad of [
      [{ kind: 'branchOff', module: 'inception4c' }],
      [{ kind: 'topFilters', layer: 'x', keep: 0 }],
      [{ kind: 'topFilters', layer: 'x', keep: 1.5 }],
      [{ kind: 'branchOff', module: '../x', branch: 'b' }],
      [{ kind: 'dropEverything' }],
    ])
      expect(run(bad).ok).toBe(false);
  });

  it('refuses wrong arity, wrong types and unknown keys, naming where', () => {
    const cases: [Parameters<typeof parseHostArgs>[0], unknown, string][] = [
      ['getInfo', ['extra'], 'args'],
      ['getInfo', 'not a list', 'args'],
      ['openRecent', [42], 'args[0]'],
      ['openRecent', [''], 'args[0]'],
      ['openRecent', ['/a\0b'], 'args[0]'],
      ['saveDesign', [{ path: 1, text: '' }], 'args[0].path'],
      ['saveDesign', [{ ...file, evil: true }], 'args[0]'],
      ['cancelRun', ['../../etc'], 'args[0]'],
      ['exportFile', [{ format: 'exe', suggestedName: 'x', content: '' }], 'args[0].format'],
      [
        'exportFile',
        [{ format: 'csv', suggestedName: '../x.csv', content: '' }],
        'args[0].suggestedName',
      ],
      ['run', ['r', { design, mode: 'eval', seed: -1, input: { kind: 'random' } }], 'args[1].seed'],
      [
        'run',
        ['r', { design, mode: 'eval', seed: 1, input: { kind: 'sample', name: '../../secret' } }],
        'args[1].input.name',
      ],
    ];
    for (const [method, args, where] of cases) {
      const r = parseHostArgs(method, args);
      expect(r.ok, `${method} ${JSON.stringify(args)}`).toBe(false);
      if (!r.ok) expect(r.issues.map((i) => i.path)).toContain(where);
    }
  });

  it('checks the design inside a run request with the design file rules', () => {
    const bad = { ...design, modules: [{ ...design.modules[0], params: { __proto__x: 1 } }] };
    const r = parseHostArgs('run', [
      'r',
      { design: bad, mode: 'eval', seed: 1, input: { kind: 'random' } },
    ]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0].message).toMatch(/^design\.modules\[0\]\.params/);
  });

  it('describes refused arguments in one sentence', () => {
    const r = parseHostArgs('openRecent', [7]);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(describeArgIssues('openRecent', r.issues)).toMatch(
        /^The request "openRecent" was refused because its arguments are invalid: args\[0\]: .+\.$/,
      );
  });
});
