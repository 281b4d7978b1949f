import { describe, expect, it } from 'vitest';
import { analyze } from '../analysis/analyze';
import { pytorchCode } from '../export/pytorch';
import { presetDesign } from '../presets';
import type { Design } from './types';
import { isReservedModuleName } from './reservedNames';

/** GoogLeNet with its dropout module renamed (and its reader rewired). */
function renamed(id: string): Design {
  const d = presetDesign('googlenet')!;
  return {
    ...d,
    modules: d.modules.map((m) =>
      m.id === 'dropout' ? { ...m, id } : m.inputs[0] === 'dropout' ? { ...m, inputs: [id] } : m,
    ),
  };
}

describe('one list of reserved module names for the analysis and the export', () => {
  it.each([
    '__init__',
    '_modules',
    '_parameters',
    'compile',
    'share_memory',
    'forward',
    'training',
    'to_empty',
    'class',
    'self',
    'input',
  ])('%s is flagged by the analysis and refused by export pytorch', (id) => {
    expect(isReservedModuleName(id)).toBe(true);
    const design = renamed(id);
    const analysis = analyze(design);
    expect(analysis.issues.find((i) => i.nodeId === id)).toMatchObject({
      code: 'graph.invalidId',
      field: 'id',
    });
    const r = pytorchCode(design, analysis);
    expect(r.ok).toBe(false);
    // Even an analysis that let it through would not make the export accept it.
    const lenient = pytorchCode(design, {
      ...analyze(renamed('dropout_x')),
      modules: analyze(renamed('dropout_x')).modules.map((m) =>
        m.id === 'dropout_x' ? { ...m, id } : m,
      ),
    });
    expect(!lenient.ok && lenient.issues[0]).toMatchObject({
      code: 'export.reservedName',
      nodeId: id,
    });
  });

  it.each(['dropout', 'inception9z', 'head', 'train_head', 'compiled'])(
    '%s is an ordinary name',
    (id) => {
      expect(isReservedModuleName(id)).toBe(false);
      expect(analyze(renamed(id)).valid).toBe(true);
    },
  );
});
