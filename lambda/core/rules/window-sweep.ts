import type { IndexedEvent } from '../event';
import { firstAtOrAfter } from './key-history';
import type { Timed } from './window';

/**
 * `windowReaching` (window.ts) for every event of a history at once: one sweep over the counted
 * events, then each verdict is a binary search. The same answer as `windowReaching` on the events
 * within the window either side of the asked time, for the cost of the history once (n log n)
 * instead of its window once per event (the stateful rules judge every event of what they read, so
 * per-event windows made a file's rules phase quadratic in a busy window: thousands of pushes of one
 * SSH key within an hour).
 */

/** Keys a window's detail lists (then `…`). */
export const LISTED = 10;

/** A window that reached its threshold, as a finding tells it. */
export interface WindowReach {
  readonly fromMs: number;
  readonly toMs: number;
  /** Events in the window. */
  readonly events: number;
  /** Of which failed (an error code: denied, …). */
  readonly failed: number;
  /** Distinct keys of the window's events. */
  readonly distinct: number;
  /** The first `LISTED` of them, sorted. */
  readonly firstKeys: readonly string[];
}

/**
 * How many events of a window hold each key, by the key's rank in sorted order (a Fenwick tree of
 * the keys present): the distinct keys and the first of them in sorted order, in log time.
 */
class RankedCounts {
  private readonly counts: Int32Array;
  private readonly present: Int32Array;
  private readonly top: number;
  distinct = 0;

  constructor(private readonly sorted: readonly string[]) {
    this.counts = new Int32Array(sorted.length);
    this.present = new Int32Array(sorted.length + 1);
    let top = 1;
    while (top * 2 <= sorted.length) top *= 2;
    this.top = top;
  }

  add(rank: number, by: 1 | -1): void {
    const before = this.counts[rank] as number;
    this.counts[rank] = before + by;
    if (before !== 0 && before + by !== 0) return;
    this.distinct += by;
    for (let i = rank + 1; i < this.present.length; i += i & -i)
      this.present[i] = (this.present[i] as number) + by;
  }

  /** The `n` first keys present, sorted. */
  first(n: number): string[] {
    const out: string[] = [];
    for (let k = 1; k <= Math.min(n, this.distinct); k++) out.push(this.sorted[this.nth(k)] as string);
    return out;
  }

  /** The rank of the k-th key present (1-based k). */
  private nth(k: number): number {
    let at = 0;
    let left = k;
    for (let step = this.top; step > 0; step >>= 1) {
      const next = at + step;
      if (next < this.present.length && (this.present[next] as number) < left) {
        at = next;
        left -= this.present[next] as number;
      }
    }
    return at;
  }
}

/**
 * Every window `[start, start + windowMs]` starting at an event of `counted` (sorted by time), and
 * whether it reaches `enough(events, distinctKeys)`; then `at(ms)` is what `windowReaching(counted,
 * ms, …)` returns: the earliest reaching window that contains `ms`.
 */
export class WindowSweep {
  private readonly times: number[];
  /** For each start, the first start at or after it whose window reaches (-1: none). */
  private readonly nextReaching: Int32Array;
  private readonly reached = new Map<number, WindowReach>();

  constructor(
    counted: readonly Timed[],
    private readonly windowMs: number,
    keysOf: (event: IndexedEvent) => readonly string[],
    enough: (events: number, distinctKeys: number) => boolean,
  ) {
    this.times = counted.map((t) => t.timeMs);
    const keys = counted.map((t) => keysOf(t.event));
    const sorted = [...new Set(keys.flat())].sort();
    const rankOf = new Map(sorted.map((k, i) => [k, i]));
    const ranks = keys.map((ks) => ks.map((k) => rankOf.get(k) as number));
    const window = new RankedCounts(sorted);
    const n = counted.length;
    let failed = 0;
    let end = 0;
    for (let start = 0; start < n; start++) {
      const fromMs = this.times[start] as number;
      const toMs = fromMs + windowMs;
      for (; end < n && (this.times[end] as number) <= toMs; end++) {
        if ((counted[end] as Timed).event.errorCode !== undefined) failed++;
        for (const r of ranks[end] as number[]) window.add(r, 1);
      }
      if (enough(end - start, window.distinct)) {
        const firstKeys = window.first(LISTED);
        this.reached.set(start, {
          fromMs,
          toMs,
          events: end - start,
          failed,
          distinct: window.distinct,
          firstKeys,
        });
      }
      if ((counted[start] as Timed).event.errorCode !== undefined) failed--;
      for (const r of ranks[start] as number[]) window.add(r, -1);
    }
    this.nextReaching = new Int32Array(n + 1).fill(-1);
    for (let i = n - 1; i >= 0; i--)
      this.nextReaching[i] = this.reached.has(i) ? i : (this.nextReaching[i + 1] as number);
  }

  /** The earliest reaching window containing `ms` (it starts at most `windowMs` before), or undefined. */
  at(ms: number): WindowReach | undefined {
    const start = this.nextReaching[firstAtOrAfter(this.times, ms - this.windowMs)] as number;
    return start >= 0 && (this.times[start] as number) <= ms ? this.reached.get(start) : undefined;
  }
}
