// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { Resvg } from '@resvg/resvg-js';
import { analyze } from '../../core/analysis/analyze';
import { summaryCsv } from '../../core/analysis/summaryTable';
import { setParam } from '../../core/design/edit';
import { pytorchCode } from '../../core/export/pytorch';
import { errResult } from '../../core/run/types';
import { presetDesign } from '../../core/presets';
import type { Design } from '../../core/model/types';
import { HostProvider } from '../host/host';
import { createMemoryHost, type MemoryHost } from '../host/__fixtures__/memoryHost';
import { appStore } from '../state/store';
import { ExportDialog, ExportPanel } from './ExportDialog';
import { onnx } from '../../core/export/onnxGraph';

let host: MemoryHost;
let closed: number;
let clipboard: string[];

beforeEach(() => {
  host = createMemoryHost();
  closed = 0;
  clipboard = [];
  Object.defineProperty(navigator, 'clipboard', {
    configurable: true,
    value: { writeText: async (t: string) => void clipboard.push(t) },
  });
});
afterEach(cleanup);

function panel(design: Design, extra: Partial<Parameters<typeof ExportPanel>[0]> = {}) {
  return render(
    <ExportPanel
      design={design}
      analysis={analyze(design)}
      host={host}
      onClose={() => closed++}
      {...extra}
    />,
  );
}

const googlenet = () => presetDesign('googlenet')!;
const dialog = () => screen.getByRole('dialog', { name: 'Export GoogLeNet' });
const choose = (label: string) =>
  fireEvent.click(screen.getByRole('radio', { name: new RegExp(`^${label}`) }));

