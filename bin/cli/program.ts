import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { TrailwatchError, UsageError } from '../../lambda/core/errors';
import type { CliCommand, CommandContext } from './command';
import { COMMANDS } from './commands';
import { addHelpExamples, formatHelpItem, PROGRAM_EXAMPLES } from './help';
import { EXIT, type Io } from './io';
import { clean } from './output';

export { EXIT, type Io } from './io';

/** The commander program: every command of `commands`, its output through `io`. */
export function buildProgram(
  io: Io,
  setExit: (code: number) => void,
  commands: readonly CliCommand[] = COMMANDS,
): Command {
  const program = new Command('trailwatch')
    .description('Who touched this EC2 instance, and who pushed an SSH key to it? An index of CloudTrail.')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
    })
    .configureHelp({ formatItem: formatHelpItem });
  const ctx: CommandContext = {
    io,
    // async: an action that throws before its first await rejects like the others
    run: async (action) => setExit(await action()),
  };
  addHelpExamples(program, PROGRAM_EXAMPLES);
  for (const c of commands) {
    const command = program.command(c.name).description(c.description);
    c.register(command, ctx);
    // after what the command adds to its help itself
    addHelpExamples(command, c.examples);
  }
  return program;
}

/** The version in package.json: two levels up from bin/cli in the sources, three from dist/bin/cli. */
export function packageVersion(): string {
  for (const dir of [join(__dirname, '..', '..'), join(__dirname, '..', '..', '..')]) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

/** Runs the CLI (the commands of `COMMANDS` unless others are given); resolves to the exit code. Never throws. */
export async function main(
  argv: readonly string[],
  io: Io,
  commands: readonly CliCommand[] = COMMANDS,
): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(
    io,
    (c) => {
      code = c;
    },
    commandsFor(argv, commands),
  );
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return code;
  } catch (error) {
    return exitCodeOf(error, io);
  }
}

/**
 * The commands to set up for `argv`: the one its first word names, or all of them (the help, the
 * version, a mistake). Setting up the others (their options, their help) would only cost start-up
 * time (docs/performance.md "Start-up").
 */
export function commandsFor(argv: readonly string[], commands: readonly CliCommand[]): readonly CliCommand[] {
  const named = commands.find((c) => c.name === argv[0]);
  return named ? [named] : commands;
}

/** Reports what a command threw and gives its exit code. */
function exitCodeOf(error: unknown, io: Io): number {
  if (error instanceof CommanderError) {
    // commander has printed the help, the version or the usage error already
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof UsageError) {
    io.err(`trailwatch: ${clean(error.describe())}`);
    return EXIT.usage;
  }
  if (error instanceof TrailwatchError) {
    io.err(`trailwatch: ${clean(error.describe())}`);
    return EXIT.inputFailed;
  }
  // a bug: its message, and its stack only when asked (a stack trace tells a user nothing)
  const debug = io.env.TRAILWATCH_DEBUG === '1' && error instanceof Error;
  io.err(
    `trailwatch: unexpected error: ${clean(debug ? (error.stack ?? error.message) : error instanceof Error ? error.message : String(error))}` +
      (debug ? '' : ' (TRAILWATCH_DEBUG=1 shows where)'),
  );
  return EXIT.inputFailed;
}
