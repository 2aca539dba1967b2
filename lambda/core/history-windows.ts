import type { IndexedEvent } from './event';
import {
  type DetectionSettings,
  type Hit,
  historyPartitions,
  type Rule,
  type RuleId,
  statefulHitsOf,
  WINDOW_RULES,
} from './rules';
import { parseTime } from './time';

/**
 * What the windowed stateful rules read of their history partitions for a file (`HistorySpec` kinds
 * `own` and `index`). An event's verdict needs the events within its window either side; an earlier
 * event of another file, within the window of one of the file's events, may now fire too, and its own
 * window reaches twice the window from the file's event. So each partition is read twice the window
 * either side of each of the file's events there, as few ranges as that makes (events closer than four
 * windows share one), and an event is judged when its whole window was read: within one window of one
 * of the file's events. The read depends on what those windows hold, never on the rest of the history.
 */

/** A span of time, inclusive, in epoch milliseconds. */
export interface Span {
  readonly from: number;
  readonly to: number;
}

/** One windowed rule's use of a history partition. */
export interface WindowUse {
  readonly rule: Rule<RuleId>;
  readonly windowMs: number;
  /** The file's events in the partition, grouped into spans at most four windows apart. */
  readonly clusters: readonly Span[];
}

/** Every history partition the file's events are in, with each windowed rule's use of it. */
export function windowUses(
  events: readonly { readonly event: IndexedEvent; readonly timeMs: number }[],
  detection: DetectionSettings,
): Map<string, WindowUse[]> {
  const out = new Map<string, WindowUse[]>();
  for (const rule of WINDOW_RULES) {
    const windowMs = (rule.history?.windowMinutes?.(detection) ?? 0) * 60_000;
    const times = new Map<string, number[]>();
    for (const { event, timeMs } of events) {
      for (const pk of historyPartitions(rule, event)) {
        const ts = times.get(pk);
        if (ts) ts.push(timeMs);
        else times.set(pk, [timeMs]);
      }
    }
    for (const [pk, ts] of times) {
      const use = { rule, windowMs, clusters: clustersOf(ts, 4 * windowMs) };
      out.set(pk, [...(out.get(pk) ?? []), use]);
    }
  }
  return out;
}

/** Times grouped into spans whose neighbours are at most `gap` apart. */
function clustersOf(times: readonly number[], gap: number): Span[] {
  const sorted = [...times].sort((a, b) => a - b);
  const out: { from: number; to: number }[] = [];
  for (const t of sorted) {
    const last = out[out.length - 1];
    if (last && t - last.to <= gap) last.to = t;
    else out.push({ from: t, to: t });
  }
  return out;
}

/** The spans of `spans`, each widened by `by` either side, merged where they overlap. */
export function widened(spans: readonly Span[], by: number): Span[] {
  const sorted = spans.map((s) => ({ from: s.from - by, to: s.to + by })).sort((a, b) => a.from - b.from);
  const out: { from: number; to: number }[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.from <= last.to) last.to = Math.max(last.to, s.to);
    else out.push({ ...s });
  }
  return out;
}

/** What to read of a partition for all the rules that use it: twice each one's window around its clusters. */
export function readRanges(uses: readonly WindowUse[]): Span[] {
  return widened(
    uses.flatMap((u) => widened(u.clusters, 2 * u.windowMs)),
    0,
  );
}

/** Whether a time is within one of the spans. */
export function within(timeMs: number | undefined, spans: readonly Span[]): boolean {
  return timeMs !== undefined && spans.some((s) => timeMs >= s.from && timeMs <= s.to);
}

/**
 * One rule's hits on the events read from a partition (`events`: at least its ranges), kept for the
 * events whose whole window was read.
 */
export function windowHits(
  use: WindowUse,
  events: readonly IndexedEvent[],
  detection: DetectionSettings,
): { event: IndexedEvent; hit: Hit }[] {
  const ranges = widened(use.clusters, 2 * use.windowMs);
  const history = events.filter((e) => within(parseTime(e.eventTime), ranges));
  const judged = widened(use.clusters, use.windowMs);
  const byId = new Map(history.map((e) => [e.eventID, e]));
  const out: { event: IndexedEvent; hit: Hit }[] = [];
  for (const [eventID, hit] of statefulHitsOf(use.rule, history, detection)) {
    const event = byId.get(eventID);
    // an event near the edge of what was read may miss part of its window: judged by its own file
    if (event && within(parseTime(event.eventTime), judged)) out.push({ event, hit });
  }
  return out;
}
