/**
 * What each HostApi request does on the Node side, shared by Electron main and the browser host.
 * The two differ only in how a file is chosen (native dialogs vs. the browser host's in-page
 * dialog over a designs folder) and in where progress goes; both are injected.
 *
 * File access follows one rule: the renderer may only name paths the user chose in a dialog of
 * this session or from Recent Files (which only ever holds such paths) or, for the browser host,
 * paths really inside its folders (symbolic links resolved, see userFiles.ts). A recovered
 * autosave grants nothing: its path is kept only when one of those rules already allows it.
 * Every read is bounded and type-checked first (`readUserFile`).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import {
  isWeightsFileName,
  notWeightsMessage,
  type DesignFile,
  type ExportFormat,
  type HostInfo,
  type SampleImage,
  type WeightsFile,
  type WeightsProgress,
} from '../../core/host/contract';
import { PRETRAINED_CHECKPOINTS } from '../../core/weights/pretrained';
import { MAX_DESIGN_BYTES, parseDesign } from '../../core/design/designFile';
import {
  errResult,
  okResult,
  type Result,
  type RunProgress,
  type RunRequest,
} from '../../core/run/types';
import type { AutosaveStore } from './autosaveStore';
import type { EngineLike } from './engineHost';
import type { HostHandlers } from './hostRouter';
import type { RecentFiles } from './recentFiles';
import { writeFileAtomic } from './atomicFile';
import { isInsideText, readUserFile, realPathInside } from './userFiles';
import { fetchWeights, listWeights, weightsCacheDir } from '../weights/weightsCache';
import { emptyRecord } from '../../core/model/records';
import type { TrainEvent, TrainRequest } from '../../core/train/types';
import { appHome } from './appHome';
import { listCheckpoints } from '../engine/training/checkpoints';
import { runTraining, TrainControl } from '../engine/training/job';
import type { SampleCells } from '../engine/training/trainLoop';
import type { WorkerEntry } from '../engine/workerEntry';

/** How the host asks the user for a path; null when the user cancels. */
export interface HostDialogs<C> {
  chooseDesignToOpen(ctx: C): Promise<string | null>;
  chooseDesignSavePath(ctx: C, suggestedName: string): Promise<string | null>;
  chooseExportPath(ctx: C, suggestedName: string, format: ExportFormat): Promise<string | null>;
  /** A weights file to open (WEIGHTS_EXTENSIONS). */
  chooseWeightsToOpen(ctx: C): Promise<string | null>;
  /** An image folder (ImageFolder layout) to train on. */
  chooseDataFolder(ctx: C): Promise<string | null>;
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
  /** Weights files chosen or dropped before (kept apart from Recent Files, which lists designs). */
  readonly recentWeights?: RecentFiles;
  /** assets/samples: the photos a run can use. */
  readonly samplesDir: string;
  /** Folders whose files the renderer may name directly (the browser host's designs folder). */
  readonly roots?: readonly string[];
  emitProgress(ctx: C, progress: RunProgress): void;
  /** The weights cache (default `<app home>/weights`, node/weights/weightsCache.ts). */
  readonly weightsDir?: string;
  /** Fetch known checkpoints from `<mirror>/<fileName>` instead (FetchOptions.mirror). */
  readonly weightsMirror?: string;
  /** Where `weightsFetch` progress goes (the window or page that asked). */
  emitWeightsProgress?(ctx: C, progress: WeightsProgress): void;
  /** The page that asked (a browser tab's client id), so each page's autosave is its own; none in Electron. */
  pageOf?(ctx: C): string | undefined;
  /** Called after a file joins Recent Files (Electron refreshes its menu). */
  onRecentChanged?(path: string): void;
  /** The app's home: checkpoints in `<home>/checkpoints`, the Fashion-MNIST cache in `<home>/datasets` (default appHome()). */
  readonly home?: string;
  /** Where a training's events go (every page or window: one training at a time per host). */
  emitTrainEvent?(ctx: C, event: TrainEvent): void;
  /** The training worker's script (Electron's build passes its bundled one). */
  readonly trainWorkerEntry?: WorkerEntry;
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
  const slug = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '')
    .slice(0, 80);
  return `${slug || 'design'}${DESIGN_EXTENSION}`;
}

