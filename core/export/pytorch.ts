/**
 * The PyTorch export: a self-contained Python file that builds the design as an nn.Module.
 * Its attribute names are the explorer's layer ids, so its state_dict keys are exactly those of
 * `stateDictSpec(analysis.graph)`, in the same order, and the engine's safetensors weights load
 * with `strict=True`.
 */
import { analyze, type Analysis, type ModuleInfo } from '../analysis/analyze';
import type { Design, Issue, IssueCode, Shape } from '../model/types';
import { resolveParams, type ParamDef } from '../model/params';
import { formatCompact, formatInt } from '../model/format';
import { moduleDef, type ModuleKind } from '../modules/registry';
import { diffDesign, type ValueChange } from '../design/diff';
import { repeatGroups } from '../design/repeats';
import {
  INDENT,
  MAX_LINE,
  call,
  docText,
  className as toClassName,
  layout,
  pyInt,
  pyStr,
  wrapText,
  type PyExpr,
} from './python';
import { HelperClasses, type ClassUse, type HelperClass } from './pytorchHelpers';
import {
  blockTemplateOf,
  codegenOf,
  type CodegenContext,
  type ModuleCodegen,
} from './pytorchCodegen';
import { blockHelper } from './pytorchBlocks';
import { pyCommentText } from './escape';
import { photoRecipe } from '../presets/preprocessing';
import { moduleVariable, parseModulePath } from '../model/modulePath';
import { flatExportProblem, flatForward, flatLayerInit, isFlatModule } from './pytorchLayers';
import type { Layer } from '../model/types';
import { isReservedModuleName } from '../model/reservedNames';
import { forwardVariables } from '../model/derivedNames';

export interface PytorchExport {
  /** The Python source. */
  readonly code: string;
  /** The network class's name, e.g. `GoogLeNet`. */
  readonly className: string;
}

/** A problem that stops an export: the design's own issues, or a name PyTorch cannot take. */
export interface ExportIssue extends Omit<Issue, 'code'> {
  readonly code: IssueCode | 'export.reservedName' | 'export.onnx' | 'export.unsupported';
}

export type PytorchResult =
  | { readonly ok: true; readonly value: PytorchExport }
  | { readonly ok: false; readonly issues: readonly ExportIssue[] };

/** The program that writes the file, for its header. */
export const GENERATOR = 'Inception Explorer 0.1.0';

/** Names forward() needs for itself; a module output of that name gets a suffix. */
const FORWARD_NAMES = new Set(['self', 'x', 'x_in', 'torch', 'nn', 'F', 'float', 'branches']);
const PY_KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(
    ' ',
  ),
);
const HELPER_NAMES = new Set([
  'ConvBlock',
  'InceptionBlock',
  'NaiveInceptionBlock',
  'AuxHead',
  'nn',
  'torch',
  'F',
]);

const I1 = INDENT;
const I2 = INDENT + INDENT;
const I3 = I2 + INDENT;

interface Entry {
  readonly info: ModuleInfo;
  /** The module's layers when they are named flat (attributes of the network itself), else null. */
  readonly flat: readonly Layer[] | null;
  /** The layer holding the module's output. */
  readonly outputLayer: string;
  readonly ctx: CodegenContext<Record<string, unknown>>;
  readonly gen: ModuleCodegen<Record<string, unknown>>;
}

