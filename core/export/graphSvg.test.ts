import { describe, expect, it } from 'vitest';
import { analyze } from '../analysis/analyze';
import { deleteModule, setParam } from '../design/edit';
import { presetDesign } from '../presets';
import { fitText, graphSvg, roundedPath, textWidth, xmlText } from './graphSvg';
import { EXPORT_FORMATS, exportContent, suggestedFileName } from './exportFormats';

const googlenet = () => presetDesign('googlenet')!;
const INCEPTIONS = ['3a', '3b', '4a', '4b', '4c', '4d', '4e', '5a', '5b'].map(
  (s) => `inception${s}`,
);

/** The text content of every <text> of a class. */
const texts = (svg: string, cls: string) =>
  [...svg.matchAll(new RegExp(`<text [^>]*class="${cls}"[^>]*>([^<]*)</text>`, 'g'))].map(
    (m) => m[1],
  );

describe('graphSvg', () => {
  it('draws every module with its id, output shape and cost, and every edge with its shape', async () => {
    const svg = await graphSvg(googlenet());
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const ids = texts(svg, 'node-id');
    for (const m of googlenet().modules) expect(ids).toContain(m.id);
    expect(ids).toEqual(
      expect.arrayContaining(['Input', 'Output main', 'Output aux1', 'Output aux2']),
    );
    const shapes = texts(svg, 'node-shape');
    expect(shapes).toContain('N=3 · 512×14×14');
    expect(shapes).toContain('N=3 · 1024×7×7');
    expect(texts(svg, 'node-cost')).toContain('511 K params · 99.9 M MACs');
    const labels = texts(svg, 'edge-label');
    expect(labels).toEqual(
      expect.arrayContaining([
        'N=3 · 3×224×224',
        'N=3 · 192×28×28',
        'N=3 · 512×14×14',
        'N=3 · 1000',
      ]),
    );
    // One arrow per edge: 20 modules' inputs plus three outputs.
    expect(svg.match(/<path d="M[^"]*" stroke="[^"]*" stroke-width="1.5"/g)).toHaveLength(23);
  });

  it('shows the nine inception modules with their six counts', async () => {
    const svg = await graphSvg(googlenet());
    for (const id of INCEPTIONS)
      expect(svg).toContain(`<g id="node-${id}" class="node inception">`);
    const group = svg.slice(
      svg.indexOf('<g id="node-inception4c"'),
      svg.indexOf('</g>', svg.indexOf('<g id="node-inception4c"')),
    );
    expect(texts(group, 'count')).toEqual(['128', '128', '256', '24', '64', '64']);
  });

  it('puts the name and totals in a title band', async () => {
    const svg = await graphSvg(googlenet());
    expect(texts(svg, 'title')).toEqual(['GoogLeNet']);
    expect(texts(svg, 'subtitle')[0]).toBe(
      'input N=3 · 3×224×224 · 13,389,064 parameters (7,008,824 on the eval path) · 1.57 G MACs per image · from preset googlenet',
    );
    const bare = await graphSvg(googlenet(), undefined, { title: false });
    expect(texts(bare, 'title')).toEqual([]);
  });

  it('draws every block of a network with repeated blocks by default, or the runs folded ×N as the explorer shows them (IRv2)', async () => {
    const d = presetDesign('inception-resnet-v2')!;
    const every = await graphSvg(d);
    const ids = texts(every, 'node-id');
    for (const m of d.modules) expect(ids).toContain(m.id);
    expect(texts(every, 'subtitle')[0]).not.toContain('folded');

    const folded = await graphSvg(d, undefined, { fold: true });
    const shown = texts(folded, 'node-id');
    // 53 modules; the 10/20/9 runs are one node each: 17 drawn.
    expect(shown.filter((id) => d.modules.some((m) => m.id === id))).toHaveLength(17);
    expect(shown).not.toContain('repeat_1.1');
    const b17 = folded.slice(
      folded.indexOf('<g id="node-repeat_1.0"'),
      folded.indexOf('</g>', folded.indexOf('<g id="node-repeat_1.0"')),
    );
    expect(b17).toContain('>×20</text>');
    expect(b17).toMatch(/>each 1\.13 M params · \d+ M MACs</);
    // The cost line is the run's: 20 × 1.13 M.
    expect(texts(b17, 'node-cost')[0]).toMatch(/^22\.\d M params/);
    expect(texts(folded, 'subtitle')[0]).toContain('55,843,464 parameters');
    expect(texts(folded, 'subtitle')[0]).toContain(
      'runs of identical blocks drawn folded: ×10, ×20, ×9',
    );

    // A run the user unfolded is drawn block by block.
    const one = await graphSvg(d, undefined, { fold: true, unfolded: ['repeat_1.0'] });
    expect(texts(one, 'node-id')).toContain('repeat_1.19');
    expect(texts(one, 'subtitle')[0]).toContain('drawn folded: ×10, ×9');
  });

  it('marks edits against the preset as the explorer does', async () => {
    const d = setParam(googlenet(), 'inception4c', 'out_3x3', 300);
    const svg = await graphSvg(d);
    const group = svg.slice(
      svg.indexOf('<g id="node-inception4c"'),
      svg.indexOf('</g>', svg.indexOf('<g id="node-inception4c"')),
    );
    expect(group).toContain('>CHANGED</text>');
    expect(group).toContain('>+50.8 K params · +9.93 M MACs</text>');
    expect(group).toContain('>N=3 · 512×14×14 → N=3 · 556×14×14</text>');
    // inception4d is affected, which only a comparison marks.
    const d4 = svg.slice(
      svg.indexOf('<g id="node-inception4d"'),
      svg.indexOf('</g>', svg.indexOf('<g id="node-inception4d"')),
    );
    expect(d4).not.toContain('>AFFECTED</text>');
    expect(d4).toContain('>+15.5 K params · +3.04 M MACs</text>');
    expect(texts(group, 'count')).toContain('300');
  });

  it('draws a comparison with every status marked and removed modules as ghosts', async () => {
    const b = deleteModule(setParam(googlenet(), 'inception4c', 'out_3x3', 300), 'inception4e');
    const svg = await graphSvg(b, undefined, { compareWith: googlenet() });
    const group = (id: string) =>
      svg.slice(
        svg.indexOf(`<g id="node-${id}"`),
        svg.indexOf('</g>', svg.indexOf(`<g id="node-${id}"`)),
      );
    expect(group('inception4c')).toContain('>CHANGED</text>');
    expect(group('inception4d')).toContain('>AFFECTED</text>');
    expect(group('inception4e')).toContain('>REMOVED</text>');
    expect(group('inception4e')).toContain('stroke-dasharray');
    // 528 channels instead of 832 reach maxpool4 and inception5a.
    expect(group('inception5a')).toContain('>AFFECTED</text>');
    expect(group('inception5b')).not.toContain('>AFFECTED</text>');
    expect(texts(svg, 'subtitle')[0]).toMatch(/^compared with GoogLeNet.* · parameters −\d/);
  });

  it('draws an opened module with its branches inside', async () => {
    const svg = await graphSvg(googlenet(), undefined, { opened: ['inception4c'] });
    expect(svg).toContain('<g id="node-inception4c::branch2.1" class="node step">');
    expect(svg).toContain('>3×3 reduce</text>');
    expect(svg).toContain('>Conv2d 3×3/1 p1</text>');
  });

  it("writes the issue in core's words on an invalid node", async () => {
    const d = setParam(googlenet(), 'inception4c', 'out_3x3', -5);
    const svg = await graphSvg(d, analyze(d));
    expect(texts(svg, 'node-issue').join(' ')).toContain('inception4c: 3×3 must be a whole number');
  });

  it('uses the dark palette on request and escapes the design name', async () => {
    const d = { ...googlenet(), name: 'Mine <v2> & "best"' };
    const svg = await graphSvg(d, undefined, { theme: 'dark' });
    expect(svg).toContain('<rect width="100%" height="100%" fill="#14171c"/>');
    expect(svg).toContain('<title>Mine &lt;v2&gt; &amp; &quot;best&quot;</title>');
    expect(svg).not.toContain('<v2>');
  });

  it('is the same picture every time', async () => {
    expect(await graphSvg(googlenet())).toBe(await graphSvg(googlenet()));
  });
});

