import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE_SCHEMA } from '../../lambda/core/table-schema';
import { createDocumentClient } from '../../lambda/store/event-store';
import { TEST_CREDENTIALS } from './dynalite';

export type Item = Record<string, unknown>;

export const itemKey = (item: Item): string =>
  `${item[TABLE_SCHEMA.partitionKey]}|${item[TABLE_SCHEMA.sortKey]}`;

/**
 * The whole table by key (test inspection only: the product reads with Query), without the
 * attributes that differ by design between two writes of the same item: the TTL (counted from the
 * latest write), the write ID of once-only items, and the time a file marker was written.
 */
export async function dumpTable(endpoint: string, tableName: string): Promise<Map<string, Item>> {
  const client = createDocumentClient({ endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS });
  const out = new Map<string, Item>();
  let start: Record<string, unknown> | undefined;
  try {
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: tableName,
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const raw of page.Items ?? []) {
        const {
          [TABLE_SCHEMA.timeToLiveAttribute]: _ttl,
          [TABLE_SCHEMA.writeIdAttribute]: _w,
          processedAt: _p,
          ...item
        } = raw;
        out.set(itemKey(item), item);
      }
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    client.destroy();
  }
  return out;
}