/** Whether `path` is inside `root` (or is it), by its text; access checks use `realPathInside`. */
export const isInside = isInsideText;

/** Sample photos and their labels: `labels.json` ({ "file.jpg": "label" }) when present, else the file name. */
async function listSampleImages(dir: string): Promise<SampleImage[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  let labels: Record<string, unknown> = emptyRecord();
  try {
    labels = JSON.parse(await readFile(join(dir, 'labels.json'), 'utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    // No label file: fall back to file names.
  }
  return names
    .filter((n) => SAMPLE_EXTENSIONS.has(extname(n).toLowerCase()))
    .sort()
    .map((name) => {
      const label = labels[name];
      return {
        name,
        label:
          typeof label === 'string' ? label : basename(name, extname(name)).replace(/[-_]+/g, ' '),
      };
    });
}

type Access =
  { readonly ok: true; readonly path: string } | { readonly ok: false; readonly message: string };

/**
 * What the renderer may read and write in one host session: paths chosen in a dialog of this
 * session, Recent Files, and (for the browser host) paths really inside the host's folders.
 */
class FileAccess {
  private readonly granted = new Set<string>();
  private readonly roots: readonly string[];

  constructor(
    private readonly recent: RecentFiles,
    roots: readonly string[],
    private readonly onRecentChanged?: (path: string) => void,
    private readonly recentWeights?: RecentFiles,
  ) {
    this.roots = roots.map((r) => resolve(r));
  }

  /** Grants a weights file and keeps it in the recent weights, so a reopened design may use it again. */
  async rememberWeights(path: string): Promise<void> {
    this.grant(path);
    await this.recentWeights?.add(path);
  }

  /** Records a path the user chose in a dialog; returns it absolute. */
  grant(path: string): string {
    const abs = resolve(path);
    this.granted.add(abs);
    return abs;
  }

  /** Whether the user chose `path` in a dialog of this session. */
  isGranted(path: string): boolean {
    return this.granted.has(resolve(path));
  }

  /** Grants a path and adds it to Recent Files. */
  async remember(path: string): Promise<void> {
    this.grant(path);
    await this.recent.add(path);
    this.onRecentChanged?.(resolve(path));
  }

  /**
   * Whether the renderer may read or write `path`, and the path to use. A path under one of the
   * host's folders must really be inside it (links resolved; for writes, its parent folder) and
   * is allowed; any other path only when the user chose it in this session or it is in Recent Files.
   */
  async check(path: string, mode: 'read' | 'write'): Promise<Access> {
    const abs = resolve(path);
    const root = this.roots.find((r) => isInsideText(r, abs));
    if (root !== undefined) {
      const real = await realPathInside(root, abs, mode);
      if (real.ok) return real;
      // Nothing there (yet): a read reports the missing file itself, a write creates it inside the folder.
      if (real.reason === 'missing') return { ok: true, path: abs };
      if (real.reason === 'folder')
        return { ok: false, message: `${abs} is a folder; give a file name.` };
      return {
        ok: false,
        message: `${abs} leads outside ${root} (through a symbolic link, or it is the folder itself), so the app may not ${mode} it.`,
      };
    }
    if (
      this.granted.has(abs) ||
      (await this.recent.has(abs)) ||
      (await this.recentWeights?.has(abs))
    )
      return { ok: true, path: abs };
    return {
      ok: false,
      message: `${abs} was not chosen in this session and is not in Recent Files, so the app may not ${mode} it.`,
    };
  }

  /** Reads a design file (bounded, checked to be a design) and remembers it. */
  async readDesign(path: string): Promise<Result<DesignFile>> {
    const abs = resolve(path);
    const bytes = await readUserFile(abs, {
      maxBytes: MAX_DESIGN_BYTES,
      noun: 'The file',
      codePrefix: 'file',
      limitNote: '; design files are at most that large',
    });
    if (!bytes.ok) return bytes;
    const text = bytes.value.toString('utf8');
    // Only a design leaves the host: any other file (a link to /etc/shadow, a photo) is refused
    // with the reason, never with its content.
    const parsed = parseDesign(text);
    if (!parsed.ok) {
      const first = parsed.errors.slice(0, 3).map((e) => `${e.path}: ${e.message}`);
      return errResult(
        'file.notDesign',
        `${abs} is not a design file that can be opened: ${first.join('; ')}${parsed.errors.length > 3 ? ` (and ${parsed.errors.length - 3} more)` : ''}`,
      );
    }
    await this.remember(abs);
    return okResult({ path: abs, text });
  }

  /** Writes a valid design atomically where it may, and remembers it. */
  async writeDesign(path: string, text: string): Promise<Result<{ path: string }>> {
    const parsed = parseDesign(text);
    if (!parsed.ok) {
      return errResult(
        'design.invalid',
        `The design was not saved because it is not a valid design file: ${parsed.errors[0].path}: ${parsed.errors[0].message}`,
      );
    }
    const allowed = await this.check(path, 'write');
    if (!allowed.ok)
      return errResult('file.notAllowed', `The design was not saved: ${allowed.message}`);
    try {
      await writeFileAtomic(allowed.path, text);
    } catch (e) {
      return errResult(
        'file.write',
        `The design could not be saved to ${allowed.path}: ${(e as Error).message}.`,
      );
    }
    await this.remember(allowed.path);
    return okResult({ path: allowed.path });
  }
}

/**
 * A run request whose image and weight paths the user may read, rewritten to the real paths that
 * were checked (so a link changed meanwhile cannot redirect the engine); an error otherwise. The
 * renderer is untrusted: it may name such files only where the user could have put them.
 */
async function checkRunPaths(files: FileAccess, request: RunRequest): Promise<Result<RunRequest>> {
  let checked = request;
  if (checked.input.kind === 'image') {
    const allowed = await files.check(checked.input.path, 'read');
    if (!allowed.ok) return errResult('file.notAllowed', `The run was refused: ${allowed.message}`);
    checked = { ...checked, input: { kind: 'image', path: allowed.path } };
  }
  if (checked.weightsPath) {
    const allowed = await files.check(checked.weightsPath, 'read');
    if (!allowed.ok) return errResult('file.notAllowed', `The run was refused: ${allowed.message}`);
    checked = { ...checked, weightsPath: allowed.path };
  }
  return okResult(checked);
}

/** Lets runs read a weights file at `path` (granted when `grant`), after checking it is one and is there. */
async function useWeightsFile(
  files: FileAccess,
  path: string,
  how: 'grant' | 'check',
): Promise<Result<WeightsFile>> {
  const name = basename(path);
  if (!isWeightsFileName(name)) return errResult('weights.notWeightsFile', notWeightsMessage(name));
  const allowed = await files.check(how === 'grant' ? files.grant(path) : path, 'read');
  if (!allowed.ok)
    return errResult(
      'file.notAllowed',
      `${allowed.message} Choose the weights file again (Choose… or drop it on the window).`,
    );
  try {
    if (!(await stat(allowed.path)).isFile())
      return errResult('weights.read', `${allowed.path} is not a file.`);
  } catch {
    return errResult(
      'weights.read',
      `The weights file ${allowed.path} does not exist (moved or deleted?); choose it again.`,
    );
  }
  return okResult({ path: allowed.path, name });
}

/** Creates the request handlers of one host. */
export function createHostService<C>(o: HostServiceOptions<C>): HostHandlers<C> {
  const files = new FileAccess(o.recent, o.roots ?? [], o.onRecentChanged, o.recentWeights);
  const weightsDir = o.weightsDir ?? weightsCacheDir();
  /** Downloads in progress, by checkpoint id: a second request for one joins the first. */
  const fetching = new Map<
    string,
    { controller: AbortController; done: Promise<Result<{ path: string }>> }
  >();

  const home = o.home ?? appHome();
  /** The one training of this host, if any. */
  let training: { id: string; control: TrainControl } | null = null;
  /** The last validation's samples of recent trainings, by id (the last four kept). */
  const samples = new Map<string, SampleCells>();

  /** A training's folders the renderer named: each must have been chosen (or be in the host's folders). */
  const checkTrainPaths = async (request: TrainRequest): Promise<Result<TrainRequest>> => {
    const named =
      request.data.kind === 'folder'
        ? request.data.path
        : request.data.kind === 'fashion-mnist'
          ? request.data.dir
          : undefined;
    if (named === undefined) return okResult(request);
    if (
      !files.isGranted(named) &&
      !(o.roots ?? []).some((r) => isInside(resolve(r), resolve(named)))
    )
      return errResult(
        'file.notAllowed',
        `The training was refused: ${resolve(named)} was not chosen in this session; choose the folder again.`,
      );
    return okResult(request);
  };

  const saveVia = async (ctx: C, file: DesignFile): Promise<Result<{ path: string } | null>> => {
    const chosen = await choose(() =>
      o.dialogs.chooseDesignSavePath(ctx, suggestedDesignName(file.text, file.path)),
    );
    if (!chosen.ok || chosen.value === null) return chosen as Result<null>;
    return files.writeDesign(files.grant(chosen.value), file.text);
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
      const allowed = await files.check(files.grant(chosen.value), 'read');
      if (!allowed.ok)
        return errResult('file.notAllowed', `The design was not opened: ${allowed.message}`);
      return files.readDesign(allowed.path);
    },

    async saveDesign(ctx, file) {
      if (file.path === null) return saveVia(ctx, file);
      const allowed = await files.check(file.path, 'write');
      if (!allowed.ok)
        return errResult(
          'file.notAllowed',
          `The design was not saved: ${allowed.message} Use Save As to choose where to save it.`,
        );
      return files.writeDesign(allowed.path, file.text);
    },

    saveDesignAs: (ctx, file) => saveVia(ctx, file),

    async exportFile(ctx, req) {
      const chosen = await choose(() =>
        o.dialogs.chooseExportPath(ctx, req.suggestedName, req.format),
      );
      if (!chosen.ok || chosen.value === null) return chosen as Result<null>;
      const allowed = await files.check(files.grant(chosen.value), 'write');
      if (!allowed.ok)
        return errResult('file.notAllowed', `The export was not written: ${allowed.message}`);
      try {
        await writeFileAtomic(
          allowed.path,
          typeof req.content !== 'string'
            ? req.content
            : req.base64
              ? Buffer.from(req.content, 'base64')
              : req.content,
        );
      } catch (e) {
        return errResult(
          'file.write',
          `The export could not be written to ${allowed.path}: ${(e as Error).message}.`,
        );
      }
      return okResult({ path: allowed.path });
    },

    async autosave(ctx, file) {
      // Only a path the user chose in this session is recorded: an autosave must never carry a
      // path a page made up into the next session (where recovery would offer it back).
      const path = file.path !== null && files.isGranted(file.path) ? resolve(file.path) : null;
      try {
        await o.autosave.save({ path, text: file.text }, o.pageOf?.(ctx));
        return okResult(undefined);
      } catch (e) {
        return errResult(
          'autosave.write',
          `The design could not be autosaved: ${(e as Error).message}. Save it to a file to be safe.`,
        );
      }
    },

    async takeRecovery(ctx) {
      const file = await o.autosave.takeRecovery(o.pageOf?.(ctx));
      if (!file?.path) return okResult(file);
      // Recovery grants nothing: the path stays only if the user may already use it here.
      const allowed = await files.check(file.path, 'write');
      return okResult({ path: allowed.ok ? allowed.path : null, text: file.text });
    },

    async recentFiles() {
      return okResult(await o.recent.list());
    },

    async openRecent(_ctx, path) {
      const allowed = await files.check(path, 'read');
      if (!allowed.ok)
        return errResult(
          'file.notAllowed',
          `The design was not opened: ${allowed.message} Use Open to choose a design file.`,
        );
      return files.readDesign(allowed.path);
    },

    async listSamples() {
      return okResult(await listSampleImages(o.samplesDir));
    },

    async chooseWeights(ctx) {
      const chosen = await choose(() => o.dialogs.chooseWeightsToOpen(ctx));
      if (!chosen.ok || chosen.value === null) return chosen as Result<null>;
      const used = await useWeightsFile(files, chosen.value, 'grant');
      // Remembered, so a reopened design's weights are usable again in a later session.
      if (used.ok) await files.rememberWeights(used.value.path);
      return used;
    },

    async grantDroppedWeights(_ctx, path) {
      // Electron's preload asks this only with the path of a File the user dropped on the window.
      const used = await useWeightsFile(files, path, 'grant');
      if (used.ok) await files.rememberWeights(used.value.path);
      return used;
    },

    reuseWeights: (_ctx, path) => useWeightsFile(files, path, 'check'),

    async run(ctx, runId, request) {
      const checked = await checkRunPaths(files, request);
      if (!checked.ok) return checked;
      return o.engine.run(runId, checked.value, (p) => o.emitProgress(ctx, p));
    },

    async cancelRun(_ctx, runId) {
      await o.engine.cancel(runId);
      return okResult(undefined);
    },

    async weightsList() {
      return okResult(await listWeights(weightsDir));
    },

    async weightsFetch(ctx, id) {
      // Only the table's ids: the renderer never names a URL or a file name.
      if (!PRETRAINED_CHECKPOINTS.some((c) => c.id === id))
        return errResult(
          'weights.unknown',
          `${JSON.stringify(id)} is not a known checkpoint; the known ones are ${PRETRAINED_CHECKPOINTS.map((c) => c.id).join(', ')}.`,
        );
      const running = fetching.get(id);
      if (running) return running.done;
      const controller = new AbortController();
      const done = fetchWeights(id, {
        dir: weightsDir,
        signal: controller.signal,
        mirror: o.weightsMirror,
        onProgress: (p) => o.emitWeightsProgress?.(ctx, { id, ...p }),
      }).then((r): Result<{ path: string }> => {
        if (!r.ok) return r;
        // The file was put there by this host, checked: runs of this session may read it.
        return okResult({ path: files.grant(r.value.path) });
      });
      fetching.set(id, { controller, done });
      try {
        return await done;
      } finally {
        fetching.delete(id);
      }
    },

    async cancelWeightsFetch(_ctx, id) {
      fetching.get(id)?.controller.abort();
      return okResult(undefined);
    },

    async train(ctx, trainId, request) {
      if (training)
        return errResult(
          'train.busy',
          `A training (${training.id}) is already running on this host; cancel it or wait for it to end.`,
        );
      // Taken before the first await, so a second request arriving meanwhile is refused.
      const control = new TrainControl();
      training = { id: trainId, control };
      try {
        const checked = await checkTrainPaths(request);
        if (!checked.ok) return checked;
        const result = await runTraining(trainId, checked.value, {
          home,
          control,
          workerEntry: o.trainWorkerEntry,
          onEvent: (e) => o.emitTrainEvent?.(ctx, e),
          onSamples: (cells) => {
            samples.delete(trainId);
            samples.set(trainId, cells);
            while (samples.size > 4) samples.delete(samples.keys().next().value!);
          },
        });
        // Runs of this session may read the weights it wrote.
        if (result.ok && result.value.checkpoint) files.grant(result.value.checkpoint.weightsPath);
        return result;
      } finally {
        training = null;
      }
    },

    async cancelTrain(_ctx, trainId) {
      if (training?.id === trainId) training.control.cancel();
      return okResult(undefined);
    },

    async pauseTrain(_ctx, trainId, paused) {
      if (training?.id !== trainId)
        return errResult('train.unknown', `No training ${trainId} is running on this host.`);
      training.control.setPaused(paused);
      return okResult(undefined);
    },

    async trainCheckpoints() {
      const list = await listCheckpoints(home);
      // Checkpoints this host wrote: runs may read their weights.
      for (const c of list) files.grant(c.weightsPath);
      return okResult(list);
    },

    async trainSamples(_ctx, trainId, actual, predicted, count) {
      const cells = samples.get(trainId);
      if (!cells)
        return errResult(
          'train.unknown',
          `Training ${trainId} has no validation yet (or is not one of this host's last four).`,
        );
      const k = cells.length;
      if (actual >= k || predicted >= k)
        return errResult(
          'train.samples',
          `The confusion matrix of ${trainId} has classes 0–${k - 1}; got [${actual}][${predicted}].`,
        );
      return okResult(cells[actual][predicted].slice(0, count));
    },

    async chooseDataFolder(ctx) {
      const chosen = await choose(() => o.dialogs.chooseDataFolder(ctx));
      if (!chosen.ok || chosen.value === null) return chosen as Result<null>;
      const dir = files.grant(chosen.value);
      try {
        if (!(await stat(dir)).isDirectory())
          return errResult('data.notFolder', `${dir} is not a folder; choose an image folder.`);
      } catch {
        return errResult('data.missing', `The folder ${dir} does not exist.`);
      }
      return okResult({ path: dir, name: basename(dir) });
    },
  };
}
