import { describe, expect, it } from 'vitest';
import { analyze } from '../analysis/analyze';
import { presetDesign } from '../presets';
import { setParam } from '../design/edit';
import { initStateDict, stateDictSpec } from '../weights/stateDict';
import type { Design } from '../model/types';
import { onnxModel, ONNX_BATCH_DIM } from './onnx';
import { adaptivePoolBins } from '../layers/pooling';
import { base64, onnx } from './onnxGraph';

function exported(design: Design, options: Parameters<typeof onnxModel>[3] = {}) {
  const analysis = analyze(design);
  const weights = initStateDict(analysis.graph, 3, 'randomized');
  const r = onnxModel(design, analysis, weights, options);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join(' '));
  const model = onnx.ModelProto.decode(r.value.bytes);
  return {
    model,
    graph: model.graph as InstanceType<typeof onnx.GraphProto>,
    value: r.value,
    analysis,
  };
}

const googlenet = presetDesign('googlenet')!;

describe('onnxModel', () => {
  it('writes opset 17 with a dynamic batch, named input and output, and nodes named by module paths', () => {
    const { model, graph: g, value } = exported(googlenet);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    expect(Number(model.irVersion)).toBe(8);
    expect(g.input.map((i) => i.name)).toEqual(['input']);
    expect(
      g.input[0].type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue)),
    ).toEqual([ONNX_BATCH_DIM, 3, 224, 224]);
    expect(g.output.map((o) => o.name)).toEqual(['main']);
    expect(value.outputs).toEqual({ main: ['N', 1000] });
    const names = new Set(g.node.map((n) => n.name));
    expect(names).toContain('inception4c.branch2.1.conv');
    expect(names).toContain('conv1.conv');
    expect(names).toContain('fc1');
    // Eval mode: no aux heads, no dropout nodes.
    expect([...names].some((n) => n!.startsWith('aux'))).toBe(false);
    expect(g.node.some((n) => n.opType === 'Dropout' || n.opType === 'BatchNormalization')).toBe(
      false,
    );
  });

  it('keeps batch norm as BatchNormalization with exactly the state_dict names when asked', () => {
    const { graph: g, analysis } = exported(googlenet, { foldBatchNorm: false });
    const keys = new Set(
      stateDictSpec(
        analysis.graph.filter((l) => analysis.modules.find((m) => m.id === l.module)?.evalPath),
      )
        .filter((e) => e.role !== 'counter')
        .map((e) => e.key),
    );
    const inits = g.initializer.map((t) => t.name!);
    expect(new Set(inits)).toEqual(keys);
    const bn = g.node.find((n) => n.name === 'inception4c.branch2.1.bn');
    expect(bn?.opType ?? g.node.find((n) => n.opType === 'BatchNormalization')?.opType).toBe(
      'BatchNormalization',
    );
  });

  it('names folded weights after the convolution and the batch norm folded into it', () => {
    const { graph } = exported(googlenet);
    const inits = graph.initializer.map((t) => t.name!);
    expect(
      inits.some((n) =>
        /^inception4c\.branch2\.1\.conv\.weight\+inception4c\.branch2\.1\.\w+$/.test(n),
      ),
    ).toBe(true);
    expect(inits).toContain('fc1.weight');
  });

  it('exports a part of the network with the values it reads as inputs (the engine runs one module per session)', () => {
    const { graph, value } = exported(googlenet, { modules: ['inception4c'] });
    const analysis = analyze(googlenet);
    const prev = analysis.graph.filter((l) => l.module === 'inception4b');
    expect(Object.keys(value.inputs)).toHaveLength(1);
    expect(prev.map((l) => l.id)).toContain(Object.keys(value.inputs)[0]);
    expect(Object.keys(value.outputs)).toEqual(['inception4c']);
    expect(
      graph.node.every((n) => n.name!.startsWith('inception4c') || n.name === 'output.inception4c'),
    ).toBe(true);
  });

  it('adds every module output for feature maps when asked', () => {
    const { value, analysis } = exported(googlenet, { moduleOutputs: true });
    const evalModules = analysis.modules.filter((m) => m.evalPath).map((m) => m.id);
    expect(Object.keys(value.outputs)).toEqual(['main', ...evalModules]);
  });

  it('adds only the module outputs named, when given ids', () => {
    const { value } = exported(googlenet, { moduleOutputs: ['inception4c', 'conv1'] });
    expect(Object.keys(value.outputs)).toEqual(['main', 'conv1', 'inception4c']);
  });

  it('reduces every module output inside the graph into two small outputs, and slices first images when asked', () => {
    const { value, graph, analysis } = exported(googlenet, {
      moduleSummaries: true,
      firstImageOutputs: ['inception4c'],
    });
    const evalModules = analysis.modules.filter((m) => m.evalPath);
    expect(value.summaries!.modules).toEqual(evalModules.map((m) => m.id));
    expect(value.summaries!.ranks).toEqual(evalModules.map((m) => m.outputShape!.length));
    expect(value.outputs).toEqual({
      main: ['N', 1000],
      'summary:stats': [4 * evalModules.length],
      'summary:shapes': [value.summaries!.ranks.reduce((a, b) => a + b, 0)],
      'firstImage:inception4c': [1, 512, 14, 14],
    });
    const ops = graph.node
      .filter((n) => n.name!.startsWith('summary.inception4c.'))
      .map((n) => n.opType);
    expect(ops).toEqual([
      'Reshape',
      'ReduceMin',
      'ReduceMax',
      'ReduceSum',
      'ReduceSumSquare',
      'Shape',
      'Cast',
    ]);
    // Per-module exports have no whole-network summaries.
    expect(
      exported(googlenet, { modules: ['conv1'], moduleSummaries: true }).value.summaries,
    ).toBeUndefined();
  });

  it('names the module and layer when a weight is missing or mis-sized, and writes nothing', () => {
    const analysis = analyze(googlenet);
    const weights = initStateDict(analysis.graph, 0);
    const missing = new Map(weights);
    missing.delete('inception4c.branch2.1.conv.weight');
    const r = onnxModel(googlenet, analysis, missing);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({
      code: 'export.onnx',
      nodeId: 'inception4c',
      field: 'inception4c.branch2.1.conv',
    });
    expect(r.issues[0].message).toMatch(
      /^inception4c \(layer inception4c\.branch2\.1\.conv\): the weights have no tensor inception4c\.branch2\.1\.conv\.weight, so it cannot be exported to ONNX\.$/,
    );
    const short = new Map(weights);
    short.set('fc1.bias', new Float32Array(3));
    const r2 = onnxModel(googlenet, analysis, short);
    expect(!r2.ok && r2.issues[0].message).toMatch(
      /^fc1 \(layer fc1\): the weight tensor fc1\.bias holds 3 values but the layer needs 1000/,
    );
  });

  it('returns the analysis issues for an invalid design', () => {
    const bad = setParam(googlenet, 'inception4c', 'out_3x3', -5);
    const analysis = analyze(bad);
    const r = onnxModel(bad, analysis, new Map());
    expect(r.ok).toBe(false);
    expect(!r.ok && r.issues.some((i) => i.nodeId === 'inception4c')).toBe(true);
  });

  it('refuses modules that are not on the eval path', () => {
    const analysis = analyze(googlenet);
    const r = onnxModel(googlenet, analysis, initStateDict(analysis.graph, 0), {
      modules: ['aux1'],
    });
    expect(!r.ok && r.issues[0].message).toMatch(
      /aux1: this module is not part of the eval-mode network/,
    );
  });

  it("passes design text through core's ONNX metadata escaping", () => {
    const named = { ...googlenet, name: 'Net\u0000\u001b[31m "x"\u202e\uD800' };
    const { model, graph } = exported(named);
    const clean = 'Net\\x00\\x1b[31m "x"\\u202e\uFFFD';
    expect(graph.name).toBe(clean);
    expect(model.metadataProps.find((p) => p.key === 'design')?.value).toBe(clean);
    expect(model.docString).toContain(clean);
  });
});

