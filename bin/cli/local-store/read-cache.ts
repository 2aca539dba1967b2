/**
 * The ranged partition reads of one bulk run, kept in memory (./local-store.ts uses it for ingest and
 * backfill). The rules read the history of an SSH key (or of a rule) around each file's events, and
 * the next file reads most of the same items again: on a key pushed thousands of times within its
 * window, each file re-read and decoded up to `MAX_KEY_HISTORY` items per key, and the time per
 * gigabyte grew with the history (docs/performance.md, "Dense histories and larger stores"). Here a read the cache
 * covers is answered from memory, exactly as the store would answer it:
 *
 * - an entry holds, for one partition, every item (not expired when read) whose sort key lies in its
 *   span `[lo, hi]`, in the store's order (SQLite compares text as UTF-8 bytes: code points here);
 * - the store's own writes keep it so: a whole item written in a span is put there as the store will
 *   read it back (`set`), an item changed in place (a string-set addition) is marked stale and read
 *   again before the entry answers (`stale`), and any failed write empties the cache;
 * - another process's commit (SQLite's `data_version` changed) empties it too;
 * - an entry lets go of what lies below the last read it answered (the windows of files in time order
 *   move up), and entries are dropped least recently used first beyond `MAX_CACHED_ITEMS` items in all.
 *
 * This file is the data structure alone (no store, no I/O); the store decides when to fill, check and
 * refresh it.
 */

/**
 * Items the cache holds at most, all partitions together: three keys' whole windows at the rules'
 * bound (`MAX_KEY_HISTORY`, 10,000 a read). An SSH key's history item takes about 1.5 KB decoded and
 * the event the rules make of it 0.7 KB more: about 65 MB when full.
 */
export const MAX_CACHED_ITEMS = 30_000;

/** Partitions remembered as read once (forgotten all at once beyond). */
const MAX_READ_ONCE = 10_000;

/** An item as a read returns it, with what the cache filters on. */
export interface CachedItem {
  readonly sk: string;
  /** Epoch seconds after which reads skip the item (the store's `expires` column); null: never. */
  readonly expires: number | null;
  readonly item: Readonly<Record<string, unknown>>;
}

interface Entry {
  /** The span whose items are all here (inclusive sort keys). */
  lo: string;
  hi: string;
  /** By sort key, ascending (code point order). */
  items: CachedItem[];
  /** Sort keys of items changed in place since they were read: read again before answering. */
  readonly stale: Set<string>;
}

/** A read of one partition: the sort key range (inclusive), the items at most, the time. */
export interface CachedRead {
  readonly from: string;
  readonly to: string;
  readonly limit: number;
  /** Epoch seconds: items whose `expires` is not after it are skipped. */
  readonly now: number;
}

/** A read of the part of a range above or below an entry's span. */
export interface Gap extends CachedRead {
  readonly side: 'above' | 'below';
}