describe('ExportPanel', () => {
  it("exports the ONNX model with the Run panel's seed: a summary instead of a preview, saved as bytes", async () => {
    panel(googlenet(), { weightsSeed: 7 });
    choose('ONNX model');
    const summary = await screen.findByTestId('export-summary', {}, { timeout: 10_000 });
    expect(summary.textContent).toMatch(
      /^ONNX model, opset 17, [\d.]+ MiB: \d+ nodes named by module path; input input N×3×224×224; output main N×1000 \(N is the batch\); weights seeded with 7/,
    );
    expect(within(dialog()).getByText(/^googlenet\.onnx · 2\d\.\d MiB$/)).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Copy' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Save…' }));
    await waitFor(() => expect(host.exports).toHaveLength(1));
    const saved = host.exports[0];
    expect(saved).toMatchObject({ format: 'onnx', suggestedName: 'googlenet.onnx', base64: true });
    const model = onnx.ModelProto.decode(Buffer.from(saved.content, 'base64'));
    expect(model.graph!.node!.some((n) => n.name === 'inception4c.branch2.1.conv')).toBe(true);
    expect(model.metadataProps.find((p) => p.key === 'weights')?.value).toBe(
      'seeded PyTorch-style initialization, seed 7',
    );
    expect(model.graph!.node!.some((n) => n.opType === 'BatchNormalization')).toBe(false);
    // Kept batch norm: BatchNormalization nodes holding the state_dict's own tensors.
    fireEvent.click(screen.getByRole('checkbox', { name: /Fold batch norm/ }));
    await waitFor(
      () => expect(screen.getByTestId('export-summary').textContent).toMatch(/batch norm kept\.$/),
      { timeout: 10_000 },
    );
    fireEvent.click(screen.getByRole('button', { name: 'Save…' }));
    await waitFor(() => expect(host.exports).toHaveLength(2));
    const kept = onnx.ModelProto.decode(Buffer.from(host.exports[1].content, 'base64'));
    expect(kept.graph!.node!.some((n) => n.opType === 'BatchNormalization')).toBe(true);
    expect(kept.graph!.initializer!.some((t) => t.name === 'conv1.batchnorm.running_var')).toBe(
      true,
    );
  }, 60_000);

  it('previews the PyTorch code and saves it through the host under the design name', async () => {
    panel(googlenet());
    const code = pytorchCode(googlenet());
    if (!code.ok) throw new Error('googlenet must export');
    const preview = await screen.findByLabelText('PyTorch code preview');
    expect(preview.textContent).toBe(code.value.code);
    expect(within(dialog()).getByText(/^googlenet\.py · \d+ lines · [\d.]+ KiB$/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Save…' }));
    await waitFor(() => expect(host.exports).toHaveLength(1));
    expect(host.exports[0]).toEqual({
      format: 'pytorch',
      suggestedName: 'googlenet.py',
      content: code.value.code,
    });
    expect((await screen.findByRole('status')).textContent).toBe('Saved to /exports/googlenet.py.');
  });

  it('switches format, previews the CSV and copies it', async () => {
    panel(googlenet());
    choose('Summary table \\(CSV\\)');
    const preview = await screen.findByLabelText('Summary table (CSV) preview');
    expect(preview.textContent).toBe(summaryCsv(analyze(googlenet())));
    fireEvent.click(screen.getByRole('button', { name: 'Copy' }));
    await waitFor(() => expect(clipboard).toEqual([summaryCsv(analyze(googlenet()))]));
    expect(screen.getByRole('status').textContent).toBe(
      'Copied summary table (csv) to the clipboard.',
    );
  });

  it('switches from a shown code preview to each picture and back without failing', async () => {
    panel(googlenet());
    await screen.findByLabelText('PyTorch code preview');
    choose('Graph picture \\(SVG\\)');
    await screen.findByRole('img', { name: 'The graph of GoogLeNet' });
    expect(within(dialog()).getByText(/^googlenet-graph\.svg · \d+ × \d+$/)).toBeTruthy();
    choose('Graph picture \\(PNG\\)');
    await screen.findByText(/^googlenet-graph\.png · \d+ × \d+ pixels$/);
    choose('PyTorch');
    expect((await screen.findByLabelText('PyTorch code preview')).textContent).toContain(
      'class GoogLeNet',
    );
  });

  it('shows the graph picture and saves the SVG in the chosen colours', async () => {
    panel(googlenet(), { theme: 'light' });
    choose('Graph picture \\(SVG\\)');
    const img = (await screen.findByRole('img', {
      name: 'The graph of GoogLeNet',
    })) as HTMLImageElement;
    expect(img.src.startsWith('data:image/svg+xml;charset=utf-8,')).toBe(true);
    expect(decodeURIComponent(img.src)).toContain(
      '<g id="node-inception4c" class="node inception">',
    );
    fireEvent.change(screen.getByLabelText('Picture colours'), { target: { value: 'dark' } });
    await waitFor(() =>
      expect(
        decodeURIComponent(
          (screen.getByRole('img', { name: 'The graph of GoogLeNet' }) as HTMLImageElement).src,
        ),
      ).toContain('fill="#14171c"'),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Save…' }));
    await waitFor(() => expect(host.exports).toHaveLength(1));
    expect(host.exports[0].suggestedName).toBe('googlenet-graph.svg');
    expect(host.exports[0].content).toContain('fill="#14171c"');
  });

  it('saves the PNG as base64 pixels, at twice the picture size', async () => {
    const rasterize = async (svg: string, scale: number) =>
      Buffer.from(
        new Resvg(svg, { fitTo: { mode: 'zoom', value: scale } }).render().asPng(),
      ).toString('base64');
    const saved: {
      format: string;
      suggestedName: string;
      content: string | Uint8Array;
      base64?: boolean;
    }[] = [];
    host.exportFile = async (req) => {
      saved.push(req);
      return { ok: true, value: { path: `/exports/${req.suggestedName}` } };
    };
    panel(googlenet(), { initialFormat: 'png', rasterize });
    await screen.findByRole('img', { name: 'The graph of GoogLeNet' });
    expect(screen.getByText(/^googlenet-graph\.png · \d+ × \d+ pixels$/)).toBeTruthy();
    // A PNG is not text: nothing to copy.
    expect((screen.getByRole('button', { name: 'Copy' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Save…' }));
    await waitFor(() => expect(saved).toHaveLength(1), { timeout: 10_000 });
    // The PNG travels as its bytes, not as base64 text.
    expect(saved[0]).toMatchObject({ format: 'png', suggestedName: 'googlenet-graph.png' });
    expect(saved[0].content).toBeInstanceOf(Uint8Array);
    const png = Buffer.from(saved[0].content as Uint8Array);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const [, w] = /^googlenet-graph\.png · (\d+) × (\d+) pixels$/
      .exec(screen.getByText(/pixels$/).textContent!)!
      .map(Number);
    expect(png.readUInt32BE(16)).toBe(w);
  });

  it("lists an invalid design's problems in core's words and offers nothing to save", async () => {
    panel(setParam(googlenet(), 'inception4c', 'out_3x3', -5));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain(
      'The design has 1 problem, so it cannot be exported. Fix it first:',
    );
    expect(alert.textContent).toContain(
      'inception4c: 3×3 must be a whole number from 1 to 65,536; got -5.',
    );
    expect((screen.getByRole('button', { name: 'Save…' }) as HTMLButtonElement).disabled).toBe(
      true,
    );
    expect((screen.getByRole('button', { name: 'Copy' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('takes focus back after a host file dialog that left it on the page, so Escape still closes', async () => {
    host.exportFile = async (req) => {
      (document.activeElement as HTMLElement | null)?.blur();
      return { ok: true, value: { path: `/exports/${req.suggestedName}` } };
    };
    panel(googlenet());
    await screen.findByLabelText('PyTorch code preview');
    fireEvent.click(screen.getByRole('button', { name: 'Save…' }));
    await screen.findByText('Saved to /exports/googlenet.py.');
    expect(dialog().contains(document.activeElement)).toBe(true);
    fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
    expect(closed).toBe(1);
  });

  it("shows the host's error when saving fails, and closes on Escape and Close", async () => {
    host.exportFile = async () =>
      errResult('file.write', 'The export could not be written to /x.py: permission denied.');
    panel(googlenet());
    await screen.findByLabelText('PyTorch code preview');
    fireEvent.click(screen.getByRole('button', { name: 'Save…' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'The export could not be written to /x.py: permission denied.',
    );
    fireEvent.keyDown(dialog(), { key: 'Escape' });
    fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(closed).toBe(2);
  });
});

describe('ExportDialog (mounted by File → Export…)', () => {
  it('exports the open design with its opened modules and tells the app where it went', async () => {
    const s = appStore.getState();
    s.loadDesign(setParam(googlenet(), 'inception4c', 'out_3x3', 300), null);
    s.setOpened(['inception4c']);
    appStore.setState({ notice: null });
    render(
      <HostProvider host={host}>
        <ExportDialog onClose={() => closed++} />
      </HostProvider>,
    );
    choose('Graph picture \\(SVG\\)');
    const opened = await screen.findByRole('checkbox', { name: 'Draw inception4c opened' });
    expect((opened as HTMLInputElement).checked).toBe(true);
    await waitFor(() =>
      expect(decodeURIComponent((screen.getByRole('img') as HTMLImageElement).src)).toContain(
        'node-inception4c::branch2.1',
      ),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Save…' }));
    await waitFor(() => expect(host.exports).toHaveLength(1));
    expect(host.exports[0].content).toContain('>300</text>');
    expect(appStore.getState().notice).toEqual({
      text: 'Exported to /exports/googlenet-graph.svg.',
      tone: 'info',
    });
    s.setOpened([]);
  });

  it('draws the runs of identical blocks as the graph shows them (folded ×N, an unfolded run block by block), or every block on request', async () => {
    const s = appStore.getState();
    s.loadDesign(presetDesign('inception-resnet-v2')!, null);
    s.setUnfolded(['repeat.0']);
    render(
      <HostProvider host={host}>
        <ExportDialog onClose={() => closed++} />
      </HostProvider>,
    );
    choose('Graph picture \\(SVG\\)');
    const picture = () => decodeURIComponent((screen.getByRole('img') as HTMLImageElement).src);
    const fold = await screen.findByRole('checkbox', {
      name: /^Draw each run of identical blocks as one node \(×20, ×9\)/,
    });
    expect((fold as HTMLInputElement).checked).toBe(true);
    await waitFor(() =>
      expect(picture()).toContain('runs of identical blocks drawn folded: ×20, ×9'),
    );
    // repeat.0's run is unfolded in the graph, so in the picture; repeat_1's is one node.
    expect(picture()).toContain('id="node-repeat.9"');
    expect(picture()).not.toContain('id="node-repeat_1.19"');
    fireEvent.click(fold);
    await waitFor(() => expect(picture()).toContain('id="node-repeat_1.19"'));
    expect(picture()).not.toContain('drawn folded');
    s.setUnfolded([]);
  });
});
