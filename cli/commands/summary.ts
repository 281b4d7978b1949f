import type { CliCommand } from '../command';
import { designFromArgs, designOptions, designUsage } from '../designArgs';
import { analyze } from '../../core/analysis/analyze';
import { summaryJson, summaryText } from '../../core/analysis/summaryTable';
import { issueLines, failureText } from '../report';
import { familyTable, familyText } from '../../core/analysis/familyTable';

export const summaryCommand: CliCommand = {
  name: 'summary',
  summary: 'print shapes, parameters and MACs of a design (torchinfo-style)',
  usage: `Usage: inception-explorer summary [FILE] [options]

Prints each module's output shape, parameters and MACs per image, with totals.

${designUsage}
  --layers                  list every layer under its module
  --json                    print one JSON object (input, totals, nodes, layers, issues)
  --family                  every preset side by side: reference, input, depth, parameters (with
                            and without aux heads), MACs and activation memory per image`,
  options: {
    ...designOptions,
    json: { type: 'boolean' },
    layers: { type: 'boolean' },
    family: { type: 'boolean' },
  },
  async run(values, positionals, io) {
    if (values.family) {
      const rows = familyTable();
      io.out(values.json ? `${JSON.stringify(rows, null, 2)}\n` : familyText(rows));
      return 0;
    }
    const loaded = await designFromArgs(values, positionals);
    if (!loaded.ok) {
      io.err(failureText('summary', loaded.message));
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
