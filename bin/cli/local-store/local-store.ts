import { isConflictItem } from '../../../lambda/core/conflicts';
import { StoreUnavailableError, StoreWriteError } from '../../../lambda/core/errors';
import type { PartitionRead } from '../../../lambda/core/findings';
import { EVENT_SK, keys, sortKeyRange, type TableItem } from '../../../lambda/core/items';
import type {
  QueryOptions,
  QueryPage,
  StringSetAddition,
  TrailStore,
  WriteMetrics,
} from '../../../lambda/core/store-port';
import { TABLE_SCHEMA } from '../../../lambda/core/table-schema';
import type { FailedOp, Op } from './batch';
import { decodeItem, encodeItem, encodeItems, type Row, wholeJson } from './codec';
import type { ExpiringRow, PartitionQuery } from './items-db';
import type { OpQueue } from './queue';
import { type CachedItem, type CachedRead, ReadCache } from './read-cache';
import { unavailable } from './sqlite';

/**
 * The CLI's embedded store: the store port (lambda/core/store-port.ts) on an SQLite file, with the
 * semantics of `EventStore` on DynamoDB: whole-item writes, "once" writes (`createItem`,
 * `putItemIfAbsent`: the first writer wins, atomically), string-set additions that leave a missing
 * item missing, partition reads newest first within a time range of the sort key, paged, items
 * past their TTL never returned (they stay in the file, as DynamoDB keeps them until it deletes
 * them: a once-write still finds them). The operations go through a queue (./queue.ts) that runs
 * them in batches, in the process or on the store's own thread. A bulk run (ingest, backfill) keeps
 * its ranged partition reads in memory (./read-cache.ts), answered as the file would answer them.
 */

/** Items of a page when the caller sets no limit (DynamoDB stops at 1 MB). */
const PAGE_ITEMS = 1000;
/** Conflict items `getEventWithConflicts` reads (as `EventStore`). */
const MAX_CONFLICTS_READ = 100;

export class LocalStore implements TrailStore {
  readonly metrics: WriteMetrics = { requests: 0, retriedItems: 0, throttles: 0 };
  private readonly cache: ReadCache | undefined;

  constructor(
    private readonly queue: OpQueue,
    /** The store's name in errors (its directory). */
    readonly source: string,
    private created: boolean,
    /** Keep ranged partition reads in memory (a bulk run: ./read-cache.ts). @default false */
    cacheReads = false,
  ) {
    this.cache = cacheReads ? new ReadCache() : undefined;
  }

  async write(items: readonly TableItem[]): Promise<void> {
    if (items.length === 0) return;
    const rows = encodeItems(items, this.source);
    await this.mirrored(this.submit({ kind: 'write', rows }), () => {
      for (const row of rows) this.cacheRow(row);
    });
  }

  putItem(item: TableItem): Promise<void> {
    return this.write([item]);
  }

  putItemIfAbsent(item: TableItem): Promise<boolean> {
    const row = encodeItem(item, this.source);
    return this.mirrored(this.submit({ kind: 'insert', row }), (made) => {
      if (made) this.cacheRow(row);
    });
  }

  async createItem(
    item: TableItem,
  ): Promise<
    { readonly created: true } | { readonly created: false; readonly existing: Record<string, unknown> }
  > {
    const row = encodeItem(item, this.source);
    const existing = await this.mirrored(this.submit({ kind: 'create', row }), (found) => {
      if (found === null) this.cacheRow(row);
    });
    return existing === null ? { created: true } : { created: false, existing: decodeItem(existing) };
  }

  addToStringSet(pk: string, sk: string, attribute: string, values: readonly string[]): Promise<void> {
    return this.addToStringSets([{ pk, sk, attribute, values }]);
  }

  async addToStringSets(additions: readonly StringSetAddition[]): Promise<void> {
    const some = additions.filter((a) => a.values.length > 0);
    if (some.length === 0) return;
    await this.mirrored(this.submit({ kind: 'addToSets', additions: some }), () => {
      for (const a of some) this.cache?.changed(a.pk, a.sk);
    });
  }

  async readPartition(pk: string, options: PartitionRead = {}): Promise<Record<string, unknown>[]> {
    const ranged = options.sinceMs !== undefined || options.untilMs !== undefined;
    if (this.cache && ranged && options.limit !== undefined)
      return this.cachedRead(this.cache, pk, options.sinceMs, options.untilMs, options.limit);
    const { items } = await this.query(pk, {
      ...(ranged
        ? {
            ...(options.sinceMs !== undefined ? { sinceMs: options.sinceMs } : {}),
            ...(options.untilMs !== undefined ? { untilMs: options.untilMs } : {}),
          }
        : { wholePartition: true }),
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
    });
    return items;
  }

  /** One page of a partition, newest first, within the time range. */
  async queryPage(pk: string, options: QueryOptions = {}): Promise<QueryPage> {
    const limit = options.limit ?? PAGE_ITEMS;
    const rows = await this.rows(pk, options, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(decodeItem),
      ...(rows.length > limit && last ? { nextKey: { pk, sk: last.sk } } : {}),
    };
  }

  /** Up to `limit` items of a partition, newest first. */
  async query(
    pk: string,
    options: QueryOptions = {},
  ): Promise<{ items: Record<string, unknown>[]; more: boolean }> {
    const limit = options.limit;
    const rows = await this.rows(pk, options, limit !== undefined ? limit + 1 : undefined);
    const more = limit !== undefined && rows.length > limit;
    return { items: (more ? rows.slice(0, limit) : rows).map(decodeItem), more };
  }