/** The Python of a design, or the issues that prevent one. */
export function pytorchCode(design: Design, analysis: Analysis = analyze(design)): PytorchResult {
  if (!analysis.valid) return { ok: false, issues: analysis.issues };
  const reserved: ExportIssue[] = analysis.modules
    .filter((m) => isReservedModuleName(parseModulePath(m.id)?.base ?? m.id))
    .map((m) => ({
      code: 'export.reservedName',
      nodeId: m.id,
      field: 'id',
      message: `${m.id}: PyTorch's nn.Module already has an attribute of this name, so the exported network could not hold the module under it. Rename the module.`,
    }));
  if (reserved.length) return { ok: false, issues: reserved };

  let usesClasses = false;
  const specs = new Map(design.modules.map((m) => [m.id, m]));
  const entries: Entry[] = analysis.modules.map((info) => {
    const spec = specs.get(info.id)!;
    const kind = spec.kind as ModuleKind;
    const def = moduleDef(kind)!;
    const active = def.active ? new Set(def.active(spec.params)) : null;
    const { values } = resolveParams(
      def.params,
      spec.params,
      { nodeId: info.id, classes: design.classes },
      active,
    );
    const ctx: CodegenContext<Record<string, unknown>> = {
      id: info.id,
      p: values,
      inputShapes: info.inputShapes,
      outputShape: info.outputShape!,
      count(field, value) {
        const param: ParamDef | undefined = def.params[field];
        const raw = Object.prototype.hasOwnProperty.call(spec.params, field)
          ? spec.params[field]
          : param?.default;
        if (raw !== 'classes') return pyInt(value);
        usesClasses = true;
        return 'num_classes';
      },
    };
    const layers = analysis.graph.filter((l) => l.module === info.id);
    return {
      info,
      ctx,
      flat: isFlatModule(info.id, layers) ? layers : null,
      outputLayer: moduleOutputLayer(layers),
      gen: codegenOf(kind),
    };
  });
  const flatProblems: ExportIssue[] = entries.flatMap((e) => {
    const problem = e.flat ? flatExportProblem(e.flat) : null;
    return problem
      ? [
          {
            code: 'export.reservedName' as const,
            nodeId: e.info.id,
            field: 'padding',
            message: `${e.info.id}: ${problem}; give it even padding to export it.`,
          },
        ]
      : [];
  });
  if (flatProblems.length) return { ok: false, issues: flatProblems };

  const uses: ClassUse[] = entries.flatMap((e) => {
    const use = e.flat ? null : e.gen.use?.(e.ctx);
    return use ? [use] : [];
  });
  // Block templates' classes, generated from the first instance of each (instances of one class differ only in counts and flavor).
  const blocks = new Map<string, HelperClass>();
  for (const e of entries) {
    const t = e.flat ? null : blockTemplateOf(e.info.kind);
    const cls = t && e.gen.use ? (e.gen.use(e.ctx)?.cls ?? null) : null;
    if (!t || !cls || blocks.has(cls)) continue;
    const helper = blockHelper(cls, t, e.ctx.p as never);
    if ('problem' in helper) {
      return {
        ok: false,
        issues: [
          {
            code: 'export.unsupported',
            nodeId: e.info.id,
            message: `${e.info.id}: ${helper.problem}`,
          },
        ],
      };
    }
    blocks.set(cls, helper);
  }
  const helpers = new HelperClasses(uses, [...blocks.values()].reverse());
  const inits = entries.map((e) => (e.flat ? null : e.gen.init(e.ctx, helpers)));

  let name = toClassName(design.name, 'Network');
  if (HELPER_NAMES.has(name) || PY_KEYWORDS.has(name) || blocks.has(name)) name = `${name}Net`;

  const network = networkClass(name, design, analysis, entries, inits, usesClasses);
  const helperLines = helpers.render();
  const body = [
    ...helperLines,
    ...(helperLines.length ? ['', ''] : []),
    ...network,
    '',
    '',
    ...smokeTest(name, analysis, design),
  ];
  const text = body.join('\n');
  const imports = [
    'import torch',
    'import torch.nn as nn',
    ...(/\bF\./.test(text) ? ['import torch.nn.functional as F'] : []),
  ];
  const code = [...header(design, analysis), '', ...imports, '', '', text, ''].join('\n');
  return { ok: true, value: { code, className: name } };
}

