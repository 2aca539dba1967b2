import type { StringSetAddition } from '../../../lambda/core/store-port';
import type { Row, StoredRow } from './codec';
import type { ExpiringRow, ItemsDb, PartitionQuery, PartitionRow } from './items-db';
import { BUSY_TIMEOUT_MS, isBusy } from './sqlite';

/**
 * The operations of the port as data, and how batches of them run. A batch is what the store was
 * asked during one turn of the event loop (./queue.ts); it runs in the process or on the store's
 * thread (./worker.ts), the same way.
 *
 * Commits are grouped: the writes of consecutive batches share one transaction, committed
 * `COMMIT_EVERY_MS` after it began (or when the store closes). An ingest asks thousands of small
 * things one after the other (a finding: its by-rule item, then its marker, then its marks on the
 * event's items), and a commit per batch cost more than the writes themselves (measured in
 * docs/architecture.md "The local store"). What this changes: an answer comes before its commit,
 * so a process killed mid-ingest loses the writes of its last `COMMIT_EVERY_MS` (never a part of
 * a transaction: the file stays consistent, and what is kept is everything up to some point, in
 * order: ingesting the same files again completes it). Other processes see the writes once
 * committed. A failed commit is never silent: every later operation and the close fail, saying
 * that the writes since the last commit were lost.
 */

export type Op =
  | { readonly kind: 'write'; readonly rows: readonly Row[] }
  | { readonly kind: 'insert'; readonly row: Row }
  | { readonly kind: 'create'; readonly row: Row }
  | { readonly kind: 'addToSets'; readonly additions: readonly StringSetAddition[] }
  | { readonly kind: 'query'; readonly pk: string; readonly query: PartitionQuery }
  | { readonly kind: 'get'; readonly pk: string; readonly sk: string }
  | { readonly kind: 'version' };

/** What each kind of operation answers. */
export interface OpResults {
  write: null;
  insert: boolean;
  /** null: created; else the row already there. */
  create: StoredRow | null;
  addToSets: null;
  query: PartitionRow[];
  /** The row whatever its TTL, or null. */
  get: ExpiringRow | null;
  /** SQLite's `data_version` (./read-cache.ts). */
  version: number;
}

/** An operation's answer, or the error it failed with (as data: it may cross threads). */
export type Outcome =
  | { readonly ok: true; readonly value: OpResults[Op['kind']] }
  | { readonly ok: false; readonly error: FailedOp };

export interface FailedOp {
  /** The class to rebuild: a write that failed, or a store that cannot be used at all. */
  readonly kind: 'write' | 'unavailable';
  readonly message: string;
  readonly busy: boolean;
}

type Handler<K extends Op['kind']> = (db: ItemsDb, op: Extract<Op, { kind: K }>) => OpResults[K];

/** What each operation does (a registry: a new operation is one line here and one in OpResults). */
const HANDLERS: { readonly [K in Op['kind']]: Handler<K> } = {
  write: (db, op) => {
    db.write(op.rows);
    return null;
  },
  insert: (db, op) => db.insert(op.row),
  create: (db, op) => db.create(op.row) ?? null,
  addToSets: (db, op) => {
    db.addToStringSets(op.additions);
    return null;
  },
  query: (db, op) => db.query(op.pk, op.query),
  get: (db, op) => db.read(op.pk, op.sk) ?? null,
  version: (db) => db.dataVersion(),
};

const WRITES: ReadonlySet<Op['kind']> = new Set(['write', 'insert', 'create', 'addToSets']);

/**
 * How long the writes of consecutive batches share a transaction before it is committed. Every commit
 * writes again each page of the `(pk, sk)` index its rows touched, and an ingest's keys fall all over
 * it: once the index outgrows what a commit's rows touch, that is nearly a page per row. Two seconds
 * rather than one: the 1 GB ingest 14.4-14.5 s -> 13.3 s, the 4th GB into one store 31.1-31.4 s ->
 * 26.3-27.2 s (3 s: no faster; docs/architecture.md "The local store").
 */
export const COMMIT_EVERY_MS = 2000;

/** Runs batches on one connection, grouping their writes into transactions (see above). */
export class Batches {
  /** When the open transaction began (performance.now()), if one is open. */
  private openedAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Whether writes of the open transaction have been answered already. */
  private answered = false;
  /** Set once writes already answered were lost: the store cannot go on. */
  private lost: FailedOp | undefined;

  constructor(
    private readonly db: ItemsDb,
    private readonly commitEveryMs = COMMIT_EVERY_MS,
    /** Defer the key index of a new store to the close (./deferred-index.ts). @default false */
    deferIndex = false,
  ) {
    // a grouped transaction dirties most of the (pk, sk) index: its cache holds it (./sqlite.ts)
    if (commitEveryMs > 0) db.asBulkWriter(deferIndex);
  }

