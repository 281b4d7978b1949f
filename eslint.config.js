// Lint, including the layering of ../shared/STYLE.md: arrows point at core/ only.
import path from 'node:path';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Packages core/ may import (STYLE.md: core is pure TypeScript); tests may also use test tools. */
const coreAllowedPackages = ['zod', 'elkjs', 'onnx-proto'];
const coreTestPackages = ['vitest', 'fast-check'];
const coreDir = path.resolve(import.meta.dirname, 'core');

/** Allowlist rule: a core/ file imports only core/ itself and coreAllowedPackages. */
const coreImportsRule = {
  meta: {
    type: 'problem',
    schema: [],
    docs: { description: 'core/ imports only itself and an allowlist of pure packages.' },
  },
  create(context) {
    const file = context.filename;
    const isTest =
      /\.test\.tsx?$/.test(file) || file.includes(`${path.sep}__fixtures__${path.sep}`);
    const allowed = isTest ? [...coreAllowedPackages, ...coreTestPackages] : coreAllowedPackages;
    function check(node, source) {
      if (!source || typeof source.value !== 'string') return;
      const spec = source.value;
      if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec);
        if (target === coreDir || target.startsWith(coreDir + path.sep)) return;
        context.report({
          node,
          message: `core/ imports nothing outside core/ (STYLE.md); '${spec}' leaves it.`,
        });
        return;
      }
      const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (allowed.includes(pkg)) return;
      context.report({
        node,
        message: `core/ is pure TypeScript and may import only ${allowed.join(', ')} and itself (STYLE.md); got '${spec}'.`,
      });
    }
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
      TSImportType: (node) => check(node, node.argument?.literal ?? node.argument),
      TSExternalModuleReference: (node) => check(node, node.expression),
    };
  },
};

const nodeBuiltins = [
  'fs',
  'path',
  'os',
  'child_process',
  'worker_threads',
  'http',
  'https',
  'net',
  'url',
  'util',
  'crypto',
  'stream',
  'events',
  'buffer',
  'process',
  'perf_hooks',
  'zlib',
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      '.scratch/**',
      '.vite/**',
      'out/**',
      'dist/**',
      'coverage/**',
      'test/**/screenshots/**',
      'tools/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    // Plain JavaScript (the bin launcher, scripts, benchmarks, this file) runs in Node.
    files: ['**/*.{js,mjs,cjs}'],
    ...js.configs.recommended,
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['bench/renderer-frame.mjs'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.{ts,tsx,js,mjs,cjs}'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-console': ['error', { allow: ['warn', 'error'] }],
      // Records keyed by user text have no prototype (core/model/records.ts): `{}` answers
      // `constructor` with Object's and takes `__proto__` as its prototype.
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "VariableDeclarator[init.type='ObjectExpression'][init.properties.length=0][id.typeAnnotation.typeAnnotation.typeName.name='Record']",
          message:
            'A record keyed by strings starts as emptyRecord() (core/model/records.ts) or is a Map: `{}` inherits constructor, toString and __proto__.',
        },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Tests build small fixtures keyed by their own fixed names.
    files: ['**/*.test.{ts,tsx}', '**/__fixtures__/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // core/ is pure: an allowlist, so anything not named here (Node built-ins, ws, React,
    // native addons, other layers) fails lint, including `import type`.
    files: ['core/**/*.{ts,tsx}'],
    plugins: { local: { rules: { 'core-imports': coreImportsRule } } },
    rules: { 'local/core-imports': 'error' },
  },
  {
    // The renderer never imports Electron, Node or the engine; it talks to the host contract.
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins, 'electron'].map((name) => ({
            name,
            message:
              'The renderer talks to the host through core/host/contract.ts only (STYLE.md).',
          })),
          patterns: [
            { group: ['node:*'], message: 'The renderer must not import Node built-ins.' },
            {
              group: ['@tensorflow/*'],
              message: 'The renderer does not run the engine; the host does.',
            },
            {
              group: ['**/electron/**', '**/node/**', '**/cli/**'],
              message: 'renderer/ imports only core/ and its own files (STYLE.md).',
            },
          ],
        },
      ],
    },
  },
  {
    // node/ and cli/ are plain Node, shared by the CLI, the browser host and Electron's main process:
    // they never import electron (its binary may be missing) nor the Electron-only folders, and
    // every file the product writes goes through node/host/atomicFile.ts (exclusive temporary
    // file, renamed over the target: a planted link is replaced, never written through).
    files: ['cli/**/*.ts', 'node/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', nodeSideImports(true)] },
  },
  {
    // Tests and fixture makers write their own scratch files.
    files: ['cli/**/*.test.ts', 'node/**/*.test.ts', 'node/**/__fixtures__/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', nodeSideImports(false)] },
  },
);

/** The imports node/ and cli/ may not use; `writers`: also Node's file writers (use writeFileAtomic). */
function nodeSideImports(writers) {
  const writer = (name, importNames) => ({
    name,
    importNames,
    message:
      'Write files with writeFileAtomic (node/host/atomicFile.ts): one safe writer for every file the product writes.',
  });
  return {
    paths: [
      {
        name: 'electron',
        message:
          'Importing electron from plain Node triggers a binary download and throws; keep it in electron/main and electron/preload.',
      },
      ...(writers
        ? [
            writer('node:fs/promises', ['writeFile', 'appendFile']),
            writer('node:fs', [
              'writeFile',
              'writeFileSync',
              'appendFileSync',
              'createWriteStream',
            ]),
            writer('fs/promises', ['writeFile', 'appendFile']),
            writer('fs', ['writeFile', 'writeFileSync', 'appendFileSync', 'createWriteStream']),
          ]
        : []),
    ],
    patterns: [
      { group: ['**/renderer/**'], message: 'Node-side code does not import the renderer.' },
      {
        group: ['**/electron/**'],
        message:
          'node/ and cli/ run without Electron; Electron-only code lives in electron/main and electron/preload.',
      },
    ],
  };
}
