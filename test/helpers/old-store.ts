import { join } from 'node:path';
import type { TableItem } from '../../lambda/core/items';
import { LOCAL_TABLE_NAME } from '../../lambda/core/table-schema';
import { startDynalite, storeAt } from './dynalite';

/**
 * A local store as trailwatch made it before the SQLite store: dynalite on LevelDB in
 * `<dir>/dynamodb`, table `trailwatch`, written through the DynamoDB API.
 */
export async function makeDynaliteStore(dir: string, items: readonly TableItem[]): Promise<void> {
  const dynamo = await startDynalite({ path: join(dir, 'dynamodb') });
  try {
    const store = await storeAt(dynamo.endpoint, { tableName: LOCAL_TABLE_NAME });
    await store.write(items);
    store.client.destroy();
  } finally {
    await dynamo.close();
  }
}