/** Which Python variable holds each module's output in forward(). */
function assignVariables(
  entries: readonly Entry[],
  outputs: readonly string[],
): Map<string, string> {
  const readers = new Map<string, number[]>();
  const read = (src: string, at: number) => readers.set(src, [...(readers.get(src) ?? []), at]);
  entries.forEach((e, i) => e.info.inputs.forEach((src) => read(src, i)));
  for (const src of outputs) read(src, Infinity);
  const evalPositions = entries.flatMap((e, i) => (e.info.evalPath ? [i] : []));
  const nextWrite = (i: number) => evalPositions.find((j) => j > i) ?? Infinity;

  // One unique variable per module (core/model/derivedNames.ts): `blk.0` and `blk_0` must not share one.
  const own = forwardVariables(
    entries.map((e) => e.info.id),
    FORWARD_NAMES,
  );
  const named = (id: string) => own.get(id)!;
  const vars = new Map<string, string>();
  // x holds a value until the next eval-path module overwrites it; a value read after that keeps its own name.
  const fitsX = (src: string, at: number) =>
    (readers.get(src) ?? []).every((r) => r <= nextWrite(at));
  vars.set('input', fitsX('input', -1) ? 'x' : 'x_in');
  entries.forEach((e, i) =>
    vars.set(e.info.id, e.info.evalPath && fitsX(e.info.id, i) ? 'x' : named(e.info.id)),
  );
  return vars;
}

function shapeComment(shape: Shape): string {
  return `# N x ${shape.slice(1).join(' x ')}`;
}

/** A statement with its output shape as a trailing comment when it fits, else on the line above. */
function statement(
  indent: string,
  head: string,
  expr: PyExpr,
  shape: Shape | null,
  note: string | null,
): string[] {
  const lines = note ? wrapText(pyCommentText(note), `${indent}# `) : [];
  const body = layout(indent, head, expr);
  if (!shape) return [...lines, ...body];
  const comment = shapeComment(shape);
  if (body.length === 1 && body[0].length + 2 + comment.length <= MAX_LINE)
    return [...lines, `${body[0]}  ${comment}`];
  return [...lines, `${indent}${comment}`, ...body];
}

