import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { fixDynaliteIterators } from '../../bin/cli/dynalite-fix';
import type { TableItem } from '../../lambda/core/items';
import { LOCAL_TABLE_NAME } from '../../lambda/core/table-schema';
import { storeAt } from './dynalite';

/**
 * A local store as trailwatch made it before the SQLite store: dynalite on LevelDB in
 * `<dir>/dynamodb`, table `trailwatch`, written through the DynamoDB API.
 */
export async function makeDynaliteStore(dir: string, items: readonly TableItem[]): Promise<void> {
  fixDynaliteIterators();
  const server = dynalite({
    path: join(dir, 'dynamodb'),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  try {
    const { port } = server.address() as AddressInfo;
    const store = await storeAt(`http://127.0.0.1:${port}`, { tableName: LOCAL_TABLE_NAME });
    await store.write(items);
    store.client.destroy();
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
