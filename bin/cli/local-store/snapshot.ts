import { decodeItem } from './codec';
import { ItemsDb } from './items-db';
import { storeFile } from './open';

/**
 * Every item of the local store as it is at one moment (one read transaction: an ingest writing
 * meanwhile is not seen half-way), in key order, in chunks; items past their TTL included (they are
 * in the store until deleted, as in DynamoDB). For `trailwatch serve`.
 */
export async function* snapshotItems(
  dir: string,
  say?: (line: string) => void,
  chunk = 2000,
): AsyncGenerator<Record<string, unknown>[]> {
  const db = ItemsDb.open(await storeFile(dir, say), dir, say);
  try {
    // read in key order: an index an interrupted ingest left unbuilt is built first (./deferred-index.ts)
    db.buildDeferredIndex(true);
    db.db.exec('BEGIN');
    let after: { pk: string; sk: string } | undefined;
    for (;;) {
      const rows = db.rowsAfter(after, chunk);
      if (rows.length === 0) break;
      const last = rows[rows.length - 1] as { pk: string; sk: string };
      after = { pk: last.pk, sk: last.sk };
      yield rows.map(decodeItem);
    }
    db.db.exec('COMMIT');
  } finally {
    db.close();
  }
}
