import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb, grepPeer, inProcessLookups } from './e2e-peers';
import { reportEndToEnd } from './e2e-report';
import { deliveryFiles, instanceQuestions, nodeTimer } from './e2e-run';
import { quick, ROOT } from './measure-common';

/**
 * P7: what a user waits for. The built CLI's whole `ingest` of a directory of delivery files (wall
 * time and, as P2 of the whole ingest, peak RSS of the child process), against the same files in
 * the same run: extraction only (the same ingest code with a store that keeps nothing,
 * ./ingest-null-store.js), DuckDB loading every record into a table (./duckdb-peer.js, its own
 * process), and "events of instance X" answered by `trailwatch query instance`, by DuckDB on its
 * table and by `rg -z`/`zgrep` over the files.
 *
 * Size: `--e2e-mb=N` (default 1024 MB in files of 16 MB; `--quick`: 4 MB in files of 2 MB, 3
 * questions, numbers reported but not judged; grep answers the first 5 questions only, see
 * GREP_QUESTIONS). `--e2e-extract-only`: no whole ingest and no
 * trailwatch questions (extraction only, DuckDB and grep: the room the store has).
 * `--e2e-in-time-order`: files that follow each other in time (one account's month) rather than
 * files of the same hours (e2e-run.ts, `deliveryFiles`).
 */

const sizeArg = process.argv.find((a) => a.startsWith('--e2e-mb='));
const SIZE_MB = quick ? 4 : sizeArg ? Number(sizeArg.slice('--e2e-mb='.length)) : 1024;
if (!(SIZE_MB > 0)) throw new Error(`--e2e-mb: expected a size in MB, got '${sizeArg}'`);
const EXTRACT_ONLY = process.argv.includes('--e2e-extract-only');
const IN_TIME_ORDER = process.argv.includes('--e2e-in-time-order');
const FILE_MB = quick ? 2 : 16;
const QUESTIONS = quick ? 3 : 20;
// a grep reads every file for every question (about 10 s a question at 1 GB here): the first few
// questions are asked, and its time to N answers is N times its median
const GREP_QUESTIONS = quick ? 3 : 5;
const CLI = join(ROOT, 'dist', 'bin', 'trailwatch.js');

export async function p7(): Promise<void> {
  if (!existsSync(CLI)) throw new Error('P7 needs the build: run npm run build (npm run bench does)');
  const files = await deliveryFiles(Math.max(1, Math.round(SIZE_MB / FILE_MB)), FILE_MB, IN_TIME_ORDER);
  const work = mkdtempSync(join(tmpdir(), 'trailwatch-p7-'));
  try {
    const timed = nodeTimer(work);
    const db = join(work, 'db');
    const ids = instanceQuestions(files.files[0] as string, QUESTIONS);
    const extract = timed([join(__dirname, 'ingest-null-store.js'), files.dir]);
    let whole: Parameters<typeof reportEndToEnd>[0]['whole'];
    if (!EXTRACT_ONLY) {
      const ingest = timed([CLI, 'ingest', files.dir, '--db', db, '--json']);
      const summary = JSON.parse(ingest.stdout) as { records: number; indexed: number; items: number };
      const cli = ids.map((id) => {
        const run = timed([CLI, 'query', 'instance', id, '--db', db, '--json']);
        return { ms: run.ms, events: run.stdout.split('\n').filter(Boolean).length };
      });
      whole = { ingest, summary, cli, lookupMs: await inProcessLookups(db, ids) };
    }
    rmSync(db, { recursive: true, force: true });
    const duck = duckdb(files, ids, work, timed);
    const grep = grepPeer(files, ids.slice(0, GREP_QUESTIONS));
    reportEndToEnd({ files, ids, extract, whole, duck, grep });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
