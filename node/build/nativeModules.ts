/**
 * Packaging of native Node modules. The Forge Vite plugin packages only `.vite/` (everything else
 * is bundled), but a native addon cannot be bundled: `onnxruntime-node` (its addon and
 * libonnxruntime ship inside the npm package) and `@tensorflow/tfjs-node` (an optional
 * dependency; its addon loads libtensorflow) are copied into the package with the packages they
 * need at run time, and every native binary is unpacked from the asar so it can be loaded (and
 * signed). onnxruntime-node carries binaries for five platforms (about 290 MB); only the target's
 * are copied (45 MB for linux/x64).
 */
import { existsSync } from 'node:fs';
import { cp, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';

/** Packages kept outside the bundles and shipped as node_modules. */
export const NATIVE_PACKAGES = ['onnxruntime-node', '@tensorflow/tfjs-node'] as const;

/** Dependencies only an install script uses (onnxruntime-node's optional GPU download), never loaded at run time. */
const INSTALL_ONLY = new Set(['adm-zip', 'global-agent']);

/** Where onnxruntime-node keeps one folder of binaries per platform and architecture. */
const ORT_BINARIES = join('bin', 'napi-v6');

/**
 * Whether a file of a copied package belongs in a package for `platform`/`arch`: everything
 * except onnxruntime-node's binaries for other platforms. `relative` is the path inside the package.
 */
export function keepInPackage(
  name: string,
  relative: string,
  platform: string,
  arch: string,
): boolean {
  if (name !== 'onnxruntime-node' || !relative.startsWith(ORT_BINARIES + sep)) return true;
  const [os, cpu] = relative.slice(ORT_BINARIES.length + 1).split(sep);
  return os === platform && (cpu === undefined || cpu === arch);
}

/** asar `unpack` glob: native addons and the shared libraries they load (libtensorflow.so.2, …). */
export const NATIVE_UNPACK_GLOB = '**/{*.node,*.so,*.so.*,*.dylib,*.dll}';

interface PackageJson {
  readonly name: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

/** Finds a package's folder as Node would, starting from `fromDir`; null when it is not installed. */
function packageDir(name: string, fromDir: string): string | null {
  const require = createRequire(join(fromDir, 'noop.js'));
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    // A package whose "exports" hides package.json (onnxruntime-common): look in node_modules
    // folders from here up, as Node's resolution does.
    for (let dir = fromDir; ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return candidate;
      if (dirname(dir) === dir) return null;
    }
  }
}

/**
 * The folders of `names` and everything they depend on at run time (dependencies and installed
 * optional dependencies), each once. Packages that are not installed are skipped.
 */
export async function runtimeClosure(
  names: readonly string[],
  projectDir: string,
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const visit = async (name: string, fromDir: string): Promise<void> => {
    if (found.has(name)) return;
    const dir = packageDir(name, fromDir);
    if (!dir) return;
    found.set(name, dir);
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as PackageJson;
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }))
      if (!INSTALL_ONLY.has(dep)) await visit(dep, dir);
  };
  for (const name of names) await visit(name, projectDir);
  return found;
}

/**
 * Copies the native packages and their run-time closure into `buildPath/node_modules`, with only
 * the binaries of `platform`/`arch` (default: this machine's); returns the names copied.
 */
export async function copyNativePackages(
  projectDir: string,
  buildPath: string,
  names: readonly string[] = NATIVE_PACKAGES,
  platform: string = process.platform,
  arch: string = process.arch,
): Promise<string[]> {
  const closure = await runtimeClosure(names, projectDir);
  for (const [name, dir] of closure) {
    await cp(dir, join(buildPath, 'node_modules', name), {
      recursive: true,
      dereference: true,
      filter: (src) => keepInPackage(name, relative(dir, src), platform, arch),
    });
  }
  return [...closure.keys()];
}