  /**
   * Runs a batch: writes join the open transaction (one is begun IMMEDIATE, so that the write lock
   * is waited for, up to the busy timeout, before anything is read for a write); reads outside a
   * transaction run on their own. An operation that fails on its own data (checked before it
   * writes) fails alone; a failure of the database (busy past the timeout, disk full, I/O) rolls
   * the transaction back and fails the batch.
   */
  run(ops: readonly Op[]): Outcome[] {
    if (this.lost) return ops.map(() => ({ ok: false, error: this.lost as FailedOp }));
    const writes = ops.some((op) => WRITES.has(op.kind));
    try {
      if (writes && this.openedAt === undefined) this.begin();
      const outcomes = ops.map((op) => runOne(this.db, op));
      if (this.openedAt !== undefined && performance.now() - this.openedAt >= this.commitEveryMs)
        this.commit();
      this.answered = this.openedAt !== undefined;
      return outcomes;
    } catch (error) {
      this.fail(error);
      return ops.map(() => failed(error, writes));
    }
  }

  /**
   * For a batch that writes while no transaction is open: takes the write lock if it is free within
   * `attemptMs` (then the batch runs in the transaction begun), else false: another process holds
   * it, and the caller waits without blocking the thread (./lock-wait.ts) and asks again. True for
   * any other batch, and on any error but busy (`run` then reports it).
   */
  tryLock(ops: readonly Op[], attemptMs: number): boolean {
    if (this.lost || this.openedAt !== undefined || !ops.some((op) => WRITES.has(op.kind))) return true;
    const db = this.db.db;
    db.exec(`PRAGMA busy_timeout = ${attemptMs}`);
    try {
      this.begin();
      return true;
    } catch (error) {
      return !isBusy(error);
    } finally {
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  }

  /** Commits the open transaction, if any. @throws the error the store cannot go on with */
  flush(): void {
    if (this.openedAt !== undefined) {
      try {
        this.commit();
      } catch (error) {
        this.fail(error);
      }
    }
    if (this.lost) throw Object.assign(new Error(this.lost.message), { failure: this.lost });
  }

  /**
   * The end of the run: commits, then builds the key index if it is deferred.
   * @throws the error the store cannot go on with (`failure`: what was lost, or not built)
   */
  close(): void {
    this.flush();
    try {
      this.db.finishIfDeferred();
    } catch (error) {
      const cause = failed(error, true).error;
      throw Object.assign(new Error(cause.message), {
        failure: {
          ...cause,
          message: `every item is stored, but their index could not be built (the next ingest or backfill builds it; queries meanwhile read the whole store): ${cause.message}`,
        },
      });
    }
  }

  private begin(): void {
    this.db.beginWrite();
    this.openedAt = performance.now();
    this.timer = setTimeout(() => this.flushQuietly(), this.commitEveryMs);
    this.timer.unref();
  }

  private commit(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    // on failure the transaction is still open: `fail` rolls it back and says what was lost
    this.db.db.exec('COMMIT');
    this.openedAt = undefined;
    this.answered = false;
  }

  /** The timer's commit: a failure is kept for the next operation and the close. */
  private flushQuietly(): void {
    try {
      this.flush();
    } catch {
      // kept in `lost`: every later operation and the close report it
    }
  }

  /** A database failure: the open transaction is rolled back; writes already answered are lost. */
  private fail(error: unknown): void {
    const answered = this.answered;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.openedAt = undefined;
    this.answered = false;
    try {
      this.db.db.exec('ROLLBACK');
    } catch {
      // no transaction left (SQLite rolled back already, or the failure was BEGIN's)
    }
    if (answered && !this.lost) {
      const cause = failed(error, true).error;
      this.lost = {
        ...cause,
        message: `writes of the last ${this.commitEveryMs} ms could not be committed and are lost (ingest the same files again once this is fixed): ${cause.message}`,
      };
    }
  }
}

/** One operation; an error of its own data is its outcome, a database error ends the batch. */
function runOne(db: ItemsDb, op: Op): Outcome {
  try {
    return { ok: true, value: (HANDLERS[op.kind] as Handler<Op['kind']>)(db, op as never) };
  } catch (error) {
    if (isDatabaseError(error)) throw error;
    return failed(error, WRITES.has(op.kind));
  }
}

/** Errors of SQLite itself (node:sqlite's ERR_SQLITE_ERROR) rather than of one operation's data. */
function isDatabaseError(error: unknown): boolean {
  return (error as { code?: string })?.code === 'ERR_SQLITE_ERROR';
}

function failed(error: unknown, write: boolean): Outcome & { ok: false } {
  return {
    ok: false,
    error: {
      kind: write ? 'write' : 'unavailable',
      message: (error as Error)?.message ?? String(error),
      busy: isBusy(error),
    },
  };
}
