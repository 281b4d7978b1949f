/**
 * Every file the command line writes goes through the one safe writer (node/host/atomicFile.ts):
 * a link planted at the output path is replaced by the output, never written through, whatever
 * the command (export of each kind, diff -o, run --dump), and no temporary file is left behind.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from './main';

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s), isTty: false });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'safe-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A victim file and, at `name`, a link to it; returns both paths. */
function plant(name: string): { victim: string; link: string } {
  const case_ = mkdtempSync(join(dir, 'case-'));
  const victim = join(case_, 'victim.txt');
  writeFileSync(victim, 'precious');
  const link = join(case_, name);
  symlinkSync(victim, link);
  return { victim, link };
}

describe('the command line writes through one safe writer', () => {
  it.each([
    ['export pytorch', 'net.py', ['export', 'pytorch']],
    ['export svg', 'net.svg', ['export', 'svg']],
    ['export csv', 'net.csv', ['export', 'csv']],
    ['export design', 'net.json', ['export', 'design', '--preset', 'googlenet-paper']],
    ['diff -o', 'diff.md', ['diff', 'googlenet', 'googlenet', '--set', 'inception4c.out_3x3=300']],
  ])(
    '%s replaces a link planted at the output instead of writing through it',
    async (_, name, argv) => {
      const { victim, link } = plant(name);
      const r = await cli(...argv, '-o', link);
      expect(r.code, r.err).toBe(0);
      expect(readFileSync(victim, 'utf8')).toBe('precious');
      expect(lstatSync(link).isSymbolicLink()).toBe(false);
      expect(readFileSync(link, 'utf8').length).toBeGreaterThan(100);
      // Nothing but the victim and the output: no temporary file left.
      expect(readdirSync(join(link, '..')).sort()).toEqual([name, 'victim.txt'].sort());
    },
  );

  it('export onnx replaces a planted link too', async () => {
    const { victim, link } = plant('net.onnx');
    const r = await cli('export', 'onnx', '--preset', 'googlenet-paper', '-o', link);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(link).isSymbolicLink()).toBe(false);
  });

  it('run --dump replaces links planted at the files it writes', async () => {
    const out = mkdtempSync(join(dir, 'dump-'));
    const victim = join(dir, 'dump-victim.txt');
    writeFileSync(victim, 'precious');
    for (const f of ['weights.safetensors', 'input.safetensors', 'outputs.safetensors'])
      symlinkSync(victim, join(out, f));
    const r = await cli('run', '--dump', out);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    for (const f of ['weights.safetensors', 'input.safetensors', 'outputs.safetensors'])
      expect(lstatSync(join(out, f)).isSymbolicLink()).toBe(false);
  });

  it('a failed write leaves neither a temporary file nor a half file (the target is a folder)', async () => {
    const case_ = mkdtempSync(join(dir, 'folder-'));
    const target = join(case_, 'out.py');
    mkdirSync(target);
    const r = await cli('export', 'pytorch', '-o', target);
    expect(r.code).not.toBe(0);
    expect(readdirSync(case_)).toEqual(['out.py']);
    expect(existsSync(join(target, 'x'))).toBe(false);
  });
});
