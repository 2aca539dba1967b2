import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { TableItem } from '../core/items';
import type { Pool } from '../core/pool';
import { sendAll } from '../core/retry';
import { describe, isRetryable, type StoreContext, writeError } from './requests';

/**
 * Unconditional writes of any number of items: `BatchWriteItem` requests of 25 items, a few in
 * flight (the store's pool); the items a request leaves unprocessed, and requests that fail with
 * throttling or a server error, are sent again with backoff, within one bound of attempts per
 * batch; then the write fails with StoreWriteError, never a silent drop. PutRequests only: nothing
 * is ever deleted (test/integration/no-delete).
 */

const BATCH_SIZE = 25;

type PutRequest = { PutRequest: { Item: Record<string, unknown> } };

/** Writes items (any number) and resolves once every one is stored. */
export async function writeItems(ctx: StoreContext, pool: Pool, items: readonly TableItem[]): Promise<void> {
  const unique = dedupeByKey(items);
  const batches: TableItem[][] = [];
  for (let i = 0; i < unique.length; i += BATCH_SIZE) batches.push(unique.slice(i, i + BATCH_SIZE));
  const results = await Promise.allSettled(batches.map((b) => pool.run(() => writeBatch(ctx, b))));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

async function writeBatch(ctx: StoreContext, batch: readonly TableItem[]): Promise<void> {
  const requests: PutRequest[] = batch.map((item) => ({
    PutRequest: { Item: item as Record<string, unknown> },
  }));
  const send = async (entries: readonly PutRequest[]): Promise<readonly PutRequest[]> => {
    ctx.metrics.requests++;
    try {
      const out = await ctx.client.send(
        new BatchWriteCommand({ RequestItems: { [ctx.tableName]: [...entries] } }),
      );
      const left = (out.UnprocessedItems?.[ctx.tableName] ?? []) as PutRequest[];
      ctx.metrics.retriedItems += left.length;
      return left;
    } catch (error) {
      if (isRetryable(error)) ctx.metrics.throttles++;
      throw error;
    }
  };
  let unsent: Awaited<ReturnType<typeof sendAll<PutRequest>>>;
  try {
    unsent = await sendAll(requests, send, { ...ctx.backoff, retryable: isRetryable });
  } catch (error) {
    throw writeError(ctx, `BatchWriteItem failed: ${describe(error)}`, error);
  }
  if (!unsent) return;
  const n = unsent.left.length;
  const why = unsent.reason !== undefined ? describe(unsent.reason) : `${n} item(s) still unprocessed`;
  throw writeError(
    ctx,
    `gave up writing ${n} item(s) after ${unsent.attempts} attempts: ${why}`,
    unsent.reason,
  );
}

function dedupeByKey(items: readonly TableItem[]): TableItem[] {
  // BatchWriteItem rejects a batch that names the same key twice; the last write wins, as it would.
  const byKey = new Map<string, TableItem>();
  for (const item of items) byKey.set(`${item.pk}\u0000${item.sk}`, item);
  return byKey.size === items.length ? [...items] : [...byKey.values()];
}
