/**
 * The designs the export tests run: both presets and edited designs that reach every module
 * kind and every code path of the PyTorch export (naive modules, uneven padding, mixed flavors,
 * train-only chains, residual joins, deleted and duplicated modules).
 */
import type { Design, ModuleSpec, ParamValue } from '../../model/types';
import { presetDesign } from '../../presets';
import { GOOGLENET_INCEPTION } from '../../presets/googlenet';
import {
  deleteModule,
  duplicateModule,
  insertAfter,
  setAux,
  setClasses,
  setInput,
  setParam,
} from '../../design/edit';

export interface ExportCase {
  readonly name: string;
  readonly design: Design;
}

function preset(name: string): Design {
  const d = presetDesign(name);
  if (!d) throw new Error(`no preset ${name}`);
  return d;
}

function set(
  design: Design,
  edits: Readonly<Record<string, Readonly<Record<string, ParamValue>>>>,
): Design {
  let d = design;
  for (const [id, params] of Object.entries(edits))
    for (const [field, value] of Object.entries(params)) d = setParam(d, id, field, value);
  return d;
}

function rewire(design: Design, id: string, inputs: readonly string[]): Design {
  return { ...design, modules: design.modules.map((m) => (m.id === id ? { ...m, inputs } : m)) };
}

function append(design: Design, module: ModuleSpec): Design {
  return { ...design, modules: [...design.modules, module] };
}

/** Deterministic counts in [lo, hi] (a small LCG: the test must not change between runs). */
function counts(seed: number, n: number, lo: number, hi: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + (s % (hi - lo + 1));
  });
}

function randomCounts(): Design {
  let d = preset('googlenet');
  const fields = ['out_1x1', 'red_3x3', 'out_3x3', 'red_5x5', 'out_5x5', 'out_1x1pool'];
  GOOGLENET_INCEPTION.forEach(([id], i) => {
    const c = counts(1000 + i, 6, 8, 160);
    fields.forEach((f, j) => (d = setParam(d, id, f, c[j])));
  });
  return { ...setInput(d, { batch: 1 }), name: 'GoogLeNet, random counts' };
}

function naive(): Design {
  const d = set(preset('googlenet'), {
    inception3a: { form: 'naive' },
    inception5b: { form: 'naive', kernel_5x5: 3 },
    // An even kernel has no centre: the branch pads unevenly.
    inception4c: { kernel_5x5: 4 },
  });
  return { ...setInput(d, { batch: 1 }), name: 'GoogLeNet, naive modules' };
}

function auxOffClasses10(): Design {
  return {
    ...setInput(setClasses(setAux(preset('googlenet'), false), 10), { batch: 1 }),
    name: 'GoogLeNet, aux off, 10 classes',
  };
}

function deletedAndDuplicated(): Design {
  const d = duplicateModule(deleteModule(preset('googlenet'), 'inception4e'), 'inception5a');
  return { ...setInput(d, { batch: 1 }), name: 'GoogLeNet without 4e, 5a twice' };
}

function torchvisionEdited(): Design {
  let d = set(preset('googlenet-torchvision'), {
    inception4b: { out_1x1: 100, out_3x3: 250 },
    // Mixed flavors: one module in the default flavor, aux heads that differ from each other.
    inception5b: { conv_bias: true, bn_eps: 1e-5, bn_name: 'batchnorm', kernel_5x5: 5 },
    aux1: { hidden: 512, dropout: 0.5 },
    aux2: { pool: 'avg', pool_kernel: 5, pool_stride: 3 },
  });
  d = setInput(setClasses(d, 10), { batch: 1 });
  return { ...d, name: 'GoogLeNet (torchvision), edited' };
}

/** Every generic module kind, uneven padding on convs and pools, joins and a train-only chain. */
function genericKinds(): Design {
  let d = preset('googlenet');
  d = insertAfter(d, 'maxpool1', {
    id: 'lrn1',
    kind: 'localResponseNorm',
    params: { size: 5, alpha: 2e-4, beta: 0.75, k: 2 },
    stage: 'stem',
  });
  d = insertAfter(d, 'conv2', {
    id: 'grouped_conv',
    kind: 'conv2d',
    params: { out_channels: 192, kernel: 3, padding: 1, groups: 2 },
    stage: 'stem',
  });
  d = insertAfter(d, 'grouped_conv', { id: 'relu2', kind: 'relu', params: {}, stage: 'stem' });
  d = insertAfter(d, 'inception4c', { id: 'residual4c', kind: 'add', params: {}, stage: '4' });
  d = rewire(d, 'residual4c', ['inception4c', 'inception4b']);
  d = insertAfter(d, 'residual4c', {
    id: 'scale4c',
    kind: 'scale',
    params: { factor: -0.5 },
    stage: '4',
  });
  // Ceil mode over uneven padding: PyTorch would keep one more window than the explorer.
  d = set(d, { maxpool4: { kernel: 2, stride: 2, padding: [0, 1, 0, 1], ceil_mode: true } });
  d = insertAfter(d, 'inception5b', { id: 'cat5', kind: 'concat', params: {}, stage: '5' });
  d = rewire(d, 'cat5', ['inception5b', 'inception5a']);
  d = set(d, {
    avgpool: { kernel: 4, stride: 3, padding: [0, 1, 0, 1], count_include_pad: false },
    fc1: { in_size: 2, bias: false },
  });
  d = append(d, {
    id: 'aux3_pool',
    kind: 'adaptiveAvgPool',
    inputs: ['inception5a'],
    params: { output_size: [2, 1] },
    stage: 'aux',
    aux: true,
  });
  d = append(d, {
    id: 'aux3',
    kind: 'linear',
    inputs: ['aux3_pool'],
    params: { out_features: 7, in_size: [2, 1] },
    stage: 'aux',
    aux: true,
  });
  d = { ...d, outputs: { ...d.outputs, aux3: 'aux3' }, input: { ...d.input, batch: 1 } };
  return { ...d, name: 'Every module kind' };
}

