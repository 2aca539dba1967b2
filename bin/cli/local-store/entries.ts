import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { StringSetAddition } from '../../../lambda/core/store-port';
import { type Row, wholeJson } from './codec';
import { isDeferredPartition, KEPT, KeyedStatement, RecentSpans } from './deferred-index';
import { type AdditionOptions, type Located, SetAdditions } from './set-additions';

/**
 * The writes of the local store's format 2 (./sqlite.ts). A row of `entries` holds an item's JSON
 * whole (`body` null), or its own first part (`{"pk":…,"sk":…,"kind":…,`) and a row of `bodies`
 * with the rest, which several rows share: the consecutive rows of one write whose rest is the same
 * text (an event's index items: its summary) keep it once. Reads go through the view `items`, which
 * puts the two parts back together.
 *
 * A body counts the rows that have it (`refs`) and is deleted when the last one lets go of it: when
 * that row is written again, or when a set addition gives it a body of its own (copy on write: a
 * body changes in place only for all of its rows at once, ./set-additions.ts). So a write to one
 * item never changes another, and no body is left behind. Counted here rather than by a trigger or
 * an index on `body`: either made every write of the 1 GB ingest slower (docs/architecture.md
 * "The local store").
 */

/** Changes to the counts of bodies, applied together: bodies left without rows are deleted. */
export class BodyRefs {
  private readonly deltas = new Map<number, number>();
  private readonly add: StatementSync;
  private readonly drop: StatementSync;
  private readonly create: StatementSync;

  constructor(db: DatabaseSync) {
    this.add = db.prepare('UPDATE bodies SET refs = refs + ? WHERE id = ? RETURNING refs');
    this.drop = db.prepare('DELETE FROM bodies WHERE id = ?');
    this.create = db.prepare('INSERT INTO bodies (refs, json) VALUES (?, ?)');
  }

  /** A new body for `refs` rows: its id. */
  insert(refs: number, json: string): number {
    return Number(this.create.run(refs, json).lastInsertRowid);
  }

  /** The rows that have the body, counting the changes not applied yet (`stored`: its `refs`). */
  count(body: number, stored: number): number {
    return stored + (this.deltas.get(body) ?? 0);
  }

  /** `delta` rows more (or fewer) will have the body once `apply`d. */
  change(body: number, delta: number): void {
    this.deltas.set(body, (this.deltas.get(body) ?? 0) + delta);
  }

  /**
   * Runs `f`, then applies the changes it made, also when it threw an error of its data (what it
   * wrote before stays); not after an error of SQLite's (the transaction is rolled back).
   */
  during<T>(f: () => T): T {
    try {
      const result = f();
      this.apply();
      return result;
    } catch (error) {
      if ((error as { code?: string })?.code !== 'ERR_SQLITE_ERROR') this.apply();
      throw error;
    } finally {
      this.deltas.clear();
    }
  }

  private apply(): void {
    for (const [body, delta] of this.deltas) {
      if (delta === 0) continue;
      const row = this.add.get(delta, body) as { refs: number } | undefined;
      if (row && row.refs <= 0) this.drop.run(body);
    }
  }
}

interface FoundRow {
  readonly id: number;
  readonly body: number | null;
}

export class Entries {
  private readonly insertRow: StatementSync;
  private readonly replaceRow: StatementSync;
  private readonly deleteRow: StatementSync;
  private readonly locateRow: KeyedStatement;
  private readonly locateInSpan: StatementSync;
  private readonly refs: BodyRefs;
  private readonly additions: SetAdditions;
  /** While the key index is deferred: where the last writes of each sort key went (./deferred-index.ts). */
  readonly spans = new RecentSpans();

