import { spawn } from 'node:child_process';
import { userInfo } from 'node:os';
import { EXIT, type Io } from '../io';
import { type StoreFlags, withStore } from '../options';
import { clean } from '../output';
import { packageVersion } from '../program';
import { reviewerName } from '../reviews';
import { parsePort, untilStopped } from '../serve';
import { isLoopback } from '../store';
import { closeUi, createUiServer, listenUi, newToken } from './server';

/** What `trailwatch ui` does with its flags: open the store, serve the page, print its address, wait. */

export interface UiFlags extends StoreFlags {
  port?: string;
  host: string;
  /** false with --no-open. */
  open?: boolean;
  reviewer?: string;
}

/** Whether to open a browser: not with --no-open, not when stdout is not a terminal, not in CI. */
export function shouldOpenBrowser(
  open: boolean | undefined,
  stdoutIsTty: boolean,
  env: NodeJS.ProcessEnv,
): boolean {
  return open !== false && stdoutIsTty && !env.CI;
}

/** The command that opens a URL in the desktop's browser. */
export function browserCommand(
  url: string,
  platform: NodeJS.Platform = process.platform,
): [string, string[]] {
  if (platform === 'darwin') return ['open', [url]];
  if (platform === 'win32') return ['cmd', ['/c', 'start', '""', url]];
  return ['xdg-open', [url]];
}

/** Opens `url` in a browser, in the background; a failure is said on stderr, never fatal. */
function openBrowser(url: string, io: Io): void {
  const [command, args] = browserCommand(url);
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', (error) =>
      io.err(
        `trailwatch ui: could not open a browser (${command}: ${error.message}); open the address above`,
      ),
    );
    child.unref();
  } catch (error) {
    io.err(`trailwatch ui: could not open a browser (${(error as Error).message}); open the address above`);
  }
}

/** The OS user name, for reviews. */
function osUserName(env: NodeJS.ProcessEnv): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? env.USERNAME ?? 'unknown';
  }
}

/** The host as a URL writes it: a wildcard address as 127.0.0.1, IPv6 in brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function runUi(flags: UiFlags, io: Io): Promise<number> {
  const port = parsePort(flags.port ?? '0');
  const reviewer = reviewerName(flags.reviewer ?? osUserName(io.env));
  const readOnly = flags.table !== undefined;
  return withStore(flags, io, async (opened) => {
    const token = newToken();
    const server = createUiServer({
      store: opened.store,
      description: opened.description,
      readOnly,
      token,
      reviewer,
      version: packageVersion(),
      env: io.env,
      now: io.now,
      say: (line) => io.err(clean(line)),
    });
    const bound = await listenUi(server, flags.host, port);
    const url = `http://${urlHost(flags.host)}:${bound}/?token=${token}`;
    io.out(`trailwatch ui: ${url}`);
    io.err(
      `  reading the ${opened.description}${readOnly ? ' (read-only: findings cannot be marked reviewed)' : ''}`,
    );
    if (!isLoopback(`http://${urlHost(flags.host)}`) || flags.host === '0.0.0.0' || flags.host === '::')
      io.err(
        `  warning: listening on ${flags.host}: other machines can reach it; the token is its only protection`,
      );
    io.err('  Press Ctrl-C to stop.');
    if (shouldOpenBrowser(flags.open, process.stdout.isTTY === true, io.env)) openBrowser(url, io);
    await (io.untilStopped ?? untilStopped)();
    await closeUi(server);
    return EXIT.ok;
  });
}
