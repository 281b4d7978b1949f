import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'core/**/*.test.ts',
      'cli/**/*.test.ts',
      'electron/**/*.test.ts',
      'node/**/*.test.ts',
      'renderer/**/*.test.{ts,tsx}',
      'test/**/*.test.ts',
    ],
    // happy-dom's <dialog> lacks the browser's Escape → cancel; see the file.
    setupFiles: ['test/setup/dialogCloseRequest.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The JSON report lets .ci/run print one plain 'N passed, N failed' line.
    reporters: ['default', 'json'],
    outputFile: { json: '.vite/vitest-results.json' },
  },
});
