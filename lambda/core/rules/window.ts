import type { IndexedEvent } from '../event';
import { principalName } from '../identity';
import { parseTime } from '../time';
import type { KeyHistory } from './key-history';

/**
 * Windowed counts for the stateful rules ("N distinct things within M minutes"), in a form whose
 * verdict on an event does not depend on the order events arrived: every window of the configured
 * length that contains the event is considered, not only the one that ends (or starts) at it.
 */

/** An event of a history, with its time. */
export interface Timed {
  readonly event: IndexedEvent;
  readonly timeMs: number;
}

/** A window that reached its threshold. */
export interface WindowCount {
  readonly fromMs: number;
  readonly toMs: number;
  /** Events in the window. */
  readonly events: number;
  /** Of which failed (an error code: denied, …). */
  readonly failed: number;
  /** Distinct keys of the window's events, sorted. */
  readonly keys: readonly string[];
}

/**
 * The earliest window `[start, start + windowMs]` that contains `ownMs` and whose events satisfy
 * `enough(events, distinctKeys)` (which must only grow with more events: a threshold), or undefined.
 * `nearby` is sorted by time and holds the counted events within `windowMs` either side of `ownMs`.
 * Only windows starting at an event need looking at: any window containing `ownMs` can slide right
 * to its first event and lose nothing. One pass, two pointers.
 */
export function windowReaching(
  nearby: readonly Timed[],
  ownMs: number,
  windowMs: number,
  keysOf: (event: IndexedEvent) => readonly string[],
  enough: (events: number, distinctKeys: number) => boolean,
): WindowCount | undefined {
  const counts = new Map<string, number>();
  let failed = 0;
  let end = 0;
  for (let start = 0; start < nearby.length; start++) {
    const fromMs = (nearby[start] as Timed).timeMs;
    if (fromMs > ownMs) break;
    const toMs = fromMs + windowMs;
    for (; end < nearby.length && (nearby[end] as Timed).timeMs <= toMs; end++) {
      const added = (nearby[end] as Timed).event;
      if (added.errorCode !== undefined) failed++;
      for (const key of keysOf(added)) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    if (toMs >= ownMs && enough(end - start, counts.size))
      return { fromMs, toMs, events: end - start, failed, keys: [...counts.keys()].sort() };
    const removed = (nearby[start] as Timed).event;
    if (removed.errorCode !== undefined) failed--;
    for (const key of keysOf(removed)) {
      const left = (counts.get(key) ?? 0) - 1;
      if (left > 0) counts.set(key, left);
      else counts.delete(key);
    }
  }
  return undefined;
}

/**
 * The event and the history's events within `windowMs` either side of it that `counts` keeps, in
 * time order; the event itself is added when the history lacks it (its own write is what the
 * engine reads back, but a bounded read may have missed it). Undefined without a usable time.
 */
export function around(
  event: IndexedEvent,
  history: KeyHistory,
  windowMs: number,
  counts: (other: IndexedEvent) => boolean,
): { own: Timed; nearby: Timed[] } | undefined {
  const ownMs = parseTime(event.eventTime);
  if (ownMs === undefined) return undefined;
  const nearby = history.within(ownMs - windowMs, ownMs + windowMs).filter((p) => counts(p.event));
  const own = nearby.find((p) => p.event.eventID === event.eventID) ?? { event, timeMs: ownMs };
  if (!nearby.includes(own)) {
    const at = nearby.findIndex((p) => p.timeMs > ownMs);
    nearby.splice(at < 0 ? nearby.length : at, 0, own);
  }
  return { own, nearby };
}

/** A short list of IDs for a detail: the first ten, then `…`. */
export function listed(ids: readonly string[]): string {
  return `${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''}`;
}

/** The history key of the rules that count one principal's calls: the principal (its ARN). */
export function principalKey(event: IndexedEvent): readonly string[] {
  return [principalName(event.principal)];
}

/**
 * The earliest window of `windowMinutes` containing the event in which the same principal's events
 * that `applies` keeps reach `enough` (calls, distinct instances they name), or undefined.
 */
export function principalWindow(
  event: IndexedEvent,
  history: KeyHistory,
  windowMinutes: number,
  applies: (e: IndexedEvent) => boolean,
  enough: (calls: number, instances: number) => boolean,
): WindowCount | undefined {
  const who = principalName(event.principal);
  const windowMs = windowMinutes * 60_000;
  const found = around(event, history, windowMs, (e) => applies(e) && principalName(e.principal) === who);
  if (!found) return undefined;
  return windowReaching(found.nearby, found.own.timeMs, windowMs, (e) => e.instanceIds, enough);
}

/** `(15 calls, 15 failed)`, `(3 calls)`. */
export function callsOf(w: WindowCount): string {
  return `(${w.events} call${w.events === 1 ? '' : 's'}${w.failed > 0 ? `, ${w.failed} failed` : ''})`;
}