function networkClass(
  name: string,
  design: Design,
  analysis: Analysis,
  entries: readonly Entry[],
  inits: readonly (PyExpr | null)[],
  usesClasses: boolean,
): string[] {
  const trainOutputs = orderedOutputs(design, Object.keys(analysis.outputs));
  const evalOutputs = orderedOutputs(design, analysis.evalOutputs);
  const vars = assignVariables(
    entries,
    trainOutputs.map((o) => design.outputs[o]),
  );

  const lines = [`class ${name}(nn.Module):`];
  lines.push(
    ...wrapText(
      `"""${docText(design.name)}: ${formatInt(analysis.modules.length)} modules, as designed in Inception Explorer."""`,
      I1,
    ),
  );
  lines.push(
    '',
    `${I1}def __init__(self${usesClasses ? `, num_classes=${pyInt(design.classes)}` : ''}):`,
    `${I2}super().__init__()`,
  );
  let stage: string | null = null;
  const containers = moduleContainers(entries);
  const written = new Set<string>();
  entries.forEach((e, i) => {
    const path = parseModulePath(e.info.id)!;
    const container = path.key !== null ? containers.get(path.base)! : null;
    const init = inits[i];
    if (e.flat) {
      // Flat (Caffe-named) layers are attributes of the network itself.
      const attrs = e.flat.flatMap((l) => {
        const expr = flatLayerInit(l);
        return expr ? [[l.id, expr] as const] : [];
      });
      if (!attrs.length) return;
      if (stage !== null && e.info.stage !== stage) lines.push('');
      stage = e.info.stage;
      for (const [id, expr] of attrs) lines.push(...layout(I2, `self.${id} = `, expr));
      return;
    }
    if (!init && !container) return;
    if (container && written.has(path.base)) return;
    if (stage !== null && e.info.stage !== stage) lines.push('');
    stage = e.info.stage;
    if (!container) {
      lines.push(...layout(I2, `self.${e.info.id} = `, init!));
      return;
    }
    // Modules named base.0, base.1, … live in one container, as timm's `features` and `repeat` do.
    written.add(path.base);
    lines.push(
      `${I2}self.${path.base} = nn.${container.sequential ? 'Sequential(' : 'ModuleDict({'}`,
    );
    for (const [key, at] of container.members) {
      const member = inits[at] ?? call('nn.Identity', []);
      lines.push(...layout(I3, container.sequential ? '' : `${pyStr(key)}: `, member, ','));
    }
    lines.push(`${I2}${container.sequential ? ')' : '})'}`);
  });

  lines.push('');
  lines.push(`${I1}def forward(self, x):`);
  const modeDependent = trainOutputs.join() !== evalOutputs.join();
  if (modeDependent) {
    lines.push(
      `${I2}"""Returns ${docText(tupleText(trainOutputs))} in train mode and ${docText(tupleText(evalOutputs))} in eval mode."""`,
    );
  }
  if (vars.get('input') !== 'x') lines.push(`${I2}x_in = x`);
  let training = false;
  stage = null;
  // Flat modules read other modules' output layers; their own intermediate values get fresh names.
  const layerModule = new Map(entries.map((x) => [x.outputLayer, x.info.id]));
  const taken = new Set<string>([
    ...FORWARD_NAMES,
    ...vars.values(),
    ...entries.map((x) => moduleVariable(x.info.id)),
  ]);
  entries.forEach((e) => {
    const inputs = e.info.inputs.map((src) => vars.get(src)!);
    const path = parseModulePath(e.info.id)!;
    const container = path.key !== null ? containers.get(path.base)! : null;
    const self = !container
      ? `self.${e.info.id}`
      : container.sequential
        ? `self.${path.base}[${path.key}]`
        : `self.${path.base}[${pyStr(path.key!)}]`;
    const expr = e.gen.forward(e.ctx, inputs, self);
    const note = e.gen.note?.(e.ctx) ?? null;
    const trainOnly = !e.info.evalPath;
    if (trainOnly && !training) lines.push(`${I2}if self.training:`);
    training = trainOnly;
    const indent = trainOnly ? I3 : I2;
    if (!trainOnly && stage !== null && e.info.stage !== stage) lines.push('');
    if (!trainOnly) stage = e.info.stage;
    if (e.flat) {
      const value = (id: string) =>
        id === 'input' ? vars.get('input')! : vars.get(layerModule.get(id)!)!;
      const steps = flatForward(e.flat, e.outputLayer, vars.get(e.info.id)!, value, taken);
      steps.forEach((s, k) =>
        lines.push(
          ...statement(
            indent,
            s.head,
            s.expr,
            k === steps.length - 1 ? e.info.outputShape : null,
            null,
          ),
        ),
      );
      return;
    }
    lines.push(...statement(indent, `${vars.get(e.info.id)} = `, expr, e.info.outputShape, note));
  });
  const ret = (names: readonly string[]) =>
    names.map((o) => vars.get(design.outputs[o])!).join(', ');
  lines.push('');
  if (modeDependent) lines.push(`${I2}if self.training:`, `${I3}return ${ret(trainOutputs)}`);
  lines.push(`${I2}return ${ret(evalOutputs)}`);
  return lines;
}

/** The layer of a module whose output leaves it: the last one no other layer of the module reads. */
function moduleOutputLayer(layers: readonly Layer[]): string {
  const read = new Set(layers.flatMap((l) => l.inputs));
  const unread = layers.filter((l) => !read.has(l.id));
  return (unread.length ? unread[unread.length - 1] : layers[layers.length - 1])?.id ?? '';
}

