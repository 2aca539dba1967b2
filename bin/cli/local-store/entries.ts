import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { StringSetAddition } from '../../../lambda/core/store-port';
import { type Row, wholeJson } from './codec';
import { SetAdditions } from './set-additions';

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
  private readonly findRow: StatementSync;
  private readonly replaceRow: StatementSync;
  private readonly refs: BodyRefs;
  private readonly additions: SetAdditions;

  constructor(db: DatabaseSync, source: string) {
    this.insertRow = db.prepare(
      'INSERT INTO entries (pk, sk, item, sets, expires, body) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (pk, sk) DO NOTHING',
    );
    this.findRow = db.prepare('SELECT rowid AS id, body FROM entries WHERE pk = ? AND sk = ?');
    this.replaceRow = db.prepare(
      'UPDATE entries SET item = ?, sets = ?, expires = ?, body = ? WHERE rowid = ?',
    );
    this.refs = new BodyRefs(db);
    this.additions = new SetAdditions(db, source, this.refs);
  }

  /**
   * Writes rows, replacing any with the same key. A run of consecutive rows with the same `rest`
   * (compared as strings: the rows of one event's index items follow each other) shares one body;
   * any other row is written whole.
   */
  write(rows: readonly Row[]): void {
    this.refs.during(() => {
      for (let i = 0; i < rows.length; ) {
        const rest = (rows[i] as Row).rest;
        let end = i + 1;
        if (rest !== undefined) while (end < rows.length && (rows[end] as Row).rest === rest) end++;
        if (end - i === 1) {
          const r = rows[i++] as Row;
          this.put(r, wholeJson(r), null);
          continue;
        }
        const body = this.refs.insert(end - i, rest as string);
        for (; i < end; i++) {
          const r = rows[i] as Row;
          this.put(r, r.item, body);
        }
      }
    });
  }

  /** Writes the row whole unless one has its key; true when it did. */
  insert(r: Row): boolean {
    return Number(this.insertRow.run(r.pk, r.sk, wholeJson(r), r.sets, r.expires, null).changes) === 1;
  }

  /** ./set-additions.ts */
  addToStringSets(additions: readonly StringSetAddition[]): void {
    this.additions.run(additions);
  }

  /** Writes a row (`item` whole, or its own part when `body` is given), replacing the one with its key. */
  private put(r: Row, item: string, body: number | null): void {
    if (Number(this.insertRow.run(r.pk, r.sk, item, r.sets, r.expires, body).changes) === 1) return;
    const old = this.findRow.get(r.pk, r.sk) as unknown as FoundRow;
    this.replaceRow.run(item, r.sets, r.expires, body, old.id);
    // the old body counted this row (when it is the new one too: a key twice in one write)
    if (old.body !== null) this.refs.change(old.body, -1);
  }
}
