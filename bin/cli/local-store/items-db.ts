import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { StoreWriteError } from '../../../lambda/core/errors';
import type { StringSetAddition } from '../../../lambda/core/store-port';
import type { Row, StoredRow } from './codec';
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
  private readonly get: StatementSync;
  private readonly version: StatementSync;
  private readonly reads = new Map<string, StatementSync>();
  private everything: StatementSync | undefined;
  /** The writes, prepared on first use (a store that only reads does not). */
  private entries: Entries | undefined;
  /** Whether the file is of the current format (else of format 1, until `beginWrite` migrates it). */
  private current: boolean;

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
    this.get = db.prepare('SELECT item, sets, expires FROM items WHERE pk = ? AND sk = ?');
    this.version = db.prepare('PRAGMA data_version');
  }

  /** Gives this connection a bulk writer's page cache (`BULK_CACHE_KIB`, ./sqlite.ts). */
  useBulkCache(): void {
    this.db.exec(`PRAGMA cache_size = -${BULK_CACHE_KIB}`);
  }

  /**
   * Begins a write transaction (IMMEDIATE: the write lock is waited for, up to the busy timeout).
   * The first on a file of format 1 migrates it first, in a transaction of its own.
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
    return this.writes().insert(r);
  }

  /** Writes the row unless one has its key; otherwise returns that one (expired or not, as DynamoDB). */
  create(r: Row): StoredRow | undefined {
    if (this.insert(r)) return undefined;
    return this.read(r.pk, r.sk);
  }

  /** One row by key, whatever its TTL. */
  read(pk: string, sk: string): ExpiringRow | undefined {
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
    this.writes().addToStringSets(additions);
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
    const ranged = q.from !== undefined || q.to !== undefined;
    const statement = this.readStatement(ranged, q.newestFirst, q.after !== undefined);
    const values: (string | number)[] = [pk];
    if (ranged) values.push(q.from ?? '', q.to ?? '\uffff');
    if (q.after !== undefined) values.push(q.after);
    values.push(q.now, q.limit ?? -1);
    return statement.all(...values) as unknown as PartitionRow[];
  }

  /** The SELECT of one shape of partition read (8 shapes, each prepared on first use). */
  private readStatement(ranged: boolean, newestFirst: boolean, after: boolean): StatementSync {
    const shape = `${+ranged}${+newestFirst}${+after}`;
    let statement = this.reads.get(shape);
    if (!statement) {
      const conditions = [
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
