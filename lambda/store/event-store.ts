import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { isConflictItem } from '../core/conflicts';
import { StoreUnavailableError, StoreWriteError } from '../core/errors';
import { EVENT_SK, keys, sortKeyRange, type TableItem } from '../core/items';
import type { IndexStore } from '../core/pipeline';
import { TABLE_SCHEMA } from '../core/table-schema';

/**
 * The one module that talks to DynamoDB. Writes go in batches of 25 with bounded concurrency; items a
 * batch leaves unprocessed are retried with exponential backoff and full jitter, a bounded number of
 * times, then the write fails with StoreWriteError (never a silent drop). Reads are `Query` only.
 * Nothing is ever deleted: BatchWriteItem requests carry PutRequests only, and no DeleteItem is sent
 * (the function's grant includes BatchWriteItem, which would allow deletes; test/integration/no-delete).
 */

export interface EventStoreOptions {
  readonly tableName: string;
  /** @default a client from the SDK's standard settings (region, credentials, AWS_ENDPOINT_URL) */
  readonly client?: DynamoDBDocumentClient;
  /** BatchWriteItem requests in flight at once. @default 8 */
  readonly maxConcurrency?: number;
  /** Attempts per batch (first try included) before giving up. @default 10 */
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

export interface QueryOptions {
  readonly sinceMs?: number;
  readonly untilMs?: number;
  /** Maximum items to return. */
  readonly limit?: number;
  /** @default true */
  readonly newestFirst?: boolean;
  /** Continue after this key (from a previous page). */
  readonly startKey?: Record<string, unknown>;
  /** Time for filtering out items past their TTL that DynamoDB has not deleted yet. @default Date.now() */
  readonly nowMs?: number;
  /** Read the whole partition, whatever its sort keys (event items); the time range is ignored. */
  readonly wholePartition?: boolean;
  /** Strongly consistent read. @default false */
  readonly consistent?: boolean;
}

export interface QueryPage {
  readonly items: Record<string, unknown>[];
  /** Set when more items may follow. */
  readonly nextKey?: Record<string, unknown>;
}

export interface WriteMetrics {
  requests: number;
  retriedItems: number;
  throttles: number;
}

const BATCH_SIZE = 25;
/** Conflict items `getEventWithConflicts` reads. */
const MAX_CONFLICTS_READ = 100;

/** Errors worth another attempt (throttling, server side, network); others fail at once. */
function isRetryable(error: unknown): boolean {
  const e = error as {
    name?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
    code?: string;
  };
  if (e?.$retryable) return true;
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  const name = e?.name ?? '';
  if (
    /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|InternalServerError|ServiceUnavailable/.test(
      name,
    )
  )
    return true;
  return ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'TimeoutError'].includes(e?.code ?? name);
}

/**
 * A DynamoDB document client from the SDK's standard settings, optionally for another endpoint. The
 * store retries throttling and server errors itself (bounded, with backoff, counting UnprocessedItems
 * too), so the client makes one attempt by default: SDK retries under the store's would multiply
 * the attempts and the waits.
 */
export function createDocumentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 1, ...config }), {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
}

