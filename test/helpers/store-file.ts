import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { STORE_FILE } from '../../bin/cli/local-store/open';

/**
 * File markers committed so far in the local store in `db` whose key starts with `prefix` (read from
 * another connection, as another process would see them; 0 while the store has no tables).
 */
export function committedMarkers(db: string, prefix: string): number {
  try {
    const sqlite = new DatabaseSync(join(db, STORE_FILE), { readOnly: true });
    try {
      const row = sqlite
        .prepare('SELECT count(*) AS n FROM items WHERE substr(pk, 1, length(?1)) = ?1')
        .get(prefix) as { n: number };
      return row.n;
    } finally {
      sqlite.close();
    }
  } catch {
    return 0;
  }
}
