import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSqlite } from '../../bin/cli/local-store/sqlite';
import { MB, median, quick, ROOT, report, round } from './measure-common';

/**
 * P9 start-up: the whole process of `trailwatch query instance ID --db DIR` (the built CLI, as a
 * user runs it, output to a pipe) against `node -e ''` plus the lookup's own time (./startup-lookup.js:
 * the same open, read and close in a process where the modules are loaded already), on a store with
 * the real corpus ingested. Runs alternate, so that both sides share the machine's load; medians.
 * `--quick`: fewer runs, the fixtures' corpus when the shared one is missing; reported, not judged.
 */

const CLI = join(ROOT, 'dist', 'bin', 'trailwatch.js');
const LOOKUP = join(__dirname, 'startup-lookup.js');
const RUNS = quick ? 5 : 31;
const LOOKUP_RUNS = quick ? 3 : 11;

interface Timed {
  ms: number;
  stdout: string;
}

/** A plain node child (no TypeScript loader from NODE_OPTIONS): its wall time from spawn to exit. */
function timed(args: string[], ok = [0]): Timed {
  const { NODE_OPTIONS: _loader, ...env } = process.env;
  const t = performance.now();
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * MB, env });
  const ms = performance.now() - t;
  if (!ok.includes(run.status ?? -1))
    throw new Error(`P9: node ${args.join(' ')} failed (${run.status}): ${run.stderr}`);
  return { ms, stdout: run.stdout };
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
    // the first run after a build fills the compile cache (reported, not in the medians)
    const firstRun = timed(query).ms;
    const nodeMs: number[] = [];
    const cliMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      nodeMs.push(timed(['-e', '']).ms);
      cliMs.push(timed(query).ms);
    }
    const lookups = Array.from(
      { length: LOOKUP_RUNS },
      () => JSON.parse(timed([LOOKUP, db, instance.id]).stdout) as { firstMs: number; warmMs: number },
    );
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
      },
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
