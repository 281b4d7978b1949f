/**
 * HostApi for the browser host (`inception-explorer serve`): requests are `POST /api/<method>`
 * with the JSON argument list, events and file dialogs arrive over one WebSocket at `/ws`.
 * The access token comes from the page URL (`?token=`) and is kept in sessionStorage, so a reload
 * of the same tab keeps working.
 *
 * The browser host has no menu bar, so this host also turns the menu's keyboard shortcuts
 * (core/host/menuCommands.ts) into `onDidMenuCommand` events, exactly as the Electron menu does.
 * Undo/redo keys inside text fields are left to the browser.
 *
 * File dialogs: designs live in one folder on the server; when the host needs a file name it
 * shows a small in-page dialog (`<dialog data-host-dialog>`, a list of the folder's files, a
 * "File name" field, and Open/Save/Export and Cancel buttons).
 */
import {
  isWeightsFileName,
  MAX_WEIGHTS_UPLOAD_BYTES,
  notWeightsMessage,
  WEIGHTS_EXTENSIONS,
  type DroppedFile,
  type HostApi,
  type HostMethod,
  type MenuCommand,
  type WeightsFile,
  type WeightsProgress,
} from '../../core/host/contract';
import { commandForKey } from '../../core/host/menuCommands';
import { errResult, okResult, type Result, type RunProgress } from '../../core/run/types';
import type { TrainEvent } from '../../core/train/types';
import { bytesFromBase64 } from '../../core/export/onnxGraph';
import {
  API_PATH,
  ARGS_HEADER,
  CLIENT_HEADER,
  SOCKET_PATH,
  TOKEN_HEADER,
  UPLOAD_NAME_HEADER,
  UPLOAD_WEIGHTS_PATH,
  type ClientMessage,
  type PageDialogRequest,
  type ServerMessage,
} from '../../core/host/browserProtocol';

const TOKEN_KEY = 'inception-explorer.token';
/** What a page opened without the token can and cannot do, and how to get the right URL. */
export const NO_TOKEN_MESSAGE =
  'This page was opened without its access token, so you can look at the network and edit it, but Open, Save, Export and Run will not work. Open the exact URL that `npx inception-explorer serve` printed (it ends in ?token=…); run that command again to see it.';

