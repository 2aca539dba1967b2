import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { StoreWriteError } from '../../../lambda/core/errors';
import { INDEXES } from '../../../lambda/core/indexes';
import type { StringSetAddition } from '../../../lambda/core/store-port';
import type { Entries } from './entries';
import { sqliteCode } from './sqlite';

/**
 * The key index of a new store, built once its first ingest is done. Most rows of an ingest are index
 * items (an event's instance, users, address…: 443,000 of the 555,000 rows of 1 GB of the
 * benchmark's logs), whose keys fall all over the `(pk, sk)` index; inserting them one by one into it
 * was half of SQLite's time. Nothing reads those partitions while files are ingested (the rules read
 * only the indexes that say `readByRules`, and events, findings, summaries, markers), so into a new
 * store a bulk writer (ingest, backfill) writes them without their keys, and builds the index at the
 * end with one sort (`CREATE UNIQUE INDEX`): the rows alone, replayed, 4.1 s -> 2.5 s, that build
 * included (docs/performance.md "The key index of a new store").
 *
 * While the index is deferred (`meta` says so; a state of the file, seen by every connection):
 * - the unique index `kept_key` covers the rows of every other partition (`KEPT`, a partial index):
 *   once-writes, replacements and reads of those stay as they were; a read names `KEPT` so that
 *   SQLite uses it (./items-db.ts);
 * - a row of a deferred partition is inserted as it comes: two with one key may both be there until
 *   the end, when the newer is kept (as a replacement would have);
 * - a string-set addition to a row of a deferred partition (a finding marked on an event's index
 *   items) is made at once when the row was just written (`RecentSpans` below); otherwise it is
 *   recorded with the last row id at the time (`deferred_additions`), and made at the end to the row
 *   that was there then, unless it was written again since (as it would have been lost), and never to
 *   a row that was missing (which stays missing);
 * - another process that reads a deferred partition builds the index first (./items-db.ts
 *   `needsIndex`); where it cannot, it reads the right rows without the index (a scan), and may meet
 *   both rows of a key written twice.
 *
 * The end (`finish`, one transaction): the index is built, the additions made, the state cleared. A
 * bulk writer does it when it closes; a run that stopped before (killed) leaves the state, and the next
 * bulk writer carries on and does it, any other writer first. A bulk writer that must read a deferred
 * partition (a rule that would) finishes first too.
 */

/**
 * The key prefixes of the deferred partitions: every index's the rules do not read. Written into SQL
 * as they are (`KEPT`): an index's prefix is capitals, digits and `_` before `#`
 * (test/unit/indexes.test.ts).
 */
export const DEFERRED_PREFIXES: readonly string[] = INDEXES.filter((i) => !i.readByRules).map(
  (i) => i.prefix,
);

/** Whether a row of partition `pk` is in a deferred partition. */
export function isDeferredPartition(pk: string): boolean {
  for (const prefix of DEFERRED_PREFIXES) if (pk.startsWith(prefix)) return true;
  return false;
}

/**
 * SQL: the row's partition is not deferred (text compared as SQLite compares it: `pk` starts with
 * `USER#` exactly when `'USER#' <= pk < 'USER$'`). The partial index's condition, and a term of every
 * read of such a partition: SQLite uses a partial index only for a query that states its condition.
 */
export const KEPT = `NOT (${DEFERRED_PREFIXES.map(
  (p) => `pk >= '${p}' AND pk < '${p.slice(0, -1)}${String.fromCharCode(p.charCodeAt(p.length - 1) + 1)}'`,
).join(' OR ')})`;

/** The key index of a store that is not deferred (./sqlite.ts makes it). */
const FULL_INDEX = 'CREATE UNIQUE INDEX items_key ON entries (pk, sk)';

const STATE_KEY = 'deferred_index';

/** Whether the file's key index is deferred. */
export function isDeferred(db: DatabaseSync): boolean {
  return db.prepare('SELECT 1 AS yes FROM meta WHERE key = ?').get(STATE_KEY) !== undefined;
}

