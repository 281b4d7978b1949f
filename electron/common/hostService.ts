/**
 * What each HostApi request does on the Node side, shared by Electron main and the browser host.
 * The two differ only in how a file is chosen (native dialogs vs. the browser host's in-page
 * dialog over a designs folder) and in where progress goes; both are injected.
 *
 * File access follows one rule: the renderer may only name paths the user chose (in a dialog,
 * from Recent Files or a recovered autosave) or, for the browser host, paths inside its folders.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, isAbsolute, join, relative, resolve } from 'node:path';
import type { DesignFile, ExportFormat, HostInfo, SampleImage } from '../../core/host/contract';
import { MAX_DESIGN_BYTES, parseDesign } from '../../core/design/designFile';
import { errResult, okResult, type Result, type RunProgress } from '../../core/run/types';
import type { AutosaveStore } from './autosaveStore';
import type { EngineLike } from './engineHost';
import type { HostHandlers } from './hostRouter';
import type { RecentFiles } from './recentFiles';
import { writeFileAtomic } from './atomicFile';

/** How the host asks the user for a path; null when the user cancels. */
export interface HostDialogs<C> {
  chooseDesignToOpen(ctx: C): Promise<string | null>;
  chooseDesignSavePath(ctx: C, suggestedName: string): Promise<string | null>;
  chooseExportPath(ctx: C, suggestedName: string, format: ExportFormat): Promise<string | null>;
}

/** An expected dialog failure (no page to show it on, a bad file name): reported as data, not a bug. */
export class HostDialogError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Runs a dialog; a HostDialogError becomes an error Result. */
async function choose(pick: () => Promise<string | null>): Promise<Result<string | null>> {
  try {
    return okResult(await pick());
  } catch (e) {
    if (e instanceof HostDialogError) return errResult(e.code, e.message);
    throw e;
  }
}

export interface HostServiceOptions<C> {
  readonly kind: HostInfo['kind'];
  readonly appVersion: string;
  readonly versions: Readonly<Record<string, string>>;
  readonly dialogs: HostDialogs<C>;
  readonly engine: EngineLike;
  readonly autosave: AutosaveStore;
  readonly recent: RecentFiles;
  /** assets/samples: the photos a run can use. */
  readonly samplesDir: string;
  /** Folders whose files the renderer may name directly (the browser host's designs folder). */
  readonly roots?: readonly string[];
  emitProgress(ctx: C, progress: RunProgress): void;
  /** Called after a file joins Recent Files (Electron refreshes its menu). */
  onRecentChanged?(path: string): void;
}

export const DESIGN_EXTENSION = '.json';
const SAMPLE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);

/** A file name from a design's name: letters, digits, dashes; never empty. */
export function suggestedDesignName(text: string, currentPath: string | null): string {
  if (currentPath) return basename(currentPath);
  let name = 'design';
  try {
    const parsed = JSON.parse(text) as { name?: unknown };
    if (typeof parsed.name === 'string') name = parsed.name;
  } catch {
    // Unparseable text still gets a name; saving it is refused later with a clear message.
  }
  const slug = name.normalize('NFKD').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '').slice(0, 80);
  return `${slug || 'design'}${DESIGN_EXTENSION}`;
}

