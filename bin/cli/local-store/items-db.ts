import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { StoreWriteError } from '../../../lambda/core/errors';
import type { StringSetAddition } from '../../../lambda/core/store-port';
import type { Row, StoredRow } from './codec';
import { openDatabase } from './sqlite';

/**
 * The SQL of the local store, synchronous: what one operation of the port does to the `items`
 * table. Statements are constants prepared once; values are always bound, never spliced in.
 * Callers (./batch.ts) wrap the operations of a batch in one transaction.
 */

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

const COLUMNS = 'pk, sk, item, sets, expires';
const PLACEHOLDERS = '?, ?, ?, ?, ?';
const NOT_EXPIRED = '(expires IS NULL OR expires > ?)';

export class ItemsDb {
  private readonly put: StatementSync;
  private readonly insertIfAbsent: StatementSync;
  private readonly get: StatementSync;
  private readonly addToSet: StatementSync;
  private readonly reads = new Map<string, StatementSync>();
  private everything: StatementSync | undefined;

  /** Opens (creating when missing) the store's file. @throws StoreUnavailableError naming `source` */
  static open(file: string, source: string): ItemsDb {
    const { db, created } = openDatabase(file, source);
    return new ItemsDb(db, source, created);
  }

  private constructor(
    readonly db: DatabaseSync,
    /** The store's name in errors. */
    readonly source: string,
    /** True when the open made the tables (a new store). */
    readonly created: boolean,
  ) {
    this.put = db.prepare(
      `INSERT INTO items (${COLUMNS}) VALUES (${PLACEHOLDERS}) ON CONFLICT (pk, sk) DO UPDATE SET item = excluded.item, sets = excluded.sets, expires = excluded.expires`,
    );
    this.insertIfAbsent = db.prepare(
      `INSERT INTO items (${COLUMNS}) VALUES (${PLACEHOLDERS}) ON CONFLICT (pk, sk) DO NOTHING`,
    );
    this.get = db.prepare('SELECT item, sets FROM items WHERE pk = ? AND sk = ?');
    // ?1 the attribute's JSON path, ?2 the values (JSON array), ?3 the attribute, ?4 pk, ?5 sk; only
    // when the attribute is absent or a set already
    this.addToSet = db.prepare(
      `UPDATE items SET
        item = json_set(item, ?1, json((SELECT json_group_array(value) FROM
          (SELECT value FROM json_each(item, ?1) UNION SELECT value FROM json_each(?2))))),
        sets = CASE WHEN sets IS NULL THEN json_array(?3)
          WHEN EXISTS (SELECT 1 FROM json_each(sets) WHERE value = ?3) THEN sets
          ELSE json_insert(sets, '$[#]', ?3) END
      WHERE pk = ?4 AND sk = ?5
        AND (json_type(item, ?1) IS NULL OR EXISTS (SELECT 1 FROM json_each(sets) WHERE value = ?3))`,
    );
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
    for (const r of rows) this.put.run(r.pk, r.sk, r.item, r.sets, r.expires);
  }

  /** Writes the row unless one has its key; true when it did. */
  insert(r: Row): boolean {
    return Number(this.insertIfAbsent.run(r.pk, r.sk, r.item, r.sets, r.expires).changes) === 1;
  }

  /** Writes the row unless one has its key; otherwise returns that one (expired or not, as DynamoDB). */
  create(r: Row): StoredRow | undefined {
    if (this.insert(r)) return undefined;
    return this.read(r.pk, r.sk);
  }

  /** One row by key, whatever its TTL. */
  read(pk: string, sk: string): StoredRow | undefined {
    return this.get.get(pk, sk) as StoredRow | undefined;
  }

  /**
   * Adds strings to string sets of existing items (`ADD attribute :values`); a missing item stays
   * missing. The merge is SQLite's (JSON functions), not a parse of the item here.
   * @throws StoreWriteError when the attribute holds something other than a string set (DynamoDB
   * refuses the same update), or its name cannot be a JSON path key
   */
  addToStringSets(additions: readonly StringSetAddition[]): void {
    for (const a of additions) {
      if (a.values.length === 0) continue;
      if (/["\\]/.test(a.attribute))
        throw new StoreWriteError(
          `cannot add to the attribute ${JSON.stringify(a.attribute)}: its name has a quote or a backslash`,
          this.source,
        );
      const path = `$."${a.attribute}"`;
      const changed = this.addToSet.run(path, JSON.stringify(a.values), a.attribute, a.pk, a.sk).changes;
      if (Number(changed) === 0 && this.read(a.pk, a.sk))
        throw new StoreWriteError(
          `cannot add to ${a.attribute} of the item (${a.pk}, ${a.sk}): it is not a string set`,
          this.source,
        );
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

  /** Rows of a partition in sort key order, within the range, after `after`, not expired. */
  query(pk: string, q: PartitionQuery): StoredRow[] {
    const ranged = q.from !== undefined || q.to !== undefined;
    const statement = this.readStatement(ranged, q.newestFirst, q.after !== undefined);
    const values: (string | number)[] = [pk];
    if (ranged) values.push(q.from ?? '', q.to ?? '\uffff');
    if (q.after !== undefined) values.push(q.after);
    values.push(q.now, q.limit ?? -1);
    return statement.all(...values) as unknown as StoredRow[];
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
        `SELECT sk, item, sets FROM items WHERE ${conditions.join(' AND ')} ORDER BY sk ${newestFirst ? 'DESC' : 'ASC'} LIMIT ?`,
      );
      this.reads.set(shape, statement);
    }
    return statement;
  }
}