describe('adaptivePoolBins', () => {
  it("averages PyTorch's overlapping bins: 7 → 3 takes rows 0-2, 2-4, 4-6", () => {
    const m = adaptivePoolBins(7, 3);
    const rows = [0, 1, 2].map((i) =>
      Array.from(m.slice(i * 7, i * 7 + 7)).map((v) => Math.round(v * 3)),
    );
    expect(rows).toEqual([
      [1, 1, 1, 0, 0, 0, 0],
      [0, 0, 1, 1, 1, 0, 0],
      [0, 0, 0, 0, 1, 1, 1],
    ]);
  });
});

describe('base64', () => {
  const text = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  it('encodes the RFC 4648 test vectors', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, encoded] of vectors) expect(base64(text(plain))).toBe(encoded);
  });

  it('agrees with a byte-by-byte encoder across chunk boundaries and every padding', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const slow = (b: Uint8Array): string => {
      let bits = '';
      for (const x of b) bits += x.toString(2).padStart(8, '0');
      let out = '';
      for (let i = 0; i < bits.length; i += 6)
        out += alphabet[parseInt(bits.slice(i, i + 6).padEnd(6, '0'), 2)];
      return out + '='.repeat((4 - (out.length % 4)) % 4);
    };
    for (const n of [1, 2, 3, 24_575, 24_576, 24_577, 24_578, 50_000]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 24);
      expect(base64(bytes), `${n} bytes`).toBe(slow(bytes));
    }
  });
});
