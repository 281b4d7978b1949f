#!/usr/bin/env node
// Runs the TypeScript command line straight from a checkout: tsx compiles on the fly, so
// `npx inception-explorer …` works right after `npm install` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
