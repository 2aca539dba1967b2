import type { CliCommand } from '../../bin/cli/command';
import { COMMANDS } from '../../bin/cli/commands';
import { EXIT, main } from '../../bin/cli/program';
import { StoreUnavailableError, UsageError } from '../../lambda/core/errors';
import { recordingIo } from '../helpers/io';

/** A command written as a new one would be: one object, registered through the interface. */
const echo: CliCommand = {
  name: 'echo',
  description: 'prints its argument, or fails as told',
  examples: [['print a word', 'echo hello']],
  register(command, { io, run }) {
    command
      .argument('<word>', 'what to print')
      .option('--fail <how>', 'usage, input or code:<n>')
      .action((word: string, flags: { fail?: string }) =>
        run(() => {
          // a synchronous throw, before any await
          if (flags.fail === 'usage') throw new UsageError(`bad word '${word}'`, 'WORD');
          return (async () => {
            if (flags.fail === 'input') throw new StoreUnavailableError('cannot open', 'the store');
            io.out(word);
            return flags.fail?.startsWith('code:') ? Number(flags.fail.slice(5)) : EXIT.ok;
          })();
        }),
      );
  },
};

describe('the CLI program, built from a list of commands', () => {
  it('has one command per entry of the registry, with unique names, in its order', () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(['ingest', 'backfill', 'query', 'access', 'findings', 'event', 'serve', 'ui']);
  });

  it('runs a command added to the list, with its help line, and returns its exit code', async () => {
    const help = recordingIo();
    expect(await main(['--help'], help.io, [...COMMANDS, echo])).toBe(EXIT.ok);
    expect(help.out.join('\n')).toMatch(
      /^ {2}echo \[options\] <word> +prints its argument, or fails as told$/m,
    );

    const ok = recordingIo();
    expect(await main(['echo', 'hello'], ok.io, [echo])).toBe(EXIT.ok);
    expect(ok.out).toEqual(['hello']);
    expect(await main(['echo', 'x', '--fail', 'code:1'], recordingIo().io, [echo])).toBe(1);
  });

  it('turns what a command throws into the exit code and one line on stderr', async () => {
    const usage = recordingIo();
    expect(await main(['echo', 'x', '--fail', 'usage'], usage.io, [echo])).toBe(EXIT.usage);
    expect(usage.err).toEqual(["trailwatch: WORD: bad word 'x'"]);

    const input = recordingIo();
    expect(await main(['echo', 'x', '--fail', 'input'], input.io, [echo])).toBe(EXIT.inputFailed);
    expect(input.err).toHaveLength(1);
    expect(input.err[0]).toMatch(/^trailwatch: .*cannot open/);

    const missing = recordingIo();
    expect(await main(['echo'], missing.io, [echo])).toBe(EXIT.usage);
    expect(missing.err.join('\n')).toMatch(/missing required argument 'word'/);
  });
});