export class EventStore implements IndexStore {
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
  readonly metrics: WriteMetrics = { requests: 0, retriedItems: 0, throttles: 0 };
  private readonly maxConcurrency: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(options: EventStoreOptions) {
    this.tableName = options.tableName;
    this.client = options.client ?? createDocumentClient();
    this.maxConcurrency = Math.max(1, options.maxConcurrency ?? 8);
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 10);
    this.baseDelayMs = options.baseDelayMs ?? 50;
    this.maxDelayMs = options.maxDelayMs ?? 5000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  /** Writes items (any number) and resolves once every one is stored. */
  async write(items: readonly TableItem[]): Promise<void> {
    const unique = dedupeByKey(items);
    const batches: TableItem[][] = [];
    for (let i = 0; i < unique.length; i += BATCH_SIZE) batches.push(unique.slice(i, i + BATCH_SIZE));
    const results = await Promise.allSettled(batches.map((b) => this.withSlot(() => this.writeBatch(b))));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async writeBatch(batch: TableItem[]): Promise<void> {
    let requests = batch.map((item) => ({ PutRequest: { Item: item as Record<string, unknown> } }));
    for (let attempt = 1; ; attempt++) {
      let out: BatchWriteCommandOutput | undefined;
      let failure: unknown;
      try {
        this.metrics.requests++;
        out = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
      } catch (error) {
        if (!isRetryable(error)) throw this.writeError(`BatchWriteItem failed: ${describe(error)}`, error);
        this.metrics.throttles++;
        failure = error;
      }
      if (out) {
        const left = out.UnprocessedItems?.[this.tableName] ?? [];
        if (left.length === 0) return;
        this.metrics.retriedItems += left.length;
        requests = left as typeof requests;
      }
      if (attempt >= this.maxAttempts) {
        const why = failure ? describe(failure) : `${requests.length} item(s) still unprocessed`;
        throw this.writeError(
          `gave up writing ${requests.length} item(s) after ${attempt} attempts: ${why}`,
          failure,
        );
      }
      const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
      await this.sleep(Math.floor(this.random() * ceiling));
    }
  }

  private writeError(message: string, cause: unknown): StoreWriteError {
    return new StoreWriteError(message, `table ${this.tableName}`, { cause });
  }

  private async withSlot<T>(fn: () => Promise<T>): Promise<T> {
    while (this.active >= this.maxConcurrency)
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  /** Runs one request, retrying throttling and server errors with the same bounded backoff as batches. */
  private async withRetries<T>(
    what: string,
    fn: () => Promise<T>,
    fail: (error: unknown, attempts: number) => Error = (error, attempts) =>
      this.writeError(
        `${what} failed${attempts > 1 ? ` after ${attempts} attempts` : ''}: ${describe(error)}`,
        error,
      ),
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.metrics.requests++;
        return await fn();
      } catch (error) {
        if (!isRetryable(error) || attempt >= this.maxAttempts) throw fail(error, attempt);
        this.metrics.throttles++;
        const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
        await this.sleep(Math.floor(this.random() * ceiling));
      }
    }
  }

  async putItem(item: TableItem): Promise<void> {
    await this.withRetries('PutItem', () =>
      this.client.send(new PutCommand({ TableName: this.tableName, Item: item })),
    );
  }

  /**
   * Writes the item unless one with its key exists; true when this call created it. The item carries
   * a write ID (`TABLE_SCHEMA.writeIdAttribute`): when an attempt failed in a way that may still have
   * written it (a lost answer), the retry's condition fails on our own item, and the write ID tells
   * so. (One consistent read per failed condition: these are the once-only findings markers, a few
   * per file.)
   */
  async putItemIfAbsent(item: TableItem): Promise<boolean> {
    const writeId = randomUUID();
    try {
      await this.withRetries('PutItem', () =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...item, [TABLE_SCHEMA.writeIdAttribute]: writeId },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': TABLE_SCHEMA.partitionKey },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // the SDK retries too: any failed condition may be on our own earlier attempt
      const existing = await this.readItem(item.pk, item.sk);
      return existing?.[TABLE_SCHEMA.writeIdAttribute] === writeId;
    }
  }

