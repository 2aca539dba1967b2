/** Where a command writes. Injected so tests can run the CLI in-process. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** stderr is a terminal (progress bars). */
  readonly interactive: boolean;
  /** stdout is a terminal this many columns wide (tables fit it); undefined when it is not one. */
  readonly terminalColumns?: number | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly now: () => number;
  /** Long-running commands (`serve`) stop when this resolves. @default the first SIGINT or SIGTERM */
  readonly untilStopped?: () => Promise<unknown>;
}

export const EXIT = { ok: 0, inputFailed: 1, usage: 2 } as const;

/**
 * The process's Io: lines to stdout and stderr. A reader that closes stdout early
 * (`trailwatch query … --json | head -1`) ends the command quietly with exit code 0, as SIGPIPE ends
 * other commands; any other error writing stdout ends it with a message and exit code 1.
 */
export function processIo(): Io {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.ok);
    process.stderr.write(`trailwatch: cannot write to stdout: ${error.message}\n`);
    process.exit(EXIT.inputFailed);
  });
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    interactive: Boolean(process.stderr.isTTY),
    terminalColumns: process.stdout.isTTY ? process.stdout.columns : undefined,
    env: process.env,
    cwd: process.cwd(),
    now: Date.now,
  };
}
