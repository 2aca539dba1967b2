import type { Command } from 'commander';

/** One example of a command's help: what it does, and the command line after `trailwatch `. */
export type HelpExample = readonly [what: string, args: string];

/** The exit codes of every command (docs/cli.md "Exit codes"; `EXIT` of io.ts). */
export const EXIT_CODES_HELP = [
  'Exit codes:',
  '  0    success (also when nothing matched)',
  '  1    some input failed: a file unreadable, a record rejected or conflicting,',
  '       an event not found; the rest was still done',
  '  2    usage error: a bad option or argument (the message names it)',
  '  130  interrupted (Ctrl-C)',
].join('\n');

/** The examples block: a comment line and a command line each. */
export function examplesHelp(examples: readonly HelpExample[]): string {
  return ['Examples:', ...examples.flatMap(([what, args]) => [`  # ${what}`, `  $ trailwatch ${args}`])].join(
    '\n',
  );
}

/**
 * Adds examples and the exit codes after the help of `command` (`trailwatch COMMAND --help`). Every
 * command calls it once; test/unit/cli-help.test.ts checks that each does.
 */
export function addHelpExamples(command: Command, examples: readonly HelpExample[]): Command {
  return command.addHelpText('after', `\n${examplesHelp(examples)}\n\n${EXIT_CODES_HELP}`);
}

/** The examples of `trailwatch --help`: a first session. */
export const PROGRAM_EXAMPLES: readonly HelpExample[] = [
  ['index a folder of CloudTrail log files into ./.trailwatch', 'ingest ~/cloudtrail/AWSLogs'],
  ['what was done to an instance, and by whom', 'query instance i-786a3a8b5c0d92ef4'],
  ['every way in to it', 'access i-786a3a8b5c0d92ef4'],
  ['what the rules found in the last week', 'findings --since 7d'],
  ['one event in full', 'event 0968cbec-f8df-43f3-94ba-b451aad083ed'],
];
