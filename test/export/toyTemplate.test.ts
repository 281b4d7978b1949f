/** The toy block template's PyTorch export (core/modules/__fixtures__/toyResidual.ts) runs under python3-torch with core's state_dict. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../core/analysis/analyze';
import { pytorchCode } from '../../core/export/pytorch';
import { registerModule } from '../../core/modules/registry';
import { stateDictSpec } from '../../core/weights/stateDict';
import { toyDesign, toyResidual } from '../../core/modules/__fixtures__/toyResidual';
import { hasTorch, PYTHON } from '../torchReference';

registerModule(toyResidual);

describe.skipIf(!hasTorch)('a toy block template exported to PyTorch', () => {
  it(
    "runs, with core's state_dict keys, shapes and order, parameter count and output shape",
    { timeout: 120_000 },
    () => {
      const r = pytorchCode(toyDesign);
      if (!r.ok) throw new Error(r.issues.map((i) => i.message).join(' '));
      const a = analyze(toyDesign);
      const script = `${r.value.code}\nimport json\nm = ${r.value.className}()\nm.eval()\ny = m(torch.randn(2, 3, 12, 10))\nprint(json.dumps({"keys": [[k, list(v.shape)] for k, v in m.state_dict().items()], "out": list(y.shape), "params": sum(p.numel() for p in m.parameters())}))\n`;
      const lines = execFileSync(PYTHON, ['-'], { input: script, encoding: 'utf8' })
        .trim()
        .split('\n');
      const out = JSON.parse(lines[lines.length - 1]) as {
        keys: [string, number[]][];
        out: number[];
        params: number;
      };
      expect(out.keys).toEqual(stateDictSpec(a.graph).map((t) => [t.key, [...t.shape]]));
      expect(out.out).toEqual([2, 7]);
      expect(out.params).toBe(a.totals.params);
    },
  );
});