  /**
   * Writes an item unless one with its key exists (`attribute_not_exists(pk)`); otherwise returns the
   * existing item, read strongly consistent. A write that took effect but whose answer was lost is
   * retried, fails its condition and finds its own item: the caller compares contents (an event
   * item's `recordHash`), so a retry is never mistaken for another writer.
   * (ReturnValuesOnConditionCheckFailure would spare the read on DynamoDB, but the document client
   * does not unmarshall the item it returns and dynalite ignores it: one read per failed condition,
   * i.e. per event of a redelivered file, half a read unit each.)
   */
  async createItem(
    item: TableItem,
  ): Promise<
    { readonly created: true } | { readonly created: false; readonly existing: Record<string, unknown> }
  > {
    // the existing item can vanish between the failed condition and the read (its TTL ran out and
    // DynamoDB deleted it): then the write is tried again
    for (let round = 1; ; round++) {
      try {
        await this.withRetries(
          'PutItem',
          () =>
            this.client.send(
              new PutCommand({
                TableName: this.tableName,
                Item: item,
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': TABLE_SCHEMA.partitionKey },
              }),
            ),
          // worded as a batch's: an event's first item is written alone
          (error, attempts) =>
            isConditionFailure(error)
              ? (error as Error)
              : this.writeError(
                  attempts > 1
                    ? `gave up writing 1 item(s) after ${attempts} attempts: ${describe(error)}`
                    : `PutItem failed: ${describe(error)}`,
                  error,
                ),
        );
        return { created: true };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const existing = await this.readItem(item.pk, item.sk);
        if (existing) return { created: false, existing };
        if (round >= 3)
          throw this.writeError(`PutItem of ${item.pk}: its condition failed, yet no item is there`, error);
      }
    }
  }

