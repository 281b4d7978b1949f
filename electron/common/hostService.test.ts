import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serializeDesign } from '../../core/design/designFile';
import { presetDesign } from '../../core/presets';
import { AutosaveStore } from './autosaveStore';
import { HostEngine } from './hostEngine';
import type { HostHandlers } from './hostRouter';
import { createHostService, HostDialogError, isInside, suggestedDesignName, type HostDialogs } from './hostService';
import { RecentFiles } from './recentFiles';

const text = serializeDesign(presetDesign('googlenet')!);
const repoSamples = join(import.meta.dirname, '..', '..', 'assets', 'samples');

/** The user's answers to the next dialogs, in order (null = Cancel). */
type Answer = string | null | HostDialogError;

describe('host service', () => {
  let dir: string;
  let answers: Answer[];
  let asked: string[];
  let service: HostHandlers<null>;
  let engine: HostEngine;
  const build = async (roots?: string[]) => {
    const next = async (what: string) => {
      asked.push(what);
      const a = answers.shift();
      if (a instanceof HostDialogError) throw a;
      return a ?? null;
    };
    const dialogs: HostDialogs<null> = {
      chooseDesignToOpen: () => next('open'),
      chooseDesignSavePath: (_c, name) => next(`save ${name}`),
      chooseExportPath: (_c, name, format) => next(`export ${name} ${format}`),
    };
    engine = new HostEngine();
    service = createHostService({
      kind: 'test',
      appVersion: '0.1.0',
      versions: {},
      dialogs,
      engine,
      autosave: await AutosaveStore.open(join(dir, 'state')),
      recent: new RecentFiles(join(dir, 'state', 'recent.json')),
      samplesDir: repoSamples,
      roots,
      emitProgress: () => {},
    });
  };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'host-service-'));
    answers = [];
    asked = [];
    await build();
  });
  afterEach(async () => {
    await engine.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('saves where the user chose, then saves there again without asking', async () => {
    const target = join(dir, 'mine.json');
    answers = [target];
    expect(await service.saveDesign(null, { path: null, text })).toEqual({ ok: true, value: { path: target } });
    expect(asked).toEqual(['save GoogLeNet.json']);
    expect(await readFile(target, 'utf8')).toBe(text);
    expect(await service.saveDesign(null, { path: target, text })).toEqual({ ok: true, value: { path: target } });
    expect(asked).toHaveLength(1);
    expect(await service.recentFiles(null)).toEqual({ ok: true, value: [target] });
  });

  it('refuses to write or read a path the user never chose', async () => {
    const elsewhere = join(dir, 'elsewhere.json');
    expect(await service.saveDesign(null, { path: elsewhere, text })).toEqual({
      ok: false,
      error: { code: 'file.notAllowed', message: `The design was not saved: ${elsewhere} was not chosen in this session. Use Save As to choose where to save it.` },
    });
    await writeFile(elsewhere, text);
    expect(await service.openRecent(null, elsewhere)).toMatchObject({ ok: false, error: { code: 'file.notAllowed' } });
  });

  it('refuses runs that name image or weight files the user never chose', async () => {
    const design = presetDesign('googlenet')!;
    const base = { design, mode: 'eval' as const, seed: 0 };
    expect(await service.run(null, 'r1', { ...base, input: { kind: 'image', path: '/etc/passwd' } })).toEqual({
      ok: false,
      error: { code: 'file.notAllowed', message: 'The run was refused: /etc/passwd was not chosen in this session, so the app may not read it.' },
    });
    expect(await service.run(null, 'r2', { ...base, input: { kind: 'random' }, weightsPath: join(dir, 'w.safetensors') })).toMatchObject({
      ok: false,
      error: { code: 'file.notAllowed' },
    });
  });

  it('allows paths inside the browser host folder', async () => {
    await build([join(dir, 'designs')]);
    const inside = join(dir, 'designs', 'a.json');
    expect(await service.saveDesign(null, { path: inside, text })).toEqual({ ok: true, value: { path: inside } });
    expect(await service.openRecent(null, inside)).toEqual({ ok: true, value: { path: inside, text } });
    expect(await service.saveDesign(null, { path: join(dir, 'designs', '..', 'escape.json'), text })).toMatchObject({ ok: false, error: { code: 'file.notAllowed' } });
  });

  it('opens what the user picked and reports cancel, missing, oversized and unreadable files as data', async () => {
    const file = join(dir, 'net.json');
    await writeFile(file, text);
    answers = [file, null, join(dir, 'missing.json'), dir];
    expect(await service.openDesign(null)).toEqual({ ok: true, value: { path: file, text } });
    expect(await service.openDesign(null)).toEqual({ ok: true, value: null });
    expect(await service.openDesign(null)).toMatchObject({ ok: false, error: { code: 'file.notFound', message: expect.stringMatching(/missing\.json does not exist/) } });
    expect(await service.openDesign(null)).toMatchObject({ ok: false, error: { code: 'file.notFile' } });
    const big = join(dir, 'big.json');
    await writeFile(big, Buffer.alloc(17 * 1024 * 1024, 32));
    answers = [big];
    expect(await service.openDesign(null)).toMatchObject({ ok: false, error: { code: 'file.tooLarge' } });
  });

  it('does not save text that is not a design file', async () => {
    answers = [join(dir, 'bad.json')];
    expect(await service.saveDesignAs(null, { path: null, text: '{"format": "something else"}' })).toMatchObject({
      ok: false,
      error: { code: 'design.invalid', message: expect.stringMatching(/^The design was not saved because it is not a valid design file: \$\.format: /) },
    });
  });

  it('reports a dialog that cannot be shown as an error result', async () => {
    answers = [new HostDialogError('dialog.unavailable', 'No page to show the dialog on.')];
    expect(await service.openDesign(null)).toEqual({ ok: false, error: { code: 'dialog.unavailable', message: 'No page to show the dialog on.' } });
  });

  it('exports text and base64 content where the user chose', async () => {
    answers = [join(dir, 'net.py'), join(dir, 'graph.png')];
    expect(await service.exportFile(null, { format: 'pytorch', suggestedName: 'net.py', content: 'import torch\n' })).toEqual({ ok: true, value: { path: join(dir, 'net.py') } });
    expect(await service.exportFile(null, { format: 'png', suggestedName: 'graph.png', content: Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64'), base64: true })).toEqual({ ok: true, value: { path: join(dir, 'graph.png') } });
    expect(asked).toEqual(['export net.py pytorch', 'export graph.png png']);
    expect(await readFile(join(dir, 'net.py'), 'utf8')).toBe('import torch\n');
    expect([...(await readFile(join(dir, 'graph.png')))]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it('autosaves and hands back nothing while this session is alive', async () => {
    expect(await service.autosave(null, { path: null, text })).toEqual({ ok: true, value: undefined });
    expect(await service.takeRecovery(null)).toEqual({ ok: true, value: null });
  });

  it('lists the sample photos with labels', async () => {
    expect(await service.listSamples(null)).toEqual({
      ok: true,
      value: [
        { name: 'astronaut.jpg', label: 'astronaut' },
        { name: 'cat.jpg', label: 'cat' },
        { name: 'coffee.jpg', label: 'coffee' },
        { name: 'rocket.jpg', label: 'rocket' },
      ],
    });
  });

  it('suggests file names from the design name and checks folder containment', () => {
    expect(suggestedDesignName(text, null)).toBe('GoogLeNet.json');
    expect(suggestedDesignName('{"name": "../../My net: v2"}', null)).toBe('My-net-v2.json');
    expect(suggestedDesignName('not json', null)).toBe('design.json');
    expect(suggestedDesignName(text, '/d/kept.json')).toBe('kept.json');
    expect(isInside('/a/b', '/a/b/c.json')).toBe(true);
    expect(isInside('/a/b', '/a/bc.json')).toBe(false);
    expect(isInside('/a/b', '/a/b/../c.json')).toBe(false);
  });
});
