import type { CliCommand } from '../command';
import { designFromArgs, designOptions, designUsage } from '../designArgs';
import { analyze } from '../../core/analysis/analyze';
import { summaryJson, summaryText } from '../../core/analysis/summaryTable';
import { issueLines } from '../report';

export const summaryCommand: CliCommand = {
  name: 'summary',
  summary: 'print shapes, parameters and MACs of a design (torchinfo-style)',
  usage: `Usage: inception-explorer summary [FILE] [options]

Prints each module's output shape, parameters and MACs per image, with totals.

${designUsage}
  --layers                  list every layer under its module
  --json                    print one JSON object (input, totals, nodes, layers, issues)`,
  options: { ...designOptions, json: { type: 'boolean' }, layers: { type: 'boolean' } },
  async run(values, positionals, io) {
    const loaded = await designFromArgs(values, positionals);
    if (!loaded.ok) {
      io.err(`inception-explorer summary: ${loaded.message}\n`);
      return loaded.exitCode;
    }
    const analysis = analyze(loaded.design);
    if (values.json) io.out(`${JSON.stringify(summaryJson(analysis), null, 2)}\n`);
    else io.out(summaryText(analysis, Boolean(values.layers)));
    if (!analysis.valid) {
      io.err(issueLines(analysis.issues, loaded.design));
      return 1;
    }
    return 0;
  },
};
