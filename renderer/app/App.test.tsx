// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { presetDesign } from '../../core/presets';
import { parseDesign } from '../../core/design/designFile';
import { okResult, UNTRAINED_WEIGHTS_WARNING, type RunResult } from '../../core/run/types';
import { HostProvider } from '../host/host';
import { createMemoryHost, type MemoryHost } from '../host/__fixtures__/memoryHost';
import { appStore } from '../state/store';
import { Inspector } from '../panels/Inspector';
import { TotalsBar } from '../panels/TotalsBar';
import { RunPanel } from '../panels/RunPanel';
import { SummaryTable } from '../panels/SummaryTable';
import { Toolbar } from './Toolbar';
import { ConfirmDialog } from './Dialogs';
import { App } from './App';

let host: MemoryHost;

function renderWithHost(ui: React.ReactNode) {
  return render(<HostProvider host={host}>{ui}</HostProvider>);
}

const field = (label: string) => screen.getByLabelText(label) as HTMLInputElement;
const type = (el: HTMLInputElement, text: string) =>
  fireEvent.change(el, { target: { value: text } });

beforeEach(() => {
  host = createMemoryHost();
  appStore.getState().endEditGroup();
  const s = appStore.getState();
  s.loadDesign(presetDesign('googlenet')!, null);
  s.select(null);
  s.setOpened([]);
  s.clearResult();
  s.closeConfirmation();
  s.setSideTab('edit');
  appStore.setState({ notice: null, exportOpen: false, summaryOpen: false });
});

afterEach(cleanup);

