/**
 * The help sheet (`?` or F1): the keyboard shortcuts (the menu's, from core/host/menuCommands.ts,
 * and the graph's own), the main tasks in a sentence each, and every term the app explains
 * (core/model/glossary.ts). One Modal; Escape or Close leaves it and focus returns where it was.
 */
import { MENU_COMMANDS } from '../../core/host/menuCommands';
import type { MenuCommand } from '../../core/host/contract';
import { GLOSSARY } from '../../core/model/glossary';
import { Modal } from './Modal';
import { appStore, useApp, type AppState } from '../state/store';
import { TermParagraph } from '../help/TermHelp';

/** An Electron accelerator as a reader types it: "CmdOrCtrl+Shift+S" → "Ctrl+Shift+S" (⌘ on macOS). */
export function shortcutText(accelerator: string, mac = false): string {
  return accelerator.replace('CmdOrCtrl', mac ? '⌘' : 'Ctrl');
}

/** Keys the graph and the fields handle themselves (not menu commands). */
const OTHER_KEYS: readonly (readonly [keys: string, what: string])[] = [
  ['? or F1', 'Open this help sheet'],
  ['Tab / Shift+Tab', 'Move between the nodes of the graph, then the panels'],
  ['Enter on a node', 'Select it and edit its counts in the Edit tab'],
  ['Escape', 'Leave a text field (what you typed is kept) or close a dialog'],
];

/** The main tasks, each in one sentence a learner can follow. */
const TASKS: readonly (readonly [task: string, how: string])[] = [
  [
    'Edit a module',
    'Click it (or Tab to it and press Enter); its filter counts are in the Edit tab.',
  ],
  ['See inside a module', 'Press ▸ on an inception node, or "Open branches" in the Edit tab.'],
  [
    'Run the network',
    'Run tab: choose an image and press Run (Ctrl+Enter); the graph marks each measured shape, and focus returns to where it was.',
  ],
  ['Use trained weights', 'Run tab: choose or drop a weights file; the summary says what fitted.'],
  [
    'Compare designs',
    'Compare with… in the toolbar: a preset or a saved design, module by module.',
  ],
  ['Export', 'Export… writes PyTorch code, ONNX or a picture of the graph.'],
];

const selectHelpOpen = (s: AppState) => s.helpOpen;

export function HelpSheet() {
  const open = useApp(selectHelpOpen);
  if (!open) return null;
  const close = () => appStore.getState().setHelpOpen(false);
  const mac = /Mac/.test(globalThis.navigator?.platform ?? '');
  return (
    <Modal
      title="Help"
      className="help-sheet"
      onClose={close}
      actions={
        <button type="button" onClick={close} data-autofocus>
          Close
        </button>
      }
    >
      <div className="help-columns">
        <section aria-labelledby="help-keys">
          <h3 id="help-keys">Keyboard shortcuts</h3>
          <table className="help-keys">
            <tbody>
              {(
                Object.entries(MENU_COMMANDS) as [
                  MenuCommand,
                  (typeof MENU_COMMANDS)[MenuCommand],
                ][]
              )
                .filter(([, info]) => info.accelerator)
                .map(([command, info]) => (
                  <tr key={command}>
                    <td>
                      <kbd>{shortcutText(info.accelerator!, mac)}</kbd>
                    </td>
                    <td>{info.label.replace(/…$/, '')}</td>
                  </tr>
                ))}
              {OTHER_KEYS.map(([keys, what]) => (
                <tr key={keys}>
                  <td>
                    <kbd>{keys}</kbd>
                  </td>
                  <td>{what}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Main tasks</h3>
          <dl className="help-tasks">
            {TASKS.map(([task, how]) => (
              <div key={task}>
                <dt>{task}</dt>
                <dd>{how}</dd>
              </div>
            ))}
          </dl>
        </section>
        <section aria-labelledby="help-terms">
          <h3 id="help-terms">Terms</h3>
          {GLOSSARY.map((e) => (
            <TermParagraph key={e.id} term={e.id} />
          ))}
        </section>
      </div>
    </Modal>
  );
}

/** Whether a key press opens the help sheet: F1 anywhere, `?` when not typing in a field. */
export function opensHelp(e: {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  target: EventTarget | null;
}): boolean {
  if (e.key === 'F1') return true;
  if (e.key !== '?' || e.ctrlKey || e.metaKey || e.altKey) return false;
  const t = e.target as Partial<HTMLElement> | null;
  // In a text field "?" is text; a checkbox or select takes no text, so "?" still opens help there.
  const typing = t?.closest?.(
    'input[type="text"], input:not([type]), textarea, [contenteditable="true"]',
  );
  return !typing;
}
