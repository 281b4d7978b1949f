// README.md and docs/*.md stay true: every relative link (and picture) names a file that exists,
// and its #anchor a heading of that file; every command they quote exists. For
// `npx inception-explorer CMD …`: `CMD --help` succeeds (cli/main.ts in-process), each option
// quoted with it is one its --help lists, and a quoted `weights`/`export` subcommand is one its
// --help names. For `npm run X`, `npm start`, `npm test`: the script is in package.json.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../cli/command';
import { main } from '../../cli/main';

const root = path.resolve(import.meta.dirname, '../..');
const pages = [
  'README.md',
  ...fs
    .readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const text = (page: string): string => fs.readFileSync(path.join(root, page), 'utf8');

/** Links and pictures of a Markdown text: `[a](target)` and `![a](target)`, code excluded. */
function markdownLinks(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]);
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const prose = markdown.replace(/```[\s\S]*?```/g, '');
  return new Set([...prose.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => headingAnchor(m[1])));
}

/** A quoted CLI command: its words after `npx inception-explorer`, up to a comment or redirection. */
function quotedCommands(markdown: string): string[][] {
  return [...markdown.matchAll(/npx inception-explorer\s+([^`\n]*)/g)].map((m) =>
    m[1]
      .split(/\s+#\s|\s>\s|&&|\s\|\s/)[0]
      .split(/\s+/)
      .filter(Boolean),
  );
}

/** The options a command line quotes (`--weights`, `-o`), brackets and values stripped. */
function quotedOptions(words: readonly string[]): string[] {
  return words.flatMap((w) => {
    const m = /^\[?(--?[a-zA-Z][\w-]*)/.exec(w);
    return m ? [m[1]] : [];
  });
}

async function helpOf(command: string): Promise<{ code: number; out: string }> {
  let out = '';
  const io: CliIo = {
    out: (s) => {
      out += s;
    },
    err: (s) => {
      out += s;
    },
    isTty: false,
  };
  const code = await main(command.startsWith('-') ? [command] : [command, '--help'], io);
  return { code, out };
}

describe('README.md and docs/', () => {
  it('are found', () => {
    expect(pages).toContain('docs/guide.md');
    expect(pages.length).toBeGreaterThanOrEqual(8);
  });

  for (const page of pages) {
    it(`${page}: every relative link and picture exists, anchors too`, () => {
      const broken: string[] = [];
      for (const link of markdownLinks(text(page))) {
        if (/^[a-z]+:/i.test(link)) continue;
        const [file, anchor] = link.split('#');
        const target = file
          ? path.posix.normalize(path.posix.join(path.posix.dirname(page), file))
          : page;
        if (!fs.existsSync(path.join(root, target))) broken.push(`${link} (no file ${target})`);
        else if (anchor && target.endsWith('.md') && !anchorsOf(text(target)).has(anchor))
          broken.push(`${link} (no heading #${anchor} in ${target})`);
      }
      expect(broken).toEqual([]);
    });
  }

  it('every quoted `npx inception-explorer` command and option exists', async () => {
    const helps = new Map<string, { code: number; out: string }>();
    const problems: string[] = [];
    let checked = 0;
    for (const page of pages) {
      for (const words of quotedCommands(text(page))) {
        const [command, sub] = words;
        if (!command || !/^(-|[a-z])/.test(command)) continue; // `npx inception-explorer …`
        if (!helps.has(command)) helps.set(command, await helpOf(command));
        const help = helps.get(command)!;
        checked += 1;
        if (help.code !== 0) {
          problems.push(`${page}: \`${command} --help\` exits ${help.code}`);
          continue;
        }
        for (const option of quotedOptions(words.slice(1)))
          if (!new RegExp(`(^|[\\s,\\[])${option}(?![\\w-])`, 'm').test(help.out))
            problems.push(`${page}: \`${command}\` has no option ${option}`);
        if ((command === 'weights' || command === 'export') && sub && /^[a-z|]+$/.test(sub))
          for (const s of sub.split('|'))
            if (!new RegExp(`\\b${s}\\b`).test(help.out))
              problems.push(`${page}: \`${command}\` has no ${s}`);
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(10);
  });

  it('every quoted npm script exists in package.json', () => {
    const scripts = Object.keys(
      (JSON.parse(text('package.json')) as { scripts: Record<string, string> }).scripts,
    );
    const missing: string[] = [];
    for (const page of pages)
      for (const m of text(page).matchAll(/npm (?:run ([\w:.-]+)|(start|test)\b)/g))
        if (!scripts.includes(m[1] ?? m[2]))
          missing.push(`${page}: npm ${m[1] ? 'run ' : ''}${m[1] ?? m[2]}`);
    expect(missing).toEqual([]);
  });

  it('the checks catch a broken link, a missing anchor and an unknown option', async () => {
    expect(markdownLinks('see [a](docs/nope.md) and `[b](code.md)` ![p](x.png "t")')).toEqual([
      'docs/nope.md',
      'x.png',
    ]);
    expect(headingAnchor('Install and start')).toBe('install-and-start');
    expect(headingAnchor('`run --pretrained`: the cache')).toBe('run---pretrained-the-cache');
    expect(quotedCommands('`npx inception-explorer run --nope x # a comment`')).toEqual([
      ['run', '--nope', 'x'],
    ]);
    const help = await helpOf('run');
    expect(help.out).not.toMatch(/--nope\b/);
    expect((await helpOf('nope')).code).toBe(2);
  });
});
