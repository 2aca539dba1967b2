import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalStore } from '../../bin/cli/local-store/open';
import { startServe } from '../../bin/cli/serve';
import type { TableItem } from '../../lambda/core/items';
import { LOCAL_TABLE_NAME } from '../../lambda/core/table-schema';
import { storeAt } from '../helpers/dynalite';

/**
 * `trailwatch serve` loads a snapshot of the local store into dynalite in memory: every item as
 * stored (string sets, numbers, TTLs), said in its banner; what is written to the store later is
 * not seen until serve starts again.
 */

const pk = 'INSTANCE#i-0123456789abcdef0';
const items: TableItem[] = Array.from({ length: 2500 }, (_, i) => ({
  pk,
  sk: `${new Date(Date.UTC(2025, 2, 1) + i * 1000).toISOString()}#e${i}`,
  kind: 'instance',
  eventID: `e${i}`,
  n: i,
  ...(i % 2 ? { findings: new Set([`rule-${i % 5}`]) } : {}),
}));

describe('trailwatch serve: a snapshot of the local store', () => {
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-serve-snapshot-'));
    const opened = await openLocalStore(dir);
    await opened.store.write(items);
    await opened.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves every item as stored, says it is a snapshot, and does not see later writes', async () => {
    const { server, lines, loaded } = await startServe({ db: dir, host: '127.0.0.1', port: 0 });
    try {
      expect(loaded.items).toBe(2500);
      expect(lines.join('\n')).toContain('serving a snapshot of the local store');
      expect(lines.join('\n')).toContain('2500 item(s) as they were at start');
      const served = await storeAt(server.endpoint, { tableName: LOCAL_TABLE_NAME });
      const { items: read } = await served.query(pk);
      expect(read).toEqual([...items].reverse());

      const later = await openLocalStore(dir);
      await later.store.write([{ pk, sk: '2099-01-01T00:00:00.000Z#later', kind: 'instance' }]);
      await later.close();
      expect((await served.query(pk, { limit: 1 })).items[0]?.sk).toBe(items[items.length - 1]?.sk);
      served.client.destroy();
    } finally {
      await server.close();
    }
  });
});