function readToken(): string {
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl) {
    try {
      sessionStorage.setItem(TOKEN_KEY, fromUrl);
    } catch {
      // Storage may be disabled; the URL still carries the token.
    }
    return fromUrl;
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const CLIENT_KEY = 'inception-explorer.client';

/**
 * This tab's client id: kept in sessionStorage, so a reload of the tab is the same page to the
 * host (it gets its own unsaved work back) while every other tab has its own.
 */
function pageClientId(): string {
  try {
    const kept = sessionStorage.getItem(CLIENT_KEY);
    if (kept && /^[0-9a-f]{32}$/.test(kept)) return kept;
    const id = randomId();
    sessionStorage.setItem(CLIENT_KEY, id);
    return id;
  } catch {
    return randomId();
  }
}

function isEditable(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return Boolean(
    el &&
    (el.isContentEditable ||
      el.tagName === 'INPUT' ||
      el.tagName === 'TEXTAREA' ||
      el.tagName === 'SELECT'),
  );
}

/** Shows the in-page file dialog; resolves with the chosen name or null. */
export function showFileDialog(
  request: PageDialogRequest,
  doc: Document = document,
  /** For a `weights` dialog: uploads a file picked on this computer; the name to answer with, or an error sentence. */
  upload?: (file: File) => Promise<{ name: string } | { error: string }>,
): Promise<string | null> {
  const dialog = doc.createElement('dialog');
  dialog.dataset.hostDialog = request.kind;
  dialog.setAttribute('aria-label', request.title);
  Object.assign(dialog.style, {
    minWidth: '420px',
    maxWidth: '90vw',
    padding: '16px',
    borderRadius: '8px',
    font: '14px system-ui, sans-serif',
  });

  const title = doc.createElement('h2');
  title.textContent = request.title;
  Object.assign(title.style, { margin: '0 0 4px', fontSize: '16px' });
  const folder = doc.createElement('p');
  folder.textContent = `Folder: ${request.folder}`;
  Object.assign(folder.style, {
    margin: '0 0 8px',
    opacity: '0.7',
    fontSize: '12px',
    wordBreak: 'break-all',
  });

  const list = doc.createElement('ul');
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', 'Files in the folder');
  Object.assign(list.style, {
    listStyle: 'none',
    margin: '0 0 8px',
    padding: '0',
    maxHeight: '240px',
    overflow: 'auto',
    border: '1px solid #8884',
  });
  if (request.files.length === 0) {
    const empty = doc.createElement('li');
    // Only files of the kind being saved are listed; say so, so an empty list does not read as an empty folder.
    const kind = /\.[A-Za-z0-9]+$/.exec(request.suggestedName)?.[0] ?? '.json';
    empty.textContent =
      request.kind === 'folder'
        ? 'No folders here yet: put an image folder (one subfolder per class) in this folder first.'
        : request.kind === 'weights'
          ? `No weights files (${WEIGHTS_EXTENSIONS.join(', ')}) in this folder yet; upload one from this computer, or drop it on the window.`
          : request.kind === 'open'
            ? 'No design files (.json) in this folder yet; files of other types are not listed.'
            : `No ${kind} files in this folder yet; files of other types are not listed.`;
    Object.assign(empty.style, { padding: '6px 8px', opacity: '0.7' });
    list.append(empty);
  }

  const form = doc.createElement('form');
  form.method = 'dialog';
  const label = doc.createElement('label');
  label.textContent = 'File name ';
  const input = doc.createElement('input');
  input.name = 'fileName';
  input.value = request.suggestedName;
  input.required = true;
  input.autocomplete = 'off';
  input.setAttribute('aria-label', 'File name');
  Object.assign(input.style, { width: '100%', boxSizing: 'border-box', marginTop: '4px' });
  label.append(input);

  for (const name of request.files) {
    const item = doc.createElement('li');
    const button = doc.createElement('button');
    button.type = 'button';
    button.textContent = name;
    button.setAttribute('role', 'option');
    Object.assign(button.style, {
      display: 'block',
      width: '100%',
      textAlign: 'left',
      padding: '4px 8px',
      border: '0',
      background: 'transparent',
      color: 'inherit',
      cursor: 'pointer',
    });
    button.addEventListener('click', () => {
      input.value = name;
      input.focus();
    });
    button.addEventListener('dblclick', () => {
      input.value = name;
      form.requestSubmit();
    });
    item.append(button);
    list.append(item);
  }

  const buttons = doc.createElement('div');
  Object.assign(buttons.style, {
    display: 'flex',
    justifyContent: 'flex-end',
    gap: '8px',
    marginTop: '12px',
  });
  const cancel = doc.createElement('button');
  cancel.type = 'button';
  cancel.textContent = 'Cancel';
  const ok = doc.createElement('button');
  ok.type = 'submit';
  ok.textContent =
    request.kind === 'open' || request.kind === 'weights' || request.kind === 'folder'
      ? 'Open'
      : request.kind === 'save'
        ? 'Save'
        : 'Export';
  buttons.append(cancel, ok);
  // A weights file on this computer but not in the host's folder: upload it, then answer with it.
  const picker = doc.createElement('input');
  const uploadButton = doc.createElement('button');
  const uploadNote = doc.createElement('p');
  if (request.kind === 'weights' && upload) {
    picker.type = 'file';
    picker.accept = WEIGHTS_EXTENSIONS.join(',');
    picker.hidden = true;
    picker.setAttribute('aria-label', 'Weights file on this computer');
    uploadButton.type = 'button';
    uploadButton.textContent = 'Upload from this computer…';
    uploadButton.style.marginRight = 'auto';
    uploadButton.addEventListener('click', () => picker.click());
    uploadNote.setAttribute('role', 'status');
    Object.assign(uploadNote.style, { margin: '8px 0 0', fontSize: '13px' });
    buttons.prepend(uploadButton, picker);
  }
  form.append(label, buttons);
  dialog.append(title, folder, list, form);
  doc.body.append(dialog);

  // Saving over a listed file asks first, as native save dialogs do: the first Save shows the
  // warning, a second Save with the same name replaces the file.
  const warning = doc.createElement('p');
  warning.setAttribute('role', 'alert');
  Object.assign(warning.style, {
    margin: '8px 0 0',
    color: 'light-dark(#b42318, #fda29b)',
    fontSize: '13px',
  });
  const extension = /\.[A-Za-z0-9]+$/.exec(request.suggestedName)?.[0] ?? '';
  const existing = (name: string): string | undefined => {
    const withExtension =
      extension && !name.toLowerCase().endsWith(extension.toLowerCase())
        ? `${name}${extension}`
        : name;
    return request.files.find((f) => f === withExtension);
  };
  let confirmed: string | null = null;

  return new Promise((resolve) => {
    let answer: string | null = null;
    input.addEventListener('input', () => {
      confirmed = null;
      warning.remove();
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const name = input.value.trim();
      if (!name) return;
      const clash =
        request.kind === 'open' || request.kind === 'weights' || request.kind === 'folder'
          ? undefined
          : existing(name);
      if (clash && confirmed !== name) {
        confirmed = name;
        warning.textContent = `${clash} already exists in this folder. ${ok.textContent} again to replace it.`;
        form.insertBefore(warning, buttons);
        return;
      }
      answer = name;
      dialog.close();
    });
    cancel.addEventListener('click', () => dialog.close());
    picker.addEventListener('change', () => {
      const file = picker.files?.[0];
      if (!file || !upload) return;
      uploadNote.textContent = `Uploading ${file.name}…`;
      form.insertBefore(uploadNote, buttons);
      uploadButton.disabled = true;
      void upload(file).then((r) => {
        uploadButton.disabled = false;
        if ('error' in r) {
          uploadNote.textContent = r.error;
          return;
        }
        answer = r.name;
        dialog.close();
      });
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(answer);
    });
    dialog.showModal();
    input.focus();
    input.select();
  });
}

export interface BrowserHostOptions {
  /** Defaults to the page's own origin. */
  readonly origin?: string;
  readonly token?: string;
  /** Turn the menu's keyboard shortcuts into menu commands (default true). */
  readonly shortcuts?: boolean;
}

/** The window event the browser host sends when its server connection is lost or back. */
export const HOST_CONNECTION_EVENT = 'inception-host-connection';

/** `detail` of HOST_CONNECTION_EVENT: the state and the server's origin (what the page was served from). */
export interface HostConnection {
  readonly state: 'lost' | 'back';
  readonly origin: string;
}

/** How long the socket may be down before the page says so (a quick reconnect says nothing), ms. */
const LOST_AFTER_MS = 1500;

/** The HostApi of the browser host. One per page; it keeps one WebSocket open and reconnects. */
export function createBrowserHost(options: BrowserHostOptions = {}): HostApi {
  const origin = options.origin ?? location.origin;
  const token = options.token ?? readToken();
  let clientId = pageClientId();
  const progressListeners = new Set<(p: RunProgress) => void>();
  const menuListeners = new Set<(c: MenuCommand) => void>();
  const weightsListeners = new Set<(p: WeightsProgress) => void>();
  const trainListeners = new Set<(e: TrainEvent) => void>();

  const emitMenu = (command: MenuCommand): void => {
    for (const l of [...menuListeners]) l(command);
  };

  // Requests that need a dialog wait (up to 3 s) for the socket the dialog arrives on.
  let markOpen: () => void = () => {};
  const socketOpen = new Promise<void>((resolve) => {
    markOpen = resolve;
    setTimeout(resolve, 3000);
  });
  let retryMs = 250;
  // Whether the page has said the connection is lost, and the timer that will say so.
  let lost = false;
  let lostTimer: ReturnType<typeof setTimeout> | null = null;
  const announce = (state: HostConnection['state']): void => {
    if (typeof window === 'undefined' || (state === 'lost') === lost) return;
    lost = state === 'lost';
    window.dispatchEvent(
      new CustomEvent<HostConnection>(HOST_CONNECTION_EVENT, { detail: { state, origin } }),
    );
  };
  const connect = (): void => {
    const ws = new WebSocket(
      `${origin.replace(/^http/, 'ws')}${SOCKET_PATH}?token=${encodeURIComponent(token)}&client=${clientId}`,
    );
    ws.addEventListener('open', () => {
      retryMs = 250;
      if (lostTimer) clearTimeout(lostTimer);
      lostTimer = null;
      announce('back');
      markOpen();
    });
    ws.addEventListener('message', (event) => {
      let msg: ServerMessage;
      try {
        msg = JSON.parse(String(event.data)) as ServerMessage;
      } catch {
        return;
      }
      if (msg.type === 'runProgress') for (const l of [...progressListeners]) l(msg.progress);
      else if (msg.type === 'weightsProgress')
        for (const l of [...weightsListeners]) l(msg.progress);
      else if (msg.type === 'trainEvent') for (const l of [...trainListeners]) l(msg.event);
      else if (msg.type === 'menuCommand') emitMenu(msg.command);
      else if (msg.type === 'dialog') {
        const upload = async (file: File) => {
          const r = await uploadWeights(file);
          // The dialog answers with a name in the weights folder: uploads/<kept name>.
          return r.ok
            ? { name: `uploads/${r.value.path.split(/[\\/]/).pop()}` }
            : { error: r.error.message };
        };
        void showFileDialog(msg.request, document, upload).then((name) => {
          if (ws.readyState === WebSocket.OPEN)
            ws.send(
              JSON.stringify({ type: 'dialogAnswer', id: msg.id, name } satisfies ClientMessage),
            );
        });
      }
    });
    ws.addEventListener('close', (event) => {
      // 4000: another page has this id (a duplicated tab copies sessionStorage): take a new one.
      if (event.code === 4000) {
        clientId = randomId();
        try {
          sessionStorage.setItem(CLIENT_KEY, clientId);
        } catch {
          // Storage may be disabled; the id still holds for this page.
        }
      }
      // The server went away or restarted: try again, slowing down to 5 s; say so if it lasts.
      lostTimer ??= setTimeout(() => announce('lost'), LOST_AFTER_MS);
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    });
  };
  if (typeof WebSocket !== 'undefined' && token) connect();

  if (options.shortcuts !== false && typeof window !== 'undefined') {
    window.addEventListener('keydown', (e) => {
      const command = commandForKey(e);
      if (!command) return;
      if ((command === 'undo' || command === 'redo') && isEditable(e.target)) return;
      // The host's own file dialog takes the keys; the app's modals decide for themselves (runMenuCommand).
      if (document.querySelector('dialog[open][data-host-dialog]')) return;
      e.preventDefault();
      emitMenu(command);
    });
  }

  /**
   * Sends a call: JSON, or for an export the file's bytes as the body with the other arguments in
   * ARGS_HEADER (core/host/browserProtocol.ts), so a 213 MiB model is never base64 inside JSON.
   */
  const call = async <T>(
    method: HostMethod,
    args: readonly unknown[],
    bytes?: Uint8Array,
  ): Promise<Result<T>> => {
    if (!token) return errResult('host.noToken', NO_TOKEN_MESSAGE);
    if (
      method === 'chooseWeights' ||
      method === 'openDesign' ||
      method === 'saveDesign' ||
      method === 'saveDesignAs' ||
      method === 'exportFile'
    )
      await socketOpen;
    let response: Response;
    // Bytes go as a Blob: Chromium's DevTools protocol copies an in-memory body into its request
    // event (as text and as base64), which for Inception v4's 163 MB model is a message longer than
    // any V8 string, so an attached DevTools client (Playwright in the e2e tests) fails; a Blob body
    // is read from the blob store and never inlined.
    const body = bytes ? new Blob([bytes as Uint8Array<ArrayBuffer>]) : JSON.stringify(args);
    try {
      response = await fetch(`${origin}${API_PATH}${method}`, {
        method: 'POST',
        headers: {
          'Content-Type': bytes ? 'application/octet-stream' : 'application/json',
          [TOKEN_HEADER]: token,
          [CLIENT_HEADER]: clientId,
          // A header carries only Latin-1: anything else is escaped as JSON \uXXXX.
          ...(bytes
            ? {
                [ARGS_HEADER]: JSON.stringify(args).replace(
                  /[\u007f-\uffff]/g,
                  (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
                ),
              }
            : {}),
        },
        body: body as BodyInit,
        // An autosave sent as the page goes away (pagehide) must outlive it; keepalive bodies are limited to 64 KiB.
        keepalive: method === 'autosave' && typeof body === 'string' && body.length < 60_000,
      });
    } catch (e) {
      announce('lost');
      return errResult(
        'host.unreachable',
        `The browser host did not answer (${(e as Error).message}); check that \`inception-explorer serve\` is still running, then reload.`,
      );
    }
    try {
      return (await response.json()) as Result<T>;
    } catch {
      return errResult(
        'host.badResponse',
        `The browser host answered "${method}" with HTTP ${response.status} and no readable result.`,
      );
    }
  };

  /** Sends a weights file's bytes to the host, which keeps it in <home>/weights/uploads. */
  const uploadWeights = async (file: DroppedFile): Promise<Result<WeightsFile>> => {
    if (!token) return errResult('host.noToken', NO_TOKEN_MESSAGE);
    if (!isWeightsFileName(file.name))
      return errResult('weights.notWeightsFile', notWeightsMessage(file.name));
    if (file.size > MAX_WEIGHTS_UPLOAD_BYTES)
      return errResult(
        'upload.tooLarge',
        `${file.name} is larger than the ${MAX_WEIGHTS_UPLOAD_BYTES / 1024 ** 2} MB the browser host takes as an upload; put it in the host's weights folder and choose it there instead.`,
      );
    let response: Response;
    try {
      response = await fetch(`${origin}${UPLOAD_WEIGHTS_PATH}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/octet-stream',
          [TOKEN_HEADER]: token,
          [UPLOAD_NAME_HEADER]: encodeURIComponent(file.name),
        },
        // A File (a Blob) is sent as it is: streamed, not copied into memory first nor inlined into
        // DevTools' request event (see `call`).
        body: file instanceof Blob ? file : new Blob([await file.arrayBuffer()]),
      });
    } catch (e) {
      return errResult(
        'host.unreachable',
        `${file.name} could not be uploaded (${(e as Error).message}); check that \`inception-explorer serve\` is still running.`,
      );
    }
    try {
      const r = (await response.json()) as Result<WeightsFile>;
      // Shown under the name the user knows, not the kept file's.
      return r.ok ? okResult({ path: r.value.path, name: file.name }) : r;
    } catch {
      return errResult(
        'host.badResponse',
        `The browser host answered the upload of ${file.name} with HTTP ${response.status} and no readable result.`,
      );
    }
  };

  return {
    getInfo: () => call('getInfo', []),
    openDesign: () => call('openDesign', []),
    saveDesign: (file) => call('saveDesign', [file]),
    saveDesignAs: (file) => call('saveDesignAs', [file]),
    exportFile: (req) => {
      const { content, base64, ...rest } = req;
      let bytes: Uint8Array;
      try {
        bytes =
          typeof content !== 'string'
            ? content
            : base64
              ? bytesFromBase64(content)
              : new TextEncoder().encode(content);
      } catch (e) {
        return Promise.resolve(
          errResult('export.badContent', `The export was not written: ${(e as Error).message}`),
        );
      }
      return call('exportFile', [rest], bytes);
    },
    autosave: (file) => call('autosave', [file]),
    takeRecovery: () => call('takeRecovery', []),
    recentFiles: () => call('recentFiles', []),
    openRecent: (path) => call('openRecent', [path]),
    listSamples: () => call('listSamples', []),
    chooseWeights: () => call('chooseWeights', []),
    dropWeights: (file) => uploadWeights(file),
    grantDroppedWeights: (path) => call('grantDroppedWeights', [path]),
    reuseWeights: (path) => call('reuseWeights', [path]),
    run: (runId, request) => call('run', [runId, request]),
    cancelRun: (runId) => call('cancelRun', [runId]),
    onDidRunProgress(callback) {
      progressListeners.add(callback);
      return () => void progressListeners.delete(callback);
    },
    weightsList: () => call('weightsList', []),
    weightsFetch: (id) => call('weightsFetch', [id]),
    cancelWeightsFetch: (id) => call('cancelWeightsFetch', [id]),
    onDidWeightsProgress(callback) {
      weightsListeners.add(callback);
      return () => void weightsListeners.delete(callback);
    },
    train: (trainId, request) => call('train', [trainId, request]),
    cancelTrain: (trainId) => call('cancelTrain', [trainId]),
    pauseTrain: (trainId, paused) => call('pauseTrain', [trainId, paused]),
    trainCheckpoints: () => call('trainCheckpoints', []),
    trainSamples: (trainId, actual, predicted, count) =>
      call('trainSamples', [trainId, actual, predicted, count]),
    chooseDataFolder: () => call('chooseDataFolder', []),
    onDidTrainEvent(callback) {
      trainListeners.add(callback);
      return () => void trainListeners.delete(callback);
    },
    onDidMenuCommand(callback) {
      menuListeners.add(callback);
      return () => void menuListeners.delete(callback);
    },
  };
}
