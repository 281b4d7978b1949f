import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import type { MenuCommand } from '../../core/host/contract';
import { MENU_COMMANDS } from '../../core/host/menuCommands';
import { aboutDetail, menuTemplate } from './menuTemplate';

function build(recentFiles: string[] = [], isMac = false) {
  const sent: MenuCommand[] = [];
  const opened: string[] = [];
  let about = 0;
  const template = menuTemplate({
    send: (c) => sent.push(c),
    openRecent: (p) => opened.push(p),
    showAbout: () => void about++,
    recentFiles,
    isMac,
    dev: false,
  });
  return { template, sent, opened, about: () => about };
}

const submenu = (item: MenuItemConstructorOptions) => item.submenu as MenuItemConstructorOptions[];
const click = (item: MenuItemConstructorOptions) => (item.click as unknown as () => void)();

describe('application menu', () => {
  it('has File, Edit, View, Run and Help with the required items', () => {
    const { template } = build();
    expect(template.map((m) => m.label)).toEqual(['&File', '&Edit', '&View', '&Run', '&Help']);
    const ids = (i: number) =>
      submenu(template[i])
        .map((m) => m.id)
        .filter(Boolean);
    expect(ids(0)).toEqual(['new', 'open', 'openRecent', 'save', 'saveAs', 'export']);
    expect(ids(1)).toEqual(['undo', 'redo']);
    expect(ids(2)).toEqual(['fitView', 'zoomIn', 'zoomOut', 'toggleTheme', 'compare']);
    expect(ids(3)).toEqual(['run', 'cancelRun']);
    expect(ids(4)).toEqual(['about']);
  });

  it('sends each command to the renderer with its shortcut', () => {
    const { template, sent } = build();
    const all = template
      .flatMap(submenu)
      .filter((m) => m.id && m.id in MENU_COMMANDS && m.id !== 'about');
    for (const item of all) {
      click(item);
      expect(item.accelerator).toBe(MENU_COMMANDS[item.id as MenuCommand].accelerator);
    }
    expect(sent).toEqual([
      'new',
      'open',
      'save',
      'saveAs',
      'export',
      'undo',
      'redo',
      'fitView',
      'zoomIn',
      'zoomOut',
      'toggleTheme',
      'compare',
      'run',
      'cancelRun',
    ]);
  });

  it('lists recent files and opens the one clicked', () => {
    const { template, opened } = build(['/d/a.json', '/d/b.json']);
    const recent = submenu(submenu(template[0]).find((m) => m.id === 'openRecent')!);
    expect(recent.map((m) => m.label)).toEqual(['a.json — /d/a.json', 'b.json — /d/b.json']);
    click(recent[1]);
    expect(opened).toEqual(['/d/b.json']);
    const empty = submenu(submenu(build().template[0]).find((m) => m.id === 'openRecent')!);
    expect(empty).toEqual([{ label: 'No Recent Files', enabled: false }]);
  });

  it('puts About under the app menu on macOS too', () => {
    const { template, about } = build([], true);
    expect(template[0].label).toBe('Inception Explorer');
    click(submenu(template[0])[0]);
    expect(about()).toBe(1);
  });

  it('shows versions and the engine backend in About', () => {
    const text = aboutDetail({
      appVersion: '0.1.0',
      versions: { electron: '45.5.0', chrome: '142.0', node: '22.20.0', v8: '14.2' },
      backend: 'wasm',
      backendNotes: ['tensorflow: @tensorflow/tfjs-node is not installed.'],
    });
    expect(text).toBe(
      'Version 0.1.0\nElectron 45.5.0, Chromium 142.0, Node.js 22.20.0, V8 14.2\nEngine backend: wasm\n  tensorflow: @tensorflow/tfjs-node is not installed.',
    );
  });
});
