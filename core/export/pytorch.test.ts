/**
 * The PyTorch export as text: structure, header, formatting, flavors and failures. The files are
 * run under python3-torch by test/export/pytorch.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../analysis/analyze';
import { presetDesign } from '../presets';
import { deleteModule, setAux, setParam } from '../design/edit';
import { moduleKinds } from '../modules/registry';
import type { Design } from '../model/types';
import { MAX_LINE } from './python';
import { pytorchCode } from './pytorch';
import { pytorchCodegen } from './pytorchCodegen';
import { EXPORT_CASES } from './__fixtures__/exportFixtures';

function code(design: Design): string {
  const r = pytorchCode(design);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join(' '));
  return r.value.code;
}

const googlenet = () => presetDesign('googlenet')!;

describe('pytorchCode', () => {
  it('writes GoogLeNet as ConvBlock, InceptionBlock, AuxHead and the network class, with the classic smoke test', () => {
    const text = code(googlenet());
    const classes = [...text.matchAll(/^class (\w+)\(nn\.Module\):/gm)].map((m) => m[1]);
    expect(classes).toEqual(['ConvBlock', 'InceptionBlock', 'AuxHead', 'GoogLeNet']);
    expect(text).toContain('self.conv1 = ConvBlock(3, 64, kernel_size=7, stride=2, padding=3)');
    expect(text).toContain('self.inception3a = InceptionBlock(192, 64, 96, 128, 16, 32, 32)');
    expect(text).toContain('self.aux1 = AuxHead(512, num_classes)');
    expect(text).toContain('self.fc1 = nn.Linear(1024, num_classes)');
    expect(text).toContain('def __init__(self, num_classes=1000):');
    expect(text).toMatch(/if self\.training:\n {12}aux1 = self\.aux1\(x\)/);
    expect(text).toContain(
      'if self.training:\n            return aux1, aux2, x\n        return x\n',
    );
    expect(text).toContain(
      'if __name__ == "__main__":\n    model = GoogLeNet()\n    x = torch.randn(3, 3, 224, 224)',
    );
    // Only what is used: no functional import, no naive class.
    expect(text).not.toContain('import torch.nn.functional');
    expect(text).not.toContain('NaiveInceptionBlock');
  });

  it('records the design and its totals in the header', () => {
    const text = code(googlenet());
    const header = text.slice(0, text.indexOf('import torch'));
    expect(header).toContain('Design:  GoogLeNet (from preset googlenet)');
    expect(header).toContain('Input:   3 x 224 x 224 per image (batch 3 in the explorer)');
    expect(header).toContain('Classes: 1000');
    expect(header).toContain('parameters, with aux heads:  13,389,064');
    expect(header).toContain('parameters, eval path:       7,008,824');
    expect(header).toContain('MACs per image, eval:        1,569,826,816 (1.57 G)');
    expect(header).toContain('None: this is preset googlenet as shipped.');
  });

  it('lists the edits against the preset', () => {
    let d = setParam(googlenet(), 'inception4c', 'out_3x3', 300);
    d = deleteModule(setAux(d, false), 'inception4e');
    const text = code(d);
    expect(text).toContain('    aux: true -> false');
    expect(text).toContain('    inception4c.out_3x3: 256 -> 300');
    expect(text).toContain('    deleted inception4e');
    expect(text).toContain('(aux heads off)');
    expect(text).not.toContain('AuxHead');
    // Without aux heads both modes return main alone.
    expect(text).not.toContain('if self.training:');
  });

  it('writes torchvision\'s flavor as torchvision does: bn, no conv bias, eps 0.001, 3×3 "5×5" branch, ceil mode', () => {
    const text = code(presetDesign('googlenet-torchvision')!);
    expect(text).toContain('self.bn = nn.BatchNorm2d(out_channels, eps=0.001)');
    expect(text).toContain('bias=False');
    expect(text).toContain('ConvBlock(red_5x5, out_5x5, kernel_size=3, padding=1)');
    expect(text).toContain('nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True)');
    expect(text).toContain('self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)');
    expect(text).toContain('self.pool = nn.AdaptiveAvgPool2d(4)');
    expect(text).toContain('class GoogLeNetTorchvision(nn.Module):');
  });

  it('turns an option that differs between instances into a keyword argument with the common value as default', () => {
    const text = code(setParam(googlenet(), 'inception4b', 'bn_eps', 0.001));
    expect(text).toMatch(
      /def __init__\(self, in_channels, out_channels, kernel_size, stride=1, padding=0, eps=1e-05\):/,
    );
    expect(text).toContain('self.batchnorm = nn.BatchNorm2d(out_channels, eps=eps)');
    expect(text).toContain(
      'self.inception4b = InceptionBlock(512, 160, 112, 224, 24, 64, 64, eps=0.001)',
    );
    expect(text).toContain('ConvBlock(in_channels, out_1x1, kernel_size=1, eps=eps)');
  });

  it('writes the naive form as its own class and pads an even kernel unevenly', () => {
    let d = setParam(googlenet(), 'inception3a', 'form', 'naive');
    d = setParam(d, 'inception4c', 'kernel_5x5', 4);
    const text = code(d);
    expect(text).toContain('class NaiveInceptionBlock(nn.Module):');
    expect(text).toContain('self.inception3a = NaiveInceptionBlock(192, 64, 128, 32)');
    expect(text).toContain('self.pad = nn.ZeroPad2d(padding) if uneven else nn.Identity()');
    expect(text).toContain('padding=((kernel_5x5 - 1) // 2, kernel_5x5 // 2) * 2');
  });

  it('formats every test design within the line length, with 4-space indents and no trailing spaces', () => {
    for (const c of EXPORT_CASES) {
      const text = code(c.design);
      const lines = text.split('\n');
      expect(text.endsWith('\n') && !text.endsWith('\n\n'), c.name).toBe(true);
      for (const line of lines) {
        expect(line.length, `${c.name}: ${line}`).toBeLessThanOrEqual(MAX_LINE);
        expect(line, c.name).not.toMatch(/\s$/);
        expect(line, c.name).not.toMatch(/\t/);
        expect(line.match(/^ */)![0].length % 4, `${c.name}: ${line}`).toBe(0);
      }
      // Two blank lines before every top-level definition (PEP 8).
      for (const m of text.matchAll(/\n(class |if __name__)/g))
        expect(text.slice(m.index! - 2, m.index!), c.name).toBe('\n\n');
    }
  });

  it('builds an attribute for every module that holds layers, named by its id', () => {
    for (const c of EXPORT_CASES) {
      const text = code(c.design);
      const a = analyze(c.design);
      for (const m of a.modules) {
        const layers = a.graph.filter((l) => l.module === m.id);
        const flat = layers.some((l) => l.id !== m.id && !l.id.startsWith(`${m.id}.`));
        const [base, key] = m.id.split('.');
        if (['concat', 'add', 'scale'].includes(m.kind))
          expect(text, `${c.name}: ${m.id}`).not.toContain(`self.${m.id} =`);
        // Flat (Caffe-named) modules: each conv, batch norm and linear layer is an attribute of the network.
        else if (flat)
          for (const l of layers.filter((x) =>
            ['conv2d', 'batchNorm2d', 'linear'].includes(x.kind),
          ))
            expect(text, `${c.name}: ${l.id}`).toContain(`self.${l.id} = `);
        // Modules named base.key live in a container attribute, as timm's features and repeat.
        else if (key !== undefined)
          expect(text, `${c.name}: ${m.id}`).toMatch(
            new RegExp(`self\\.${base} = nn\\.(Sequential|ModuleDict)\\(`),
          );
        else expect(text, `${c.name}: ${m.id}`).toContain(`self.${m.id} = `);
      }
    }
  });

  it('is the same text every time', () => {
    expect(code(googlenet())).toBe(code(googlenet()));
  });

  it('gives the design issues instead of code for an invalid design', () => {
    const r = pytorchCode(setParam(googlenet(), 'inception4c', 'out_3x3', -5));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issues[0]).toMatchObject({
        code: 'param.range',
        nodeId: 'inception4c',
        field: 'out_3x3',
      });
      expect(r.issues[0].message).toMatch(/^inception4c: 3×3 must be/);
    }
  });

  it('refuses a module id that nn.Module already uses, naming the module', () => {
    const d = googlenet();
    const renamed: Design = {
      ...d,
      modules: d.modules.map((m) =>
        m.id === 'dropout'
          ? { ...m, id: 'train' }
          : m.inputs.includes('dropout')
            ? { ...m, inputs: ['train'] }
            : m,
      ),
    };
    // Core already refuses the name (an exported file could not hold it), so nothing is generated.
    expect(analyze(renamed).issues.map((i) => [i.code, i.nodeId])).toContainEqual([
      'graph.invalidId',
      'train',
    ]);
    const r = pytorchCode(renamed);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.some((i) => i.nodeId === 'train' && i.field === 'id')).toBe(true);
  });

  it('keeps a value forward() needs later under its own name, away from the names forward() uses', () => {
    const text = code(EXPORT_CASES.find((c) => c.name === 'uneven-conv')!.design);
    expect(text).toContain('    def forward(self, x):\n        x_in = x\n');
    expect(text).toContain('torch_out = self.torch(x)');
    expect(text).toContain('x = self.shortcut(F.pad(x_in, (1, 1, 0, 1)))');
    expect(text).toContain('x = torch_out + x');
    expect(text).toContain('x = torch.cat([x, torch_out], 1)');
    expect(text).toContain('x = self.conv(F.pad(x_in, (1, 1, 0, 1)))');
    expect(text).toContain('import torch.nn.functional as F');
  });

  it('has code generation for every module kind', () => {
    expect(Object.keys(pytorchCodegen).sort()).toEqual([...moduleKinds].sort());
  });
});
