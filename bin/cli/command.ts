import type { Command } from 'commander';
import type { HelpExample } from './help';
import type { Io } from './io';

/** What a command's actions are given. */
export interface CommandContext {
  readonly io: Io;
  /**
   * Runs an action and sets the process's exit code to the `EXIT` code it resolves to. An action
   * throws `UsageError` for a bad argument (exit 2) and other `TrailwatchError`s for failed input
   * (exit 1); `main` prints them.
   */
  readonly run: (action: () => Promise<number>) => Promise<void>;
}

/**
 * One `trailwatch <name>` command, in its own file of `bin/cli/commands/` and on the list of
 * `bin/cli/commands/index.ts`.
 */
export interface CliCommand {
  /** The command's name on the command line. */
  readonly name: string;
  /** Its line in the help. */
  readonly description: string;
  /**
   * Examples for its `--help` (with real-looking values), printed with the exit codes after the
   * options (`addHelpExamples` of help.ts).
   */
  readonly examples: readonly HelpExample[];
  /**
   * Sets up `command` (already `program.command(name).description(description)`): arguments, options
   * (the shared ones from `../options`, `../listing` and `../settings-options`), subcommands, and the
   * action through `ctx.run`.
   */
  register(command: Command, ctx: CommandContext): void;
}