/**
 * The containers of modules named `base.key`: their members (key, position in `entries`) in design
 * order, and whether the keys are 0, 1, 2, … in that order (an nn.Sequential) or not (an
 * nn.ModuleDict under the same keys, so the state_dict keys stay `base.key.…` either way).
 */
function moduleContainers(
  entries: readonly Entry[],
): Map<string, { members: [string, number][]; sequential: boolean }> {
  const out = new Map<string, { members: [string, number][]; sequential: boolean }>();
  entries.forEach((e, at) => {
    const path = parseModulePath(e.info.id);
    if (!path || path.key === null) return;
    const c = out.get(path.base) ?? { members: [], sequential: true };
    c.members.push([path.key, at]);
    out.set(path.base, c);
  });
  for (const c of out.values()) c.sequential = c.members.every(([key], i) => key === String(i));
  return out;
}

/** Output names with main last: `(aux1, aux2, main)`, as GoogLeNet's train mode returns them. */
function orderedOutputs(design: Design, present: readonly string[]): string[] {
  const names = Object.keys(design.outputs).filter((o) => present.includes(o));
  return [...names.filter((o) => o !== 'main'), ...names.filter((o) => o === 'main')];
}

function tupleText(names: readonly string[]): string {
  return names.length === 1 ? names[0] : `(${names.join(', ')})`;
}

