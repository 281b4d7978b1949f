import type { CliCommand } from '../command';
import { designFromArgs, designOptions, designUsage } from '../designArgs';
import { serializeDesign } from '../../core/design/designFile';
import { analyze } from '../../core/analysis/analyze';
import { issueLines, failureText } from '../report';

export const designCommand: CliCommand = {
  name: 'design',
  summary: 'write a design file (a preset with edits) to stdout',
  usage: `Usage: inception-explorer design [FILE] [options] > my-design.json

Writes the design, after edits, as a design file. Problems are listed on stderr (exit 1), but
the file is still written so that work in progress can be saved.

${designUsage}`,
  options: { ...designOptions },
  async run(values, positionals, io) {
    const loaded = await designFromArgs(values, positionals);
    if (!loaded.ok) {
      io.err(failureText('design', loaded.message));
      return loaded.exitCode;
    }
    io.out(serializeDesign(loaded.design));
    const analysis = analyze(loaded.design);
    if (!analysis.valid) {
      io.err(issueLines(analysis.issues, loaded.design));
      return 1;
    }
    return 0;
  },
};
