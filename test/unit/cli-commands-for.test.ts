import { COMMANDS } from '../../bin/cli/commands';
import { commandsFor, EXIT, main } from '../../bin/cli/program';
import { recordingIo } from '../helpers/io';

/** The CLI sets up only the command it runs (start-up, docs/performance.md); help and mistakes see them all. */
describe('the commands the CLI sets up for a command line', () => {
  const names = (argv: string[]): string[] => commandsFor(argv, COMMANDS).map((c) => c.name);

  it('sets up only the command named by the first word', () => {
    expect(names(['query', 'instance', 'i-0123456789abcdef0'])).toEqual(['query']);
    expect(names(['ingest', '--help'])).toEqual(['ingest']);
  });

  it.each([[[]], [['--help']], [['-V']], [['help', 'query']], [['qurey']], [['--db', 'x', 'query']]])(
    'sets up every command for %j',
    (argv) => {
      expect(names(argv)).toEqual(COMMANDS.map((c) => c.name));
    },
  );

  it('still lists every command in the help, and suggests the command a typo meant', async () => {
    const help = recordingIo();
    expect(await main(['--help'], help.io)).toBe(EXIT.ok);
    for (const c of COMMANDS) expect(help.out.join('\n')).toMatch(new RegExp(`^ {2}${c.name}\\b`, 'm'));
    const typo = recordingIo();
    expect(await main(['qurey', 'instance', 'i-0123456789abcdef0'], typo.io)).toBe(EXIT.usage);
    expect(typo.err.join('\n')).toContain('Did you mean query?');
  });

  it('shows the help of a command asked for with `help <command>`', async () => {
    const help = recordingIo();
    expect(await main(['help', 'query'], help.io)).toBe(EXIT.ok);
    expect(help.out.join('\n')).toContain('Usage: trailwatch query');
  });
});
