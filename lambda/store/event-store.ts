import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PartitionRead } from '../core/findings';
import type { TableItem } from '../core/items';
import { Pool } from '../core/pool';
import { type Backoff, sleep } from '../core/retry';
import type { StringSetAddition, TrailStore } from '../core/store-port';
import { writeItems } from './batch-writes';
import {
  addToStringSet,
  type CreateOutcome,
  createItem,
  putItem,
  putItemIfAbsent,
} from './conditional-writes';
import { getEventWithConflicts, type QueryOptions, type QueryPage, query, queryPage } from './queries';
import { createDocumentClient, type StoreContext, type WriteMetrics } from './requests';
import { createTableIfMissing } from './table-admin';

export type { QueryOptions, QueryPage } from './queries';
export { createDocumentClient, type WriteMetrics } from './requests';

/**
 * The store: the one place that talks to DynamoDB (this folder). Writes go in batches of 25 with
 * bounded concurrency (`batch-writes.ts`); conditional writes (`conditional-writes.ts`); reads are
 * `Query` only (`queries.ts`); table management for local stores (`table-admin.ts`). Every request
 * is retried a bounded number of times, with exponential backoff and full jitter (`requests.ts`),
 * then fails with StoreWriteError or StoreUnavailableError (never a silent drop). Nothing is ever
 * deleted: BatchWriteItem requests carry PutRequests only, and no DeleteItem is sent (the
 * function's grant includes BatchWriteItem, which would allow deletes; test/integration/no-delete).
 */

export interface EventStoreOptions {
  readonly tableName: string;
  /** @default a client from the SDK's standard settings (region, credentials, AWS_ENDPOINT_URL) */
  readonly client?: DynamoDBDocumentClient;
  /** BatchWriteItem requests in flight at once. @default 8 */
  readonly maxConcurrency?: number;
  /** Attempts per request or batch (first try included) before giving up. @default 10 */
  readonly maxAttempts?: number;
  /** First backoff ceiling; doubles per attempt. @default 50 */
  readonly baseDelayMs?: number;
  /** Backoff ceiling. @default 5000 */
  readonly maxDelayMs?: number;
  /** @default setTimeout-based sleep */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
}

export class EventStore implements TrailStore {
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
  readonly metrics: WriteMetrics = { requests: 0, retriedItems: 0, throttles: 0 };
  private readonly ctx: StoreContext;
  private readonly batches: Pool;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: EventStoreOptions) {
    this.tableName = options.tableName;
    this.client = options.client ?? createDocumentClient();
    this.batches = new Pool(options.maxConcurrency ?? 8);
    this.sleep = options.sleep ?? sleep;
    const backoff: Backoff = {
      maxAttempts: Math.max(1, options.maxAttempts ?? 10),
      baseDelayMs: options.baseDelayMs ?? 50,
      maxDelayMs: options.maxDelayMs ?? 5000,
      sleep: this.sleep,
      random: options.random ?? Math.random,
    };
    this.ctx = { tableName: this.tableName, client: this.client, backoff, metrics: this.metrics };
  }

  /** Writes items (any number) and resolves once every one is stored. */
  write(items: readonly TableItem[]): Promise<void> {
    return writeItems(this.ctx, this.batches, items);
  }

  putItem(item: TableItem): Promise<void> {
    return putItem(this.ctx, item);
  }

  /** Writes the item unless one with its key exists; true when this call created it. */
  putItemIfAbsent(item: TableItem): Promise<boolean> {
    return putItemIfAbsent(this.ctx, item);
  }

  /** Writes an item unless one with its key exists; otherwise returns the existing item. */
  createItem(item: TableItem): Promise<CreateOutcome> {
    return createItem(this.ctx, item);
  }

  addToStringSet(pk: string, sk: string, attribute: string, values: readonly string[]): Promise<void> {
    return addToStringSet(this.ctx, { pk, sk }, attribute, values);
  }

  /**
   * Each addition is its own `UpdateItem` (`ADD`, on condition that the item exists), all sent at once:
   * one round trip of wall time. DynamoDB has no batch of updates that keeps these semantics and that
   * a local server can test: `BatchWriteItem` carries puts and deletes only (a put replaces the item,
   * losing a concurrent addition, and creates a missing one); `TransactWriteItems` is all or nothing
   * (one item past its TTL cancels every addition) and bills twice the write units; PartiQL's
   * `BatchExecuteStatement` (25 `UPDATE … SET findings = SET_ADD(…)`) would save requests, not write
   * units, and neither it nor transactions exist in dynalite, where the DynamoDB path is tested. The
   * pipeline sends few: one per item per event, none for the rules the items list from their first
   * write (lambda/core/findings.ts).
   */
  async addToStringSets(additions: readonly StringSetAddition[]): Promise<void> {
    await Promise.all(additions.map((a) => this.addToStringSet(a.pk, a.sk, a.attribute, a.values)));
  }

  async readPartition(pk: string, options: PartitionRead = {}): Promise<Record<string, unknown>[]> {
    const ranged = options.sinceMs !== undefined || options.untilMs !== undefined;
    const { items } = await query(this.ctx, pk, {
      ...(ranged
        ? {
            ...(options.sinceMs !== undefined ? { sinceMs: options.sinceMs } : {}),
            ...(options.untilMs !== undefined ? { untilMs: options.untilMs } : {}),
          }
        : { wholePartition: true }),
      ...(options.consistent ? { consistent: true } : {}),
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
    });
    return items;
  }

  /** One page of a partition, newest first, within the time range. */
  queryPage(pk: string, options: QueryOptions = {}): Promise<QueryPage> {
    return queryPage(this.ctx, pk, options);
  }

  /** Up to `limit` items of a partition (following pages as needed), newest first. */
  query(
    pk: string,
    options: QueryOptions = {},
  ): Promise<{ items: Record<string, unknown>[]; more: boolean }> {
    return query(this.ctx, pk, options);
  }

  /** The event item of an eventID, or undefined. */
  async getEvent(eventID: string): Promise<Record<string, unknown> | undefined> {
    return (await this.getEventWithConflicts(eventID)).event;
  }

  /** The event item of an eventID and the conflict items of the records that reused its eventID. */
  getEventWithConflicts(eventID: string): Promise<{
    event?: Record<string, unknown>;
    conflicts: Record<string, unknown>[];
    moreConflicts: boolean;
  }> {
    return getEventWithConflicts(this.ctx, eventID);
  }

  /** Creates the table with trailwatch's key schema when it does not exist (local and test stores). */
  createTableIfMissing(): Promise<boolean> {
    return createTableIfMissing(this.ctx, this.sleep);
  }
}
