// core/ must compile without Node's or the DOM's globals (STYLE.md): this compiles all of core
// with core/tsconfig.json plus one probe file that uses `process` and `window`, and asserts the
// compiler rejects both. If any core file pulls in @types/node or lib.dom (say through
// `import type ... from 'ws'`), the probe compiles and this test fails.
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const coreTsconfig = path.join(root, 'core/tsconfig.json');
const probePath = path.join(root, 'core/__purityProbe__.ts');
const probeSource = [
  'export const env = process.env.HOME;',
  'export const title = window.document.title;',
  'export const buffer = Buffer.from([1]);',
  'export const el = document.createElement("div");',
  '',
].join('\n');

/** Compiles core/ (with its tsconfig) plus `extra` files given as text; returns their diagnostics. */
function compileCoreWith(extra: Record<string, string>): readonly ts.Diagnostic[] {
  const config = ts.readConfigFile(coreTsconfig, ts.sys.readFile);
  if (config.error)
    throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, path.dirname(coreTsconfig));
  const host = ts.createCompilerHost(parsed.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) =>
    fileName in extra
      ? ts.createSourceFile(fileName, extra[fileName], languageVersion)
      : getSourceFile(fileName, languageVersion, ...rest);
  const baseExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => fileName in extra || baseExists(fileName);
  const program = ts.createProgram(
    [...parsed.fileNames, ...Object.keys(extra)],
    parsed.options,
    host,
  );
  return Object.keys(extra).flatMap((f) =>
    ts.getPreEmitDiagnostics(program, program.getSourceFile(f)),
  );
}

function messages(diagnostics: readonly ts.Diagnostic[]): string[] {
  return diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe("core/'s type-check sees no runtime globals", () => {
  it('core/tsconfig.json has no DOM lib and no ambient types', () => {
    const config = ts.readConfigFile(coreTsconfig, ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, path.dirname(coreTsconfig));
    expect(parsed.options.types).toEqual([]);
    expect((parsed.options.lib ?? []).some((lib) => /dom/i.test(lib))).toBe(false);
  });

  it('rejects process, window, Buffer and document in a file compiled with all of core', () => {
    const found = messages(compileCoreWith({ [probePath]: probeSource }));
    expect(found.some((m) => m.includes("Cannot find name 'process'"))).toBe(true);
    expect(found.some((m) => m.includes("Cannot find name 'window'"))).toBe(true);
    expect(found.some((m) => m.includes("Cannot find name 'Buffer'"))).toBe(true);
    expect(found.some((m) => m.includes("Cannot find name 'document'"))).toBe(true);
  });

  it('the probe itself works: a core file that imports ws types makes process visible', () => {
    // The hole this guards against (issue 15): one `import type` from ws brought @types/node in.
    const leak = path.join(root, 'core/__leakProbe__.ts');
    const found = messages(
      compileCoreWith({
        [leak]: "import type { WebSocket } from 'ws';\nexport type Socket = WebSocket;\n",
        [probePath]: 'export const env = process.env.HOME;\n',
      }),
    );
    expect(found.some((m) => m.includes("Cannot find name 'process'"))).toBe(false);
  });
});
