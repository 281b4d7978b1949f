/** The `inception-explorer` command line: one file per command under cli/commands. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { summaryCommand } from './commands/summary';
import { designCommand } from './commands/design';
import { serveCommand } from './commands/serve';
import { runCommand } from './commands/run';
import { benchCommand } from './commands/bench';
import { exportCommand } from './commands/export';
import { diffCommand } from './commands/diff';
import { weightsCommand } from './commands/weights';
import { trainCommand } from './commands/train';
import type { CliCommand, CliIo } from './command';
import { ownText, terminalBlock, terminalLines } from '../core/export/escape';

const commands: readonly CliCommand[] = [
  summaryCommand,
  designCommand,
  serveCommand,
  runCommand,
  benchCommand,
  exportCommand,
  diffCommand,
  weightsCommand,
  trainCommand,
];

function usage(): string {
  const lines = commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`);
  return `Usage: inception-explorer <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'inception-explorer <command> --help' for a command's options.\n`;
}

// Design files are untrusted: whatever reaches a terminal loses its control sequences (ESC, BEL,
// C1, bidi overrides), so a design's name cannot retitle the window or rewrite the screen.
// Output piped to a file (an export to stdout) is left exactly as made.
const processIo: CliIo = {
  out: (s) => void process.stdout.write(process.stdout.isTTY ? terminalBlock(s) : s),
  err: (s) => void process.stderr.write(terminalBlock(s)),
  isTty: Boolean(process.stdout.isTTY),
};

/** Runs the command line and returns the exit code. User errors print a message, never a stack. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    io.out('inception-explorer 0.1.0\n');
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(
      terminalLines`inception-explorer: unknown command ${JSON.stringify(name)}.\n\n${ownText(usage())}`,
    );
    return 2;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...rest],
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    } as ParseArgsConfig);
  } catch (e) {
    // parseArgs's message quotes the argument it refused, which may hold any text.
    io.err(
      terminalLines`inception-explorer ${name}: ${(e as Error).message}\n${ownText(command.usage)}\n`,
    );
    return 2;
  }
  if (parsed.values.help) {
    io.out(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(parsed.values as Record<string, unknown>, parsed.positionals, io);
  } catch (e) {
    io.err(
      terminalLines`inception-explorer ${name}: internal error: ${(e as Error).message}\nThis is a bug; please report it with the command you ran.\n`,
    );
    return 70;
  }
}
