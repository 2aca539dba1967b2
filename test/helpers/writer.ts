import type { IndexedEvent } from '../../lambda/core/event';
import type { PartitionRead } from '../../lambda/core/findings';
import { itemToEvent, sortKeyRange, type TableItem } from '../../lambda/core/items';
import type { IndexStore } from '../../lambda/core/pipeline';
import type { StringSetAddition } from '../../lambda/core/store-port';

/**
 * An in-memory implementation of trailwatch's own store interface (not of DynamoDB's API), for unit
 * tests of the pure pipeline: items by key, a second write of a key replaces the first.
 */
export class MemoryStore implements IndexStore {
  readonly items = new Map<string, TableItem>();
  writes = 0;
  /** `addToStringSets` calls. */
  additionCalls = 0;

  private static key(pk: string, sk: string): string {
    return `${pk}|${sk}`;
  }

  async write(items: readonly TableItem[]): Promise<void> {
    this.writes++;
    for (const item of items) this.items.set(MemoryStore.key(item.pk, item.sk), copy(item));
  }

  async putItem(item: TableItem): Promise<void> {
    await this.write([item]);
  }

  async putItemIfAbsent(item: TableItem): Promise<boolean> {
    if (this.items.has(MemoryStore.key(item.pk, item.sk))) return false;
    await this.write([item]);
    return true;
  }

  async createItem(
    item: TableItem,
  ): Promise<
    { readonly created: true } | { readonly created: false; readonly existing: Record<string, unknown> }
  > {
    const existing = this.items.get(MemoryStore.key(item.pk, item.sk));
    if (existing) return { created: false, existing: copy(existing) };
    await this.write([item]);
    return { created: true };
  }

  async addToStringSet(pk: string, sk: string, attribute: string, values: readonly string[]): Promise<void> {
    const item = this.items.get(MemoryStore.key(pk, sk));
    if (!item) return;
    const current = item[attribute];
    const set = new Set<string>(current instanceof Set ? (current as Set<string>) : []);
    for (const v of values) set.add(v);
    this.items.set(MemoryStore.key(pk, sk), { ...item, [attribute]: set });
  }

  async addToStringSets(additions: readonly StringSetAddition[]): Promise<void> {
    this.additionCalls++;
    for (const a of additions) await this.addToStringSet(a.pk, a.sk, a.attribute, a.values);
  }

  async readPartition(pk: string, options: PartitionRead = {}): Promise<Record<string, unknown>[]> {
    const { from, to } = sortKeyRange(options.sinceMs, options.untilMs);
    const ranged = options.sinceMs !== undefined || options.untilMs !== undefined;
    return this.partition(pk)
      .filter((i) => !ranged || (i.sk >= from && i.sk <= to))
      .slice(0, options.limit ?? Number.POSITIVE_INFINITY);
  }

  /** A partition, newest first (sort keys descending). */
  partition(pk: string): TableItem[] {
    return [...this.items.values()]
      .filter((i) => i.pk === pk)
      .sort((a, b) => (a.sk < b.sk ? 1 : a.sk > b.sk ? -1 : 0));
  }

  /** The events, as queries read them back from their event items. */
  events(): IndexedEvent[] {
    return [...this.items.values()].filter((i) => i.kind === 'event').map(itemToEvent);
  }
}

/**
 * A deep copy of an item, as a store returns it. Not `structuredClone`: under Jest its sets and
 * arrays are of another realm than the test's, which `instanceof Set` (how `findings` is read) does
 * not recognise.
 */
function copy<T>(value: T): T {
  if (value instanceof Set) return new Set([...value].map(copy)) as T;
  if (Array.isArray(value)) return value.map(copy) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = copy(v);
    return out as T;
  }
  return value;
}
