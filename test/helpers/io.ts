import type { Io } from '../../bin/cli/io';

export interface RecordingIo {
  readonly io: Io;
  /** The lines written to stdout and to stderr. */
  readonly out: string[];
  readonly err: string[];
}

/** An Io that keeps what the CLI writes, for running it in-process. */
export function recordingIo(
  options: {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    now?: number;
    interactive?: boolean;
    /** Called as each stdout line is written, before it is kept. */
    onOut?: (line: string) => void;
  } = {},
): RecordingIo {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (t) => {
      options.onOut?.(t);
      out.push(t);
    },
    err: (t) => err.push(t),
    interactive: options.interactive ?? false,
    // no COLUMNS from the shell: tables in full unless a test sets a width
    env: options.env ?? { ...process.env, TRAILWATCH_DB: undefined, COLUMNS: undefined },
    cwd: options.cwd ?? process.cwd(),
    now: () => options.now ?? Date.now(),
  };
  return { io, out, err };
}
