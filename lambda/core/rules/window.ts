import type { IndexedEvent } from '../event';
import { principalName } from '../identity';
import { parseTime } from '../time';
import type { KeyHistory } from './key-history';
import type { DetectionSettings } from './rule';
import { LISTED, type WindowReach, WindowSweep } from './window-sweep';

export { LISTED, type WindowReach, WindowSweep } from './window-sweep';

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
  return `${ids.slice(0, LISTED).join(', ')}${ids.length > LISTED ? ', …' : ''}`;
}

/** `listed` of a window's distinct keys. */
export function listedKeys(w: WindowReach): string {
  return `${w.firstKeys.join(', ')}${w.distinct > LISTED ? ', …' : ''}`;
}

/** A window as `windowReaching` counts it, as a finding tells it. */
export function reachOf(w: WindowCount): WindowReach {
  const { fromMs, toMs, events, failed, keys } = w;
  return { fromMs, toMs, events, failed, distinct: keys.length, firstKeys: keys.slice(0, LISTED) };
}

/** The history key of the rules that count one principal's calls: the principal (its ARN). */
export function principalKey(event: IndexedEvent): readonly string[] {
  return [principalName(event.principal)];
}

/** What a per-principal windowed rule counts (ec2-user-data-read, ec2-password-data, …). */
export interface PrincipalWindowSpec {
  /** The rule's ID: its sweep of a history is made once per settings object and rule. */
  readonly rule: string;
  readonly settings: DetectionSettings;
  readonly windowMinutes: number;
  /** The events counted (of the same principal as the judged one). */
  readonly applies: (e: IndexedEvent) => boolean;
  /** Whether a window's calls and distinct instances reach the rule's threshold. */
  readonly enough: (calls: number, instances: number) => boolean;
}

/**
 * The earliest window of `windowMinutes` containing the event in which the same principal's events
 * that `applies` keeps reach `enough` (calls, distinct instances they name), or undefined. An event of
 * the history is judged from one sweep of the history per principal (`WindowSweep`, made once for all
 * its events); any other event (a test's, a copy) from its own window, as `around` and
 * `windowReaching` count it: the same answer.
 */
export function principalWindow(
  event: IndexedEvent,
  history: KeyHistory,
  spec: PrincipalWindowSpec,
): WindowReach | undefined {
  const who = principalName(event.principal);
  const windowMs = spec.windowMinutes * 60_000;
  const own = history.get(event.eventID);
  if (own?.event === event && spec.applies(event)) {
    const sweeps = history.memo(spec.settings, spec.rule, () => principalSweeps(history, windowMs, spec));
    return sweeps(who)?.at(own.timeMs);
  }
  const found = around(
    event,
    history,
    windowMs,
    (e) => spec.applies(e) && principalName(e.principal) === who,
  );
  if (!found) return undefined;
  const w = windowReaching(found.nearby, found.own.timeMs, windowMs, (e) => e.instanceIds, spec.enough);
  return w && reachOf(w);
}

/** The history's counted events by principal, each principal's swept when first asked for. */
function principalSweeps(
  history: KeyHistory,
  windowMs: number,
  spec: PrincipalWindowSpec,
): (who: string) => WindowSweep | undefined {
  const byPrincipal = new Map<string, Timed[]>();
  for (const p of history.pushes) {
    if (!spec.applies(p.event)) continue;
    const who = principalName(p.event.principal);
    const events = byPrincipal.get(who);
    if (events) events.push(p);
    else byPrincipal.set(who, [p]);
  }
  const swept = new Map<string, WindowSweep>();
  return (who) => {
    const events = byPrincipal.get(who);
    if (!events) return undefined;
    let sweep = swept.get(who);
    if (!sweep) {
      sweep = new WindowSweep(events, windowMs, (e) => e.instanceIds, spec.enough);
      swept.set(who, sweep);
    }
    return sweep;
  };
}

/** `(15 calls, 15 failed)`, `(3 calls)`. */
export function callsOf(w: Pick<WindowReach, 'events' | 'failed'>): string {
  return `(${w.events} call${w.events === 1 ? '' : 's'}${w.failed > 0 ? `, ${w.failed} failed` : ''})`;
}
