import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TableItem } from '../core/items';
import { TABLE_SCHEMA } from '../core/table-schema';
import { describe, isConditionFailure, type StoreContext, send, writeError } from './requests';

/**
 * Single-item writes: plain, only-if-absent (findings markers, event items), and adding to a string
 * set. Each is one request retried by `send`; a retried request whose first answer was lost may
 * find its own earlier write, and each function below says how that is told apart from another
 * writer's item.
 */

export async function putItem(ctx: StoreContext, item: TableItem): Promise<void> {
  await send(ctx, 'PutItem', () => ctx.client.send(new PutCommand({ TableName: ctx.tableName, Item: item })));
}

/**
 * Writes the item unless one with its key exists; true when this call created it. The item carries
 * a write ID (`TABLE_SCHEMA.writeIdAttribute`): when an attempt failed in a way that may still have
 * written it (a lost answer), the retry's condition fails on our own item, and the write ID tells
 * so. (One consistent read per failed condition: these are the once-only findings markers, a few
 * per file.)
 */
export async function putItemIfAbsent(ctx: StoreContext, item: TableItem): Promise<boolean> {
  const writeId = randomUUID();
  try {
    await send(ctx, 'PutItem', () =>
      ctx.client.send(
        new PutCommand({
          TableName: ctx.tableName,
          Item: { ...item, [TABLE_SCHEMA.writeIdAttribute]: writeId },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE_SCHEMA.partitionKey },
        }),
      ),
    );
    return true;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    // any failed condition may be on our own earlier attempt (a retry of a lost answer)
    const existing = await readItem(ctx, item.pk, item.sk);
    return existing?.[TABLE_SCHEMA.writeIdAttribute] === writeId;
  }
}

export type CreateOutcome =
  | { readonly created: true }
  | { readonly created: false; readonly existing: Record<string, unknown> };

/**
 * Writes an item unless one with its key exists (`attribute_not_exists(pk)`); otherwise returns the
 * existing item, read strongly consistent. A write that took effect but whose answer was lost is
 * retried, fails its condition and finds its own item: the caller compares contents (an event
 * item's `recordHash`), so a retry is never mistaken for another writer.
 * (ReturnValuesOnConditionCheckFailure would spare the read on DynamoDB, but the document client
 * does not unmarshall the item it returns and dynalite ignores it: one read per failed condition,
 * i.e. per event of a redelivered file, half a read unit each.)
 */
export async function createItem(ctx: StoreContext, item: TableItem): Promise<CreateOutcome> {
  // the existing item can vanish between the failed condition and the read (its TTL ran out and
  // DynamoDB deleted it): then the write is tried again
  for (let round = 1; ; round++) {
    try {
      await send(
        ctx,
        'PutItem',
        () =>
          ctx.client.send(
            new PutCommand({
              TableName: ctx.tableName,
              Item: item,
              ConditionExpression: 'attribute_not_exists(#pk)',
              ExpressionAttributeNames: { '#pk': TABLE_SCHEMA.partitionKey },
            }),
          ),
        // worded as a batch's: an event's first item is written alone
        (error, attempts) =>
          isConditionFailure(error)
            ? (error as Error)
            : writeError(
                ctx,
                attempts > 1
                  ? `gave up writing 1 item(s) after ${attempts} attempts: ${describe(error)}`
                  : `PutItem failed: ${describe(error)}`,
                error,
              ),
      );
      return { created: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await readItem(ctx, item.pk, item.sk);
      if (existing) return { created: false, existing };
      if (round >= 3)
        throw writeError(ctx, `PutItem of ${item.pk}: its condition failed, yet no item is there`, error);
    }
  }
}

/** Adds values to a string set of an existing item; nothing when the item is gone (past its TTL). */
export async function addToStringSet(
  ctx: StoreContext,
  key: { readonly pk: string; readonly sk: string },
  attribute: string,
  values: readonly string[],
): Promise<void> {
  if (values.length === 0) return;
  try {
    await send(ctx, 'UpdateItem', () =>
      ctx.client.send(
        new UpdateCommand({
          TableName: ctx.tableName,
          Key: { [TABLE_SCHEMA.partitionKey]: key.pk, [TABLE_SCHEMA.sortKey]: key.sk },
          UpdateExpression: 'ADD #attr :values',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#attr': attribute, '#pk': TABLE_SCHEMA.partitionKey },
          ExpressionAttributeValues: { ':values': new Set(values) },
        }),
      ),
    );
  } catch (error) {
    // the item is gone (past its TTL): there is nothing to mark, and no stub item is created
    if (!isConditionFailure(error)) throw error;
  }
}

/** One item by its key, strongly consistent (a Query: the store reads with Query only). */
async function readItem(
  ctx: StoreContext,
  pk: string,
  sk: string,
): Promise<Record<string, unknown> | undefined> {
  const out = await send(ctx, 'Query', () =>
    ctx.client.send(
      new QueryCommand({
        TableName: ctx.tableName,
        KeyConditionExpression: '#pk = :pk AND #sk = :sk',
        ExpressionAttributeNames: { '#pk': TABLE_SCHEMA.partitionKey, '#sk': TABLE_SCHEMA.sortKey },
        ExpressionAttributeValues: { ':pk': pk, ':sk': sk },
        ConsistentRead: true,
      }),
    ),
  );
  return out.Items?.[0];
}