/** Compares strings as SQLite compares TEXT (memcmp of UTF-8): by code point, not by UTF-16 unit. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // a surrogate (U+D800-DFFF, half of a code point above U+FFFF) sorts after every BMP character
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy) return sx ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

export class ReadCache {
  private readonly entries = new Map<string, Entry>();
  /** Partitions read once in the run, and not kept (yet). */
  private readonly readOnce = new Set<string>();
  private size = 0;
  /** The store's version when the entries were read (another process's commit changes it). */
  private version: number | undefined;

  constructor(private readonly maxItems = MAX_CACHED_ITEMS) {}

  /** Items held, all partitions together. */
  get itemCount(): number {
    return this.size;
  }

  /** Empties the cache when the store's version is not the one its entries were read at. */
  checkVersion(version: number): void {
    if (this.version !== version) this.clear();
    this.version = version;
  }

  clear(): void {
    this.entries.clear();
    this.size = 0;
  }

  /** Whether the partition's entry spans `sk` (a write there is to be kept: `set`). */
  holds(pk: string, sk: string): boolean {
    const entry = this.entries.get(pk);
    return entry !== undefined && within(entry, sk);
  }

  /**
   * Whether a read of the partition should be kept: from its second read in the run on (most partitions
   * the rules read are read once: keeping them would cost memory for nothing).
   */
  worthKeeping(pk: string): boolean {
    if (this.entries.has(pk) || this.readOnce.has(pk)) return true;
    if (this.readOnce.size >= MAX_READ_ONCE) this.readOnce.clear();
    this.readOnce.add(pk);
    return false;
  }

  /**
   * The reads that would let the partition's entry answer `read`: none when it does already, the
   * part above its span, the part below (or both); undefined when there is no entry.
   */
  gaps(pk: string, read: CachedRead): Gap[] | undefined {
    const entry = this.entries.get(pk);
    if (!entry) return undefined;
    const gaps: Gap[] = [];
    // each gap overlaps the span at its edge, so that what it reads joins the entry
    if (compareCodePoints(read.to, entry.hi) > 0) gaps.push({ ...read, from: entry.hi, side: 'above' });
    if (
      compareCodePoints(read.from, entry.lo) < 0 &&
      this.count(entry, entry.lo, read.to, read.now) < read.limit
    )
      gaps.push({ ...read, to: entry.lo, side: 'below' });
    return gaps;
  }

  /**
   * What the store answered to a gap's read (newest first), joined to the entry when it still touches
   * its span (another read may have replaced the entry meanwhile: answers come in the order the file
   * ran the reads, so what is joined is never older than what is there). An answer cut at its limit
   * above the span replaces the entry (what lies between them was not read).
   */
  merge(pk: string, gap: Gap, items: readonly CachedItem[]): void {
    const entry = this.entries.get(pk);
    if (!entry) return;
    const cut = items.length >= gap.limit;
    if (gap.side === 'above') {
      if (compareCodePoints(gap.from, entry.hi) > 0) return;
      if (compareCodePoints(gap.to, entry.hi) > 0) {
        if (cut) {
          this.fill(pk, gap, items);
          return;
        }
        entry.hi = gap.to;
      }
    } else {
      if (compareCodePoints(gap.to, entry.lo) < 0) return;
      const lo = cut ? (items[items.length - 1] as CachedItem).sk : gap.from;
      if (compareCodePoints(lo, entry.lo) < 0) entry.lo = lo;
    }
    for (const item of items) this.set(pk, item);
  }

  /** Sort keys of the partition's entry to read again before it answers (none: nothing cached). */
  staleKeys(pk: string): readonly string[] {
    const entry = this.entries.get(pk);
    return entry ? [...entry.stale] : [];
  }

  /**
   * The answer to `read` when the entry covers it (undefined otherwise): the newest `limit` items in
   * the range, not expired, newest first. The entry must have no stale items.
   */
  answer(pk: string, read: CachedRead): Readonly<Record<string, unknown>>[] | undefined {
    const entry = this.entries.get(pk);
    if (!entry || entry.stale.size > 0 || compareCodePoints(read.to, entry.hi) > 0) return undefined;
    const out: Readonly<Record<string, unknown>>[] = [];
    // where the read begins against the entry's span: below it (< 0), at it, or within it (> 0)
    const start = compareCodePoints(read.from, entry.lo);
    const from = start >= 0 ? read.from : entry.lo;
    for (let i = upperBound(entry.items, read.to) - 1; i >= 0 && out.length < read.limit; i--) {
      const c = entry.items[i] as CachedItem;
      if (compareCodePoints(c.sk, from) < 0) break;
      if (c.expires === null || c.expires > read.now) out.push(c.item);
    }
    // below the entry's span the answer would need items it does not hold, unless the limit is met
    if (start < 0 && out.length < read.limit) return undefined;
    // what lies below this read is let go: the next file's window begins here or later
    if (start > 0) this.trimBelow(entry, read.from);
    this.touch(pk, entry);
    return out;
  }

  /**
   * What the store answered to `read` (newest first): the entry becomes that span; when the answer
   * was cut at the limit, from its oldest item up.
   */
  fill(pk: string, read: CachedRead, items: readonly CachedItem[]): void {
    this.drop(pk);
    const lo = items.length >= read.limit ? (items[items.length - 1] as CachedItem).sk : read.from;
    const sorted = [...items].reverse();
    this.entries.set(pk, { lo, hi: read.to, items: sorted, stale: new Set() });
    this.size += sorted.length;
    this.evict();
  }

  /** An item written whole (replacing any with its key): kept when its partition's span holds its key. */
  set(pk: string, item: CachedItem): void {
    const entry = this.entries.get(pk);
    if (!entry || !within(entry, item.sk)) return;
    const i = lowerBound(entry.items, item.sk);
    const at = entry.items[i];
    if (at && at.sk === item.sk) entry.items[i] = item;
    else {
      entry.items.splice(i, 0, item);
      this.size++;
    }
    entry.stale.delete(item.sk);
    this.evict();
  }

  /** An item changed in place by the store (its new content unknown here): read again before use. */
  changed(pk: string, sk: string): void {
    const entry = this.entries.get(pk);
    if (entry && within(entry, sk)) entry.stale.add(sk);
  }

  /** A stale item read again: its content now, or undefined when the store has none (or it expired). */
  refreshed(pk: string, sk: string, item: CachedItem | undefined): void {
    const entry = this.entries.get(pk);
    if (!entry) return;
    entry.stale.delete(sk);
    if (item) {
      this.set(pk, item);
      return;
    }
    const i = lowerBound(entry.items, sk);
    if (entry.items[i]?.sk === sk) {
      entry.items.splice(i, 1);
      this.size--;
    }
  }

  /** The entry from `from` up (its span then begins there). */
  private trimBelow(entry: Entry, from: string): void {
    const below = lowerBound(entry.items, from);
    entry.items.splice(0, below);
    this.size -= below;
    entry.lo = from;
    for (const sk of entry.stale) if (compareCodePoints(sk, from) < 0) entry.stale.delete(sk);
  }

  /** Items in `[from, to]` not expired at `now`. */
  private count(entry: Entry, from: string, to: string, now: number): number {
    let n = 0;
    for (let i = upperBound(entry.items, to) - 1; i >= 0; i--) {
      const c = entry.items[i] as CachedItem;
      if (compareCodePoints(c.sk, from) < 0) break;
      if (c.expires === null || c.expires > now) n++;
    }
    return n;
  }

  private touch(pk: string, entry: Entry): void {
    this.entries.delete(pk);
    this.entries.set(pk, entry);
  }

  private drop(pk: string): void {
    const entry = this.entries.get(pk);
    if (!entry) return;
    this.size -= entry.items.length;
    this.entries.delete(pk);
  }

  /** Drops the least recently used entries until the items fit (the newest entry stays, whatever its size). */
  private evict(): void {
    for (const pk of this.entries.keys()) {
      if (this.size <= this.maxItems || this.entries.size === 1) return;
      this.drop(pk);
    }
  }
}

function within(entry: Entry, sk: string): boolean {
  return compareCodePoints(sk, entry.lo) >= 0 && compareCodePoints(sk, entry.hi) <= 0;
}

/** The first index whose sort key is not below `sk`. */
function lowerBound(items: readonly CachedItem[], sk: string): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareCodePoints((items[mid] as CachedItem).sk, sk) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index whose sort key is above `sk`. */
function upperBound(items: readonly CachedItem[], sk: string): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareCodePoints((items[mid] as CachedItem).sk, sk) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