  constructor(
    db: DatabaseSync,
    /** The store's name in errors. */
    readonly source: string,
  ) {
    // the conflict target names the partial index of a deferred key index (./deferred-index.ts) and
    // matches the whole one: a row of a deferred partition is then inserted as it comes
    this.insertRow = db.prepare(
      `INSERT INTO entries (pk, sk, item, sets, expires, body) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (pk, sk) WHERE ${KEPT} DO NOTHING`,
    );
    this.replaceRow = db.prepare(
      'UPDATE entries SET item = ?, sets = ?, expires = ?, body = ? WHERE rowid = ?',
    );
    this.deleteRow = db.prepare('DELETE FROM entries WHERE rowid = ?');
    this.locateRow = new KeyedStatement(db, 'SELECT rowid AS id, body, sets FROM entries WHERE');
    this.locateInSpan = db.prepare(
      'SELECT rowid AS id, body, sets FROM entries WHERE rowid BETWEEN ? AND ? AND pk = ? AND sk = ? ORDER BY rowid DESC LIMIT 1',
    );
    this.refs = new BodyRefs(db);
    this.additions = new SetAdditions(db, source, this.refs, (pk, sk) => this.locate(pk, sk));
  }

  /**
   * The row of an item, if any. While the key index is deferred, one of a deferred partition is
   * looked for only where the last write of its sort key went (`spans`): not found there, it may be
   * elsewhere, or missing (./deferred-index.ts).
   */
  locate(pk: string, sk: string): Located | undefined {
    if (!this.spans.active || !isDeferredPartition(pk))
      return this.locateRow.get(pk, sk) as Located | undefined;
    const span = this.spans.get(sk);
    return span ? (this.locateInSpan.get(span.lo, span.hi, pk, sk) as Located | undefined) : undefined;
  }

  /**
   * Writes rows, replacing any with the same key. A run of consecutive rows with the same `rest`
   * (compared as strings: the rows of one event's index items follow each other) shares one body;
   * any other row is written whole.
   */
  write(rows: readonly Row[]): void {
    const spans = this.spans.active ? this.spans : undefined;
    this.refs.during(() => {
      for (let i = 0; i < rows.length; ) {
        const rest = (rows[i] as Row).rest;
        let end = i + 1;
        if (rest !== undefined) while (end < rows.length && (rows[end] as Row).rest === rest) end++;
        const body = end - i === 1 ? null : this.refs.insert(end - i, rest as string);
        for (; i < end; i++) {
          const r = rows[i] as Row;
          const id = this.put(r, body === null ? wholeJson(r) : r.item, body);
          spans?.row(r.pk, r.sk, id);
        }
      }
    });
    spans?.end();
  }

  /** Writes the row whole unless one has its key; true when it did. */
  insert(r: Row): boolean {
    return Number(this.insertRow.run(r.pk, r.sk, wholeJson(r), r.sets, r.expires, null).changes) === 1;
  }

  /** ./set-additions.ts */
  addToStringSets(additions: readonly StringSetAddition[], options?: AdditionOptions): void {
    this.additions.run(additions, options);
  }

  /** Deletes rows (replaced ones: ./deferred-index.ts), and each body no row has any more. */
  dropRows(rows: readonly FoundRow[]): void {
    this.refs.during(() => {
      for (const r of rows) {
        this.deleteRow.run(r.id);
        if (r.body !== null) this.refs.change(r.body, -1);
      }
    });
  }

  /**
   * Writes a row (`item` whole, or its own part when `body` is given), replacing the one with its key.
   * @returns the id of a new row; 0 when one was replaced
   */
  private put(r: Row, item: string, body: number | null): number {
    const made = this.insertRow.run(r.pk, r.sk, item, r.sets, r.expires, body);
    if (Number(made.changes) === 1) return Number(made.lastInsertRowid);
    const old = this.locateRow.get(r.pk, r.sk) as FoundRow;
    this.replaceRow.run(item, r.sets, r.expires, body, old.id);
    // the old body counted this row (when it is the new one too: a key twice in one write)
    if (old.body !== null) this.refs.change(old.body, -1);
    return 0;
  }
}
