import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { STORE_FILE } from '../../bin/cli/local-store/open';
import { writeDeliveryFile } from '../bench/generate';
import { BUILT_CLI, builtCliPresent, spawnCli, startCli, until, watchChild } from '../helpers/cli';
import { credentiallessEnv } from '../helpers/env';
import { committedMarkers, dumpStore } from '../helpers/store-file';

/**
 * Ctrl-C during `trailwatch ingest` (issue 15), through the built binary: on a terminal (a
 * pseudo-terminal made by util-linux `script`, Ctrl-C typed into it), and as a bare SIGINT to a
 * child without one. The command stops taking files, restores the terminal, prints a partial
 * summary and exits with 130; run again, it skips the files done and completes the store.
 */

const env = { ...credentiallessEnv(), COLUMNS: '160' };
const FILES = 16;
const haveScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/**
 * The store's items without what differs by write time (TTLs, marker times, write IDs), nor by the
 * order the files were read in (what a stateful rule's finding says it has seen so far): the same
 * store, however the runs were cut.
 */
function contents(db: string): Map<string, string> {
  return new Map(
    [...dumpStore(db)].map(([key, { item, sets }]) => {
      if (item.kind === 'finding') delete item.detail;
      return [key, JSON.stringify([item, sets])];
    }),
  );
}

/** Local file markers committed so far. */
const markersIn = (db: string): number => committedMarkers(db, 'FILES#file:');

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

