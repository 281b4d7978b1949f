/**
 * What `npm start` does: launch the Electron app through Forge when it can, otherwise say exactly
 * why in one or two lines and start the browser host. Nothing here imports `electron` (its
 * index.js downloads the binary when it is missing); the binary is looked for on disk.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Electron Forge 8 refuses older Node versions. */
export const FORGE_MIN_NODE = [22, 13, 0] as const;

export interface StartFacts {
  readonly nodeVersion: string;
  readonly platform: NodeJS.Platform;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The Electron executable, or null when it was never downloaded. */
  readonly electronBinary: string | null;
}

export type StartPlan =
  | { readonly kind: 'electron'; readonly binary: string }
  | { readonly kind: 'browser'; readonly reasons: readonly string[]; readonly forced: boolean };

/** Where `node_modules/electron` keeps its binary, as its index.js finds it, without downloading. */
export function findElectronBinary(
  repoRoot: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | null {
  const pkg = join(repoRoot, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const candidate = env.ELECTRON_OVERRIDE_DIST_PATH
    ? join(env.ELECTRON_OVERRIDE_DIST_PATH, name || 'electron')
    : name
      ? join(pkg, 'dist', name)
      : null;
  return candidate && existsSync(candidate) ? candidate : null;
}

function atLeast(version: string, min: readonly number[]): boolean {
  const parts = version.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < min.length; i++) {
    if ((parts[i] ?? 0) !== min[i]) return (parts[i] ?? 0) > min[i];
  }
  return true;
}

/** Decides how to start; every reason is one sentence. */
export function planStart(f: StartFacts, forceBrowser = false): StartPlan {
  if (forceBrowser) return { kind: 'browser', reasons: [], forced: true };
  const reasons: string[] = [];
  if (!atLeast(f.nodeVersion, FORGE_MIN_NODE)) {
    reasons.push(
      `Electron Forge 8 needs Node.js ${FORGE_MIN_NODE.join('.')} or newer, and this is Node.js ${f.nodeVersion.replace(/^v/, '')}.`,
    );
  }
  if (!f.electronBinary) {
    reasons.push(
      'The Electron binary is not installed (node_modules/electron/dist is missing: its download was blocked or skipped; run `node node_modules/electron/install.js` where the network allows).',
    );
  }
  if (f.platform === 'linux' && !f.env.DISPLAY && !f.env.WAYLAND_DISPLAY) {
    reasons.push(
      'There is no display to open a window on (DISPLAY and WAYLAND_DISPLAY are not set).',
    );
  }
  return reasons.length === 0 && f.electronBinary
    ? { kind: 'electron', binary: f.electronBinary }
    : { kind: 'browser', reasons, forced: false };
}

/** The one or two lines `npm start` prints before falling back to the browser host. */
export function fallbackMessage(plan: Extract<StartPlan, { kind: 'browser' }>): string {
  if (plan.forced) return 'Starting the browser host (--browser was given).';
  return `Electron cannot start here: ${plan.reasons.join(' ')}\nStarting the browser host instead; open the URL below in a browser on this machine.`;
}
