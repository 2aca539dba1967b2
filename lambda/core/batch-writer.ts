import { type EventItemWriter, writeEventItem } from './conflicts';
import type { IndexedEvent } from './event';
import { countConflict, type FileStats } from './file-stats';
import type { FindingStore } from './findings';
import type { TableItem } from './items';
import type { MetricsSink } from './metrics';
import { Pool } from './pool';
import { TABLE_SCHEMA } from './table-schema';

/**
 * The writes of a file's events (SSH key pushes aside): each event item is written if its eventID
 * is free (or holds the same record: a redelivery), a few at once, and only then are its index
 * items handed to the store, in batches, a few at once. The reader is held back while either
 * stage is full (backpressure). Failed calls (anyone can make them) share a budget of index items
 * per file; once it is spent, such an event gets its event item only (`overBudget`).
 */

/** Where index items go. `write` resolves once the items are durably stored, and rejects otherwise. */
export interface ItemWriter {
  write(items: readonly TableItem[]): Promise<void>;
}

export interface BatchWriterOptions {
  readonly stats: FileStats;
  readonly metrics: MetricsSink;
  readonly now: () => number;
  readonly expiresAt: number | undefined;
  /** Index items of failed calls allowed in the file. */
  /** The file's budget of index items for failed calls (shared with the rules phase). */
  readonly failedCallBudget: FailedCallBudget;
  /** Items handed to the store at once. */
  readonly writeChunk: number;
  /** Index-item writes in flight. */
  readonly maxPendingWrites: number;
  /** Conditional event-item writes in flight. */
  readonly maxPendingEventWrites: number;
  /** Called before the reader waits for the table: throws when time runs low. */
  readonly beforeWait: () => void;
}

type Store = ItemWriter & EventItemWriter & Pick<FindingStore, 'putItemIfAbsent'>;

export class BatchWriter {
  private readonly eventWrites: Pool;
  private readonly indexWrites: Pool;
  private buffer: TableItem[] = [];

  constructor(
    private readonly store: Store,
    private readonly options: BatchWriterOptions,
  ) {
    this.eventWrites = new Pool(options.maxPendingEventWrites);
    this.indexWrites = new Pool(options.maxPendingWrites);
  }

  /** The first write that failed: the file fails, and is written again by its redelivery. */
  get failure(): { readonly error: unknown } | undefined {
    return this.eventWrites.failure ?? this.indexWrites.failure;
  }

  /**
   * Starts writing an event (`items`: its event item, then its index items). Returns a promise
   * when the reader must wait for the table before going on.
   */
  add(items: TableItem[], event: IndexedEvent, index: number): Promise<void> | undefined {
    const indexed = event.errorCode === undefined || this.withinBudget(items.length - 1);
    const task = (): Promise<void> => this.writeEvent(items, event, index, indexed);
    const wait = this.eventWrites.start(task, this.options.beforeWait);
    if (wait) return wait.then(() => this.flushIfFull());
    return this.flushIfFull();
  }

  /**
   * Waits for the event items in flight, then sends the index items still buffered (unless `flush`
   * is false: out of time, the file comes again) and waits for them.
   */
  async finish(flush: boolean): Promise<void> {
    await this.eventWrites.drain();
    if (flush && this.failure === undefined) await this.flush();
    await this.indexWrites.drain();
  }

  /** Index items of failed calls within the file's budget; once it is spent, none more. */
  private withinBudget(n: number): boolean {
    return this.options.failedCallBudget.admits(n);
  }

  /** The event item; its index items go to the buffer once it is stored (or found identical). */
  private async writeEvent(
    items: TableItem[],
    event: IndexedEvent,
    index: number,
    indexed: boolean,
  ): Promise<void> {
    const { stats, metrics, now, expiresAt } = this.options;
    const w = await writeEventItem(this.store, items[0] as TableItem, event, now(), expiresAt);
    if (w.kind === 'conflict') {
      countConflict(stats, metrics, index, w);
      return;
    }
    stats.indexed++;
    if (w.kind === 'created') stats.items++;
    if (!indexed) stats.overBudget++;
    else if (w.kind === 'identical') this.buffer.push(...withTtl(items.slice(1), w.expiresAt));
    else for (let i = 1; i < items.length; i++) this.buffer.push(items[i] as TableItem);
  }

  private flushIfFull(): Promise<void> | undefined {
    return this.buffer.length >= this.options.writeChunk ? this.flush() : undefined;
  }

  private flush(): Promise<void> | undefined {
    if (this.buffer.length === 0) return undefined;
    const batch = this.buffer;
    this.buffer = [];
    return this.indexWrites.start(async () => {
      await this.store.write(batch);
      this.options.stats.items += batch.length;
    });
  }
}

/** `items` with the TTL `expiresAt` (none when undefined). */
export function withTtl(items: readonly TableItem[], expiresAt: number | undefined): TableItem[] {
  const ttl = TABLE_SCHEMA.timeToLiveAttribute;
  return items.map((item) => {
    if (item[ttl] === expiresAt) return item;
    const { [ttl]: _old, ...rest } = item;
    return (expiresAt === undefined ? rest : { ...rest, [ttl]: expiresAt }) as TableItem;
  });
}

/**
 * The index items a file's failed calls may make (anyone can make failed calls, and each index item
 * costs a write): shared by the writer and the rules phase; once spent, a failed call gets no more.
 */
export class FailedCallBudget {
  private used = 0;
  private spent = false;

  constructor(private readonly limit: number) {}

  /** True when `n` more index items fit (and counts them); false from the first that does not, on. */
  admits(n: number): boolean {
    if (this.spent || this.used + n > this.limit) this.spent = true;
    else this.used += n;
    return !this.spent;
  }
}
