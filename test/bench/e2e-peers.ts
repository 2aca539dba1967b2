import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Files, Run } from './e2e-run';
import { MB, ROOT } from './measure-common';

/** The P7 peers on the same files: DuckDB (its own process) and `rg -z`/`zgrep`; trailwatch's in-process lookup. */

export interface Peer {
  /** The whole child process: start, load, questions, close. */
  run: Run;
  loadMs: number;
  /** CPU time of the load, all DuckDB's threads. */
  loadCpuMs: number;
  rows: number;
  queryMs: number[];
  answers: number[];
}

/** DuckDB (`@duckdb/node-api`, dev dependency of the bench) in a child: load, then the questions. */
export function duckdb(
  files: Files,
  ids: string[],
  work: string,
  timed: (args: string[], ok?: number[]) => Run,
): Peer | string {
  const script = join(__dirname, 'duckdb-peer.js');
  const run = timed([script, files.dir, join(work, 'duck.db'), ...ids], [0, 3]);
  if (run.status === 3) return run.stderr.trim();
  const out = JSON.parse(run.stdout) as Omit<Peer, 'run'>;
  return { run, ...out };
}

export interface GrepPeer {
  tool: string;
  queryMs: number[];
  answers: number[];
}

/** `rg -z` when installed, else `zgrep`: the records mentioning the instance, straight from the files. */
export function grepPeer(files: Files, ids: string[]): GrepPeer | string {
  const has = (cmd: string): boolean => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
  const tool = has('rg') ? 'rg -z' : has('zgrep') ? 'zgrep' : undefined;
  if (!tool) return 'neither rg nor zgrep is installed';
  const queryMs: number[] = [];
  const answers: number[] = [];
  for (const id of ids) {
    const args =
      tool === 'rg -z' ? ['-z', '-o', '-F', '--', id, files.dir] : ['-o', '-F', '--', id, ...files.files];
    const t = performance.now();
    const run = spawnSync(tool === 'rg -z' ? 'rg' : 'zgrep', args, { encoding: 'utf8', maxBuffer: 64 * MB });
    queryMs.push(performance.now() - t);
    // one line per occurrence (a record names its instance in its request and its response)
    answers.push(run.stdout.split('\n').filter(Boolean).length);
  }
  return { tool, queryMs, answers };
}

/** trailwatch's lookup in-process (the store's own read, no process start) for each question. */
export async function inProcessLookups(db: string, ids: string[]): Promise<number[]> {
  const { openStore } = require(
    join(ROOT, 'dist', 'bin', 'cli', 'store.js'),
  ) as typeof import('../../bin/cli/store');
  const { lookupPartition } = require(
    join(ROOT, 'dist', 'lambda', 'core', 'lookup.js'),
  ) as typeof import('../../lambda/core/lookup');
  const opened = await openStore({ db });
  try {
    const ms: number[] = [];
    for (const id of ids) {
      const t = performance.now();
      await opened.store.readPartition(lookupPartition('instance', id));
      ms.push(performance.now() - t);
    }
    return ms;
  } finally {
    await opened.close();
  }
}