/** Whether the store holds no rows (a new store, or one never written). */
export function isEmpty(db: DatabaseSync): boolean {
  return db.prepare('SELECT 1 AS yes FROM entries LIMIT 1').get() === undefined;
}

/** Defers the key index (in the caller's write transaction, on an empty store). */
export function defer(db: DatabaseSync): void {
  db.exec('DROP INDEX items_key');
  db.exec(`CREATE UNIQUE INDEX kept_key ON entries (pk, sk) WHERE ${KEPT}`);
  db.exec(
    'CREATE TABLE deferred_additions (id INTEGER PRIMARY KEY, upto INTEGER NOT NULL, additions TEXT NOT NULL)',
  );
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(STATE_KEY, new Date().toISOString());
}

/** Records additions to rows of deferred partitions, made at the end (see above). */
export function deferAdditions(db: DatabaseSync, additions: readonly StringSetAddition[]): void {
  db.prepare(
    'INSERT INTO deferred_additions (upto, additions) VALUES ((SELECT coalesce(max(rowid), 0) FROM entries), ?)',
  ).run(JSON.stringify(additions));
}

/** How many recorded calls the end reads at a time. */
const ADDITIONS_PAGE = 500;

/**
 * Builds the key index and makes the recorded additions, in the caller's write transaction. An
 * addition that fails on its data (DynamoDB would have refused it: the attribute is not a string set)
 * is said and skipped, the others made: the rows are the ingest's own, whose findings are string sets.
 */
export function finish(db: DatabaseSync, entries: Entries, say: (line: string) => void): void {
  buildIndex(db, entries);
  const page = db.prepare(
    'SELECT id, upto, additions FROM deferred_additions WHERE id > ? ORDER BY id LIMIT ?',
  );
  for (let after = 0; ; ) {
    const calls = page.all(after, ADDITIONS_PAGE) as { id: number; upto: number; additions: string }[];
    if (calls.length === 0) break;
    for (const call of calls) {
      try {
        entries.addToStringSets(JSON.parse(call.additions) as StringSetAddition[], { upto: call.upto });
      } catch (error) {
        if (!(error instanceof StoreWriteError)) throw error;
        say(
          `trailwatch: ${entries.source}: a finding could not be marked on an index item: ${error.message}`,
        );
      }
      after = call.id;
    }
  }
  db.exec('DROP INDEX kept_key');
  db.exec('DROP TABLE deferred_additions');
  db.prepare('DELETE FROM meta WHERE key = ?').run(STATE_KEY);
}

const SQLITE_CONSTRAINT = 19;
/**
 * How the sort of `CREATE UNIQUE INDEX` runs: on SQLite's helper threads, in runs of the smallest size
 * SQLite sorts in memory (a page cache of 4 MB: its sort buffers follow it), merged. For 1 GB of logs,
 * 0.27-0.35 s rather than 0.46-0.55 s with the bulk writer's 40 MB and one thread, and 10 to 30 MB
 * less at the peak (docs/performance.md "The key index of a new store").
 */
const SORT_THREADS = 2;
const SORT_CACHE_KIB = 4096;

/** `CREATE UNIQUE INDEX`, once the older of two rows with one key are gone (a sort of the keys). */
function buildIndex(db: DatabaseSync, entries: Entries): void {
  const cache = (db.prepare('PRAGMA cache_size').get() as { cache_size: number }).cache_size;
  db.exec(`PRAGMA threads = ${SORT_THREADS}`);
  db.exec(`PRAGMA cache_size = -${SORT_CACHE_KIB}`);
  try {
    db.exec(FULL_INDEX);
  } catch (error) {
    if (sqliteCode(error) !== SQLITE_CONSTRAINT) throw error;
    dropOlderDuplicates(db, entries);
    db.exec(FULL_INDEX);
  } finally {
    db.exec('PRAGMA threads = 0');
    db.exec(`PRAGMA cache_size = ${Math.trunc(cache)}`);
  }
}

/** Rows deleted at a time. */
const DROP_PAGE = 1000;

/**
 * Deletes the rows of deferred partitions that a newer row with the same key replaces (listed in a
 * temporary table first: however many there are, they are never all in memory).
 */