/** Whether `path` is inside `root` (or is it). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(resolve(root), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Sample photos and their labels: `labels.json` ({ "file.jpg": "label" }) when present, else the file name. */
async function listSampleImages(dir: string): Promise<SampleImage[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  let labels: Record<string, unknown> = {};
  try {
    labels = JSON.parse(await readFile(join(dir, 'labels.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    // No label file: fall back to file names.
  }
  return names
    .filter((n) => SAMPLE_EXTENSIONS.has(extname(n).toLowerCase()))
    .sort()
    .map((name) => {
      const label = labels[name];
      return { name, label: typeof label === 'string' ? label : basename(name, extname(name)).replace(/[-_]+/g, ' ') };
    });
}

/** Creates the request handlers of one host. */
export function createHostService<C>(o: HostServiceOptions<C>): HostHandlers<C> {
  const granted = new Set<string>();
  const roots = (o.roots ?? []).map((r) => resolve(r));
  const grant = (path: string): string => {
    const abs = resolve(path);
    granted.add(abs);
    return abs;
  };
  const inRoots = (path: string): boolean => roots.some((r) => isInside(r, path));
  const remember = async (path: string): Promise<void> => {
    grant(path);
    await o.recent.add(path);
    o.onRecentChanged?.(resolve(path));
  };

  const readDesign = async (path: string): Promise<Result<DesignFile>> => {
    const abs = resolve(path);
    let size: number;
    try {
      const s = await stat(abs);
      if (!s.isFile()) return errResult('file.notFile', `${abs} is a folder, not a design file.`);
      size = s.size;
    } catch {
      return errResult('file.notFound', `The file ${abs} does not exist (it may have been moved or deleted).`);
    }
    if (size > MAX_DESIGN_BYTES) return errResult('file.tooLarge', `The file ${abs} is ${size} bytes; design files are at most ${MAX_DESIGN_BYTES} bytes.`);
    try {
      const text = await readFile(abs, 'utf8');
      await remember(abs);
      return okResult({ path: abs, text });
    } catch (e) {
      return errResult('file.read', `The file ${abs} could not be read: ${(e as Error).message}.`);
    }
  };

  const writeDesign = async (path: string, text: string): Promise<Result<{ path: string }>> => {
    const parsed = parseDesign(text);
    if (!parsed.ok) {
      return errResult('design.invalid', `The design was not saved because it is not a valid design file: ${parsed.errors[0].path}: ${parsed.errors[0].message}`);
    }
    try {
      await writeFileAtomic(path, text);
    } catch (e) {
      return errResult('file.write', `The design could not be saved to ${path}: ${(e as Error).message}.`);
    }
    await remember(path);
    return okResult({ path: resolve(path) });
  };

  const saveVia = async (ctx: C, file: DesignFile): Promise<Result<{ path: string } | null>> => {
    const chosen = await choose(() => o.dialogs.chooseDesignSavePath(ctx, suggestedDesignName(file.text, file.path)));
    if (!chosen.ok || chosen.value === null) return chosen as Result<null>;
    return writeDesign(grant(chosen.value), file.text);
  };

  return {
    async getInfo() {
      const engine = await o.engine.info();
      return okResult({
        kind: o.kind,
        appVersion: o.appVersion,
        versions: o.versions,
        backend: engine.backend,
        backendNotes: engine.notes,
        platform: `${process.platform}-${process.arch}`,
      });
    },

    async openDesign(ctx) {
      const chosen = await choose(() => o.dialogs.chooseDesignToOpen(ctx));
      if (!chosen.ok || chosen.value === null) return chosen as Result<null>;
      return readDesign(grant(chosen.value));
    },

    async saveDesign(ctx, file) {
      if (file.path === null) return saveVia(ctx, file);
      const abs = resolve(file.path);
      if (!granted.has(abs) && !inRoots(abs) && !(await o.recent.has(abs))) {
        return errResult('file.notAllowed', `The design was not saved: ${abs} was not chosen in this session. Use Save As to choose where to save it.`);
      }
      return writeDesign(abs, file.text);
    },

    saveDesignAs: (ctx, file) => saveVia(ctx, file),

    async exportFile(ctx, req) {
      const chosen = await choose(() => o.dialogs.chooseExportPath(ctx, req.suggestedName, req.format));
      if (!chosen.ok || chosen.value === null) return chosen as Result<null>;
      const abs = grant(chosen.value);
      try {
        await writeFileAtomic(abs, req.base64 ? Buffer.from(req.content, 'base64') : req.content);
      } catch (e) {
        return errResult('file.write', `The export could not be written to ${abs}: ${(e as Error).message}.`);
      }
      return okResult({ path: abs });
    },

    async autosave(_ctx, file) {
      try {
        await o.autosave.save(file);
        return okResult(undefined);
      } catch (e) {
        return errResult('autosave.write', `The design could not be autosaved: ${(e as Error).message}. Save it to a file to be safe.`);
      }
    },

    async takeRecovery() {
      const file = await o.autosave.takeRecovery();
      if (file?.path) grant(file.path);
      return okResult(file);
    },

    async recentFiles() {
      return okResult(await o.recent.list());
    },

    async openRecent(_ctx, path) {
      const abs = resolve(path);
      if (!granted.has(abs) && !inRoots(abs) && !(await o.recent.has(abs))) {
        return errResult('file.notAllowed', `${abs} is not in Recent Files; use Open to choose a design file.`);
      }
      return readDesign(abs);
    },

    async listSamples() {
      return okResult(await listSampleImages(o.samplesDir));
    },

    async run(ctx, runId, request) {
      // The renderer is untrusted: it may name image and weight files only where the user could
      // have put them (files chosen in this session, the host's folder, Recent Files).
      for (const path of [request.input.kind === 'image' ? request.input.path : null, request.weightsPath ?? null]) {
        if (path === null) continue;
        const abs = resolve(path);
        if (!granted.has(abs) && !inRoots(abs) && !(await o.recent.has(abs))) {
          return errResult('file.notAllowed', `The run was refused: ${abs} was not chosen in this session, so the app may not read it.`);
        }
      }
      return o.engine.run(runId, request, (p) => o.emitProgress(ctx, p));
    },

    async cancelRun(_ctx, runId) {
      await o.engine.cancel(runId);
      return okResult(undefined);
    },
  };
}