function valueText(v: unknown): string {
  if (v === undefined) return 'default';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function changeText(c: ValueChange): string {
  return `${c.field}: ${valueText(c.from)} -> ${valueText(c.to)}`;
}

/** The edits against the preset, one line each. */
function editLines(design: Design): string[] {
  const diff = diffDesign(design);
  if (diff.base === null)
    return [
      design.preset
        ? `Preset ${design.preset} is unknown here, so edits are not listed.`
        : 'Not based on a preset.',
    ];
  if (!diff.changed) return [`None: this is preset ${diff.base} as shipped.`];
  const out: string[] = [];
  for (const c of diff.settings) out.push(changeText(c));
  // A folded ×N run edited as one (the same change on every block) is one line, old -> new.
  const byId = new Map(diff.entries.map((e) => [e.id, e]));
  const folded = new Map<string, string[]>();
  for (const g of repeatGroups(design)) {
    const entries = g.ids.map((id) => byId.get(id));
    const first = entries[0];
    const same = (e: (typeof entries)[number]) =>
      e?.status === 'changed' &&
      !e.kindChanged &&
      e.params.length > 0 &&
      e.params.map(changeText).join('; ') === first!.params.map(changeText).join('; ');
    if (g.ids.length < 2 || !entries.every(same)) continue;
    for (const id of g.ids.slice(1)) folded.set(id, []);
    folded.set(
      g.ids[0],
      first!.params.map(
        (c) =>
          `${g.ids[0]} … ${g.ids[g.ids.length - 1]} (all ${g.ids.length} blocks of the folded run, each): ${changeText(c)}`,
      ),
    );
  }
  for (const m of diff.entries) {
    const run = folded.get(m.id);
    if (run) {
      out.push(...run);
      continue;
    }
    if (m.status === 'removed') {
      out.push(`deleted ${m.id}`);
      continue;
    }
    const spec = design.modules.find((x) => x.id === m.id)!;
    if (m.status === 'added')
      out.push(`added ${m.id} (${spec.kind}) after ${spec.inputs.join(', ')}`);
    else if (m.status === 'changed') {
      if (m.kindChanged) out.push(`${m.id}: kind changed to ${spec.kind}`);
      for (const c of m.params) out.push(`${m.id}.${changeText(c)}`);
    } else if (m.rewired) out.push(`rewired ${m.id}: now reads ${spec.inputs.join(', ')}`);
  }
  return out;
}

function header(design: Design, analysis: Analysis): string[] {
  const t = analysis.totals;
  const input = design.input;
  const trainOutputs = orderedOutputs(design, Object.keys(analysis.outputs));
  const evalOutputs = orderedOutputs(design, analysis.evalOutputs);
  const auxOff = !design.aux && design.modules.some((m) => m.aux);
  const lines: string[] = [
    ...wrapText(`"""PyTorch code for ${docText(design.name)}, exported by ${GENERATOR}.`, ''),
    '',
    ...wrapText(
      `${docText(design.name)}${design.preset ? ` (from preset ${docText(design.preset)})` : ''}`,
      'Design:  ',
      '         ',
    ),
    `Input:   ${input.channels} x ${input.height} x ${input.width} per image (batch ${input.batch} in the explorer)`,
    `Classes: ${design.classes}`,
    trainOutputs.join() === evalOutputs.join()
      ? `Outputs: ${docText(tupleText(evalOutputs))}${auxOff ? ' (aux heads off)' : ''}`
      : `Outputs: ${docText(tupleText(trainOutputs))} in train mode, ${docText(tupleText(evalOutputs))} in eval mode`,
    ...photoLines(design),
    '',
    'Edits against the preset:',
    ...editLines(design).flatMap((l) => wrapText(docText(l), '    ', '        ')),
    '',
    'Totals, as the explorer computes them:',
    `    parameters, with aux heads:  ${formatInt(t.params)}`,
    `    parameters, eval path:       ${formatInt(t.paramsEval)}`,
    `    MACs per image, eval:        ${formatInt(t.macs)} (${formatCompact(t.macs)})`,
    `    MACs per image, train:       ${formatInt(t.macsTrain)} (${formatCompact(t.macsTrain)})`,
    '',
    "The attribute names give the state_dict keys of the explorer's weights (safetensors), so",
    '    model.load_state_dict(weights, strict=True)',
    'loads them.',
    '"""',
  ];
  return lines;
}

/** How photos are prepared for the preset's reference weights (core/presets/preprocessing.ts `photoRecipe`). */
function photoLines(design: Design): string[] {
  const plain = photoRecipe(design, false).preprocessing;
  const trained = photoRecipe(design, true).preprocessing;
  const lines = wrapText(docText(plain.summary), 'Photos:  ', '        ');
  if (trained !== plain)
    lines.push(
      ...wrapText(
        docText(`With the reference's trained weights: ${trained.summary}`),
        '        ',
        '        ',
      ),
    );
  return lines;
}

function smokeTest(name: string, analysis: Analysis, design: Design): string[] {
  const [batch, c, h, w] = analysis.input;
  // Batch norm in train mode needs more than one value per channel.
  const n = Math.max(batch, 2);
  const trainOutputs = orderedOutputs(design, Object.keys(analysis.outputs));
  const evalOutputs = orderedOutputs(design, analysis.evalOutputs);
  const names = (list: readonly string[]) =>
    `(${list.map(pyStr).join(', ')}${list.length === 1 ? ',' : ''})`;
  const printAll = (mode: string, list: readonly string[], indent: string) =>
    list.length === 1
      ? [`${indent}print(${pyStr(`${mode} ${list[0]}:`)}, tuple(model(x).shape))`]
      : [
          `${indent}for name, y in zip(${names(list)}, model(x)):`,
          `${indent}${I1}print(f"${mode} {name}:", tuple(y.shape))`,
        ];
  const lines = [
    'if __name__ == "__main__":',
    `${I1}model = ${name}()`,
    ...(n !== batch ? [`${I1}# Batch norm in train mode needs more than one image.`] : []),
    `${I1}x = torch.randn(${n}, ${c}, ${h}, ${w})`,
    `${I1}model.train()`,
    ...printAll('train', trainOutputs, I1),
    `${I1}model.eval()`,
    `${I1}with torch.no_grad():`,
    ...printAll('eval', evalOutputs, I2),
    `${I1}print("parameters:", sum(p.numel() for p in model.parameters()))`,
  ];
  return lines;
}
