// `npm test` must leave a fresh clone's tree clean: tests write screenshots only through
// screenshotDir() (test-results/screenshots, git-ignored), never into the committed folders.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory())
      return e.name === 'node_modules' || e.name === 'screenshots' || e.name.startsWith('.')
        ? []
        : testFiles(full);
    return /\.(test\.tsx?|ts)$/.test(e.name) ? [full] : [];
  });
}

describe('screenshots stay out of the committed tree', () => {
  it('no test writes into test/e2e/screenshots or test/export/screenshots', () => {
    const offenders = ['test', 'cli', 'electron', 'node', 'renderer', 'core', 'bench']
      .flatMap((d) => testFiles(path.join(root, d)))
      .filter((f) => !f.endsWith(path.join('guardrails', 'screenshots.test.ts')))
      .filter((f) =>
        /test\/(e2e|export)\/screenshots|['"]screenshots['"]\s*\)/.test(readFileSync(f, 'utf8')),
      )
      .map((f) => path.relative(root, f));
    expect(offenders, 'write screenshots to screenshotDir() from test/e2e/harness.ts').toEqual([]);
  });
});
