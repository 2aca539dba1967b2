import type { DatabaseSync } from 'node:sqlite';
import { StoreUnavailableError } from '../../../lambda/core/errors';

/**
 * Opening the local store's SQLite file through `node:sqlite` (built into Node >= 22.13: no native
 * module to install), with the settings chosen by measurement (docs/architecture.md "The local
 * store"), and its schema.
 *
 * - `journal_mode = WAL`: readers (`query`, `event`, …) run while an ingest writes, in other
 *   processes too; a second writer waits for the first (`busy_timeout`) instead of failing.
 * - `synchronous = NORMAL`: in WAL mode a commit is not synced; the WAL is synced before each
 *   checkpoint. A crash of the process (kill -9, out of memory) cannot corrupt the file, nor lose
 *   a commit (the OS has the writes); a power cut or an OS crash may lose the last commits but
 *   leaves the file consistent. Commits took 5.9 s of a 1 GB ingest; OFF, 2.8 s, but a power cut
 *   could then corrupt the file; FULL (a sync per commit), 6.4 s.
 * - `wal_autocheckpoint`: a checkpoint (and its syncs) every 64 MB of WAL rather than 4 MB: the
 *   1 GB ingest spent 14 s in commits with 4 MB, 10 s with 64 MB (commits every 50 ms). The WAL
 *   file is cut back to `journal_size_limit` after a checkpoint, and removed on the last close.
 * - `page_size`: 16 KB pages in a new file, against SQLite's 4 KB: the writes of a 1 GB ingest (its
 *   555,265 rows replayed alone) 4.7 s -> 3.8 s, commits 1.6 s -> 0.9 s; 8 KB 4.1 s, 64 KB 3.5 s;
 *   the whole ingest about a second faster (docs/performance.md). A random insert into the
 *   `(pk, sk)` index dirties a page; larger pages make a shallower tree with fewer splits, and fewer
 *   pages for each commit to write. A file made with other pages keeps them (SQLite fixes the size
 *   when it creates the file); the checkpoint interval is set in bytes whatever the size.
 * - `cache_size`: 16 MB of page cache, against the default 2 MB: as fast as 64 MB on the 256 MB
 *   ingest, 36 MB less resident memory. A bulk writer takes `BULK_CACHE_KIB` (below).
 */

type Sqlite = typeof import('node:sqlite');

let sqlite: Sqlite | undefined;

/**
 * `node:sqlite`, loaded once, without its ExperimentalWarning (only that warning: any other is
 * emitted as usual).
 */
