// Lint, including the layering of ../shared/STYLE.md: arrows point at core/ only.
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'worker_threads', 'http', 'https', 'net', 'url', 'util', 'crypto', 'stream', 'events', 'buffer', 'process', 'perf_hooks', 'zlib'];

export default tseslint.config(
  {
    ignores: ['node_modules/**', '.scratch/**', '.vite/**', 'out/**', 'dist/**', 'coverage/**', '**/*.js', '**/*.mjs', '**/*.cjs', 'test/**/screenshots/**', 'tools/**'],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // core/ is pure: no Node, Electron, React, TF.js, DOM shells, nor other layers.
    files: ['core/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins, 'electron', 'react', 'react-dom', '@xyflow/react', 'zustand', 'zundo'].map((name) => ({ name, message: 'core/ is pure TypeScript: it imports no runtime shells (STYLE.md).' })),
          patterns: [
            { group: ['node:*'], message: 'core/ must not import Node built-ins (STYLE.md).' },
            { group: ['@tensorflow/*'], message: 'core/ must not import TensorFlow.js; the engine lives in electron/engine.' },
            { group: ['**/electron/**', '**/renderer/**', '**/cli/**', '**/bench/**', '**/scripts/**', '**/tools/**'], message: 'core/ imports nothing from electron/, renderer/ or cli/ (STYLE.md).' },
          ],
        },
      ],
    },
  },
  {
    // The renderer never imports Electron, Node or the engine; it talks to the host contract.
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins, 'electron'].map((name) => ({ name, message: 'The renderer talks to the host through core/host/contract.ts only (STYLE.md).' })),
          patterns: [
            { group: ['node:*'], message: 'The renderer must not import Node built-ins.' },
            { group: ['@tensorflow/*'], message: 'The renderer does not run the engine; the host does.' },
            { group: ['**/electron/**', '**/cli/**'], message: 'renderer/ imports only core/ and its own files (STYLE.md).' },
          ],
        },
      ],
    },
  },
  {
    // Node-side code that tests and the CLI load must not import electron at the top level.
    files: ['cli/**/*.ts', 'electron/engine/**/*.ts', 'electron/server/**/*.ts', 'electron/common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'Importing electron from plain Node triggers a binary download and throws; keep it in electron/main and electron/preload.' }],
          patterns: [{ group: ['**/renderer/**'], message: 'Node-side code does not import the renderer.' }],
        },
      ],
    },
  },
);
