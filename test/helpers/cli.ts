import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../bin/cli/program';
import { recordingIo } from './io';

export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** stdout lines parsed as JSON (for --json). */
  json<T = Record<string, unknown>>(): T[];
}

function result(code: number, out: string, err: string): CliResult {
  return {
    code,
    out,
    err,
    json: <T>() =>
      out
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as T),
  };
}

/** Runs the CLI in-process (same code as the binary), capturing its output. */
export async function cli(
  args: string[],
  options: Parameters<typeof recordingIo>[0] = {},
): Promise<CliResult> {
  const { io, out, err } = recordingIo(options);
  const code = await main(args, io);
  return result(code, out.join('\n'), err.join('\n'));
}

export const BUILT_CLI = join(__dirname, '..', '..', 'dist', 'bin', 'trailwatch.js');
export const builtCliPresent = existsSync(BUILT_CLI);

/** A child process watched: its output so far, and its exit code once it has closed. */
export interface WatchedChild {
  readonly child: ChildProcessWithoutNullStreams;
  out(): string;
  err(): string;
  /** The exit code (-1 when killed by a signal); rejects when the process could not start. */
  readonly exit: Promise<number>;
}

export function watchChild(child: ChildProcessWithoutNullStreams): WatchedChild {
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString('utf8');
  });
  const exit = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? -1));
  });
  // a caller that never awaits the exit (it stops the child itself) is not told of a failed start twice
  exit.catch(() => undefined);
  return { child, out: () => out, err: () => err, exit };
}

/** How a test runs the built binary: its environment, directory and Node.js options. */
export interface CliRunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Options of `node` itself, before the script. @default none */
  readonly nodeOptions?: readonly string[];
}

/** Starts the built binary in a child process, as `npx trailwatch` does, and watches it. */
export function startCli(args: string[], options: CliRunOptions = {}): WatchedChild {
  return watchChild(
    spawn(process.execPath, [...(options.nodeOptions ?? []), BUILT_CLI, ...args], {
      env: options.env ?? process.env,
      cwd: options.cwd ?? process.cwd(),
    }),
  );
}

/** Runs the built binary in a child process to its end. */
export async function spawnCli(args: string[], options: CliRunOptions = {}): Promise<CliResult> {
  const run = startCli(args, options);
  const code = await run.exit;
  return result(code, run.out().replace(/\n$/, ''), run.err().replace(/\n$/, ''));
}

/** Waits until `check` holds, looking every 20 ms; fails naming `what` after `ms`. */
export async function until(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