describe('text measurement', () => {
  it('measures DejaVu advances and cuts text with an ellipsis to fit', () => {
    expect(textWidth('0000', 10, 'mono')).toBeCloseTo(24.08);
    expect(textWidth('inception4c', 14, 'sans', true)).toBeGreaterThan(
      textWidth('inception4c', 14, 'sans'),
    );
    expect(fitText('short', 100, 12, 'sans')).toBe('short');
    const cut = fitText(
      'Conv block · 7×7/2 p3 · 64 out and then some more words',
      120,
      11.5,
      'sans',
    );
    expect(cut.endsWith('…')).toBe(true);
    expect(textWidth(cut, 11.5, 'sans')).toBeLessThanOrEqual(120);
  });

  it('escapes XML and rounds corners of routes', () => {
    expect(xmlText(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
    expect(
      roundedPath([
        { x: 0, y: 0 },
        { x: 20, y: 0 },
        { x: 20, y: 20 },
      ]),
    ).toBe('M0 0 L14 0 Q20 0 20 6 L20 20');
    expect(roundedPath([{ x: 0, y: 0 }])).toBe('');
  });
});

describe('exportContent', () => {
  it('makes every format from a valid design, with a file name from the design', async () => {
    const d = presetDesign('googlenet-torchvision')!;
    for (const format of Object.keys(EXPORT_FORMATS) as (keyof typeof EXPORT_FORMATS)[]) {
      const r = await exportContent(format, d);
      expect(r.ok, format).toBe(true);
      if (r.ok) {
        expect(r.value.content.length, format).toBeGreaterThan(100);
        expect(r.value.fileName).toBe(suggestedFileName(d, format));
      }
    }
    expect(suggestedFileName(d, 'pytorch')).toBe('googlenet-torchvision.py');
    expect(suggestedFileName(d, 'png')).toBe('googlenet-torchvision-graph.png');
    expect(suggestedFileName({ ...d, name: '' }, 'csv')).toBe('googlenet-torchvision-summary.csv');
  });

  it('exports nothing from an invalid design and returns its issues', async () => {
    const d = setParam(googlenet(), 'inception4c', 'out_3x3', -5);
    for (const format of ['svg', 'csv', 'design'] as const) {
      const r = await exportContent(format, d);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.issues[0]).toMatchObject({ code: 'param.range', nodeId: 'inception4c' });
    }
  });
});
