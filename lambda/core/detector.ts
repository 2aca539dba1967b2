import { type FailedCallBudget, withTtl } from './batch-writer';
import type { Push } from './classify';
import { writeEventItem } from './conflicts';
import type { IndexedEvent } from './event';
import { countConflict, type FileStats } from './file-stats';
import { recordFinding } from './findings';
import { buildItems, EVENT_SK, itemToEvent, keys, type TableItem } from './items';
import type { MetricsSink } from './metrics';
import type { IndexStore } from './pipeline';
import { mapLimit } from './pool';
import type { DetectionSettings } from './rules';
import {
  type Hit,
  historyPartitions,
  isKeyPush,
  type Rule,
  type RuleId,
  STATEFUL_RULES,
  statefulHitsOf,
} from './rules';
import type { Settings } from './settings';
import { parseTime } from './time';
import { checkCanContinue, type TimeBudget } from './time-budget';

/**
 * The SSH key rules phase of a file. Once everything else of the file is stored, the pushes are
 * written the same way (event items conditionally, then their index items, the key-index items
 * last), every known push of each key is read back (strongly consistent) and the rules run.
 * Writing before reading makes the stateful rules independent of arrival order: of two files
 * delivered at once, at least the one that reads last sees both. A file full of pushes is handled
 * in slices, so memory stays bounded.
 */

/** Items of the partitions the stateful rules read: an SSH key's, a rule's own history. */
function isHistoryItem(item: TableItem): boolean {
  return item.kind === 'key' || item.kind === 'history';
}

/** SSH key pushes handled at once (their items written, then the rules run). */
const PUSH_SLICE = 500;
/** Newest pushes of one key read for the stateful rules. */
export const MAX_KEY_HISTORY = 10_000;

export interface DetectorOptions {
  readonly settings: Settings;
  readonly source: string;
  readonly stats: FileStats;
  readonly metrics: MetricsSink;
  readonly now: () => number;
  readonly expiresAt: number | undefined;
  /** Conditional event-item writes in flight. */
  readonly maxPendingEventWrites: number;
  /**
   * The file's budget of index items for failed calls. Over it, a failed call keeps its event item and
   * its history items (the rules still see it: a flood of denied calls is what they look for), not its
   * other index items.
   */
  readonly failedCallBudget?: FailedCallBudget;
  readonly budget?: TimeBudget;
}

export class Detector {
  private pushes: Push[] = [];
  private failed: { readonly error: unknown } | undefined;

  constructor(
    private readonly store: IndexStore,
    private readonly options: DetectorOptions,
  ) {}

  /** The first failure of a slice: the file fails. */
  get failure(): { readonly error: unknown } | undefined {
    return this.failed;
  }

  /** Keeps a push; true when a slice is full and should be handled now (`run`). */
  add(push: Push): boolean {
    this.pushes.push(push);
    return this.pushes.length >= PUSH_SLICE;
  }

  /** Writes the pushes kept so far and runs the rules on them; a failure is kept in `failure`. */
  async run(): Promise<void> {
    if (this.failed !== undefined || this.pushes.length === 0) return;
    try {
      const stored = await this.writePushes(this.pushes.splice(0));
      await this.judge(stored);
    } catch (error) {
      this.failed ??= { error };
    }
  }

  /**
   * The event items first, conditionally: a push whose eventID holds another record is a conflict,
   * and is neither indexed nor judged. Then the index items, the key-index items last: a push
   * visible in its key's partition has all its other items.
   */
  private async writePushes(all: Push[]): Promise<Push[]> {
    const { stats, metrics, now, expiresAt, budget, source } = this.options;
    const written = await mapLimit(all, this.options.maxPendingEventWrites, async (p) => {
      // stop between conditional writes when time runs low
      checkCanContinue(budget, source);
      const [eventItem, ...indexItems] = buildItems(p.event, p.timeMs, {
        ...(expiresAt !== undefined ? { expiresAt } : {}),
        recordHash: p.hash,
      }) as [TableItem, ...TableItem[]];
      return { p, indexItems, write: await writeEventItem(this.store, eventItem, p.event, now(), expiresAt) };
    });
    const pushes: Push[] = [];
    const items: TableItem[] = [];
    for (const { p, indexItems, write } of written) {
      if (write.kind === 'conflict') {
        countConflict(stats, metrics, p.index, write);
        continue;
      }
      pushes.push(p);
      stats.indexed++;
      if (write.kind === 'created') stats.items++;
      const kept = this.withinBudget(p.event, indexItems);
      items.push(...(write.kind === 'identical' ? withTtl(kept, write.expiresAt) : kept));
    }
    // the history items last: an event visible in a rule's history has all its other items
    await this.store.write(items.filter((i) => !isHistoryItem(i)));
    await this.store.write(items.filter(isHistoryItem));
    stats.items += items.length;
    stats.sshKeyPushes += pushes.filter((p) => isKeyPush(p.event)).length;
    return pushes;
  }

  /** The index items a failed call keeps: all within the file's budget, its history items beyond. */
  private withinBudget(event: IndexedEvent, indexItems: TableItem[]): TableItem[] {
    const budget = this.options.failedCallBudget;
    if (event.errorCode === undefined || !budget || budget.admits(indexItems.length)) return indexItems;
    this.options.stats.overBudget++;
    return indexItems.filter(isHistoryItem);
  }

