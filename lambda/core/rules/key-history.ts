import type { IndexedEvent } from '../event';
import { parseTime } from '../time';

interface TimedPush {
  readonly event: IndexedEvent;
  readonly timeMs: number;
}

/**
 * The known pushes of one SSH key (from the key's index partition), sorted by time, with the
 * lookups the stateful rules need. Built once per key, then shared by every verdict on it.
 */
export class KeyHistory {
  readonly pushes: readonly TimedPush[];

  constructor(pushes: readonly IndexedEvent[]) {
    const unique = new Map<string, TimedPush>();
    for (const event of pushes) {
      const timeMs = parseTime(event.eventTime);
      if (timeMs !== undefined) unique.set(event.eventID, { event, timeMs });
    }
    this.pushes = [...unique.values()].sort(
      (a, b) => a.timeMs - b.timeMs || (a.event.eventID < b.event.eventID ? -1 : 1),
    );
  }

  /** Pushes with `from <= time <= to`, in time order (binary search, then a slice). */
  within(fromMs: number, toMs: number): readonly TimedPush[] {
    let lo = 0;
    let hi = this.pushes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.pushes[mid] as TimedPush).timeMs < fromMs) lo = mid + 1;
      else hi = mid;
    }
    let end = lo;
    while (end < this.pushes.length && (this.pushes[end] as TimedPush).timeMs <= toMs) end++;
    return this.pushes.slice(lo, end);
  }
}

/** A push that reached its instance: it did not fail. */
export function reachedInstance(event: IndexedEvent): boolean {
  return event.errorCode === undefined;
}
