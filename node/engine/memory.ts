/**
 * Memory a run will take, estimated from core's analysis before anything is allocated, and the
 * budget this machine can give it now.
 */
import os from 'node:os';
import type { Analysis } from '../../core/analysis/analyze';
import { BYTES_PER_VALUE } from '../../core/analysis/analyze';
import type { BackendName, RunMode } from '../../core/run/types';
import { formatBytes } from '../../core/model/format';
import { activeModules } from './runDesign';

/** WebAssembly memory is 32-bit: TF.js's heap cannot grow past 4 GiB, and some is its own. */
export const WASM_HEAP_LIMIT = 3.5 * 1024 ** 3;

/**
 * Peak bytes of one forward pass: the weights twice (file or seeded values, and the engine's
 * transposed copies), plus the largest set of layer outputs alive at once when each is freed after
 * its last reader, with half again for temporaries inside a layer.
 */
export function estimateRunBytes(analysis: Analysis, mode: RunMode): number {
  const modules = new Set(activeModules(analysis, mode).map((m) => m.id));
  const layers = analysis.layers.filter((l) => modules.has(l.module));
  const last = new Map<string, number>();
  layers.forEach((l, i) => {
    for (const src of l.inputs) last.set(src, i);
  });
  const freeAt = new Map<number, string[]>();
  for (const [id, at] of last) freeAt.set(at, [...(freeAt.get(at) ?? []), id]);
  const inputBytes = analysis.input.reduce((a, d) => a * d, 1) * BYTES_PER_VALUE;
  // The input is held twice: as given (NCHW) and in the engine's layout.
  const sizes = new Map<string, number>([['input', inputBytes * 2]]);
  let live = inputBytes * 2;
  let peak = live;
  layers.forEach((l, i) => {
    live += l.activationBytes;
    sizes.set(l.id, l.activationBytes);
    peak = Math.max(peak, live);
    for (const id of freeAt.get(i) ?? []) live -= sizes.get(id) ?? 0;
  });
  return analysis.totals.weightBytes * 2 + peak * 1.5;
}

/** What runs may use now: most of the free memory and at most half the machine. */
export function machineBudget(free = os.freemem(), total = os.totalmem()): number {
  return Math.min(free * 0.8, total * 0.5);
}

/**
 * A sentence refusing a run, or null when it fits: `perWorker` bytes in each of `workers`
 * threads, against the machine's budget and, on WebAssembly, the 32-bit heap of each thread.
 * A caller's own budget replaces both checks.
 */
export function memoryRefusal(
  perWorker: number,
  workers: number,
  backend: BackendName | null,
  batch: number,
  budgetOverride?: number,
): string | null {
  const total = perWorker * workers;
  const budget = budgetOverride ?? machineBudget();
  const advice = `Use a smaller batch (now ${batch}), a smaller input or fewer filters.`;
  if (total > budget) {
    return `This run would need about ${formatBytes(total)} of memory, more than the ${formatBytes(budget)} available to it now. ${advice}`;
  }
  if (backend === 'wasm' && budgetOverride === undefined && perWorker > WASM_HEAP_LIMIT) {
    return `This run would need about ${formatBytes(perWorker)} in one WebAssembly heap, which cannot grow past ${formatBytes(WASM_HEAP_LIMIT)}. ${advice}`;
  }
  return null;
}
