import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSqlite } from '../../bin/cli/local-store/sqlite';
import { MB, median, quick, ROOT, report, round } from './measure-common';

/**
 * P9 start-up: the whole process of `trailwatch query instance ID --db DIR` (the built CLI, as a
 * user runs it, output to a pipe) against `node -e ''` plus the lookup's own time (./startup-lookup.js:
 * the same open, read and close in a process where the modules are loaded already, the first time in
 * that process, as the command does it), on a store with the real corpus ingested. Runs alternate, so
 * that both sides share the machine's load; medians. The CPU time of each side (user + system, from
 * a preload, in runs of their own) is in the details: on a loaded machine the wall times stretch, the
 * CPU times much less. `--quick`: fewer runs, the fixtures when the shared corpus is missing; reported,
 * not judged.
 */

const CLI = join(ROOT, 'dist', 'bin', 'trailwatch.js');
const LOOKUP = join(__dirname, 'startup-lookup.js');
const RUNS = quick ? 5 : 41;
const CPU_RUNS = quick ? 3 : 15;
const LOOKUP_RUNS = quick ? 3 : 11;

// Loaded with --require into the CPU-timed children: the process's CPU time when it exits.
const CPU_PRELOAD = `process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  require('node:fs').writeFileSync(process.env.TW_BENCH_CPU, String((user + system) / 1000));
});`;

interface Timed {
  ms: number;
  stdout: string;
}

/** A plain node child (no TypeScript loader from NODE_OPTIONS): its wall time from spawn to exit. */
function timed(args: string[], ok = [0], extraEnv: NodeJS.ProcessEnv = {}): Timed {
  const { NODE_OPTIONS: _loader, ...env } = process.env;
  const t = performance.now();
  const run = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    maxBuffer: 64 * MB,
    env: { ...env, ...extraEnv },
  });
  const ms = performance.now() - t;
  if (!ok.includes(run.status ?? -1))
    throw new Error(`P9: node ${args.join(' ')} failed (${run.status}): ${run.stderr}`);
  return { ms, stdout: run.stdout };
}

/** The CPU time (ms) of a child run with the preload. */
function cpuOf(work: string, args: string[]): number {
  const preload = join(work, 'cpu.js');
  const out = join(work, 'cpu');
  if (!existsSync(preload)) writeFileSync(preload, CPU_PRELOAD);
  timed(['--require', preload, ...args], [0], { TW_BENCH_CPU: out });
  return Number(readFileSync(out, 'utf8'));
}

/** The instance with the most events in the store (read from its SQLite file: bench code only). */
function busiestInstance(db: string): { id: string; events: number } {
  const file = new (loadSqlite().DatabaseSync)(join(db, 'trailwatch.sqlite'), { readOnly: true });
  try {
    const row = file
      .prepare(
        "SELECT substr(pk, 10) AS id, count(*) AS n FROM items WHERE pk LIKE 'INSTANCE#%' GROUP BY pk ORDER BY n DESC, pk LIMIT 1",
      )
      .get() as { id: string; n: number } | undefined;
    if (!row) throw new Error(`P9: no instance in the store ${db}`);
    return { id: row.id, events: row.n };
  } finally {
    file.close();
  }
}

export async function p9(): Promise<void> {
  if (!existsSync(CLI)) throw new Error('P9 needs the build: run npm run build (npm run bench does)');
  const shared = join(ROOT, '..', 'shared', 'corpus', 'real');
  const corpus = existsSync(shared) ? shared : join(ROOT, 'test', 'fixtures', 'cloudtrail');
  const work = mkdtempSync(join(tmpdir(), 'trailwatch-p9-'));
  try {
    const db = join(work, 'db');
    // the real corpus has broken files on purpose: exit 1 (some input failed) is expected
    timed([CLI, 'ingest', corpus, '--db', db, '--json'], [0, 1]);
    const instance = busiestInstance(db);
    const query = [CLI, 'query', 'instance', instance.id, '--db', db];
    // the first run of a command after a build keeps its compiled code (reported, not in the medians)
    const firstRun = timed(query).ms;
    const nodeMs: number[] = [];
    const cliMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      nodeMs.push(timed(['-e', '']).ms);
      cliMs.push(timed(query).ms);
    }
    const lookups = Array.from(
      { length: LOOKUP_RUNS },
      () =>
        JSON.parse(timed([LOOKUP, db, instance.id]).stdout) as {
          firstMs: number;
          firstCpuMs: number;
          warmMs: number;
        },
    );
    const nodeCpu: number[] = [];
    const cliCpu: number[] = [];
    for (let i = 0; i < CPU_RUNS; i++) {
      nodeCpu.push(cpuOf(work, ['-e', '']));
      cliCpu.push(cpuOf(work, query));
    }
    const lookupMs = median(lookups.map((l) => l.firstMs));
    const ratio = median(cliMs) / (median(nodeMs) + lookupMs);
    report({
      id: 'P9',
      name: "start-up: whole `trailwatch query instance` process vs `node -e ''` + the lookup in-process",
      value: ratio,
      unit: 'x',
      target: '<= 1.5',
      pass: ratio <= 1.5,
      details: {
        corpus,
        instance: instance.id,
        instanceEvents: instance.events,
        runs: RUNS,
        queryMedianMs: round(median(cliMs)),
        nodeEmptyMedianMs: round(median(nodeMs)),
        lookupFirstMedianMs: round(lookupMs),
        lookupWarmMedianMs: round(median(lookups.map((l) => l.warmMs))),
        lookupRuns: LOOKUP_RUNS,
        overheadOverNodeMs: round(median(cliMs) - median(nodeMs) - lookupMs),
        firstRunAfterBuildMs: round(firstRun),
        cpuRuns: CPU_RUNS,
        queryCpuMedianMs: round(median(cliCpu)),
        nodeEmptyCpuMedianMs: round(median(nodeCpu)),
        lookupFirstCpuMedianMs: round(median(lookups.map((l) => l.firstCpuMs))),
        cpuRatio: round(median(cliCpu) / (median(nodeCpu) + median(lookups.map((l) => l.firstCpuMs)))),
      },
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
