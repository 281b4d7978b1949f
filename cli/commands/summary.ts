import type { CliCommand } from '../command';
import { designFromArgs, designOptions, designUsage } from '../designArgs';
import { analyze } from '../../core/analysis/analyze';
import { summaryJson, summaryText } from '../../core/analysis/summaryTable';
import { issueLines, failureText } from '../report';
import { familyTable, familyText } from '../../core/analysis/familyTable';
import {
  CONVENTION_IDS,
  conventionRows,
  conventionsText,
  parseConventions,
} from '../../core/analysis/conventions';

export const summaryCommand: CliCommand = {
  name: 'summary',
  summary: 'print shapes, parameters and MACs of a design (torchinfo-style)',
  usage: `Usage: inception-explorer summary [FILE] [options]

Prints each module's output shape, parameters and MACs per image, with totals.

${designUsage}
  --layers                  list every layer under its module
  --json                    print one JSON object (input, totals, nodes, layers, issues)
  --convention NAME         also print the figure a counting tool would report for this network,
                            by that tool's rule (repeatable or a comma list; all lists every one
                            with what it includes): ${CONVENTION_IDS.join(', ')}
  --family                  every preset side by side: reference, input, depth, parameters (with
                            and without aux heads), MACs and activation memory per image`,
  options: {
    ...designOptions,
    json: { type: 'boolean' },
    layers: { type: 'boolean' },
    family: { type: 'boolean' },
    convention: { type: 'string', multiple: true },
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
    const names = (values.convention as string[] | undefined) ?? [];
    const conventions = names.length ? parseConventions(names) : null;
    if (conventions && !conventions.ok) {
      io.err(failureText('summary', conventions.error.message));
      return 2;
    }
    const analysis = analyze(loaded.design);
    const rows = conventions
      ? conventionRows(analysis, conventions.value, loaded.design.input.batch)
      : null;
    if (values.json) {
      const json = summaryJson(analysis);
      io.out(`${JSON.stringify(rows ? { ...json, conventions: rows } : json, null, 2)}\n`);
    } else {
      io.out(summaryText(analysis, Boolean(values.layers)));
      if (rows) io.out(conventionsText(rows));
    }
    if (!analysis.valid) {
      io.err(issueLines(analysis.issues, loaded.design));
      return 1;
    }
    return 0;
  },
};
