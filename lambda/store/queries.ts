import { ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { isConflictItem } from '../core/conflicts';
import { StoreUnavailableError } from '../core/errors';
import { EVENT_SK, keys, sortKeyRange } from '../core/items';
import type { QueryOptions, QueryPage } from '../core/store-port';
import { TABLE_SCHEMA } from '../core/table-schema';
import { describe, type StoreContext, send } from './requests';

export type { QueryOptions, QueryPage } from '../core/store-port';

/** Reads: `Query` only (no Scan anywhere), newest first, items past their TTL filtered out. */

/** Conflict items `getEventWithConflicts` reads. */
const MAX_CONFLICTS_READ = 100;

/** One page of a partition, newest first, within the time range. */
export async function queryPage(
  ctx: StoreContext,
  pk: string,
  options: QueryOptions = {},
): Promise<QueryPage> {
  const range = sortKeyRange(options.sinceMs, options.untilMs);
  const now = Math.floor((options.nowMs ?? Date.now()) / 1000);
  const input: QueryCommandInput = {
    TableName: ctx.tableName,
    FilterExpression: 'attribute_not_exists(#ttl) OR #ttl > :now',
    ...(options.wholePartition
      ? {
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: {
            '#pk': TABLE_SCHEMA.partitionKey,
            '#ttl': TABLE_SCHEMA.timeToLiveAttribute,
          },
          ExpressionAttributeValues: { ':pk': pk, ':now': now },
        }
      : {
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
          ExpressionAttributeNames: {
            '#pk': TABLE_SCHEMA.partitionKey,
            '#sk': TABLE_SCHEMA.sortKey,
            '#ttl': TABLE_SCHEMA.timeToLiveAttribute,
          },
          ExpressionAttributeValues: { ':pk': pk, ':from': range.from, ':to': range.to, ':now': now },
        }),
    ScanIndexForward: options.newestFirst === false,
    ...(options.consistent ? { ConsistentRead: true } : {}),
    ...(options.limit !== undefined ? { Limit: options.limit } : {}),
    ...(options.startKey ? { ExclusiveStartKey: options.startKey } : {}),
  };
  const out = await send(
    ctx,
    'Query',
    () => ctx.client.send(new QueryCommand(input)),
    (error, attempts) => readError(ctx, error, attempts),
  );
  return { items: out.Items ?? [], ...(out.LastEvaluatedKey ? { nextKey: out.LastEvaluatedKey } : {}) };
}

/** Up to `limit` items of a partition (following pages as needed), newest first. */
export async function query(
  ctx: StoreContext,
  pk: string,
  options: QueryOptions = {},
): Promise<{ items: Record<string, unknown>[]; more: boolean }> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const items: Record<string, unknown>[] = [];
  let startKey = options.startKey;
  for (;;) {
    const want = limit - items.length;
    const page = await queryPage(ctx, pk, {
      ...options,
      ...(Number.isFinite(want) ? { limit: Math.min(want + 1, 1000) } : {}),
      ...(startKey ? { startKey } : {}),
    });
    for (const item of page.items) {
      if (items.length >= limit) return { items, more: true };
      items.push(item);
    }
    if (!page.nextKey) return { items, more: false };
    if (items.length >= limit) return { items, more: true };
    startKey = page.nextKey;
  }
}

/**
 * The event item of an eventID and the conflict items of the records that reused its eventID
 * with other content (at most `MAX_CONFLICTS_READ`, the newest hashes first).
 */
export async function getEventWithConflicts(
  ctx: StoreContext,
  eventID: string,
): Promise<{
  event?: Record<string, unknown>;
  conflicts: Record<string, unknown>[];
  moreConflicts: boolean;
}> {
  const { items, more } = await query(ctx, keys.event(eventID), {
    limit: MAX_CONFLICTS_READ + 1,
    wholePartition: true,
  });
  const event = items.find((i) => i[TABLE_SCHEMA.sortKey] === EVENT_SK);
  const conflicts = items.filter(isConflictItem);
  return { ...(event ? { event } : {}), conflicts, moreConflicts: more };
}

function readError(ctx: StoreContext, error: unknown, attempts = 1): StoreUnavailableError {
  const source = `table ${ctx.tableName}`;
  if (
    error instanceof ResourceNotFoundException ||
    (error as { name?: string })?.name === 'ResourceNotFoundException'
  ) {
    return new StoreUnavailableError(
      'table not found (deploy the stack, or check --table and the region)',
      source,
      {
        cause: error,
      },
    );
  }
  return new StoreUnavailableError(
    `query failed${attempts > 1 ? ` after ${attempts} attempts` : ''}: ${describe(error)}`,
    source,
    { cause: error },
  );
}
