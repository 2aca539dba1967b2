import type { Command } from 'commander';
import { COMMANDS } from '../../bin/cli/commands';
import { buildProgram, EXIT, main } from '../../bin/cli/program';
import { recordingIo } from '../helpers/io';

/** Every command's help (and each `query <kind>`'s) lists examples and the exit codes. */

const program = buildProgram(recordingIo().io, () => undefined);

/** Every command of the program, subcommands included, by its words: `query instance`. */
function commandsOf(cmd: Command, path: string[] = []): [string[], Command][] {
  return cmd.commands
    .filter((c) => c.name() !== 'help')
    .flatMap((c) => [[[...path, c.name()], c] as [string[], Command], ...commandsOf(c, [...path, c.name()])]);
}

const ALL = commandsOf(program);

async function helpOf(words: readonly string[]): Promise<string> {
  const { io, out } = recordingIo();
  expect(await main([...words, '--help'], io)).toBe(EXIT.ok);
  return out.join('\n');
}

describe('help texts', () => {
  it('covers every command of the registry and every query lookup', () => {
    const names = ALL.map(([words]) => words.join(' '));
    for (const c of COMMANDS) expect(names).toContain(c.name);
    expect(names).toEqual(
      expect.arrayContaining(['query instance', 'query user', 'query resource', 'query key', 'query ip']),
    );
  });

  it.each([['', [] as string[]] as const, ...ALL.map(([words]) => [` ${words.join(' ')}`, words] as const)])(
    'trailwatch%s --help: examples of the command, and the exit codes 0, 1, 2 and 130',
    async (_name, words) => {
      const help = await helpOf(words);
      const examples = help.slice(help.indexOf('\nExamples:\n'), help.indexOf('\nExit codes:\n'));
      const lines = examples.split('\n').filter((l) => l.startsWith('  $ '));
      expect(lines.length).toBeGreaterThanOrEqual(words.length === 0 ? 3 : 1);
      for (const line of lines) expect(line).toMatch(new RegExp(`^ {2}\\$ trailwatch ${words.join(' ')}\\b`));
      const codes = help.slice(help.indexOf('\nExit codes:\n'));
      for (const code of ['0', '1', '2', '130']) expect(codes).toMatch(new RegExp(`^ {2}${code} +\\S`, 'm'));
      expect(codes).toMatch(/^ {2}130 +interrupted/m);
    },
  );

  it.each(ALL.map(([words]) => [words.join(' '), words] as const))(
    'the examples of %s use only options their command has',
    async (_name, words) => {
      const help = await helpOf(words);
      const examples = help
        .split('\n')
        .filter((l) => l.startsWith('  $ trailwatch '))
        .map((l) => (l.slice('  $ trailwatch '.length).split(' | ')[0] ?? '').split(' '));
      expect(examples.length).toBeGreaterThan(0);
      for (const tokens of examples) {
        // the command the example runs: its words, down through subcommands
        let command: Command = program;
        for (const t of tokens) command = command.commands.find((c) => c.name() === t) ?? command;
        const known = new Set(command.options.flatMap((o) => [o.long, o.short]));
        for (const option of tokens.filter((t) => t.startsWith('-')))
          expect([tokens.join(' '), known.has(option)]).toEqual([tokens.join(' '), true]);
      }
    },
  );

  it.each([['', [] as string[]] as const, ...ALL.map(([words]) => [` ${words.join(' ')}`, words] as const)])(
    'trailwatch%s --help fits 80 columns when not on a terminal (but for a word longer than a line)',
    async (_name, words) => {
      const help = await helpOf(words);
      const long = help
        .split('\n')
        .filter((line) => line.length > 80 && !/^\s*\$ trailwatch /.test(line))
        .filter((line) => /\S\s+\S/.test(line.trim()));
      expect(long).toEqual([]);
    },
  );

  it.each(ALL.map(([words]) => [words.join(' '), words] as const))(
    'trailwatch %s --help has one block of examples',
    async (_name, words) => {
      expect((await helpOf(words)).split('\nExamples:\n')).toHaveLength(2);
    },
  );
});
