import { type Command, Help } from 'commander';

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

/** Indent of a description under its option (`formatHelpItem`). */
const UNDER = '      ';

/**
 * Commander's layout of an option or argument and its description, except where the column left to
 * descriptions would be too narrow for commander to wrap them (an 80-column terminal or a pipe, with
 * trailwatch's long option names: it then printed lines of up to 300 characters): there each
 * description goes under its term, indented and wrapped to the width. For `configureHelp`.
 */
export function formatHelpItem(
  this: Help,
  term: string,
  termWidth: number,
  description: string,
  helper: Help,
): string {
  const width = this.helpWidth ?? 80;
  // commander's own layout: 2 of indent, the term column, 2 of spacing
  if (!description || width - termWidth - 4 >= this.minWidthToWrap)
    return Help.prototype.formatItem.call(this, term, termWidth, description, helper);
  const lines = helper.boxWrap(description, width - UNDER.length).split('\n');
  return [`  ${term}`, ...lines.map((line) => `${UNDER}${line}`)].join('\n');
}