/**
 * A small network (batch 1) whose plain convolution pads unevenly (F.pad in forward), with
 * modules named like the names forward() itself uses (`torch`, `x`), skip connections and a
 * second read of the network input.
 */
function unevenConv(): Design {
  return {
    // Quotes and a backslash must not end the file's docstrings early.
    name: 'Uneven convolution "v2" \\ """quoted"""',
    preset: null,
    input: { batch: 1, channels: 3, height: 33, width: 32 },
    classes: 5,
    aux: false,
    modules: [
      {
        id: 'conv',
        kind: 'conv2d',
        inputs: ['input'],
        params: { out_channels: 8, kernel: [2, 3], stride: 2, padding: [0, 1, 1, 1], bias: false },
        stage: 'stem',
      },
      { id: 'torch', kind: 'relu', inputs: ['conv'], params: {}, stage: 'stem' },
      // Reads the network input again after conv: forward() must keep it.
      {
        id: 'shortcut',
        kind: 'conv2d',
        inputs: ['input'],
        params: { out_channels: 8, kernel: [2, 3], stride: 2, padding: [0, 1, 1, 1] },
        stage: 'stem',
      },
      { id: 'joined', kind: 'add', inputs: ['torch', 'shortcut'], params: {}, stage: 'stem' },
      {
        id: 'block',
        kind: 'convBlock',
        inputs: ['joined'],
        params: { out_channels: 6, kernel: 4, padding: [1, 2, 2, 1], stride: 1 },
        stage: 'body',
      },
      { id: 'x', kind: 'concat', inputs: ['block', 'torch'], params: {}, stage: 'body' },
      {
        id: 'pool',
        kind: 'maxPool',
        inputs: ['x'],
        params: { kernel: 3, stride: 2, padding: [1, 0, 0, 1], ceil_mode: true },
        stage: 'body',
      },
      {
        id: 'head',
        kind: 'linear',
        inputs: ['pool'],
        params: { out_features: 'classes', in_size: [9, 8] },
        stage: 'head',
      },
    ],
    outputs: { main: 'head' },
  };
}

/** Inception v3 with transform_input on, counts edited in one module of each kind, the aux head off, 10 classes and a 331×331 input. */
function inceptionV3Edited(): Design {
  let d = set(preset('inception-v3'), {
    transform_input: { enabled: true },
    Mixed_5b: { out_1x1: 48, pool_features: 40 },
    Mixed_6a: { out_3x3: 300 },
    Mixed_6c: { channels_7x7: 96, out_7x7dbl: 160 },
    Mixed_7a: { channels_7x7x3: 128 },
    Mixed_7b: { out_3x3: 256, red_3x3dbl: 320 },
  });
  d = setInput(setClasses(setAux(d, false), 10), { batch: 1, height: 331, width: 331 });
  return { ...d, name: 'Inception v3, edited' };
}

/** Inception-ResNet-v2 edited: a block deleted and one duplicated (their containers get gaps and extra keys), a count changed. */
function irv2Edited(): Design {
  let d = setInput(deleteModule(preset('inception-resnet-v2'), 'repeat_1.5'), {
    batch: 1,
    height: 75,
    width: 75,
  });
  d = duplicateModule(d, 'repeat.3');
  d = setParam(d, 'repeat_2.0', 'out_1x1', 160);
  return { ...d, name: 'Inception-ResNet-v2, edited' };
}

/** The family presets (Caffe-named, residual, containers), compared with tools/torch/family too. */
export const FAMILY_PRESETS = [
  'googlenet-paper',
  'bn-inception',
  'inception-v4',
  'inception-resnet-v1',
  'inception-resnet-v2',
] as const;

export const EXPORT_CASES: readonly ExportCase[] = [
  { name: 'googlenet', design: preset('googlenet') },
  { name: 'googlenet-torchvision', design: preset('googlenet-torchvision') },
  { name: 'random-counts', design: randomCounts() },
  { name: 'naive', design: naive() },
  { name: 'aux-off-classes-10', design: auxOffClasses10() },
  { name: 'deleted-duplicated', design: deletedAndDuplicated() },
  { name: 'torchvision-edited', design: torchvisionEdited() },
  { name: 'generic-kinds', design: genericKinds() },
  { name: 'uneven-conv', design: unevenConv() },
  { name: 'inception-v3', design: setInput(preset('inception-v3'), { batch: 1 }) },
  { name: 'inception-v3-edited', design: inceptionV3Edited() },
  // The 299×299 networks at 75×75, the smallest input they take (their global pools adapt), to keep the test quick.
  ...FAMILY_PRESETS.map((name) => {
    const d = preset(name);
    return {
      name,
      design:
        d.input.height === 299
          ? setInput(d, { batch: 1, height: 75, width: 75 })
          : setInput(d, { batch: 1 }),
    };
  }),
  { name: 'irv2-edited', design: irv2Edited() },
];
