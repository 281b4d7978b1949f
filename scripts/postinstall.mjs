#!/usr/bin/env node
/**
 * The one thing `npm install` says about this project: what was installed and what was skipped,
 * in plain words. (.npmrc keeps npm to errors, so a newcomer does not have to interpret dozens of
 * engine warnings from Electron Forge's packages, which only the desktop app needs.)
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [major, minor] = process.versions.node.split('.').map(Number);
const lines = [];

let nativeTf = true;
try {
  require.resolve('@tensorflow/tfjs-node');
} catch {
  nativeTf = false;
}
lines.push(
  nativeTf
    ? 'Inception Explorer is installed, with the optional native TensorFlow backend (@tensorflow/tfjs-node).'
    : 'Inception Explorer is installed. Skipped the optional @tensorflow/tfjs-node (native TensorFlow; its install needs to download libtensorflow, which did not happen here): train-mode runs use the WebAssembly backend instead, and `npm install @tensorflow/tfjs-node` adds it where it can.',
);
let onnxRuntime = true;
try {
  require.resolve('onnxruntime-node');
} catch {
  onnxRuntime = false;
}
lines.push(
  onnxRuntime
    ? 'Eval-mode runs use ONNX Runtime (onnxruntime-node, its CPU libraries come with the package).'
    : 'onnxruntime-node is missing, so eval-mode runs fall back to TensorFlow.js; `npm install` should have installed it.',
);
if (major < 22 || (major === 22 && minor < 13)) {
  lines.push(
    `Node ${process.versions.node}: the command line and the app in your browser work; the Electron desktop window needs Node 22.13 or newer, so \`npm start\` serves the app in your browser instead.`,
  );
}
lines.push('Next: `npm start` (or `npx inception-explorer --help`).');
process.stdout.write(`${lines.join('\n')}\n`);
