/**
 * File "dialogs" of the browser host. A web page cannot show a native file dialog that returns a
 * path, so the browser host keeps designs and exports in one folder (`~/.inception-explorer/designs`
 * or `serve --dir`), and asks the page (over its WebSocket) to show an in-page dialog listing that
 * folder. The page answers with a file name; the name is checked and resolved inside the folder.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import {
  isWeightsFileName,
  notWeightsMessage,
  WEIGHTS_EXTENSIONS,
  type ExportFormat,
} from '../../core/host/contract';
import { EXPORT_FORMATS } from '../host/exportFormats';
import { HostDialogError, type HostDialogs } from '../host/hostService';
import type { BrowserCaller } from './browserHostServer';
import type { PageDialogRequest } from '../../core/host/browserProtocol';

const FILE_NAME = /^(?!\.)[^/\\:*?"<>|]{1,200}$/;
/** Controls (C0, C1, DEL), bidi overrides and isolates, zero-width and line separators: a name shows what it is. */
const INVISIBLE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u;
/** Names Windows keeps for devices (a design saved as "con.json" cannot be opened there). */
const DEVICE_NAME = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

/**
 * Checks a name the page chose and resolves it inside `folder`; an error for anything else. The
 * name may not hold folders, controls or characters that reorder how it reads; trailing dots and
 * spaces are dropped (so "net.json." is net.json, not "net.json..json").
 */
export function resolveInFolder(folder: string, name: string, extension: string): string {
  const trimmed = name
    .normalize('NFC')
    .trim()
    .replace(/[. ]+$/, '');
  const shown = JSON.stringify(name.slice(0, 80)).replace(
    /[\u0080-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  if (INVISIBLE.test(trimmed)) {
    throw new HostDialogError(
      'dialog.badName',
      `${shown} is not a usable file name: it holds control characters or characters that change the reading direction.`,
    );
  }
  if (!FILE_NAME.test(trimmed) || trimmed === '..' || DEVICE_NAME.test(trimmed)) {
    throw new HostDialogError(
      'dialog.badName',
      `${shown} is not a usable file name: use letters, digits, spaces, dots, "-" or "_", without folders.`,
    );
  }
  return join(
    folder,
    extname(trimmed).toLowerCase() === extension ? trimmed : `${trimmed}${extension}`,
  );
}

async function listFolder(folder: string, extensions: readonly string[]): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  const names = await readdir(folder, { withFileTypes: true });
  return names
    .filter((d) => d.isFile() && extensions.includes(extname(d.name).toLowerCase()))
    .map((d) => d.name)
    .sort((a, b) => a.localeCompare(b));
}

/** The sub-folder of the weights folder where the page's uploads land. */
export const UPLOADS_FOLDER = 'uploads';

/** Weights files of the weights folder, then of its uploads folder (listed as `uploads/<name>`). */
async function listWeights(folder: string): Promise<string[]> {
  const own = await listFolder(folder, WEIGHTS_EXTENSIONS);
  const uploads = await listFolder(join(folder, UPLOADS_FOLDER), WEIGHTS_EXTENSIONS);
  return [...own, ...uploads.map((n) => `${UPLOADS_FOLDER}/${n}`)];
}

/** Resolves a weights file name the page chose (`name` or `uploads/name`) inside the weights folder. */
export function resolveWeightsName(folder: string, name: string): string {
  const inUploads = name.startsWith(`${UPLOADS_FOLDER}/`);
  const base = inUploads ? name.slice(UPLOADS_FOLDER.length + 1) : name;
  if (!isWeightsFileName(base.trim()))
    throw new HostDialogError(
      'dialog.badName',
      notWeightsMessage(JSON.stringify(base.slice(0, 80))),
    );
  return resolveInFolder(
    inUploads ? join(folder, UPLOADS_FOLDER) : folder,
    base,
    extname(base.trim()).toLowerCase(),
  );
}

/**
 * The in-page dialogs over the designs `folder` and the `weightsFolder` (`<home>/weights`, where
 * uploads land in `uploads/`).
 */
export function browserDialogs(
  folder: string,
  askPage: (clientId: string | null, request: PageDialogRequest) => Promise<string | null>,
  weightsFolder: string = join(folder, '..', 'weights'),
  datasetsFolder: string = join(weightsFolder, '..', 'datasets'),
): HostDialogs<BrowserCaller> {
  const ask = async (ctx: BrowserCaller, request: PageDialogRequest): Promise<string | null> => {
    if (!ctx.clientId)
      throw new HostDialogError(
        'dialog.unavailable',
        'The file dialog cannot be shown because this page is not connected to the browser host; reload the page.',
      );
    return askPage(ctx.clientId, request);
  };
  return {
    async chooseDesignToOpen(ctx) {
      const files = await listFolder(folder, ['.json']);
      const name = await ask(ctx, {
        kind: 'open',
        title: 'Open design',
        suggestedName: '',
        files,
        folder,
      });
      return name === null ? null : resolveInFolder(folder, name, '.json');
    },
    async chooseWeightsToOpen(ctx) {
      const files = await listWeights(weightsFolder);
      const name = await ask(ctx, {
        kind: 'weights',
        title: 'Choose a weights file',
        suggestedName: '',
        files,
        folder: weightsFolder,
      });
      return name === null ? null : resolveWeightsName(weightsFolder, name);
    },
    async chooseDataFolder(ctx) {
      // Only subfolders of <home>/datasets: a page can never name a folder elsewhere on the disk.
      await mkdir(datasetsFolder, { recursive: true });
      const files = (await readdir(datasetsFolder, { withFileTypes: true }))
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort((a, b) => a.localeCompare(b));
      const name = await ask(ctx, {
        kind: 'folder',
        title: 'Choose an image folder (one subfolder per class)',
        suggestedName: '',
        files,
        folder: datasetsFolder,
      });
      if (name === null) return null;
      if (!files.includes(name))
        throw new HostDialogError(
          'dialog.badName',
          `${JSON.stringify(name.slice(0, 80))} is not one of the folders in ${datasetsFolder}; put the image folder there and choose it from the list.`,
        );
      return join(datasetsFolder, name);
    },
    async chooseDesignSavePath(ctx, suggestedName) {
      const files = await listFolder(folder, ['.json']);
      const name = await ask(ctx, {
        kind: 'save',
        title: 'Save design',
        suggestedName,
        files,
        folder,
      });
      return name === null ? null : resolveInFolder(folder, name, '.json');
    },
    async chooseExportPath(ctx, suggestedName, format: ExportFormat) {
      const { extension } = EXPORT_FORMATS[format];
      const files = await listFolder(folder, [extension]);
      const name = await ask(ctx, {
        kind: 'export',
        title: `Export ${EXPORT_FORMATS[format].filterName}`,
        suggestedName,
        files,
        folder,
      });
      return name === null ? null : resolveInFolder(folder, name, extension);
    },
  };
}
