/**
 * Backend names and the environment override, without TensorFlow.js: the main process and the
 * command line read these without loading TF.js (only the worker loads it).
 */
import { BACKEND_NAMES, type BackendName, type TfBackendName } from '../../core/run/types';

/**
 * Fastest first, as measured by `inception-explorer bench` (README): ONNX Runtime (eval mode),
 * then the TF.js backends, native TensorFlow before WebAssembly before plain JavaScript.
 */
export const BACKEND_ORDER: readonly BackendName[] = BACKEND_NAMES;
/** The TensorFlow.js backends in the same order; train mode runs on the first that starts. */
export const TF_BACKEND_ORDER: readonly TfBackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** Environment variable that forces one backend, e.g. `INCEPTION_ENGINE_BACKEND=cpu`. */
export const BACKEND_ENV = 'INCEPTION_ENGINE_BACKEND';

export function isBackendName(x: unknown): x is BackendName {
  return typeof x === 'string' && (BACKEND_ORDER as readonly string[]).includes(x);
}

/** The backend forced by the environment, if any; an unknown name is reported, not ignored. */
export function backendFromEnv(env: NodeJS.ProcessEnv = process.env): {
  forced?: BackendName;
  problem?: string;
} {
  const v = env[BACKEND_ENV]?.trim();
  if (!v) return {};
  if (isBackendName(v)) return { forced: v };
  return {
    problem: `${BACKEND_ENV} is ${JSON.stringify(v)}, which is not a backend; use one of ${BACKEND_ORDER.join(', ')}.`,
  };
}
