import type { CliCommand } from '../command';
import { addStoreOptions } from '../options';
import type { UiFlags } from '../ui/start';

/** `trailwatch ui`: a local web page over the index (bin/cli/ui/), until stopped. */
export const uiCommand: CliCommand = {
  name: 'ui',
  description:
    "a local web page (loopback only) to search the index and read an instance's timeline; --table for a real table (read-only)",
  examples: [
    ['open the page on the local store', 'ui'],
    ['on the deployed table, read-only', 'ui --table <TableName>'],
    ['a fixed port, without opening a browser', 'ui --port 8080 --no-open'],
  ],
  register(command, { io, run }) {
    addStoreOptions(
      command
        .option('--port <n>', 'port, e.g. 8080 (default: a free port, printed at start)')
        .option(
          '--host <address>',
          'address to listen on (default 127.0.0.1: this machine only)',
          '127.0.0.1',
        )
        .option(
          '--no-open',
          'do not open a browser (it is not opened either when stdout is not a terminal, or in CI)',
        )
        .option('--reviewer <name>', 'who the reviews marked on the page are by (default: the OS user name)'),
    )
      .addHelpText(
        'after',
        '\nPrints the address to open, with a token for this run\n' +
          '(http://127.0.0.1:PORT/?token=…), and opens it in a browser. The page reads the\n' +
          'store through the server; only a request with the token is answered, and\n' +
          'requests from other web pages are refused (another Origin or Host). With\n' +
          '--table the page is read-only: findings cannot be marked reviewed. Ctrl-C stops\n' +
          'it.',
      )
      .action((flags: UiFlags) =>
        run(async () => {
          const { runUi } = await import('../ui/start');
          return runUi(flags, io);
        }),
      );
  },
};
