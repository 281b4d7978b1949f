/**
 * Backend selection: ONNX Runtime (onnxruntime-node) for eval passes, and a TensorFlow.js backend
 * for train mode and as the fallback: the native TensorFlow binding (@tensorflow/tfjs-node, an
 * optional dependency) first, then WebAssembly with SIMD, then plain JavaScript. The backend
 * actually used and the reason each preferred one was skipped travel with every result.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendInfo, BackendName, TfBackendName } from '../../core/run/types';
import { TF_BACKEND_ORDER } from './backendNames';
import { loadOnnxRuntime } from './onnxRuntime';

const require = createRequire(import.meta.url);

const WASM_FILE = 'tfjs-backend-wasm-simd.wasm';

/**
 * The folder holding the .wasm binaries of @tensorflow/tfjs-backend-wasm, with a trailing slash:
 * beside this bundle in the packaged app (vite.worker.config.ts copies them there, and
 * node_modules is not packaged), else in node_modules.
 */
export function wasmDistFolder(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  if (existsSync(path.join(here, WASM_FILE))) return here + path.sep;
  return (
    path.dirname(require.resolve(`@tensorflow/tfjs-backend-wasm/dist/${WASM_FILE}`)) + path.sep
  );
}

let wasmPathsSet = false;
let quieted = false;

/** TF.js greets Node users on the console; in a worker feeding a CLI that output is noise. */
function quietTfjs(): void {
  if (quieted) return;
  quieted = true;
  tf.env().set('PROD', true);
  tf.env().set('IS_TEST', true);
}

type Attempt = { ok: true } | { ok: false; reason: string };

/**
 * Why the optional native backend was skipped, in plain words: not installed (the usual case, as
 * its install downloads libtensorflow), or installed but failing to load. Install paths and stack
 * details stay out of the sentence a user reads.
 */
export function nativeTensorflowReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const first = String(err?.message ?? e).split('\n')[0];
  if (
    err?.code === 'ERR_MODULE_NOT_FOUND' ||
    err?.code === 'MODULE_NOT_FOUND' ||
    /Cannot find (package|module) '@tensorflow\/tfjs-node'/.test(first)
  ) {
    return 'The native TensorFlow backend is not installed (@tensorflow/tfjs-node is optional; `npm install @tensorflow/tfjs-node` adds it where it can be built).';
  }
  const plain = first.replace(/(?:\/|[A-Za-z]:\\)[^\s'"]+/g, '…').slice(0, 160);
  return `The native TensorFlow backend (@tensorflow/tfjs-node) is installed but could not be loaded (${plain}).`;
}

async function tryTensorflow(): Promise<Attempt> {
  try {
    // A variable specifier keeps bundlers from resolving the optional native module at build time.
    const name = '@tensorflow/tfjs-node';
    await import(/* @vite-ignore */ name);
  } catch (e) {
    return { ok: false, reason: nativeTensorflowReason(e) };
  }
  return setAndCheck('tensorflow');
}

async function tryWasm(): Promise<Attempt> {
  try {
    if (!wasmPathsSet) {
      setWasmPaths(wasmDistFolder());
      // V8 first runs WebAssembly through its baseline compiler and optimizes functions only once
      // they are hot, so the first dozen passes ran about 35 % slower. Optimizing every function
      // up front (in the background) gives full speed from the second pass on.
      v8.setFlagsFromString('--no-wasm-dynamic-tiering');
      wasmPathsSet = true;
    }
    return await setAndCheck('wasm');
  } catch (e) {
    return {
      ok: false,
      reason: `The WebAssembly backend could not start: ${(e as Error).message}`,
    };
  }
}

/** `setBackend` resolves false (and may silently keep another backend) when initialization fails. */
async function setAndCheck(name: TfBackendName): Promise<Attempt> {
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (e) {
    return {
      ok: false,
      reason: `The ${name} backend failed to initialize: ${(e as Error).message}`,
    };
  }
  if (!ok || tf.getBackend() !== name) {
    return {
      ok: false,
      reason: `The ${name} backend failed to initialize (TensorFlow.js reported ${tf.getBackend() ?? 'no backend'} instead).`,
    };
  }
  await tf.ready();
  return { ok: true };
}

const attempts: Record<TfBackendName, () => Promise<Attempt>> = {
  tensorflow: tryTensorflow,
  wasm: tryWasm,
  cpu: () => setAndCheck('cpu'),
};

export type BackendSelection = { ok: true; info: BackendInfo } | { ok: false; reason: string };

/**
 * Starts a TF.js backend: the forced one, or the first of tensorflow → wasm → cpu that works. A
 * forced backend that cannot start is an error, not a fallback, so tests never run on the wrong one.
 */
export async function selectTfBackend(forced?: TfBackendName): Promise<BackendSelection> {
  quietTfjs();
  if (forced) {
    const a = await attempts[forced]();
    return a.ok
      ? { ok: true, info: { name: forced, fallbacks: [] } }
      : { ok: false, reason: a.reason };
  }
  const fallbacks: string[] = [];
  for (const name of TF_BACKEND_ORDER) {
    const a = await attempts[name]();
    if (a.ok) return { ok: true, info: { name, fallbacks } };
    fallbacks.push(a.reason);
  }
  return { ok: false, reason: `No TensorFlow.js backend could start: ${fallbacks.join(' ')}` };
}

/** What a worker runs on: its default backend, and the TF.js backend for train mode and fallbacks. */
export type EngineBackends =
  | {
      ok: true;
      info: BackendInfo;
      tf: BackendInfo | null;
      tfProblem: string | null;
      onnxruntime: boolean;
    }
  | { ok: false; reason: string };

/**
 * Starts a worker's backends. Forced to a TF.js backend: that one only. Otherwise ONNX Runtime
 * when it loads (forced `onnxruntime` fails when it does not), plus the first TF.js backend that
 * starts, for train mode and for falling back when ONNX Runtime fails on a design.
 */
export async function selectBackend(forced?: BackendName): Promise<EngineBackends> {
  if (forced && forced !== 'onnxruntime') {
    const tf = await selectTfBackend(forced);
    return tf.ok
      ? { ok: true, info: tf.info, tf: tf.info, tfProblem: null, onnxruntime: false }
      : tf;
  }
  const ort = await loadOnnxRuntime();
  if (!ort.ok && forced) return { ok: false, reason: ort.reason };
  const tf = await selectTfBackend();
  if (ort.ok)
    return {
      ok: true,
      info: { name: 'onnxruntime', fallbacks: [] },
      tf: tf.ok ? tf.info : null,
      tfProblem: tf.ok ? null : tf.reason,
      onnxruntime: true,
    };
  if (!tf.ok) return { ok: false, reason: `${ort.reason} ${tf.reason}` };
  return {
    ok: true,
    info: { name: tf.info.name, fallbacks: [ort.reason, ...tf.info.fallbacks] },
    tf: tf.info,
    tfProblem: null,
    onnxruntime: false,
  };
}

/** Whether a backend can start in this process (a TF.js one becomes the current backend when it can). */
export async function probeBackend(name: BackendName): Promise<Attempt> {
  if (name === 'onnxruntime') {
    const ort = await loadOnnxRuntime();
    return ort.ok ? { ok: true } : { ok: false, reason: ort.reason };
  }
  quietTfjs();
  return attempts[name]();
}