  /** One item by its key, strongly consistent (a Query: the store reads with Query only). */
  private async readItem(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.withRetries('Query', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND #sk = :sk',
          ExpressionAttributeNames: { '#pk': TABLE_SCHEMA.partitionKey, '#sk': TABLE_SCHEMA.sortKey },
          ExpressionAttributeValues: { ':pk': pk, ':sk': sk },
          ConsistentRead: true,
        }),
      ),
    );
    return out.Items?.[0];
  }

  async addToStringSet(pk: string, sk: string, attribute: string, values: readonly string[]): Promise<void> {
    if (values.length === 0) return;
    try {
      await this.withRetries('UpdateItem', () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { [TABLE_SCHEMA.partitionKey]: pk, [TABLE_SCHEMA.sortKey]: sk },
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

  async readPartition(
    pk: string,
    options: { consistent?: boolean; limit?: number } = {},
  ): Promise<Record<string, unknown>[]> {
    const { items } = await this.query(pk, {
      wholePartition: true,
      ...(options.consistent ? { consistent: true } : {}),
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
    });
    return items;
  }

  /** One page of a partition, newest first, within the time range. */
  async queryPage(pk: string, options: QueryOptions = {}): Promise<QueryPage> {
    const range = sortKeyRange(options.sinceMs, options.untilMs);
    const now = Math.floor((options.nowMs ?? Date.now()) / 1000);
    const input: QueryCommandInput = {
      TableName: this.tableName,
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
    const out = await this.withRetries(
      'Query',
      () => this.client.send(new QueryCommand(input)),
      (error, attempts) => this.readError(error, attempts),
    );
    return { items: out.Items ?? [], ...(out.LastEvaluatedKey ? { nextKey: out.LastEvaluatedKey } : {}) };
  }

  /** Up to `limit` items of a partition (following pages as needed), newest first. */
  async query(
    pk: string,
    options: QueryOptions = {},
  ): Promise<{ items: Record<string, unknown>[]; more: boolean }> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const items: Record<string, unknown>[] = [];
    let startKey = options.startKey;
    for (;;) {
      const want = limit - items.length;
      const page = await this.queryPage(pk, {
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

  /** The event item of an eventID, or undefined. */
  async getEvent(eventID: string): Promise<Record<string, unknown> | undefined> {
    return (await this.getEventWithConflicts(eventID)).event;
  }

  /**
   * The event item of an eventID and the conflict items of the records that reused its eventID
   * with other content (at most `MAX_CONFLICTS_READ`, the newest hashes first).
   */
  async getEventWithConflicts(eventID: string): Promise<{
    event?: Record<string, unknown>;
    conflicts: Record<string, unknown>[];
    moreConflicts: boolean;
  }> {
    const { items, more } = await this.query(keys.event(eventID), {
      limit: MAX_CONFLICTS_READ + 1,
      wholePartition: true,
    });
    const event = items.find((i) => i[TABLE_SCHEMA.sortKey] === EVENT_SK);
    const conflicts = items.filter(isConflictItem);
    return { ...(event ? { event } : {}), conflicts, moreConflicts: more };
  }

  private readError(error: unknown, attempts = 1): StoreUnavailableError {
    if (
      error instanceof ResourceNotFoundException ||
      (error as { name?: string })?.name === 'ResourceNotFoundException'
    ) {
      return new StoreUnavailableError(
        'table not found (deploy the stack, or check --table and the region)',
        `table ${this.tableName}`,
        {
          cause: error,
        },
      );
    }
    return new StoreUnavailableError(
      `query failed${attempts > 1 ? ` after ${attempts} attempts` : ''}: ${describe(error)}`,
      `table ${this.tableName}`,
      { cause: error },
    );
  }

  /** Creates the table with trailwatch's key schema when it does not exist (local and test stores). */
  async createTableIfMissing(): Promise<boolean> {
    try {
      await this.client.send(new DescribeTableCommand({ TableName: this.tableName }));
      return false;
    } catch (error) {
      if ((error as { name?: string })?.name !== 'ResourceNotFoundException') {
        throw new StoreUnavailableError(
          `cannot reach the table: ${describe(error)}`,
          `table ${this.tableName}`,
          { cause: error },
        );
      }
    }
    try {
      await this.client.send(
        new CreateTableCommand({
          TableName: this.tableName,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [
            { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
            { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
          ],
          AttributeDefinitions: [
            { AttributeName: TABLE_SCHEMA.partitionKey, AttributeType: 'S' },
            { AttributeName: TABLE_SCHEMA.sortKey, AttributeType: 'S' },
          ],
        }),
      );
    } catch (error) {
      if ((error as { name?: string })?.name !== 'ResourceInUseException') {
        throw new StoreUnavailableError(
          `cannot create the table: ${describe(error)}`,
          `table ${this.tableName}`,
          { cause: error },
        );
      }
    }
    for (let i = 0; i < 600; i++) {
      const out = await this.client.send(new DescribeTableCommand({ TableName: this.tableName }));
      if (out.Table?.TableStatus === 'ACTIVE') break;
      await this.sleep(100);
    }
    try {
      await this.client.send(
        new UpdateTimeToLiveCommand({
          TableName: this.tableName,
          TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.timeToLiveAttribute, Enabled: true },
        }),
      );
    } catch (error) {
      // dynalite has no TTL API (UnknownOperationException); queries filter expired items anyway.
      if ((error as { name?: string })?.name !== 'UnknownOperationException') {
        throw new StoreUnavailableError(`cannot enable TTL: ${describe(error)}`, `table ${this.tableName}`, {
          cause: error,
        });
      }
    }
    return true;
  }
}

function isConditionFailure(error: unknown): boolean {
  const e = error instanceof StoreWriteError ? error.cause : error;
  return (e as { name?: string })?.name === 'ConditionalCheckFailedException';
}

function dedupeByKey(items: readonly TableItem[]): TableItem[] {
  // BatchWriteItem rejects a batch that names the same key twice; the last write wins, as it would.
  const byKey = new Map<string, TableItem>();
  for (const item of items) byKey.set(`${item.pk}\u0000${item.sk}`, item);
  return byKey.size === items.length ? [...items] : [...byKey.values()];
}

function describe(error: unknown): string {
  const e = error as { name?: string; message?: string };
  if (!e) return String(error);
  return e.name && e.message && !e.message.includes(e.name)
    ? `${e.name}: ${e.message}`
    : (e.message ?? e.name ?? String(error));
}