  async getEvent(eventID: string): Promise<Record<string, unknown> | undefined> {
    return (await this.getEventWithConflicts(eventID)).event;
  }

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
    return { ...(event ? { event } : {}), conflicts: items.filter(isConflictItem), moreConflicts: more };
  }

  /** The tables are made when the store is opened: true once when that open made them. */
  async createTableIfMissing(): Promise<boolean> {
    const created = this.created;
    this.created = false;
    return created;
  }

  /**
   * A ranged read through the cache: answered from memory when the cache covers it (after checking
   * that no other process wrote, and reading again the items changed in place), else from the file,
   * and kept.
   */
  private async cachedRead(
    cache: ReadCache,
    pk: string,
    sinceMs: number | undefined,
    untilMs: number | undefined,
    limit: number,
  ): Promise<Record<string, unknown>[]> {
    const nowMs = Date.now();
    const { from, to } = sortKeyRange(sinceMs, untilMs);
    const whole: CachedRead = { from, to, limit, now: Math.floor(nowMs / 1000) };
    cache.checkVersion(await this.submit({ kind: 'version' }));
    // each answer goes into the cache in a reaction on the queue's own promise, as the writes' do
    // (`mirrored`): in the order the file ran them, so a write the read did not see is kept after it
    const read = (r: CachedRead, keep: (items: CachedItem[]) => void) =>
      this.submit({
        kind: 'query',
        pk,
        query: { from: r.from, to: r.to, newestFirst: true, now: r.now, limit: r.limit },
      }).then((rows) => {
        const items = rows.map((row) => cachedItem(row.sk, row));
        keep(items);
        return items;
      });
    const stale = cache.staleKeys(pk);
    await Promise.all(
      stale.map((sk) =>
        this.submit({ kind: 'get', pk, sk }).then((row) =>
          cache.refreshed(pk, sk, row ? cachedItem(sk, row) : undefined),
        ),
      ),
    );
    const gaps = cache.gaps(pk, whole);
    if (gaps) await Promise.all(gaps.map((gap) => read(gap, (items) => cache.merge(pk, gap, items))));
    const cached = cache.answer(pk, whole);
    if (cached) return cached as Record<string, unknown>[];
    const keep = cache.worthKeeping(pk);
    const items = await read(whole, (found) => {
      if (keep) cache.fill(pk, whole, found);
    });
    return items.map((c) => c.item as Record<string, unknown>);
  }

  /** A written row, into the cache when its partition's entry spans its key. */
  private cacheRow(row: Row): void {
    if (this.cache?.holds(row.pk, row.sk))
      this.cache.set(
        row.pk,
        cachedItem(row.sk, { item: wholeJson(row), sets: row.sets, expires: row.expires }),
      );
  }

  /**
   * A write, then `mirror` with its answer once the file has it (answers come in the order the file
   * runs them: a read that follows a write sees it); a failed write empties the cache (what the file
   * holds is then unknown here).
   */
  private mirrored<T>(write: Promise<T>, mirror: (answer: T) => void): Promise<T> {
    const cache = this.cache;
    if (!cache) return write;
    return write.then(
      (answer) => {
        mirror(answer);
        return answer;
      },
      (error: unknown) => {
        cache.clear();
        throw error;
      },
    );
  }

  private rows(pk: string, options: QueryOptions, limit: number | undefined) {
    return this.submit({ kind: 'query', pk, query: partitionQuery(pk, options, limit, this.source) });
  }

  private submit<K extends Op['kind']>(op: Extract<Op, { kind: K }>) {
    this.metrics.requests++;
    return this.queue.submit<K>(op);
  }
}

/** A row as the cache keeps it: decoded once, frozen (callers share it). */
function cachedItem(sk: string, row: ExpiringRow): CachedItem {
  return { sk, expires: row.expires, item: Object.freeze(decodeItem(row)) };
}

/** The SQL read of the port's query options (the sort key range of `EventStore`'s `Query`). */
function partitionQuery(
  pk: string,
  options: QueryOptions,
  limit: number | undefined,
  source: string,
): PartitionQuery {
  const range = options.wholePartition ? undefined : sortKeyRange(options.sinceMs, options.untilMs);
  const start = options.startKey;
  const after = start?.[TABLE_SCHEMA.sortKey];
  if (start && (typeof after !== 'string' || start[TABLE_SCHEMA.partitionKey] !== pk))
    throw new StoreUnavailableError(`invalid start key for partition ${pk}`, source);
  return {
    ...(range ? { from: range.from, to: range.to } : {}),
    newestFirst: options.newestFirst !== false,
    ...(typeof after === 'string' ? { after } : {}),
    now: Math.floor((options.nowMs ?? Date.now()) / 1000),
    ...(limit !== undefined ? { limit } : {}),
  };
}

/** The error an operation's failure is thrown as: a write's StoreWriteError, else StoreUnavailableError. */
export function opError(source: string): (failure: FailedOp) => Error {
  return (failure) => {
    if (failure.busy) return unavailable(Object.assign(new Error(failure.message), { errcode: 5 }), source);
    return failure.kind === 'write'
      ? new StoreWriteError(failure.message, source)
      : new StoreUnavailableError(failure.message, source);
  };
}
