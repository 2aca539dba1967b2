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
 * - `cache_size`: 16 MB of page cache, against the default 2 MB: as fast as 64 MB on the 256 MB
 *   ingest, 36 MB less resident memory.
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

/** The format of the file this version writes (`meta.format`). */
export const FORMAT_VERSION = 1;

const PRAGMAS = [
  `PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`,
  'PRAGMA journal_mode = WAL',
  'PRAGMA synchronous = NORMAL',
  'PRAGMA wal_autocheckpoint = 16384',
  `PRAGMA journal_size_limit = ${64 * 1024 * 1024}`,
  // KiB when negative; allocated as used
  'PRAGMA cache_size = -16384',
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
  'CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID',
];

export interface OpenedDatabase {
  readonly db: DatabaseSync;
  /** True when this open created the tables (a new store). */
  readonly created: boolean;
}

/**
 * Opens (creating when missing) the store's file with its settings and schema.
 * @throws StoreUnavailableError naming `source` when the file cannot be opened, is not a trailwatch
 * store, or was written by a newer version
 */
export function openDatabase(file: string, source: string): OpenedDatabase {
  let db: DatabaseSync | undefined;
  try {
    db = new (loadSqlite().DatabaseSync)(file);
    for (const pragma of PRAGMAS) db.exec(pragma);
    const created = createSchema(db);
    checkFormat(db, source);
    return { db, created };
  } catch (error) {
    try {
      db?.close();
    } catch {
      // closing is best effort: the open failure is what the user needs to read
    }
    throw unavailable(error, source);
  }
}

/** Creates the tables unless there (a reader that finds them takes no write lock). */
function createSchema(db: DatabaseSync): boolean {
  const exists = (): boolean =>
    db.prepare("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'items'").get() !==
    undefined;
  if (exists()) return false;
  db.exec('BEGIN IMMEDIATE');
  try {
    // another process may have created them while this one waited for the lock
    if (exists()) {
      db.exec('COMMIT');
      return false;
    }
    for (const statement of SCHEMA) db.exec(statement);
    db.prepare("INSERT INTO meta (key, value) VALUES ('format', ?)").run(String(FORMAT_VERSION));
    db.exec('COMMIT');
    return true;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

function checkFormat(db: DatabaseSync, source: string): void {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'format'").get() as
    | { value?: string }
    | undefined;
  const format = Number(row?.value);
  if (!Number.isInteger(format) || format > FORMAT_VERSION)
    throw new StoreUnavailableError(
      `the local store was written by a newer trailwatch (format ${row?.value ?? 'unknown'}; this version reads ${FORMAT_VERSION}): upgrade trailwatch`,
      source,
    );
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
