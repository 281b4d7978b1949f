import { writeFileAtomic } from '../../node/host/atomicFile';
import path from 'node:path';
import type { CliCommand, CliIo } from '../command';
import { designFromArgs, designOptions, designUsage } from '../designArgs';
import { issueLines, failureText } from '../report';
import { terminalLines, type OwnText } from '../../core/export/escape';
import { runPath, runPathMessage } from '../../core/analysis/runPath';
import { plainNote } from '../../core/model/noteText';
import { formatBytes } from '../../core/model/format';
import type { Design } from '../../core/model/types';
import type { BackendName, RunMode, RunProgress } from '../../core/run/types';
import { EngineClient } from '../../node/engine/engineClient';
import { BACKEND_ORDER, isBackendName } from '../../node/engine/backendNames';
import type { EngineInput, EngineRunRequest, EngineRunResult } from '../../node/engine/protocol';
import { runInput } from '../../node/engine/session';
import {
  describeWeightsFit,
  loadWeights,
  seededStateDict,
  stateDictToSafetensors,
} from '../../node/engine/weights';
import { writeSafetensors, type TensorToWrite } from '../../node/engine/safetensors';
import { weightsSummaryLine } from '../../core/weights/loadSummary';
import { applyAblations, checkAblations, type Ablation } from '../../core/weights/ablation';
import { defaultAssetsDir } from '../../node/engine/workerEntry';
import { pretrainedForPreset, PRETRAINED_CHECKPOINTS } from '../../core/weights/pretrained';
import { cachedPath, weightsCacheDir } from '../../node/weights/weightsCache';
import { makeFolders } from '../../node/host/makeFolders';

const shapeText = (s: readonly number[]) => s.join('×');

/** A one-line progress bar, redrawn in place on a terminal. */
function progressBar(io: CliIo): { update(p: RunProgress): void; clear(): void } {
  let drawn = false;
  return {
    update(p) {
      const width = 30;
      const filled = Math.round((p.done / p.total) * width);
      io.err(
        terminalLines`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} ${p.module.padEnd(16)}`,
      );
      drawn = true;
    },
    clear() {
      if (drawn) io.err(`\r${' '.repeat(70)}\r`);
    },
  };
}

