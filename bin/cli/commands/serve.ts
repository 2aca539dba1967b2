import type { CliCommand } from '../command';
import { EXIT, type Io } from '../io';
import { embeddedStoreDir } from '../options';
import { clean } from '../output';

/** `trailwatch serve`: the embedded store as a DynamoDB endpoint, until stopped. */
export const serveCommand: CliCommand = {
  name: 'serve',
  description:
    'serve the embedded store as a DynamoDB endpoint on this machine (AWS CLI, SDKs, NoSQL Workbench)',
  examples: [
    ['the local store, on a free port (printed)', 'serve'],
    ['another store, on a fixed port', 'serve --db ~/cases/acme/.trailwatch --port 8000'],
  ],
  register(command, { io, run }) {
    command
      .option('--db <dir>', 'embedded store directory (default: $TRAILWATCH_DB or ./.trailwatch)')
      .option('--port <n>', 'port, e.g. 8000 (default: a free port, printed at start)')
      .option('--host <address>', 'address to listen on (default 127.0.0.1: this machine only)', '127.0.0.1')
      .addHelpText(
        'after',
        "\nRequests from web pages are refused (403): an Origin other than the endpoint's\n" +
          'own; a Host other than 127.0.0.1, localhost, [::1] or the --host address (for\n' +
          '0.0.0.0 or ::, an address of this machine), with the port; CORS preflights.',
      )
      .action((flags: ServeFlags) => run(() => runServe(flags, io)));
  },
};

interface ServeFlags {
  db?: string;
  port?: string;
  host: string;
}

async function runServe(flags: ServeFlags, io: Io): Promise<number> {
  const { DEFAULT_SERVE_PORT, parsePort, startServe, untilStopped } = await import('../serve');
  const { server, lines } = await startServe({
    db: embeddedStoreDir(flags.db, io.env),
    host: flags.host,
    port: parsePort(flags.port ?? DEFAULT_SERVE_PORT),
    say: (line) => io.err(clean(line)),
  });
  for (const line of lines) io.out(line);
  await (io.untilStopped ?? untilStopped)();
  await server.close();
  return EXIT.ok;
}