function dropOlderDuplicates(db: DatabaseSync, entries: Entries): void {
  db.exec('CREATE TEMP TABLE older (id INTEGER PRIMARY KEY, body INTEGER)');
  try {
    db.exec(`INSERT INTO temp.older (id, body) SELECT id, body FROM (SELECT rowid AS id, body,
        row_number() OVER (PARTITION BY pk, sk ORDER BY rowid DESC) AS newer
      FROM entries WHERE NOT ${KEPT}) WHERE newer > 1`);
    const page = db.prepare('SELECT id, body FROM temp.older WHERE id > ? ORDER BY id LIMIT ?');
    for (let after = 0; ; ) {
      const rows = page.all(after, DROP_PAGE) as { id: number; body: number | null }[];
      const last = rows[rows.length - 1];
      if (!last) break;
      entries.dropRows(rows);
      after = last.id;
    }
  } finally {
    db.exec('DROP TABLE temp.older');
  }
}

/**
 * A statement that finds rows by key (`pk = ? AND sk = ?` after `sql`, which ends in `WHERE`), in two
 * forms: for a deferred partition, and for the others, which states `KEPT` so that SQLite uses the
 * partial index while the whole one is deferred (and the whole one otherwise).
 */
export class KeyedStatement {
  private readonly kept: StatementSync;
  private readonly deferred: StatementSync;

  constructor(db: DatabaseSync, sql: string) {
    this.kept = db.prepare(`${sql} ${KEPT} AND pk = ? AND sk = ?`);
    this.deferred = db.prepare(`${sql} pk = ? AND sk = ?`);
  }

  get(pk: string, sk: string): unknown {
    return (isDeferredPartition(pk) ? this.deferred : this.kept).get(pk, sk);
  }
}

/** Sort keys whose last write `RecentSpans` remembers (the events of the last files). */
const RECENT_SORT_KEYS = 4096;
/** Rows of one sort key in a row beyond which a write is not remembered (an addition looks among them). */
const MAX_SPAN_ROWS = 64;

/**
 * Where the last write of rows of deferred partitions went, for each recent sort key: their ids
 * (consecutive such rows of one write with the same sort key: an event's index items; the rows of
 * other partitions between them are not looked at). A finding is marked on the items of an event of
 * the file just read, right after they were written (the rules run at the end of each file), so a
 * string-set addition to a row of a deferred partition finds it there and is made at once; found
 * there, it is the newest row of its key (a later write of the key would be a later write of a
 * deferred partition's row with its sort key). Only an addition not found there waits for the index.
 * Forgotten at each transaction's begin (a rolled-back write's ids are given again) and once the index
 * is built.
 */
export class RecentSpans {
  private readonly spans = new Map<string, { readonly lo: number; readonly hi: number }>();
  /** Whether the key index is deferred (else nothing is remembered). */
  active = false;
  /** The rows of the write under way: their sort key, first and last id. */
  private sk: string | undefined;
  private lo = 0;
  private hi = 0;

  /** Forgets everything; remembers from now on if `active`. */
  reset(active: boolean): void {
    this.spans.clear();
    this.active = active;
    this.sk = undefined;
  }

  /** A row of the write under way, and its id (0: it replaced one, in a partition kept indexed). */
  row(pk: string, sk: string, id: number): void {
    if (id === 0 || !isDeferredPartition(pk)) return;
    if (sk !== this.sk) {
      this.end();
      this.sk = sk;
      this.lo = id;
    }
    this.hi = id;
  }

  /** The write is done. */
  end(): void {
    const sk = this.sk;
    if (sk === undefined) return;
    this.sk = undefined;
    // a span not remembered must not leave an older one of its sort key behind
    this.spans.delete(sk);
    if (this.hi - this.lo >= MAX_SPAN_ROWS) return;
    this.spans.set(sk, { lo: this.lo, hi: this.hi });
    if (this.spans.size > RECENT_SORT_KEYS) this.spans.delete(this.spans.keys().next().value as string);
  }

  get(sk: string): { readonly lo: number; readonly hi: number } | undefined {
    return this.spans.get(sk);
  }
}
