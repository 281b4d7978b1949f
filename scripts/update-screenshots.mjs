#!/usr/bin/env node
// Commits-to-be: copies the screenshots the last test run wrote (test-results/screenshots/<suite>,
// git-ignored) over the committed ones in test/<suite>/screenshots. Run it only when a change to
// the pictures is meant, then review them and `git add` them with that change.
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
let copied = 0;
for (const suite of ['e2e', 'export']) {
  const from = join(root, 'test-results', 'screenshots', suite);
  if (!existsSync(from)) continue;
  const to = join(root, 'test', suite, 'screenshots');
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from).filter((f) => f.endsWith('.png'))) {
    copyFileSync(join(from, name), join(to, name));
    copied++;
  }
}
if (copied === 0) {
  process.stderr.write(
    'No screenshots in test-results/screenshots; run the E2E tests first (npx vitest run test/e2e test/export).\n',
  );
  process.exit(1);
}
process.stdout.write(
  `Copied ${copied} screenshots into test/e2e/screenshots and test/export/screenshots; review them with git diff before committing.\n`,
);
