import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { StoreWriteError } from '../../../lambda/core/errors';
import type { StringSetAddition } from '../../../lambda/core/store-port';
import type { Row, StoredRow } from './codec';
import {
  defer,
  deferAdditions,
  finish,
  isDeferred,
  isDeferredPartition,
  isEmpty,
  KEPT,
  KeyedStatement,
} from './deferred-index';
import { Entries } from './entries';
import { BULK_CACHE_KIB, FORMAT_VERSION, isBusy, migrateToCurrent, openDatabase } from './sqlite';

/**
 * The SQL of the local store, synchronous: what one operation of the port does to the file. Reads
 * go through `items` (whole items), writes through ./entries.ts. Statements are constants prepared
 * once; values are always bound, never spliced in. Callers (./batch.ts) wrap the operations of a
 * batch in one transaction, writes in one begun by `beginWrite`.
 */

/** Where the local store tells the user of a migration unless told otherwise: a line on stderr. */
export const toStderr = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** A read of one partition: the sort key range, the order, the page. */
export interface PartitionQuery {
  /** Inclusive bounds on `sk`; both absent: the whole partition. */
  readonly from?: string;
  readonly to?: string;
  readonly newestFirst: boolean;
  /** Continue after this sort key (exclusive). */
  readonly after?: string;
  /** Epoch seconds: items whose `expires` is not after it are skipped (DynamoDB's TTL read filter). */
  readonly now: number;
  /** Rows to return at most; undefined: all. */
  readonly limit?: number;
}

/** A row as read back, with its TTL column (epoch seconds; null: kept forever). */
export interface ExpiringRow extends StoredRow {
  readonly expires: number | null;
}

/** A row of a partition read. */
export interface PartitionRow extends ExpiringRow {
  readonly sk: string;
}

const NOT_EXPIRED = '(expires IS NULL OR expires > ?)';

export class ItemsDb {
  private readonly get: KeyedStatement;
  private readonly version: StatementSync;
  private readonly reads = new Map<string, StatementSync>();
  private everything: StatementSync | undefined;
  /** The writes, prepared on first use (a store that only reads does not). */
  private entries: Entries | undefined;
  /** Whether the file is of the current format (else of format 1, until `beginWrite` migrates it). */
  private current: boolean;
  /** A bulk writer's connection (ingest, backfill): see `asBulkWriter`. */
  private bulk = false;
  /** Whether the next write transaction may defer the key index (a bulk writer's first, on an empty store). */
  private mayDefer = false;
  /** Whether the key index was deferred when this connection's last write transaction began. */
  private deferred = false;
  /** Whether this connection found the key index whole, or tried to build it (`needsIndex`). */
  private indexSeen = false;

  /**
   * Opens (creating when missing) the store's file. `say` tells the user of a migration of the file.
   * @throws StoreUnavailableError naming `source`
   */
  static open(file: string, source: string, say: (line: string) => void = toStderr): ItemsDb {
    const { db, created, format } = openDatabase(file, source);
    return new ItemsDb(db, source, created, format === FORMAT_VERSION, say);
  }

  private constructor(
    readonly db: DatabaseSync,
    /** The store's name in errors. */
    readonly source: string,
    /** True when the open made the tables (a new store). */
    readonly created: boolean,
    current: boolean,
    private readonly say: (line: string) => void,
  ) {
    this.current = current;
    // reads go through `items`: the view of format 2, the table of format 1 (the same columns)
    this.get = new KeyedStatement(db, 'SELECT item, sets, expires FROM items WHERE');
    this.version = db.prepare('PRAGMA data_version');
  }

  /**
   * Makes this connection a bulk writer's (ingest, backfill): its page cache is `BULK_CACHE_KIB`
   * (./sqlite.ts), and with `deferIndex`, its first write transaction on an empty store defers the key
   * index of the index partitions to the end of the run (./deferred-index.ts, `finishIfDeferred`).
   */
  asBulkWriter(deferIndex: boolean): void {
    this.db.exec(`PRAGMA cache_size = -${BULK_CACHE_KIB}`);
    this.bulk = true;
    this.mayDefer = deferIndex;
  }

