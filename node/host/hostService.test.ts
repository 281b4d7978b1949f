import { execFileSync } from 'node:child_process';
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serializeDesign } from '../../core/design/designFile';
import { presetDesign } from '../../core/presets';
import { AutosaveStore } from './autosaveStore';
import { HostEngine } from './hostEngine';
import type { HostHandlers } from './hostRouter';
import {
  createHostService,
  HostDialogError,
  isInside,
  suggestedDesignName,
  type HostDialogs,
} from './hostService';
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
      chooseWeightsToOpen: () => next('weights'),
      chooseDataFolder: () => next('folder'),
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
      recentWeights: new RecentFiles(join(dir, 'state', 'recent-weights.json')),
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
    expect(await service.saveDesign(null, { path: null, text })).toEqual({
      ok: true,
      value: { path: target },
    });
    expect(asked).toEqual(['save GoogLeNet.json']);
    expect(await readFile(target, 'utf8')).toBe(text);
    expect(await service.saveDesign(null, { path: target, text })).toEqual({
      ok: true,
      value: { path: target },
    });
    expect(asked).toHaveLength(1);
    expect(await service.recentFiles(null)).toEqual({ ok: true, value: [target] });
  });

  it('refuses to write or read a path the user never chose', async () => {
    const elsewhere = join(dir, 'elsewhere.json');
    expect(await service.saveDesign(null, { path: elsewhere, text })).toEqual({
      ok: false,
      error: {
        code: 'file.notAllowed',
        message: `The design was not saved: ${elsewhere} was not chosen in this session and is not in Recent Files, so the app may not write it. Use Save As to choose where to save it.`,
      },
    });
    await writeFile(elsewhere, text);
    expect(await service.openRecent(null, elsewhere)).toMatchObject({
      ok: false,
      error: { code: 'file.notAllowed' },
    });
  });

  it('refuses runs that name image or weight files the user never chose', async () => {
    const design = presetDesign('googlenet')!;
    const base = { design, mode: 'eval' as const, seed: 0 };
    expect(
      await service.run(null, 'r1', { ...base, input: { kind: 'image', path: '/etc/passwd' } }),
    ).toEqual({
      ok: false,
      error: {
        code: 'file.notAllowed',
        message:
          'The run was refused: /etc/passwd was not chosen in this session and is not in Recent Files, so the app may not read it.',
      },
    });
    expect(
      await service.run(null, 'r2', {
        ...base,
        input: { kind: 'random' },
        weightsPath: join(dir, 'w.safetensors'),
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'file.notAllowed' },
    });
  });

  it('allows paths inside the browser host folder', async () => {
    await build([join(dir, 'designs')]);
    const inside = join(dir, 'designs', 'a.json');
    expect(await service.saveDesign(null, { path: inside, text })).toEqual({
      ok: true,
      value: { path: inside },
    });
    expect(await service.openRecent(null, inside)).toEqual({
      ok: true,
      value: { path: inside, text },
    });
    expect(
      await service.saveDesign(null, { path: join(dir, 'designs', '..', 'escape.json'), text }),
    ).toMatchObject({ ok: false, error: { code: 'file.notAllowed' } });
  });

  it('opens what the user picked and reports cancel, missing, oversized and unreadable files as data', async () => {
    const file = join(dir, 'net.json');
    await writeFile(file, text);
    answers = [file, null, join(dir, 'missing.json'), dir];
    expect(await service.openDesign(null)).toEqual({ ok: true, value: { path: file, text } });
    expect(await service.openDesign(null)).toEqual({ ok: true, value: null });
    expect(await service.openDesign(null)).toMatchObject({
      ok: false,
      error: {
        code: 'file.notFound',
        message: expect.stringMatching(/missing\.json does not exist/),
      },
    });
    expect(await service.openDesign(null)).toMatchObject({
      ok: false,
      error: { code: 'file.notFile' },
    });
    const big = join(dir, 'big.json');
    await writeFile(big, Buffer.alloc(17 * 1024 * 1024, 32));
    answers = [big];
    expect(await service.openDesign(null)).toMatchObject({
      ok: false,
      error: { code: 'file.tooLarge' },
    });
  });

  it('does not save text that is not a design file', async () => {
    answers = [join(dir, 'bad.json')];
    expect(
      await service.saveDesignAs(null, { path: null, text: '{"format": "something else"}' }),
    ).toMatchObject({
      ok: false,
      error: {
        code: 'design.invalid',
        message: expect.stringMatching(
          /^The design was not saved because it is not a valid design file: \$\.format: /,
        ),
      },
    });
  });

  it('reports a dialog that cannot be shown as an error result', async () => {
    answers = [new HostDialogError('dialog.unavailable', 'No page to show the dialog on.')];
    expect(await service.openDesign(null)).toEqual({
      ok: false,
      error: { code: 'dialog.unavailable', message: 'No page to show the dialog on.' },
    });
  });

  it('exports text and base64 content where the user chose', async () => {
    answers = [join(dir, 'net.py'), join(dir, 'graph.png')];
    expect(
      await service.exportFile(null, {
        format: 'pytorch',
        suggestedName: 'net.py',
        content: 'import torch\n',
      }),
    ).toEqual({ ok: true, value: { path: join(dir, 'net.py') } });
    expect(
      await service.exportFile(null, {
        format: 'png',
        suggestedName: 'graph.png',
        content: Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64'),
        base64: true,
      }),
    ).toEqual({ ok: true, value: { path: join(dir, 'graph.png') } });
    expect(asked).toEqual(['export net.py pytorch', 'export graph.png png']);
    expect(await readFile(join(dir, 'net.py'), 'utf8')).toBe('import torch\n');
    expect([...(await readFile(join(dir, 'graph.png')))]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it('keeps the file mode of a design saved over, and gives new files the usual mode', async () => {
    const target = join(dir, 'shared.json');
    await writeFile(target, text, { mode: 0o644 });
    await chmod(target, 0o644);
    answers = [target];
    expect(await service.saveDesignAs(null, { path: null, text })).toMatchObject({ ok: true });
    expect((await stat(target)).mode & 0o777).toBe(0o644);
    await chmod(target, 0o640);
    expect(await service.saveDesign(null, { path: target, text })).toMatchObject({ ok: true });
    expect((await stat(target)).mode & 0o777).toBe(0o640);
    answers = [join(dir, 'fresh.json')];
    expect(await service.saveDesignAs(null, { path: null, text })).toMatchObject({ ok: true });
    expect((await stat(join(dir, 'fresh.json'))).mode & 0o777).toBe(0o666 & ~process.umask());
  });

  it('refuses to save onto the designs folder itself and leaves no temporary file anywhere', async () => {
    const designs = join(dir, 'designs');
    await mkdir(designs);
    await build([designs]);
    expect(await service.saveDesign(null, { path: designs, text })).toMatchObject({
      ok: false,
      error: { code: 'file.notAllowed' },
    });
    answers = [join(dir, 'folder-chosen')];
    await mkdir(join(dir, 'folder-chosen'));
    expect(await service.saveDesignAs(null, { path: null, text })).toMatchObject({
      ok: false,
      error: { code: 'file.write', message: expect.stringMatching(/is a folder/) },
    });
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(await readdir(designs)).toEqual([]);
  });

  describe('symbolic links cannot lead out of the designs folder', () => {
    let designs: string;
    let outside: string;
    beforeEach(async () => {
      designs = join(dir, 'designs');
      outside = join(dir, 'outside');
      await mkdir(join(designs, 'sub'), { recursive: true });
      await mkdir(outside);
      await writeFile(join(outside, 'secret.json'), text);
      await writeFile(join(outside, 'shadow'), 'root:$6$hash:19000:0:99999:7:::\n');
      await writeFile(join(designs, 'mine.json'), text);
      await build([designs]);
    });

    it('refuses reads through links to files and folders outside, relative, absolute and chained', async () => {
      await symlink(join(outside, 'secret.json'), join(designs, 'abs-file.json'));
      await symlink('../outside/secret.json', join(designs, 'rel-file.json'));
      await symlink('/etc', join(designs, 'etc'));
      await symlink('../../outside', join(designs, 'sub', 'out'));
      await symlink('rel-file.json', join(designs, 'chain.json'));
      await symlink(join(designs, 'sub', 'out'), join(designs, 'chain-dir'));
      for (const path of [
        'abs-file.json',
        'rel-file.json',
        'etc/passwd',
        'sub/out/secret.json',
        'chain.json',
        'chain-dir/secret.json',
        'chain-dir/shadow',
      ]) {
        const r = await service.openRecent(null, join(designs, path));
        expect(r, path).toMatchObject({
          ok: false,
          error: { code: 'file.notAllowed', message: expect.stringMatching(/leads outside/) },
        });
        expect(JSON.stringify(r)).not.toContain('root:');
      }
      // A link that stays inside is followed.
      await symlink('mine.json', join(designs, 'alias.json'));
      expect(await service.openRecent(null, join(designs, 'alias.json'))).toEqual({
        ok: true,
        value: { path: join(designs, 'mine.json'), text },
      });
    });

    it('refuses writes whose folder is a link to another folder', async () => {
      await symlink(outside, join(designs, 'elsewhere'));
      await symlink('../../outside', join(designs, 'sub', 'rel'));
      for (const path of ['elsewhere/new.json', 'sub/rel/new.json', 'elsewhere/secret.json']) {
        expect(
          await service.saveDesign(null, { path: join(designs, path), text }),
          path,
        ).toMatchObject({ ok: false, error: { code: 'file.notAllowed' } });
      }
      expect((await readdir(outside)).sort()).toEqual(['secret.json', 'shadow']);
      // A link inside the folder to a file outside is replaced by the saved file, never written through.
      await symlink(join(outside, 'secret.json'), join(designs, 'link.json'));
      expect(
        await service.saveDesign(null, {
          path: join(designs, 'link.json'),
          text: text.replace('GoogLeNet', 'Mine'),
        }),
      ).toMatchObject({ ok: true });
      expect(await readFile(join(outside, 'secret.json'), 'utf8')).toBe(text);
    });

    it('refuses to open a file in the folder that is not a design, without showing its content', async () => {
      await writeFile(join(designs, 'notes.json'), 'root:x:0:0:root:/root:/bin/bash\n');
      const r = await service.openRecent(null, join(designs, 'notes.json'));
      expect(r).toMatchObject({ ok: false, error: { code: 'file.notDesign' } });
      expect(JSON.stringify(r)).not.toContain('root:x');
    });
  });

  describe('recovered autosaves grant nothing', () => {
    it('records only paths chosen in this session, and a recovered path only if still allowed', async () => {
      // A page autosaves with a path it made up: the autosave keeps the design, not the path.
      await service.autosave(null, { path: '/etc/shadow', text });
      const state = join(dir, 'state');
      const files = (await readdir(state)).filter((n) => n.startsWith('autosave-'));
      const saved = JSON.parse(await readFile(join(state, files[0]), 'utf8')) as {
        file: { path: string | null };
      };
      expect(saved.file.path).toBeNull();
      // A chosen path is kept.
      const chosen = join(dir, 'chosen.json');
      answers = [chosen];
      await service.saveDesignAs(null, { path: null, text });
      await service.autosave(null, { path: chosen, text });
      expect(
        (
          JSON.parse(await readFile(join(state, files[0]), 'utf8')) as {
            file: { path: string | null };
          }
        ).file.path,
      ).toBe(chosen);
    });

    it('a tampered recovery file offers the design without its path, and grants no access', async () => {
      const state = join(dir, 'state');
      await mkdir(state, { recursive: true });
      const victim = join(dir, 'victim.json');
      await writeFile(victim, text);
      await writeFile(
        join(state, 'recovery.json'),
        JSON.stringify({
          savedAt: '2026-01-01T00:00:00.000Z',
          pid: 1,
          file: { path: victim, text },
        }),
      );
      await build();
      expect(await service.takeRecovery(null)).toEqual({ ok: true, value: { path: null, text } });
      expect(await service.openRecent(null, victim)).toMatchObject({
        ok: false,
        error: { code: 'file.notAllowed' },
      });
      expect(await service.saveDesign(null, { path: victim, text })).toMatchObject({
        ok: false,
        error: { code: 'file.notAllowed' },
      });
      expect(await service.recentFiles(null)).toEqual({ ok: true, value: [] });
    });
  });

  describe('special files are refused before anything is read', () => {
    const fifo = () => join(dir, 'pipe.json');
    beforeEach(() => {
      execFileSync('mkfifo', [fifo()]);
    });

    it.each([
      ['a named pipe', () => fifo(), /named pipe \(FIFO\)/],
      ['a character device', () => '/dev/zero', /character device/],
      ['a folder', () => dir, /a folder/],
    ])('Open refuses %s', async (_what, path, message) => {
      answers = [path()];
      expect(await service.openDesign(null)).toMatchObject({
        ok: false,
        error: { code: 'file.notFile', message: expect.stringMatching(message) },
      });
    });

    it('Open Recent refuses a FIFO, a folder and /dev/zero in the designs folder', async () => {
      const designs = join(dir, 'designs');
      await mkdir(join(designs, 'folder.json'), { recursive: true });
      execFileSync('mkfifo', [join(designs, 'pipe.json')]);
      await symlink('/dev/zero', join(designs, 'zero.json'));
      await build([designs]);
      expect(await service.openRecent(null, join(designs, 'pipe.json'))).toMatchObject({
        ok: false,
        error: { code: 'file.notFile', message: expect.stringMatching(/named pipe/) },
      });
      expect(await service.openRecent(null, join(designs, 'folder.json'))).toMatchObject({
        ok: false,
        error: { code: 'file.notFile', message: expect.stringMatching(/a folder/) },
      });
      // The link leads out of the folder, to a device: refused before it is opened.
      expect(await service.openRecent(null, join(designs, 'zero.json'))).toMatchObject({
        ok: false,
        error: { code: 'file.notAllowed' },
      });
    });

    it('a run refuses a FIFO or /dev/zero as image or weights (the browser folder holds them)', async () => {
      const designs = join(dir, 'designs');
      await mkdir(designs);
      execFileSync('mkfifo', [join(designs, 'pipe.png')]);
      await symlink('/dev/zero', join(designs, 'zero.safetensors'));
      await build([designs]);
      const design = {
        ...presetDesign('googlenet')!,
        input: { batch: 1, channels: 3, height: 224, width: 224 },
        aux: false,
      };
      const base = { design, mode: 'eval' as const, seed: 0, featureMaps: false };
      const image = await service.run(null, 'r1', {
        ...base,
        input: { kind: 'image', path: join(designs, 'pipe.png') },
      });
      expect(image).toMatchObject({
        ok: false,
        error: { code: 'input.notFile', message: expect.stringMatching(/named pipe/) },
      });
      // /dev/zero lies outside the folder: refused before it is even looked at.
      const zero = await service.run(null, 'r2', {
        ...base,
        input: { kind: 'random' },
        weightsPath: join(designs, 'zero.safetensors'),
      });
      expect(zero).toMatchObject({ ok: false, error: { code: 'file.notAllowed' } });
    }, 60_000);
  });

  it('autosaves and hands back nothing while this session is alive', async () => {
    expect(await service.autosave(null, { path: null, text })).toEqual({
      ok: true,
      value: undefined,
    });
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

  it('lets runs read a chosen or dropped weights file, again in a later session, and nothing else', async () => {
    const pth = join(dir, 'googlenet.pth');
    const other = join(dir, 'other.safetensors');
    await writeFile(pth, 'x');
    await writeFile(other, 'x');
    answers = [pth];
    expect(await service.chooseWeights(null)).toEqual({
      ok: true,
      value: { path: pth, name: 'googlenet.pth' },
    });
    expect(asked).toEqual(['weights']);
    // Weights are kept apart from Recent Files (the menu lists designs there).
    expect(await service.recentFiles(null)).toEqual({ ok: true, value: [] });
    expect(await service.reuseWeights(null, other)).toMatchObject({
      ok: false,
      error: { code: 'file.notAllowed' },
    });
    expect((await service.grantDroppedWeights(null, other)).ok).toBe(true);
    const photo = join(dir, 'cat.jpg');
    await writeFile(photo, 'x');
    expect(await service.grantDroppedWeights(null, photo)).toMatchObject({
      ok: false,
      error: { code: 'weights.notWeightsFile' },
    });
    // A new session (the app restarted) may reuse what was chosen before.
    await engine.dispose();
    await build();
    expect(await service.reuseWeights(null, pth)).toEqual({
      ok: true,
      value: { path: pth, name: 'googlenet.pth' },
    });
    await rm(pth);
    expect(await service.reuseWeights(null, pth)).toMatchObject({
      ok: false,
      error: { code: 'weights.read' },
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
