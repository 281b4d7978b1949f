import { beforeEach, describe, expect, it } from 'vitest';
import { presetDesign } from '../../core/presets';
import { createMemoryHost } from '../host/__fixtures__/memoryHost';
import { appStore } from '../state/store';
import { currentRunPath, runBlocker, runMenuCommand, whenDiscardAllowed } from './commands';

const host = createMemoryHost();
const out3x3 = () =>
  appStore.getState().design.modules.find((m) => m.id === 'inception4c')!.params.out_3x3;

beforeEach(() => {
  appStore.getState().endEditGroup();
  appStore.getState().loadDesign(presetDesign('googlenet')!, null);
  appStore.getState().closeConfirmation();
  appStore.setState({ exportOpen: false, aboutOpen: false, theme: 'light' });
  appStore.getState().setParam('inception4c', 'out_3x3', 300);
});

describe('runMenuCommand under a dialog', () => {
  it('ignores undo while "Discard unsaved changes?" is open, and undoes once it is closed', () => {
    whenDiscardAllowed('Opening another design', () => {});
    expect(appStore.getState().confirmation?.title).toBe('Discard unsaved changes?');
    runMenuCommand(host, 'undo');
    runMenuCommand(host, 'export');
    expect(out3x3()).toBe(300);
    expect(appStore.getState().exportOpen).toBe(false);
    appStore.getState().closeConfirmation();
    runMenuCommand(host, 'undo');
    expect(out3x3()).toBe(256);
  });

  it('ignores design commands under the Export dialog but still switches the theme', () => {
    appStore.setState({ exportOpen: true });
    runMenuCommand(host, 'undo');
    runMenuCommand(host, 'about');
    expect(out3x3()).toBe(300);
    expect(appStore.getState().aboutOpen).toBe(false);
    runMenuCommand(host, 'toggleTheme');
    expect(appStore.getState().theme).toBe('dark');
  });
});

describe('runBlocker', () => {
  it('lets an eval run of Inception v3 at 224×224 go (its aux head is off the eval path) and blocks train mode', () => {
    const v3 = presetDesign('inception-v3')!;
    appStore
      .getState()
      .loadDesign({ ...v3, input: { ...v3.input, height: 224, width: 224 } }, null);
    appStore.getState().setRunSettings({ mode: 'eval' });
    expect(runBlocker()).toBeNull();
    const path = currentRunPath();
    expect(path.ok && path.notes[0]).toMatch(/^AuxLogits is off the eval path/);
    appStore.getState().setRunSettings({ mode: 'train' });
    expect(runBlocker()).toMatch(
      /^Fix the design first \(1 problem\): AuxLogits: in conv1\.conv, the 5×5 kernel does not fit .* an eval run skips it and would run\.$/,
    );
    appStore.getState().setRunSettings({ mode: 'eval' });
  });
});