  /**
   * The stateless hits of the file's events, then each stateful rule on each of its history partitions
   * the file's events are in: read back (strongly consistent) twice its window either side of them,
   * judged on the events whose whole window was read. A partition several rules read (an SSH key's) is
   * read once for all of them.
   */
  private async judge(pushes: readonly Push[]): Promise<void> {
    for (const p of pushes) for (const hit of p.hits) await this.record(p.event, p.timeMs, hit);
    const own = new Map(pushes.map((p) => [p.event.eventID, p]));
    const detection = this.options.settings.detection;
    for (const [pk, uses] of historyReads(pushes, detection)) {
      const whole = uses.some((u) => u.range === undefined);
      const shared = await this.readHistory(pk, whole ? undefined : spanOf(uses));
      for (const { rule, span, windowMs, range } of uses) {
        const history = await this.historyFor(pk, shared, whole, range);
        const byId = new Map(history.map((e) => [e.eventID, e]));
        for (const [eventID, hit] of statefulHitsOf(rule, history, detection)) {
          const known = byId.get(eventID);
          const t = parseTime(known?.eventTime);
          // an event near the edge of what was read may miss part of its window: judged by its own file
          if (windowMs > 0 && (t === undefined || t < span.from - windowMs || t > span.to + windowMs))
            continue;
          await this.recordStateful(own.get(eventID), known, eventID, hit);
        }
      }
    }
  }

  /** One rule's history out of the partition's shared read (`whole`, or the span of every range). */
  private async historyFor(
    pk: string,
    shared: IndexedEvent[],
    whole: boolean,
    range: Span | undefined,
  ): Promise<IndexedEvent[]> {
    if (!range) return shared;
    // a whole partition cut at its limit may miss the older part of a window: read that window
    if (whole && shared.length >= MAX_KEY_HISTORY) return this.readHistory(pk, range);
    return shared.filter((e) => within(e, range));
  }

  /** A history partition, newest first, bounded: within `range`, or whole. */
  private async readHistory(pk: string, range: Span | undefined): Promise<IndexedEvent[]> {
    const read = range ? { sinceMs: range.from, untilMs: range.to } : {};
    const items = await this.store.readPartition(pk, { consistent: true, limit: MAX_KEY_HISTORY, ...read });
    return items.map(itemToEvent);
  }

  /** A stateful hit on one of this file's pushes, or on another file's (read back in full). */
  private async recordStateful(
    mine: Push | undefined,
    known: IndexedEvent | undefined,
    eventID: string,
    hit: Hit,
  ): Promise<void> {
    if (mine) {
      await this.record(mine.event, mine.timeMs, hit);
      return;
    }
    // another file's push: its items list the rule only once the finding is fully recorded
    if (!known || known.findings.includes(hit.rule)) return;
    const event = (await this.readEvent(eventID)) ?? known;
    const timeMs = parseTime(event.eventTime);
    if (timeMs !== undefined) await this.record(event, timeMs, hit);
  }

  private async record(event: IndexedEvent, timeMs: number, hit: Hit): Promise<void> {
    const { stats, metrics, budget, source, expiresAt } = this.options;
    // a finding is a few writes in a row: stop between findings when time runs low (a finding cut
    // short is completed by the redelivery, its metric raised once)
    checkCanContinue(budget, source);
    if (await recordFinding(this.store, event, timeMs, hit, expiresAt)) {
      stats.findings++;
      stats.findingsByRule[hit.rule] = (stats.findingsByRule[hit.rule] ?? 0) + 1;
      metrics.finding(hit.rule);
    }
  }

  /** The full summary of an event (all IDs, for its partitions), from its event item. */
  private async readEvent(eventID: string): Promise<IndexedEvent | undefined> {
    const items = await this.store.readPartition(keys.event(eventID), { consistent: true, limit: 10 });
    const item = items.find((i) => i.sk === EVENT_SK);
    return item ? itemToEvent(item) : undefined;
  }
}

interface Span {
  from: number;
  to: number;
}

/** One stateful rule's use of a history partition: the file's events there, its window, what it reads. */
interface HistoryUse {
  readonly rule: Rule<RuleId>;
  readonly span: Span;
  readonly windowMs: number;
  /** Twice the window either side of `span`; undefined: the whole partition. */
  readonly range: Span | undefined;
}

/** Every history partition the file's events are in, with each stateful rule's use of it. */
function historyReads(pushes: readonly Push[], detection: DetectionSettings): Map<string, HistoryUse[]> {
  const out = new Map<string, HistoryUse[]>();
  for (const rule of STATEFUL_RULES) {
    const windowMs = (rule.history?.windowMinutes?.(detection) ?? 0) * 60_000;
    for (const [pk, span] of partitionsOf(rule, pushes)) {
      const range = windowMs > 0 ? { from: span.from - 2 * windowMs, to: span.to + 2 * windowMs } : undefined;
      out.set(pk, [...(out.get(pk) ?? []), { rule, span, windowMs, range }]);
    }
  }
  return out;
}

/** The smallest span holding every use's range. */
function spanOf(uses: readonly HistoryUse[]): Span {
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const { range } of uses) {
    if (!range) continue;
    from = Math.min(from, range.from);
    to = Math.max(to, range.to);
  }
  return { from, to };
}

/** An event's time is within a range (as the store's ranged read keeps it). */
function within(event: IndexedEvent, range: Span): boolean {
  const t = parseTime(event.eventTime);
  return t !== undefined && t >= range.from && t <= range.to;
}

/** The history partitions of a stateful rule the file's events are in, with their time span. */
function partitionsOf(rule: Rule<RuleId>, pushes: readonly Push[]): Map<string, Span> {
  const out = new Map<string, Span>();
  for (const p of pushes) {
    for (const pk of historyPartitions(rule, p.event)) {
      const span = out.get(pk);
      if (span) {
        span.from = Math.min(span.from, p.timeMs);
        span.to = Math.max(span.to, p.timeMs);
      } else out.set(pk, { from: p.timeMs, to: p.timeMs });
    }
  }
  return out;
}