describe('editing a module', () => {
  it('updates the totals live and shows the change against the preset', () => {
    appStore.getState().select('inception4c');
    renderWithHost(
      <>
        <Inspector />
        <TotalsBar />
      </>,
    );
    expect(screen.getByTestId('total-params').textContent).toBe('13,389,064');
    type(field('3×3 (out_3x3) of inception4c'), '300');
    expect(screen.getByTestId('total-params').textContent).toBe('13,455,372');
    expect(screen.getByText('+66.3 K (+0.5 %)')).toBeTruthy();
    expect(screen.getByText('Preset: 256')).toBeTruthy();
  });

  it("shows core's message at the field and disables Run with the reason", () => {
    appStore.getState().select('inception4c');
    renderWithHost(
      <>
        <Inspector />
        <RunPanel />
      </>,
    );
    const input = field('3×3 (out_3x3) of inception4c');
    type(input, '-5');
    const message = 'inception4c: 3×3 must be a whole number from 1 to 65,536; got -5.';
    expect(within(input.closest('.field') as HTMLElement).getByRole('alert').textContent).toBe(
      message,
    );
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect((screen.getByRole('button', { name: 'Run' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText(`Fix the design first (1 problem): ${message}`)).toBeTruthy();
    // The rest of the design is intact.
    expect(
      appStore.getState().design.modules.find((m) => m.id === 'inception4b')!.params.out_3x3,
    ).toBe(224);
  });

  it('inserts, duplicates and deletes modules from the inspector', () => {
    appStore.getState().select('inception4c');
    renderWithHost(<Inspector />);
    fireEvent.click(screen.getByRole('button', { name: 'Duplicate inception4c' }));
    expect(appStore.getState().selectedId).toBe('inception4c_2');
    expect(appStore.getState().design.modules.map((m) => m.id)).toContain('inception4c_2');
    fireEvent.click(screen.getByRole('button', { name: 'Delete inception4c_2' }));
    expect(appStore.getState().design.modules.map((m) => m.id)).not.toContain('inception4c_2');
    act(() => appStore.getState().select('maxpool3'));
    fireEvent.change(screen.getByRole('combobox', { name: 'Insert after maxpool3' }), {
      target: { value: 'convBlock' },
    });
    expect(appStore.getState().design.modules.find((m) => m.id === 'conv3')).toMatchObject({
      kind: 'convBlock',
      inputs: ['maxpool3'],
    }); // named after conv2, the last conv block before it;
  });

  it('edits the global settings, with the problem named at the field', () => {
    renderWithHost(
      <>
        <Inspector />
        <TotalsBar />
      </>,
    );
    type(field('Input height'), '299');
    type(field('Input width'), '299');
    const problems = screen.getByRole('button', { name: /3 problems/ });
    expect(problems.title).toContain(
      'fc1: the fully connected layer expects 1,024 input features (1,024 channels × 1×1, the map size it was built for) but receives 16,384',
    );
    fireEvent.click(screen.getByLabelText('Auxiliary heads (train mode)'));
    expect(appStore.getState().design.aux).toBe(false);
    type(field('Input height'), '0');
    expect(
      screen.getByText('Input height must be a whole number from 1 to 8,192; got 0.'),
    ).toBeTruthy();
  });
});

describe('files and history', () => {
  it('marks unsaved changes, saves through the host and clears the marker', async () => {
    host.options.saveAsPath = '/designs/mine.json';
    renderWithHost(<Toolbar />);
    expect(screen.queryByRole('img', { name: 'unsaved changes' })).toBeNull();
    act(() => appStore.getState().setParam('inception4c', 'out_3x3', 300));
    expect(screen.getByRole('img', { name: 'unsaved changes' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('img', { name: 'unsaved changes' })).toBeNull());
    const saved = parseDesign(host.files.get('/designs/mine.json')!);
    expect(
      saved.ok && saved.design.modules.find((m) => m.id === 'inception4c')!.params.out_3x3,
    ).toBe(300);
    expect(screen.getByText('mine.json')).toBeTruthy();
  });

  it('autosaves edits, and after a save autosaves the saved design, so a crash never offers an older one', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      host.options.saveAsPath = '/designs/mine.json';
      renderWithHost(
        <>
          <App />
        </>,
      );
      act(() => appStore.getState().setParam('inception4c', 'out_3x3', 300));
      await act(async () => void vi.advanceTimersByTime(2000));
      const edited = host.autosaves.at(-1)!;
      expect(edited.path).toBeNull();
      expect(edited.text).toContain('"out_3x3": 300');
      fireEvent.click(screen.getByRole('button', { name: 'Save' }));
      await waitFor(() => expect(host.files.has('/designs/mine.json')).toBe(true));
      await act(async () => void vi.advanceTimersByTime(2000));
      expect(host.autosaves.at(-1)).toEqual({
        path: '/designs/mine.json',
        text: host.files.get('/designs/mine.json'),
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it('asks before discarding unsaved work, and does nothing when cancelled', () => {
    renderWithHost(
      <>
        <Toolbar />
        <ConfirmDialog />
      </>,
    );
    act(() => appStore.getState().setParam('inception4c', 'out_3x3', 300));
    fireEvent.click(screen.getByRole('button', { name: 'New' }));
    const dialog = screen.getByRole('dialog', { name: 'Discard unsaved changes?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(count()).toBe(300);
    fireEvent.click(screen.getByRole('button', { name: 'New' }));
    fireEvent.click(
      within(screen.getByRole('dialog')).getByRole('button', { name: 'Discard changes' }),
    );
    expect(count()).toBe(256);
  });

  it('undoes and redoes from the toolbar and from host menu commands', () => {
    renderWithHost(<App />);
    act(() => appStore.getState().setParam('inception4c', 'out_3x3', 300));
    fireEvent.click(screen.getByRole('button', { name: 'Undo' }));
    expect(count()).toBe(256);
    act(() => host.sendMenuCommand('redo'));
    expect(count()).toBe(300);
    act(() => host.sendMenuCommand('undo'));
    expect(count()).toBe(256);
  });
});

const count = () =>
  appStore.getState().design.modules.find((m) => m.id === 'inception4c')!.params.out_3x3;

describe('summary table', () => {
  it('sorts by a column and exports CSV and Markdown through the host', async () => {
    renderWithHost(<SummaryTable />);
    const firstCell = () => screen.getAllByRole('row')[1].querySelector('td')!.textContent;
    expect(firstCell()).toBe('conv1');
    fireEvent.click(screen.getByRole('button', { name: 'Params' }));
    expect(firstCell()).toBe('aux2');
    expect(screen.getByRole('columnheader', { name: /Params/ }).getAttribute('aria-sort')).toBe(
      'descending',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    fireEvent.click(screen.getByRole('button', { name: 'Export Markdown' }));
    await waitFor(() => expect(host.exports).toHaveLength(2));
    expect(host.exports[0]).toMatchObject({
      format: 'csv',
      suggestedName: 'GoogLeNet-summary.csv',
    });
    expect(host.exports[0].content.split('\n')[0]).toBe(
      'id,depth,type,settings,output_shape,params,macs,eval_path',
    );
    expect(host.exports[1].content).toContain(
      '| inception4c | Inception module | 3×512×14×14 | 511,432 | 99,850,240 |',
    );
  });
});

describe('run panel', () => {
  const result: RunResult = {
    backend: { name: 'wasm', fallbacks: ['tensorflow: @tensorflow/tfjs-node is not installed.'] },
    mode: 'train',
    batch: 3,
    seed: 0,
    outputs: {
      main: {
        shape: [3, 1000],
        stats: { min: -1, max: 1, mean: 0, std: 0.5 },
        top5: [{ index: 1, label: 'goldfish', probability: 0.01 }],
      },
      aux1: { shape: [3, 1000], stats: { min: -1, max: 1, mean: 0, std: 0.5 } },
      aux2: { shape: [3, 1000], stats: { min: -1, max: 1, mean: 0, std: 0.5 } },
    },
    modules: [
      {
        id: 'conv1',
        shape: [3, 64, 112, 112],
        expectedShape: [3, 64, 112, 112],
        match: true,
        ms: 12,
        stats: { min: 0, max: 1, mean: 0.5, std: 0.1 },
        featureMap: { width: 2, height: 2, mean: [0, 85, 170, 255], channels: [] },
      },
    ],
    totalMs: 40,
    timing: {
      method: 'profiler',
      note: "Module times: ONNX Runtime's profiler, the median of 3 passes.",
    },
    peakBytes: 1024,
    untrainedWeights: true,
    warnings: [UNTRAINED_WEIGHTS_WARNING, 'Image 2 was padded.'],
  };

  it('runs through the host with progress, then shows outputs, backend, times and the untrained note', async () => {
    let finish: () => void = () => {};
    host.options.run = (runId, _request, emit) =>
      new Promise((resolve) => {
        emit({ runId, done: 1, total: 20, module: 'conv1' });
        finish = () => resolve(okResult(result));
      });
    renderWithHost(<App />);
    fireEvent.click(screen.getByRole('tab', { name: 'Run' }));
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    await screen.findByText('conv1 (1/20)');
    expect(
      (screen.getByRole('progressbar', { name: 'Run progress' }) as HTMLProgressElement).value,
    ).toBe(1);
    await act(async () => finish());
    expect(screen.getByTestId('output-shape-main').textContent).toBe('N=3 · 1000');
    expect(screen.getByTestId('output-shape-aux2').textContent).toBe('N=3 · 1000');
    expect(screen.getByTestId('run-backend').textContent).toBe('wasm');
    expect(screen.getByText('tensorflow: @tensorflow/tfjs-node is not installed.')).toBeTruthy();
    expect(screen.getByRole('note').textContent).toMatch(
      /untrained random initialization, so these predictions are meaningless/,
    );
    // The engine's own untrained warning is not shown a second time; its other notes are.
    expect(screen.queryByText(UNTRAINED_WEIGHTS_WARNING)).toBeNull();
    expect(screen.getByText('Image 2 was padded.')).toBeTruthy();
    expect(screen.getByRole('list', { name: 'Time per module' }).textContent).toContain('12 ms');
    // How the times were measured is said beside them.
    expect(screen.getByText(/ONNX Runtime's profiler, the median of 3 passes/)).toBeTruthy();
    expect(screen.getByRole('img', { name: 'conv1 feature map' })).toBeTruthy();
  });

  it('cancels a run through the host', async () => {
    host.options.run = () => new Promise(() => {});
    renderWithHost(<App />);
    fireEvent.click(screen.getByRole('tab', { name: 'Run' }));
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(host.cancelled).toHaveLength(1));
    expect(appStore.getState().runStatus).toBe('cancelling');
  });
});

describe('an unfolded run of identical blocks', () => {
  it('says which block of the run is selected and folds the run from any of its blocks', () => {
    const s = appStore.getState();
    s.loadDesign(presetDesign('inception-resnet-v2')!, null);
    s.setUnfolded([]);
    act(() => appStore.getState().toggleFold('repeat.0'));
    act(() => appStore.getState().select('repeat.3'));
    renderWithHost(<Inspector />);
    expect(
      screen.getByText(/^Block 4 of 10 identical blocks \(repeat\.0 … repeat\.9\)\.$/),
    ).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Fold 10 blocks' }));
    expect(appStore.getState().unfolded).not.toContain('repeat.0');
    expect(appStore.getState().selectedId).toBe('repeat.0');
  });
});

describe('network settings', () => {
  it('offers the auxiliary heads only where the network has them', () => {
    appStore.getState().loadDesign(presetDesign('inception-v4')!, null);
    renderWithHost(<Inspector />);
    const box = screen.getByLabelText('Auxiliary heads (train mode)') as HTMLInputElement;
    expect(box.disabled).toBe(true);
    expect(box.checked).toBe(false);
    expect(screen.getByText('This network has no auxiliary heads.')).toBeTruthy();
    act(() => appStore.getState().loadDesign(presetDesign('googlenet')!, null));
    expect(
      (screen.getByLabelText('Auxiliary heads (train mode)') as HTMLInputElement).disabled,
    ).toBe(false);
  });
});