export function loadSqlite(): Sqlite {
  if (sqlite) return sqlite;
  const emitWarning = process.emitWarning;
  process.emitWarning = function filtered(this: unknown, warning: string | Error, ...rest: unknown[]) {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const text = typeof warning === 'string' ? warning : warning.message;
    const name = typeof warning === 'string' ? type : warning.name;
    if (name === 'ExperimentalWarning' && /\bSQLite\b/.test(text)) return;
    return (emitWarning as (...a: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    sqlite = require('node:sqlite') as Sqlite;
  } catch (error) {
    throw new StoreUnavailableError(
      `the local store needs Node.js 22.13 or later (node:sqlite); this is Node.js ${process.versions.node}`,
      undefined,
      { cause: error },
    );
  } finally {
    process.emitWarning = emitWarning;
  }
  return sqlite;
}

/**
 * How long a writer waits for another process's writes before giving up: another ingest holds the
 * write lock most of the time (its commits are grouped), so a second one mostly waits for it to end.
 */
export const BUSY_TIMEOUT_MS = 300_000;

/**
 * The format of the file this version writes (`meta.format`). 1: `items` was the table of whole
 * items; 2: the items of an event's indexes share one stored copy of its summary (`bodies`), and
 * `items` is a view that presents them whole, as format 1's table did.
 */
export const FORMAT_VERSION = 2;

/** The page size of a new file (set before anything is written to it: see above). */
export const PAGE_SIZE = 16 * 1024;
/** The page cache of a connection, in KiB (`cache_size`: see above), unless a bulk writer's. */
export const CACHE_KIB = 16 * 1024;
/**
 * The page cache of a bulk writer (an ingest, a backfill: commits grouped, ./batch.ts), in KiB. Its
 * rows fall all over the `(pk, sk)` index, so a transaction of two seconds dirties nearly every page
 * of it (59 MB for a 1 GB ingest); with a cache smaller than the index, each page evicted is written
 * to the WAL, read back at its next row and written again: with 16 MB that ingest wrote 3.0 GB of
 * WAL and read 4.5 GB back. 40 MB: half the system time, the wall time up to a second less, 20 to
 * 35 MB more at the peak; 48 and 64 MB went over the 300 MB budget, for little more speed
 * (docs/performance.md "The page cache of a bulk writer"). Allocated as used; every other
 * connection keeps `CACHE_KIB`.
 */
export const BULK_CACHE_KIB = 40 * 1024;
/** WAL written between checkpoints (`wal_autocheckpoint`, which counts pages of the file's size). */
const CHECKPOINT_EVERY_BYTES = 64 * 1024 * 1024;

const PRAGMAS = [
  `PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`,
  // before the journal mode: a new file's first write fixes its page size
  `PRAGMA page_size = ${PAGE_SIZE}`,
  'PRAGMA journal_mode = WAL',
  'PRAGMA synchronous = NORMAL',
  `PRAGMA journal_size_limit = ${64 * 1024 * 1024}`,
  // KiB when negative; allocated as used
  `PRAGMA cache_size = -${CACHE_KIB}`,
];

/**
 * Format 2 from format 1's `items` table: the table becomes `entries` with a `body` column (its
 * rows, all whole, stay as they are), and `items` the view of whole items. Schema changes only:
 * instant whatever the size, in one transaction.
 */
const FROM_FORMAT_1 = [
  'ALTER TABLE items RENAME TO entries',
  'ALTER TABLE entries ADD COLUMN body INTEGER',
  // `refs`: the rows of `entries` whose `body` is this one (kept by ./entries.ts, which deletes a
  // body when its last row lets go of it)
  'CREATE TABLE bodies (id INTEGER PRIMARY KEY, refs INTEGER NOT NULL, json TEXT NOT NULL)',
  `CREATE VIEW items (pk, sk, item, sets, expires) AS
    SELECT e.pk, e.sk, CASE WHEN e.body IS NULL THEN e.item ELSE e.item || b.json END, e.sets, e.expires
    FROM entries e LEFT JOIN bodies b ON b.id = e.body`,
];

const SCHEMA = [
  `CREATE TABLE items (
    pk TEXT NOT NULL,
    sk TEXT NOT NULL,
    item TEXT NOT NULL,
    sets TEXT,
    expires INTEGER
  )`,
  'CREATE UNIQUE INDEX items_key ON items (pk, sk)',
  // a new file is made as format 1 was, then brought to format 2: one schema, however it was made
  ...FROM_FORMAT_1,
  'CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID',
];

export interface OpenedDatabase {
  readonly db: DatabaseSync;
  /** True when this open created the tables (a new store). */
  readonly created: boolean;
  /** The file's format: FORMAT_VERSION, or 1 until its first write (`migrateToCurrent`). */
  readonly format: number;
}

/**
 * Opens (creating when missing) the store's file with its settings and schema. A file of format 1 is
 * read as it is (its `items` table has the columns of format 2's view); its first writer migrates it.
 * @throws StoreUnavailableError naming `source` when the file cannot be opened, is not a trailwatch
 * store, or was written by a newer version
 */
export function openDatabase(file: string, source: string): OpenedDatabase {
  let db: DatabaseSync | undefined;
  try {
    db = new (loadSqlite().DatabaseSync)(file);
    for (const pragma of PRAGMAS) db.exec(pragma);
    const created = createSchema(db);
    const { page_size: pageSize } = db.prepare('PRAGMA page_size').get() as { page_size: number };
    db.exec(`PRAGMA wal_autocheckpoint = ${Math.round(CHECKPOINT_EVERY_BYTES / pageSize)}`);
    const format = checkFormat(db, source);
    return { db, created, format };
  } catch (error) {
    try {
      db?.close();
    } catch {
      // closing is best effort: the open failure is what the user needs to read
    }
    throw unavailable(error, source);
  }
}

/**
 * Brings a file of format 1 to FORMAT_VERSION, in its own transaction (begun IMMEDIATE: the write
 * lock is waited for; then the format is read again, another process may have migrated it). True
 * when this call migrated it. Call outside a transaction.
 */
export function migrateToCurrent(db: DatabaseSync): boolean {
  return inWriteTransaction(db, () => {
    const migrating = formatOf(db) === 1;
    if (migrating) {
      for (const statement of FROM_FORMAT_1) db.exec(statement);
      db.prepare("UPDATE meta SET value = ? WHERE key = 'format'").run(String(FORMAT_VERSION));
    }
    return migrating;
  });
}

/** Runs `work` in a transaction begun IMMEDIATE (the write lock waited for): committed, or rolled back when it throws. */
function inWriteTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

/** Creates the tables unless there (a reader that finds them takes no write lock). */
function createSchema(db: DatabaseSync): boolean {
  // a table in format 1, a view since
  const exists = (): boolean =>
    db.prepare("SELECT 1 AS x FROM sqlite_master WHERE name = 'items'").get() !== undefined;
  if (exists()) return false;
  return inWriteTransaction(db, () => {
    // another process may have created them while this one waited for the lock
    if (exists()) return false;
    for (const statement of SCHEMA) db.exec(statement);
    db.prepare("INSERT INTO meta (key, value) VALUES ('format', ?)").run(String(FORMAT_VERSION));
    return true;
  });
}

/** `meta.format` as a number (NaN when missing or not a number). */
function formatOf(db: DatabaseSync): number {
  return Number(formatText(db));
}

function formatText(db: DatabaseSync): string | undefined {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'format'").get() as
    | { value?: string }
    | undefined;
  return row?.value;
}

function checkFormat(db: DatabaseSync, source: string): number {
  const text = formatText(db);
  const format = Number(text);
  if (!Number.isInteger(format) || format < 1 || format > FORMAT_VERSION)
    throw new StoreUnavailableError(
      `the local store was written by a newer trailwatch (format ${text ?? 'unknown'}; this version reads ${FORMAT_VERSION}): upgrade trailwatch`,
      source,
    );
  return format;
}

/** SQLite's result code of an error of `node:sqlite` (primary code), if any. */
export function sqliteCode(error: unknown): number | undefined {
  const code = (error as { errcode?: unknown })?.errcode;
  return typeof code === 'number' ? code & 0xff : undefined;
}

const SQLITE_BUSY = 5;
const SQLITE_NOTADB = 26;

/** Whether another connection held the lock past the busy timeout. */
export function isBusy(error: unknown): boolean {
  return sqliteCode(error) === SQLITE_BUSY || /database is locked/i.test((error as Error)?.message ?? '');
}

/** A StoreUnavailableError saying what went wrong with the file, for the user. */
export function unavailable(error: unknown, source: string): StoreUnavailableError {
  if (error instanceof StoreUnavailableError)
    return error.source === undefined ? (error.withSource(source) as StoreUnavailableError) : error;
  const message = (error as Error)?.message ?? String(error);
  const why = isBusy(error)
    ? `the local store is busy: another trailwatch process has been writing to it for over ${BUSY_TIMEOUT_MS / 1000} s; try again once it is done`
    : sqliteCode(error) === SQLITE_NOTADB
      ? `not a trailwatch store (not an SQLite database): ${message}`
      : `cannot open the local store: ${message}`;
  return new StoreUnavailableError(why, source, { cause: error });
}
