import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { STORE_FILE } from '../../bin/cli/local-store/open';
import { TABLE_SCHEMA } from '../../lambda/core/table-schema';

/**
 * What `read` makes of the local store's file in `dir`, opened read-only on its own connection (as
 * another process sees it), closed after.
 */
export function readStoreFile<T>(dir: string, read: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(join(dir, STORE_FILE), { readOnly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/**
 * What the local store's file in `dir` says of its key index (bin/cli/local-store/deferred-index.ts),
 * read as another process would: still deferred, the indexes there, and bodies whose counts are wrong.
 */
export function keyIndexState(dir: string): { deferred: boolean; indexes: string[]; miscounted: number } {
  return readStoreFile(dir, (db) => ({
    deferred: db.prepare("SELECT 1 AS yes FROM meta WHERE key = 'deferred_index'").get() !== undefined,
    indexes: (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name").all() as {
        name: string;
      }[]
    )
      .map((r) => r.name)
      .filter((name) => !name.startsWith('sqlite_')),
    miscounted: (
      db
        .prepare(
          `SELECT count(*) AS n FROM bodies b LEFT JOIN
            (SELECT body, count(*) AS c FROM entries WHERE body IS NOT NULL GROUP BY body) r ON r.body = b.id
          WHERE b.refs != coalesce(r.c, 0) OR b.refs <= 0`,
        )
        .get() as { n: number }
    ).n,
  }));
}

/**
 * File markers committed so far in the local store in `db` whose key starts with `prefix` (read from
 * another connection, as another process would see them; 0 while the store has no tables).
 */
export function committedMarkers(db: string, prefix: string): number {
  try {
    return readStoreFile(
      db,
      (sqlite) =>
        (
          sqlite
            .prepare('SELECT count(*) AS n FROM items WHERE substr(pk, 1, length(?1)) = ?1')
            .get(prefix) as {
            n: number;
          }
        ).n,
    );
  } catch {
    return 0;
  }
}

/** An item of the local store as `dumpStore` gives it: its JSON parsed, and the names of its string sets. */
export interface StoredItem {
  readonly item: Record<string, unknown>;
  readonly sets: string | null;
}

/**
 * The whole local store in `dir` by key (`pk|sk`), read as another process would, without the
 * attributes that differ by design between two writes of the same item (as `dumpTable` for a table):
 * the TTL, the write ID of once-only items, and the time a file marker was written.
 */
export function dumpStore(dir: string): Map<string, StoredItem> {
  const rows = readStoreFile(
    dir,
    (db) =>
      db.prepare('SELECT pk, sk, item, sets FROM items ORDER BY pk, sk').all() as {
        pk: string;
        sk: string;
        item: string;
        sets: string | null;
      }[],
  );
  return new Map(
    rows.map((r) => {
      const {
        [TABLE_SCHEMA.timeToLiveAttribute]: _ttl,
        [TABLE_SCHEMA.writeIdAttribute]: _w,
        processedAt: _p,
        ...item
      } = JSON.parse(r.item) as Record<string, unknown>;
      return [`${r.pk}|${r.sk}`, { item, sets: r.sets }];
    }),
  );
}