  /**
   * Begins a write transaction (IMMEDIATE: the write lock is waited for, up to the busy timeout).
   * The first on a file of format 1 migrates it first, in a transaction of its own. A key index left
   * deferred by a run that did not finish is built first, unless this is a bulk writer (which carries
   * on, and builds it when it closes).
   */
  beginWrite(): void {
    if (!this.current) {
      if (this.migrate())
        this.say(
          `trailwatch: ${this.source}: migrated the local store of an earlier version (format 1) to format ${FORMAT_VERSION}, in place; the items it holds are unchanged`,
        );
      this.current = true;
    }
    this.db.exec('BEGIN IMMEDIATE');
    this.deferred = isDeferred(this.db);
    if (this.deferred && !this.bulk) {
      this.say(this.leftUnbuilt());
      this.finishNow();
    } else if (!this.deferred && this.mayDefer && isEmpty(this.db)) {
      defer(this.db);
      this.deferred = true;
    }
    this.mayDefer = false;
    this.writes().spans.reset(this.deferred);
  }

  /**
   * Rows from which a bulk writer's close says that it builds the key index, before it does: about
   * 2 GB of logs, whose index takes a second or more (0.3 to 0.5 s per GB measured; the command's
   * summary comes after it).
   */
  announceIndexFrom = 1_000_000;

  /**
   * A bulk writer's last step, once its writes are committed: builds the key index if it is deferred
   * (./deferred-index.ts), saying so first for a large store (`announceIndexFrom`).
   * @throws the error of SQLite
   */
  finishIfDeferred(): void {
    if (!this.bulk || !isDeferred(this.db)) return;
    const { rows } = this.db.prepare('SELECT coalesce(max(rowid), 0) AS rows FROM entries').get() as {
      rows: number;
    };
    if (rows >= this.announceIndexFrom)
      this.say(
        `trailwatch: ${this.source}: building the index of the new store (about ${rows.toLocaleString('en-US')} items)…`,
      );
    this.buildDeferredIndex();
  }

