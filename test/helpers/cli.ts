import { spawn } from 'node:child_process';
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
  options: { env?: NodeJS.ProcessEnv; cwd?: string; now?: number } = {},
): Promise<CliResult> {
  const { io, out, err } = recordingIo(options);
  const code = await main(args, io);
  return result(code, out.join('\n'), err.join('\n'));
}

export const BUILT_CLI = join(__dirname, '..', '..', 'dist', 'bin', 'trailwatch.js');
export const builtCliPresent = existsSync(BUILT_CLI);

/** Runs the built binary in a child process, as `npx trailwatch` does. */
export function spawnCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BUILT_CLI, ...args], {
      env: options.env ?? process.env,
      cwd: options.cwd ?? process.cwd(),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve(result(code ?? -1, out.replace(/\n$/, ''), err.replace(/\n$/, ''))));
  });
}
