/**
 * Packaging of native Node modules. The Forge Vite plugin packages only `.vite/` (everything else
 * is bundled), but a native addon cannot be bundled: `@tensorflow/tfjs-node` (an optional
 * dependency; its addon loads libtensorflow) is copied into the package with the packages it needs
 * at run time, and every native binary is unpacked from the asar so it can be loaded (and signed).
 */
import { cp, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Packages kept outside the bundles and shipped as node_modules. */
export const NATIVE_PACKAGES = ['@tensorflow/tfjs-node'] as const;

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
    return null;
  }
}

/**
 * The folders of `names` and everything they depend on at run time (dependencies and installed
 * optional dependencies), each once. Packages that are not installed are skipped.
 */
export async function runtimeClosure(names: readonly string[], projectDir: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const visit = async (name: string, fromDir: string): Promise<void> => {
    if (found.has(name)) return;
    const dir = packageDir(name, fromDir);
    if (!dir) return;
    found.set(name, dir);
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as PackageJson;
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) await visit(dep, dir);
  };
  for (const name of names) await visit(name, projectDir);
  return found;
}

/** Copies the native packages and their run-time closure into `buildPath/node_modules`; returns the names copied. */
export async function copyNativePackages(projectDir: string, buildPath: string, names: readonly string[] = NATIVE_PACKAGES): Promise<string[]> {
  const closure = await runtimeClosure(names, projectDir);
  for (const [name, dir] of closure) await cp(dir, join(buildPath, 'node_modules', name), { recursive: true, dereference: true });
  return [...closure.keys()];
}