/** The --json object: the fields the issue names first, then the rest of the result. */
export function runJson(result: EngineRunResult) {
  return {
    backend: result.backend.name,
    backendFallbacks: result.backend.fallbacks,
    mode: result.mode,
    batch: result.batch,
    seed: result.seed,
    outputs: Object.fromEntries(Object.entries(result.outputs).map(([k, o]) => [k, o.shape])),
    modules: result.modules.map((m) => ({
      id: m.id,
      shape: m.shape,
      expectedShape: m.expectedShape,
      match: m.match,
      ms: round(m.ms),
    })),
    totalMs: round(result.totalMs),
    peakBytes: result.peakBytes,
    stats: Object.fromEntries(Object.entries(result.outputs).map(([k, o]) => [k, o.stats])),
    top5: Object.fromEntries(
      Object.entries(result.outputs).flatMap(([k, o]) => (o.top5 ? [[k, o.top5]] : [])),
    ),
    untrainedWeights: result.untrainedWeights,
    ...(result.weights ? { weights: result.weights } : {}),
    warnings: result.warnings,
  };
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** The run as text for a terminal: the design's name, module ids, output names, class labels and notes are each escaped to one line. */
function runText(result: EngineRunResult, design: Design): string {
  const lines: string[] = [];
  const fell = result.backend.fallbacks.length
    ? ` (after: ${result.backend.fallbacks.join(' ')})`
    : '';
  lines.push(
    terminalLines`${design.name} · ${result.mode} · batch ${result.batch} · backend ${result.backend.name}${fell}`,
    '',
  );
  const idWidth = Math.max(6, ...result.modules.map((m) => m.id.length));
  lines.push(
    `${'module'.padEnd(idWidth)}  ${'output'.padEnd(18)}  check  ${'ms'.padStart(8)}  ${'mean'.padStart(9)}  ${'std'.padStart(9)}`,
  );
  for (const m of result.modules) {
    const check = m.match
      ? 'ok'
      : `✗ expected ${m.expectedShape ? shapeText(m.expectedShape) : 'none'}`;
    lines.push(
      terminalLines`${m.id.padEnd(idWidth)}  ${shapeText(m.shape).padEnd(18)}  ${check.padEnd(5)}  ${m.ms.toFixed(1).padStart(8)}  ${m.stats.mean.toPrecision(3).padStart(9)}  ${m.stats.std.toPrecision(3).padStart(9)}`,
    );
  }
  lines.push(
    '',
    `total ${result.totalMs.toFixed(0)} ms (${(result.totalMs / result.batch).toFixed(1)} ms per image), peak tensor memory ${formatBytes(result.peakBytes)}`,
  );
  if (result.timing) lines.push(result.timing.note);
  for (const [name, o] of Object.entries(result.outputs)) {
    lines.push(
      terminalLines`${name}: ${shapeText(o.shape)}  min ${o.stats.min.toPrecision(4)}  max ${o.stats.max.toPrecision(4)}  mean ${o.stats.mean.toPrecision(4)}  std ${o.stats.std.toPrecision(4)}`,
    );
    if (o.top5) {
      const note = result.untrainedWeights ? ' (untrained weights: meaningless)' : '';
      lines.push(`  top-5 of image 0${note}:`);
      for (const c of o.top5)
        lines.push(
          terminalLines`    ${(c.probability * 100).toFixed(2).padStart(6)} %  ${c.index.toString().padStart(4)}  ${c.label}`,
        );
    }
  }
  if (result.weights) {
    lines.push(terminalLines`weights: ${weightsSummaryLine(result.weights)}`);
    const fresh = result.weights.reinitialized;
    if (fresh.length)
      lines.push(
        terminalLines`weights: ${fresh.length} tensor${fresh.length === 1 ? '' : 's'} did not fit and start from the seeded initialization: ${fresh.join(', ')}`,
      );
    for (const n of result.weights.notes) lines.push(terminalLines`weights: ${plainNote(n)}`);
  }
  for (const w of result.warnings) lines.push(terminalLines`note: ${plainNote(w)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The what-ifs of --ablate MODULE.BRANCH and --keep-top-filters LAYER=K, or a sentence saying
 * which argument is malformed. Module ids may hold a dot (features.7), so the branch is what
 * follows the last one.
 */
export function ablationsFromArgs(
  ablate: readonly string[],
  keepTop: readonly string[],
): Ablation[] | string {
  const out: Ablation[] = [];
  for (const a of ablate) {
    const dot = a.lastIndexOf('.');
    if (dot <= 0 || dot === a.length - 1)
      return `--ablate takes MODULE.BRANCH, e.g. inception4c.branch3; got ${JSON.stringify(a)}.`;
    out.push({ kind: 'branchOff', module: a.slice(0, dot), branch: a.slice(dot + 1) });
  }
  for (const k of keepTop) {
    const m = /^(.+)=(\d+)$/.exec(k);
    if (!m)
      return `--keep-top-filters takes LAYER=K with K a whole number, e.g. inception4c.branch2.1.conv=32; got ${JSON.stringify(k)}.`;
    out.push({ kind: 'topFilters', layer: m[1], keep: Number(m[2]) });
  }
  return out;
}

/** Writes weights, input and outputs as safetensors files a PyTorch script can load. */
async function dump(
  dir: string,
  request: EngineRunRequest,
  design: Design,
  result: EngineRunResult,
): Promise<string | null> {
  const runnable = runPath(design, request.mode);
  if (!runnable.ok) return runPathMessage(runnable);
  const analysis = runnable.analysis;
  const seeded = () => seededStateDict(analysis.graph, request.seed);
  // The same load as the engine's (key mapping included), so the dump is what was run.
  const weights = !request.weightsPath
    ? { ok: true as const, value: seeded() }
    : await loadWeights(request.weightsPath, analysis.graph, {
        preset: design.preset,
        initial: request.reinitMismatched ? seeded() : undefined,
      }).then((r) => (r.ok ? { ok: true as const, value: r.value.dict } : r));
  if (!weights.ok) return weights.error.message;
  // The dumped weights are the ones the pass ran on, what-ifs included, so PyTorch reproduces it.
  const ablated = request.ablations?.length
    ? applyAblations(weights.value, analysis, request.ablations)
    : { ok: true as const, value: weights.value };
  if (!ablated.ok) return ablated.error.message;
  const input = await runInput(request, design, defaultAssetsDir(), Boolean(request.weightsPath));
  if (!input.ok) return input.error.message;
  const { batch, channels, height, width } = design.input;
  const outputs = new Map<string, TensorToWrite>();
  for (const [name, t] of Object.entries(result.outputData ?? {}))
    outputs.set(name, { dtype: 'F32', shape: t.shape, data: t.data });
  try {
    await makeFolders(dir);
    await writeFileAtomic(
      path.join(dir, 'weights.safetensors'),
      stateDictToSafetensors(ablated.value, analysis.graph, {
        seed: String(request.seed),
        source: request.weightsPath ?? 'seeded',
      }),
    );
    await writeFileAtomic(
      path.join(dir, 'input.safetensors'),
      writeSafetensors(
        new Map([
          [
            'input',
            { dtype: 'F32', shape: [batch, channels, height, width], data: input.value.data },
          ],
        ]),
      ),
    );
    await writeFileAtomic(
      path.join(dir, 'outputs.safetensors'),
      writeSafetensors(outputs, { mode: request.mode }),
    );
  } catch (e) {
    return `cannot write to ${dir}: ${(e as Error).message}.`;
  }
  return null;
}

/**
 * The cached checkpoint `--pretrained` loads for a design of `preset`: exit code 2 when no
 * checkpoint is known for it, 1 when it is known but not cached (the message gives the exact
 * `weights fetch` command).
 */
export async function pretrainedPath(
  preset: string | null,
): Promise<{ ok: true; path: string } | { ok: false; message: string; exitCode: number }> {
  const c = pretrainedForPreset(preset);
  if (!c) {
    const known = [...new Set(PRETRAINED_CHECKPOINTS.map((k) => k.preset))].join(', ');
    return {
      ok: false,
      exitCode: 2,
      message: `--pretrained: no trained weights are known for ${preset ? `the preset ${preset}` : 'a design without a preset'}; they are known for ${known}. Use --weights FILE for others.`,
    };
  }
  const dir = weightsCacheDir();
  const path = await cachedPath(dir, c);
  if (!path)
    return {
      ok: false,
      exitCode: 1,
      message: `--pretrained: the ${c.reference} weights are not in the cache ${dir}; download them with: inception-explorer weights fetch ${c.id}`,
    };
  return { ok: true, path };
}

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'run a forward pass with TensorFlow.js and print shapes, timings and outputs',
  usage: `Usage: inception-explorer run [FILE] [options]

Runs one forward pass of the design on real tensors (in a worker thread) and prints each
module's measured output shape next to the one the analysis computed, per-module time, output
statistics and the top-5 classes.

${designUsage}
  --mode eval|train         eval returns main; train also returns the aux heads (default eval)
  --seed S                  seed of the weights and of the random input (default 0)
  --image PATH              run on a PNG or JPEG photo instead of random input (repeatable;
                            the batch is the number of images unless --batch is given)
  --weights FILE            state_dict to load: safetensors or a PyTorch checkpoint (.pth,
                            .pt, .bin; read without Python) (default: seeded init)
  --pretrained              load the cached reference weights of the design's preset
                            (see 'inception-explorer weights list'; fetch them first with
                            'inception-explorer weights fetch PRESET')
  --reinit-mismatched       fine-tuning: load the tensors of --weights that fit the design and
                            start the others (e.g. a 10-class classifier under a 1000-class
                            backbone) from the seeded initialization; the notes name them
  --no-dropout              train mode without dropout (to compare with PyTorch)
  --backend NAME            use one backend: ${BACKEND_ORDER.join(', ')} (default: the fastest that works;
                            onnxruntime runs eval mode, train mode runs on TF.js)
  --ablate MODULE.BRANCH    what-if: switch a branch off (its output zeroed through its last
                            batch norm or conv), e.g. inception4c.branch3 (repeatable)
  --keep-top-filters LAYER=K  what-if: keep only the K filters of conv LAYER with the largest L1
                            norm, e.g. inception4c.branch2.1.conv=32 (repeatable)
  --dump DIR                write weights.safetensors, input.safetensors (key input) and
                            outputs.safetensors (keys main, aux1, aux2) to DIR
  --json                    print one JSON object instead of the table`,
  options: {
    ...designOptions,
    mode: { type: 'string' },
    seed: { type: 'string' },
    image: { type: 'string', multiple: true },
    weights: { type: 'string' },
    pretrained: { type: 'boolean' },
    'reinit-mismatched': { type: 'boolean' },
    'no-dropout': { type: 'boolean' },
    backend: { type: 'string' },
    dump: { type: 'string' },
    ablate: { type: 'string', multiple: true },
    'keep-top-filters': { type: 'string', multiple: true },
    json: { type: 'boolean' },
  },
  async run(values, positionals, io) {
    const fail = (message: string | OwnText, code = 2) => {
      io.err(failureText('run', message));
      return code;
    };
    const images = (values.image as string[] | undefined) ?? [];
    const args =
      images.length && values.batch === undefined
        ? { ...values, batch: String(images.length) }
        : values;
    const loaded = await designFromArgs(args, positionals);
    if (!loaded.ok) return fail(loaded.message, loaded.exitCode);
    const mode = (values.mode ?? 'eval') as RunMode;
    if (mode !== 'eval' && mode !== 'train')
      return fail(`--mode must be eval or train; got ${JSON.stringify(values.mode)}.`);
    const seedText = (values.seed as string | undefined) ?? '0';
    if (!/^\d+$/.test(seedText) || Number(seedText) > 0xffffffff)
      return fail(
        `--seed must be a whole number from 0 to 4294967295; got ${JSON.stringify(seedText)}.`,
      );
    const backend = values.backend as string | undefined;
    if (values['reinit-mismatched'] && !values.weights && !values.pretrained)
      return fail(
        '--reinit-mismatched needs --weights FILE or --pretrained: it loads what fits from that file.',
      );
    if (values.pretrained && values.weights)
      return fail('give --weights FILE or --pretrained, not both.');
    if (backend !== undefined && !isBackendName(backend))
      return fail(
        `--backend must be one of ${BACKEND_ORDER.join(', ')}; got ${JSON.stringify(backend)}.`,
      );
    const design = loaded.design;
    let weightsPath = values.weights ? path.resolve(values.weights as string) : undefined;
    if (values.pretrained) {
      const found = await pretrainedPath(design.preset);
      if (!found.ok) return fail(found.message, found.exitCode);
      weightsPath = found.path;
    }
    // An eval run skips modules off the eval path (aux heads), so their problems do not stop it.
    const runnable = runPath(design, mode);
    if (!runnable.ok) {
      io.err(issueLines(runnable.blocking, design));
      if (runnable.hint) io.err(terminalLines`${runnable.hint}\n`);
      return 1;
    }
    const analysis = runnable.analysis;
    const ablations = ablationsFromArgs(
      (values.ablate as string[] | undefined) ?? [],
      (values['keep-top-filters'] as string[] | undefined) ?? [],
    );
    if (typeof ablations === 'string') return fail(ablations);
    const ablationIssues = checkAblations(analysis, ablations);
    if (ablationIssues.length) return fail(ablationIssues.map((i) => i.message).join(' '));
    const input: EngineInput = images.length
      ? { kind: 'images', paths: images.map((p) => path.resolve(p)) }
      : { kind: 'random' };
    const request: EngineRunRequest = {
      design,
      mode,
      seed: Number(seedText),
      input,
      weightsPath,
      ...(values['reinit-mismatched'] ? { reinitMismatched: true } : {}),
      ...(ablations.length ? { ablations } : {}),
      dropout: values['no-dropout'] ? false : true,
      featureMaps: false,
      returnOutputs: values.dump !== undefined,
    };
    const client = new EngineClient({ backend: backend as BackendName | undefined });
    const bar = io.isTty && !values.json ? progressBar(io) : null;
    try {
      const result = await client.run('cli', request, (p) => bar?.update(p));
      bar?.clear();
      if (!result.ok) {
        if (!values.json) return fail(result.error.message, 1);
        // --json says why in one object, with what the weights file fits and does not, in full.
        const fit =
          weightsPath && result.error.code.startsWith('weights.')
            ? await describeWeightsFit(weightsPath, analysis.graph, design.preset)
            : null;
        io.out(
          `${JSON.stringify(
            { ok: false, error: result.error, ...(fit?.ok ? { weights: fit.value } : {}) },
            null,
            2,
          )}\n`,
        );
        return 1;
      }
      if (values.dump !== undefined) {
        const problem = await dump(values.dump as string, request, design, result.value);
        if (problem) return fail(problem, 1);
      }
      io.out(
        values.json
          ? `${JSON.stringify(runJson(result.value), null, 2)}\n`
          : runText(result.value, design),
      );
      return result.value.modules.every((m) => m.match) ? 0 : 1;
    } finally {
      await client.dispose();
    }
  },
};