(builtCliPresent ? describe : describe.skip)('Ctrl-C during ingest, through the built binary', () => {
  let dir: string;
  let logs: string;
  let whole: Map<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-interrupt-'));
    logs = join(dir, 'logs');
    mkdirSync(logs);
    // two small files first (done soon), then larger ones (about 4 s in all: the first marker is
    // committed about two seconds in, and SIGINT must come before the end; with 20 MB files the
    // whole ingest took 2.1-2.4 s, and SIGINT came after the end in 3 runs of 5)
    for (let i = 0; i < FILES; i++)
      await writeDeliveryFile(
        join(
          logs,
          `123456789012_CloudTrail_us-east-1_202503${String(i + 1).padStart(2, '0')}T0000Z_t.json.gz`,
        ),
        i < 2 ? 64 << 10 : 32 << 20,
        11 + i,
      );
    const db = join(dir, 'whole');
    expect((await spawnCli(['ingest', logs, '--db', db], { env })).code).toBe(0);
    whole = contents(db);
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  (haveScript ? it : it.skip)(
    'on a terminal: stops at Ctrl-C, restores the cursor and auto-wrap, prints a partial summary, exit 130; run again, skips what is done',
    async () => {
      const db = join(dir, 'tty');
      const command = [process.execPath, BUILT_CLI, 'ingest', logs, '--db', db].map(quote).join(' ');
      const child = spawn('script', ['-qfec', command, '/dev/null'], { env });
      const run = watchChild(child);
      // once the bar shows a file done, Ctrl-C as typed on the terminal
      const aFileDone = new RegExp(`\\] [1-9]\\d*/${FILES} files`);
      await until('the progress bar', () => aFileDone.test(run.out()));
      child.stdin.write('\x03');
      expect(await run.exit).toBe(130);
      const out = run.out();
      // the bar hid the cursor and turned auto-wrap off; both are on again after
      const hidden = Math.max(out.lastIndexOf('\x1b[?25l'), out.lastIndexOf('\x1b[?7l'));
      expect(hidden).toBeGreaterThanOrEqual(0);
      expect(out.indexOf('\x1b[?25h', hidden)).toBeGreaterThan(hidden);
      expect(out.indexOf('\x1b[?7h', hidden)).toBeGreaterThan(hidden);
      expect(out).toMatch(/trailwatch: Ctrl-C: stopping: no new file is started/);
      const summary =
        /Interrupted: ingested (\d+) file\(s\) into the local store .*; (\d+) interrupted .*, (\d+) not started/.exec(
          out,
        );
      expect(summary).not.toBeNull();
      const [done, interrupted, left] = (summary ?? []).slice(1).map(Number) as [number, number, number];
      expect(done).toBeGreaterThanOrEqual(1);
      expect(done + interrupted + left).toBe(FILES);
      expect(left).toBeGreaterThan(0);
      expect(out).toMatch(/SSH key pushes: \d+; new findings: \d+/);
      expect(out).toMatch(/Run the same command again to go on: the files done are skipped\./);
      expect(out).not.toMatch(/\n\s+at /);
      expect(markersIn(db)).toBe(done);

      const again = await spawnCli(['ingest', logs, '--db', db], { env });
      expect(again.code).toBe(0);
      expect(again.out).toContain(`${done} file(s) already done, skipped; --reprocess to read them again`);
      expect(again.out).toMatch(new RegExp(`^Ingested ${FILES - done} file\\(s\\)`));
      expect(contents(db)).toEqual(whole);
    },
    120_000,
  );

  it('without a terminal: SIGINT stops it with a partial JSON summary and exit 130; run again, the totals complete', async () => {
    const db = join(dir, 'pipe');
    const run = startCli(['ingest', logs, '--db', db, '--json'], { env });
    await until('a file marked done', () => markersIn(db) >= 1);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    expect(run.err()).toMatch(/^trailwatch: Ctrl-C: stopping: /m);
    // no escape sequence without a terminal, no stack trace
    expect(run.err()).not.toContain('\x1b[');
    expect(run.err()).not.toMatch(/\n\s+at /);
    const first = JSON.parse(run.out().trim());
    expect(first).toMatchObject({ interrupted: true, filesFailed: 0, alreadyDone: 0 });
    expect(first.files).toBeGreaterThanOrEqual(1);
    expect(first.files + first.filesInterrupted + first.filesLeft).toBe(FILES);
    expect(markersIn(db)).toBe(first.files);

    const again = await spawnCli(['ingest', logs, '--db', db, '--json'], { env });
    expect(again.code).toBe(0);
    expect(again.json()[0]).toMatchObject({
      interrupted: false,
      alreadyDone: first.files,
      files: FILES - first.files,
      filesInterrupted: 0,
      filesLeft: 0,
    });
    expect(contents(db)).toEqual(whole);
    const reprocess = await spawnCli(['ingest', logs, '--db', db, '--json', '--reprocess'], { env });
    expect(reprocess.json()[0]).toMatchObject({ alreadyDone: 0, files: FILES, findings: 0 });
  }, 120_000);

  it('a second Ctrl-C quits at once, even while waiting for another process that holds the store', async () => {
    const db = join(dir, 'held');
    // a store, then another connection holding its write lock (as a long ingest would)
    expect((await spawnCli(['ingest', join(logs, '..', 'nothing-here'), '--db', db], { env })).code).toBe(1);
    const holder = new DatabaseSync(join(db, STORE_FILE));
    holder.exec('BEGIN IMMEDIATE');
    try {
      const run = startCli(['ingest', logs, '--db', db], { env });
      await until('the wait for the lock to be said', () => /waiting for another process/.test(run.err()));
      run.child.kill('SIGINT');
      await until('the first Ctrl-C to be taken', () => /stopping/.test(run.err()));
      const sent = Date.now();
      run.child.kill('SIGINT');
      expect(await run.exit).toBe(130);
      expect(Date.now() - sent).toBeLessThan(5000);
      expect(run.err()).toMatch(/trailwatch: Ctrl-C again: quit at once; /);
      expect(run.err()).not.toMatch(/\n\s+at /);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    // nothing was committed by the run that quit: every file is read now
    const again = await spawnCli(['ingest', logs, '--db', db, '--json'], { env });
    expect(again.json()[0]).toMatchObject({ files: FILES, alreadyDone: 0 });
    expect(contents(db)).toEqual(whole);
  }, 120_000);
});
