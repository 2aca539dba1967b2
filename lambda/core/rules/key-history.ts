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
  private readonly byId: ReadonlyMap<string, TimedPush>;
  private readonly times: readonly number[];
  private readonly derived = new WeakMap<object, Map<string, unknown>>();

  constructor(pushes: readonly IndexedEvent[]) {
    const unique = new Map<string, TimedPush>();
    for (const event of pushes) {
      const timeMs = parseTime(event.eventTime);
      if (timeMs !== undefined) unique.set(event.eventID, { event, timeMs });
    }
    this.byId = unique;
    this.pushes = [...unique.values()].sort(
      (a, b) => a.timeMs - b.timeMs || (a.event.eventID < b.event.eventID ? -1 : 1),
    );
    this.times = this.pushes.map((p) => p.timeMs);
  }

  /** The push with this eventID, if known. */
  get(eventID: string): TimedPush | undefined {
    return this.byId.get(eventID);
  }

  /** Pushes with `from <= time <= to`, in time order (binary searches, then a slice). */
  within(fromMs: number, toMs: number): readonly TimedPush[] {
    return this.pushes.slice(firstAtOrAfter(this.times, fromMs), firstAfter(this.times, toMs));
  }

  /**
   * What `build` makes of this history for `owner` and `key` (a rule's sweep of it under one settings
   * object: `owner` the settings, `key` the rule), made once: the verdicts on every event of a history
   * share it. The history never changes, so neither does what is made of it.
   */
  memo<T>(owner: object, key: string, build: () => T): T {
    let byKey = this.derived.get(owner);
    if (!byKey) {
      byKey = new Map();
      this.derived.set(owner, byKey);
    }
    if (byKey.has(key)) return byKey.get(key) as T;
    const made = build();
    byKey.set(key, made);
    return made;
  }
}

/** The first index of `times` (ascending) whose time is at least `ms`. */
export function firstAtOrAfter(times: readonly number[], ms: number): number {
  return firstWhere(times, (t) => t >= ms);
}

/** The first index of `times` (ascending) whose time is after `ms`. */
export function firstAfter(times: readonly number[], ms: number): number {
  return firstWhere(times, (t) => t > ms);
}

/** The first index of `times` (ascending) whose time passes `test` (true from there on). */
function firstWhere(times: readonly number[], test: (t: number) => boolean): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (test(times[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A push that reached its instance: it did not fail. */
export function reachedInstance(event: IndexedEvent): boolean {
  return event.errorCode === undefined;
}
