import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { STORE_FILE } from '../../bin/cli/local-store/open';

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
