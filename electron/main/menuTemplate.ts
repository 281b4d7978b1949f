/**
 * The application menu as data. Every item sends a MenuCommand to the renderer (which owns the
 * design, undo history and view); only Open Recent, About and the standard roles are handled here.
 * Only types come from electron, so the menu is tested in plain Node.
 */
import type { MenuItemConstructorOptions } from 'electron';
import { basename } from 'node:path';
import type { MenuCommand } from '../../core/host/contract';
import { MENU_COMMANDS } from '../../core/host/menuCommands';

export interface MenuActions {
  send(command: MenuCommand): void;
  openRecent(path: string): void;
  showAbout(): void;
  readonly recentFiles: readonly string[];
  readonly isMac: boolean;
  /** Adds Toggle Developer Tools (development builds only). */
  readonly dev: boolean;
}

export function menuTemplate(a: MenuActions): MenuItemConstructorOptions[] {
  const item = (command: MenuCommand): MenuItemConstructorOptions => ({
    id: command,
    label: MENU_COMMANDS[command].label,
    accelerator: MENU_COMMANDS[command].accelerator,
    click: () => a.send(command),
  });
  const recent: MenuItemConstructorOptions[] = a.recentFiles.length
    ? a.recentFiles.map((path, i) => ({
        id: `recent-${i}`,
        label: `${basename(path)} — ${path}`,
        click: () => a.openRecent(path),
      }))
    : [{ label: 'No Recent Files', enabled: false }];
  const about: MenuItemConstructorOptions = {
    id: 'about',
    label: MENU_COMMANDS.about.label,
    click: () => a.showAbout(),
  };

  return [
    ...(a.isMac
      ? [
          {
            label: 'Inception Explorer',
            submenu: [
              about,
              { type: 'separator' },
              { role: 'services' },
              { type: 'separator' },
              { role: 'hide' },
              { role: 'hideOthers' },
              { role: 'unhide' },
              { type: 'separator' },
              { role: 'quit' },
            ],
          } as MenuItemConstructorOptions,
        ]
      : []),
    {
      label: '&File',
      submenu: [
        item('new'),
        item('open'),
        { id: 'openRecent', label: 'Open Recent', submenu: recent },
        { type: 'separator' },
        item('save'),
        item('saveAs'),
        { type: 'separator' },
        item('export'),
        ...(a.isMac ? [] : [{ type: 'separator' } as const, { role: 'quit' } as const]),
      ],
    },
    {
      label: '&Edit',
      submenu: [
        item('undo'),
        item('redo'),
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
      ],
    },
    {
      label: '&View',
      submenu: [
        item('fitView'),
        item('zoomIn'),
        item('zoomOut'),
        { type: 'separator' },
        item('toggleTheme'),
        item('compare'),
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(a.dev ? [{ role: 'toggleDevTools' } as const] : []),
      ],
    },
    { label: '&Run', submenu: [item('run'), item('cancelRun')] },
    { label: '&Help', role: 'help', submenu: [about] },
  ];
}

export interface AboutFacts {
  readonly appVersion: string;
  readonly versions: Readonly<Record<string, string | undefined>>;
  readonly backend: string;
  readonly backendNotes: readonly string[];
}

/** The About box text: versions of the app and its runtimes, and the engine backend. */
export function aboutDetail(f: AboutFacts): string {
  const v = f.versions;
  const lines = [
    `Version ${f.appVersion}`,
    `Electron ${v.electron ?? 'unknown'}, Chromium ${v.chrome ?? 'unknown'}, Node.js ${v.node ?? 'unknown'}, V8 ${v.v8 ?? 'unknown'}`,
    `Engine backend: ${f.backend}`,
    ...f.backendNotes.map((n) => `  ${n}`),
  ];
  return lines.join('\n');
}