  /**
   * Builds the key index if it is deferred, in a transaction of its own, saying so when `say` (a
   * process other than the bulk run that deferred it: `serve` before its snapshot, a reader of a
   * deferred partition). @throws the error of SQLite
   */
  buildDeferredIndex(say = false): void {
    if (!isDeferred(this.db)) return;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      if (isDeferred(this.db)) {
        if (say) this.say(this.leftUnbuilt());
        this.finishNow();
      }
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** What a process that builds an index another left deferred says. */
  private leftUnbuilt(): string {
    return `trailwatch: ${this.source}: building the index of the local store, which its first ingest builds at its end (that ingest stopped before it, or is still running)…`;
  }

  /** Builds the deferred key index, in the open write transaction (or in one of its own). */
  private finishNow(): void {
    if (!this.db.isTransaction) {
      this.buildDeferredIndex();
      return;
    }
    const entries = this.writes();
    entries.spans.reset(false);
    finish(this.db, entries, this.say);
    this.deferred = false;
  }

  /**
   * Before a read or a once-write of a deferred partition: the index it needs is built first. By the
   * bulk run that deferred it, at once; by another process (a `query` while a store's first ingest
   * runs, or after it stopped), once: it waits for the ingest's next commit (two seconds at most),
   * builds the index of what is stored (the ingest then goes on writing it row by row), and says so.
   * Where it cannot (a read-only store), it says why and reads without it (a scan: right, slower).
   */
  private needsIndex(pk: string): void {
    if (!isDeferredPartition(pk)) return;
    if (this.deferred) {
      this.finishNow();
      return;
    }
    if (this.bulk || this.indexSeen) return;
    this.indexSeen = true;
    if (!isDeferred(this.db)) return;
    try {
      this.buildDeferredIndex(true);
    } catch (error) {
      this.say(
        `trailwatch: ${this.source}: cannot build the index its first ingest left to its end (${(error as Error)?.message}); reading the store without it, slower`,
      );
    }
  }

  /** `migrateToCurrent`; a failure but the lock's is said to be the migration's. */
  private migrate(): boolean {
    try {
      return migrateToCurrent(this.db);
    } catch (error) {
      if (isBusy(error)) throw error;
      throw new StoreWriteError(
        `cannot migrate the local store of an earlier version (format 1) to format ${FORMAT_VERSION}; it is left as it was: ${(error as Error)?.message}`,
        this.source,
        { cause: error },
      );
    }
  }

  /** Closes the file (after letting SQLite refresh its query planner statistics). */
  close(): void {
    try {
      // never waits for another process's writes (a query closing while an ingest runs)
      this.db.exec('PRAGMA busy_timeout = 0');
      this.db.exec('PRAGMA optimize');
    } catch {
      // statistics for the planner only: the store is fine without them
    }
    this.db.close();
  }

  /** Writes rows, replacing any with the same key. */
  write(rows: readonly Row[]): void {
    this.writes().write(rows);
  }

  /** Writes the row unless one has its key; true when it did. */
  insert(r: Row): boolean {
    this.needsIndex(r.pk);
    return this.writes().insert(r);
  }

  /** Writes the row unless one has its key; otherwise returns that one (expired or not, as DynamoDB). */
  create(r: Row): StoredRow | undefined {
    if (this.insert(r)) return undefined;
    return this.read(r.pk, r.sk);
  }

  /** One row by key, whatever its TTL. */
  read(pk: string, sk: string): ExpiringRow | undefined {
    this.needsIndex(pk);
    return this.get.get(pk, sk) as ExpiringRow | undefined;
  }

  /** SQLite's `data_version`: changes when another connection commits (not on this one's commits). */
  dataVersion(): number {
    return Number((this.version.get() as { data_version: number }).data_version);
  }

  /**
   * Adds strings to string sets of existing items (`ADD attribute :values`); a missing item stays
   * missing (./set-additions.ts).
   * @throws StoreWriteError when the attribute holds something other than a string set (DynamoDB
   * refuses the same update), or its name cannot be a JSON path key
   */
  addToStringSets(additions: readonly StringSetAddition[]): void {
    if (!this.deferred) {
      this.writes().addToStringSets(additions);
      return;
    }
    // those to rows of deferred partitions just written are made now, the others when the index is
    // built (./deferred-index.ts)
    const later: StringSetAddition[] = [];
    try {
      this.writes().addToStringSets(additions, {
        missing: (a) => {
          if (isDeferredPartition(a.pk)) later.push(a);
        },
      });
    } finally {
      // also when one failed: those before it are made (as `SetAdditions.run` makes them)
      if (later.length > 0) deferAdditions(this.db, later);
    }
  }

  /** Up to `limit` rows of the whole table in key order, after the key `after` (exclusive). */
  rowsAfter(
    after: { pk: string; sk: string } | undefined,
    limit: number,
  ): (StoredRow & { pk: string; sk: string })[] {
    this.everything ??= this.db.prepare(
      'SELECT pk, sk, item, sets FROM items WHERE (pk, sk) > (?, ?) ORDER BY pk, sk LIMIT ?',
    );
    return this.everything.all(after?.pk ?? '', after?.sk ?? '', limit) as unknown as (StoredRow & {
      pk: string;
      sk: string;
    })[];
  }

  /** The writes, once the file is of the current format (`beginWrite` comes first). */
  private writes(): Entries {
    if (!this.current)
      throw new StoreWriteError('a write to the local store before its write transaction', this.source);
    this.entries ??= new Entries(this.db, this.source);
    return this.entries;
  }

  /** Rows of a partition in sort key order, within the range, after `after`, not expired. */
  query(pk: string, q: PartitionQuery): PartitionRow[] {
    this.needsIndex(pk);
    const ranged = q.from !== undefined || q.to !== undefined;
    const kept = !isDeferredPartition(pk);
    const statement = this.readStatement(kept, ranged, q.newestFirst, q.after !== undefined);
    const values: (string | number)[] = [pk];
    if (ranged) values.push(q.from ?? '', q.to ?? '\uffff');
    if (q.after !== undefined) values.push(q.after);
    values.push(q.now, q.limit ?? -1);
    return statement.all(...values) as unknown as PartitionRow[];
  }

  /**
   * The SELECT of one shape of partition read (16 shapes, each prepared on first use). A partition that
   * is never deferred says so (`KEPT`: ./deferred-index.ts), for SQLite to use its index then.
   */
  private readStatement(kept: boolean, ranged: boolean, newestFirst: boolean, after: boolean): StatementSync {
    const shape = `${+kept}${+ranged}${+newestFirst}${+after}`;
    let statement = this.reads.get(shape);
    if (!statement) {
      const conditions = [
        ...(kept ? [KEPT] : []),
        'pk = ?',
        ...(ranged ? ['sk BETWEEN ? AND ?'] : []),
        ...(after ? [newestFirst ? 'sk < ?' : 'sk > ?'] : []),
        NOT_EXPIRED,
      ];
      statement = this.db.prepare(
        `SELECT sk, item, sets, expires FROM items WHERE ${conditions.join(' AND ')} ORDER BY sk ${newestFirst ? 'DESC' : 'ASC'} LIMIT ?`,
      );
      this.reads.set(shape, statement);
    }
    return statement;
  }
}
