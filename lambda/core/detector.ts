import { type FailedCallBudget, withTtl } from './batch-writer';
import type { Push } from './classify';
import { writeEventItem } from './conflicts';
import type { IndexedEvent } from './event';
import { countConflict, type FileStats } from './file-stats';
import { recordFindings } from './findings';
import { readRanges, type Span, type WindowUse, windowHits, windowUses } from './history-windows';
import { buildItems, EVENT_SK, itemToEvent, keys, type TableItem } from './items';
import type { MetricsSink } from './metrics';
import type { IndexStore } from './pipeline';
import { mapLimit } from './pool';
import { type Hit, isKeyPush, type RuleId } from './rules';
import type { Settings } from './settings';
import {
  judgeSummary,
  needsEvents,
  readSummary,
  type SummaryRead,
  summariesOf,
  summaryItems,
} from './summaries';
import { parseTime } from './time';
import { checkCanContinue, type TimeBudget } from './time-budget';

/**
 * The rules phase of a file. Once everything else of the file is stored, the events some rule
 * applies to (SSH key pushes, password reads, …) are written the same way (event items
 * conditionally, then their index items, the history and summary items last), then the stateful
 * rules read back what they need, strongly consistent: a windowed rule twice its window around the
 * file's events (history-windows.ts), a summary rule its summary items (summaries.ts), never a whole
 * history. Writing before reading makes the verdicts independent of arrival order: of two files
 * delivered at once, at least the one that reads last sees both. A file full of such events is
 * handled in slices, so memory stays bounded. Each event's findings are recorded together
 * (findings.ts), several events at once.
 */

/** Items of the partitions the stateful rules read: an SSH key's, a rule's own history. */
function isHistoryItem(item: TableItem): boolean {
  return item.kind === 'key' || item.kind === 'history';
}

/** SSH key pushes handled at once (their items written, then the rules run). */
const PUSH_SLICE = 500;
/** History and summary partitions read at once. */
const HISTORY_READS = 8;
/**
 * Items one read of a history partition returns at most (newest first): a window range, or a whole
 * index partition when a summary is seeded or its verdict turns (summaries.ts).
 */
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

/** An event of this file as written: what its items list, which index items it has. */
interface Written {
  readonly push: Push;
  /** The rules its event item lists: the stateless hits when created here, the stored item's when identical. */
  readonly eventItemFindings: readonly string[];
  /** The partitions of the index items written for it. */
  readonly indexPartitions: readonly string[];
}

/** An event's hits found by this file's rules phase. */
interface Found {
  readonly event: IndexedEvent;
  readonly timeMs: number;
  /** Set for the file's own events. */
  readonly own?: Written;
  readonly hits: Map<RuleId, Hit>;
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
   * and is neither indexed nor judged. Then the index items, the history and summary items last: a
   * push visible in a rule's history has all its other items.
   */
  private async writePushes(all: Push[]): Promise<Written[]> {
    const { stats, metrics, now, expiresAt, budget, source } = this.options;
    const results = await mapLimit(all, this.options.maxPendingEventWrites, async (p) => {
      // stop between conditional writes when time runs low
      checkCanContinue(budget, source);
      const [eventItem, ...indexItems] = buildItems(p.event, p.timeMs, {
        ...(expiresAt !== undefined ? { expiresAt } : {}),
        recordHash: p.hash,
      }) as [TableItem, ...TableItem[]];
      return { p, indexItems, write: await writeEventItem(this.store, eventItem, p.event, now(), expiresAt) };
    });
    const written: Written[] = [];
    const items: TableItem[] = [];
    for (const { p, indexItems, write } of results) {
      if (write.kind === 'conflict') {
        countConflict(stats, metrics, p.index, write);
        continue;
      }
      stats.indexed++;
      if (write.kind === 'created') stats.items++;
      const kept = this.withinBudget(p.event, indexItems);
      items.push(...(write.kind === 'identical' ? withTtl(kept, write.expiresAt) : kept));
      const eventItemFindings = write.kind === 'identical' ? write.findings : p.event.findings;
      written.push({ push: p, eventItemFindings, indexPartitions: kept.map((i) => i.pk) });
    }
    const events = written.map((w) => w.push.event);
    // the history items last: an event visible in a rule's history has all its other items
    await this.store.write(items.filter((i) => !isHistoryItem(i)));
    await this.store.write([...items.filter(isHistoryItem), ...summaryItems(events, expiresAt)]);
    stats.items += items.length;
    stats.sshKeyPushes += events.filter(isKeyPush).length;
    return written;
  }

  /** The index items a failed call keeps: all within the file's budget, its history items beyond. */
  private withinBudget(event: IndexedEvent, indexItems: TableItem[]): TableItem[] {
    const budget = this.options.failedCallBudget;
    if (event.errorCode === undefined || !budget || budget.admits(indexItems.length)) return indexItems;
    this.options.stats.overBudget++;
    return indexItems.filter(isHistoryItem);
  }

  /**
   * The hits of the file's events: stateless (found while reading), windowed (each history partition
   * read around the file's events there) and summary rules (their summaries read; an index partition's
   * events read only when a summary needs them, and then shared with the windowed rules). Then every
   * event's findings are recorded, and last the summaries' verdict items.
   */
  private async judge(written: readonly Written[]): Promise<void> {
    const detection = this.options.settings.detection;
    const found = new Map<string, Found>();
    for (const w of written)
      found.set(w.push.event.eventID, {
        event: w.push.event,
        timeMs: w.push.timeMs,
        own: w,
        hits: new Map(w.push.hits.map((h) => [h.rule, h])),
      });
    const summaries = await mapLimit(summariesOf(written.map((w) => w.push.event)), HISTORY_READS, (s) =>
      readSummary(this.store, s.rule, s.partition, s.own, detection),
    );
    const uses = windowUses(
      written.map((w) => w.push),
      detection,
    );
    const whole = new Map<string, IndexedEvent[] | undefined>();
    for (const s of summaries) if (needsEvents(s, detection)) whole.set(s.partition, undefined);
    const partitions = [...new Set([...uses.keys(), ...whole.keys()])];
    const read = await mapLimit(partitions, HISTORY_READS, async (pk) => {
      const events = whole.has(pk) ? await this.readHistory(pk) : undefined;
      const windowed = uses.get(pk);
      return { pk, events, hits: windowed ? await this.windowed(pk, windowed, events) : [] };
    });
    // in partition order, whatever order the reads ended in: the first hit of a rule on an event is kept
    for (const { pk, events, hits } of read) {
      if (events) whole.set(pk, events);
      for (const h of hits) addHit(found, h.event, h.hit);
    }
    const verdicts = await this.summarise(summaries, whole, found);
    const hit = [...found.values()].filter((f) => f.hits.size > 0);
    await mapLimit(hit, this.options.maxPendingEventWrites, (f) => this.record(f));
    // a verdict item says the earlier events have the finding: written once they do
    if (verdicts.length > 0) await this.store.write(verdicts);
  }

  /** The windowed rules' hits on a partition: from its whole read when there is one, else its ranges. */
  private async windowed(
    pk: string,
    uses: readonly WindowUse[],
    whole: readonly IndexedEvent[] | undefined,
  ): Promise<{ event: IndexedEvent; hit: Hit }[]> {
    const detection = this.options.settings.detection;
    // a whole partition cut at its limit may miss the older part of a window: read the ranges then
    const events =
      whole && whole.length < MAX_KEY_HISTORY
        ? whole
        : (await Promise.all(readRanges(uses).map((r) => this.readHistory(pk, r)))).flat();
    return uses.flatMap((use) => windowHits(use, events, detection));
  }

  /** The summary rules' hits (added to `found`) and the verdict items to write after them. */
  private async summarise(
    summaries: readonly SummaryRead[],
    whole: ReadonlyMap<string, IndexedEvent[] | undefined>,
    found: Map<string, Found>,
  ): Promise<TableItem[]> {
    const verdicts: TableItem[] = [];
    for (const s of summaries) {
      const judged = judgeSummary(
        s,
        this.options.settings.detection,
        whole.get(s.partition),
        this.options.expiresAt,
      );
      // the values of the events already there, before a verdict item may say the summary has them
      if (judged.seed.length > 0) await this.store.write(judged.seed);
      for (const event of s.own) {
        const hit = judged.own.get(event.eventID);
        if (hit) addHit(found, event, hit);
      }
      for (const { event, hit } of judged.others) addHit(found, event, hit);
      if (judged.verdict) verdicts.push(judged.verdict);
    }
    return verdicts;
  }

  /** A history partition, newest first, bounded: within `range`, or whole. */
  private async readHistory(pk: string, range?: Span): Promise<IndexedEvent[]> {
    const read = range ? { sinceMs: range.from, untilMs: range.to } : {};
    const items = await this.store.readPartition(pk, { consistent: true, limit: MAX_KEY_HISTORY, ...read });
    return items.map(historyEvent);
  }

  /**
   * Records an event's hits: on one of this file's events, with what its items already list; on
   * another file's, read back in full (its items list a rule only once the finding is fully recorded).
   */
  private async record(f: Found): Promise<void> {
    const { stats, metrics, budget, source, expiresAt } = this.options;
    // a finding is a few writes in a row: stop between events when time runs low (a finding cut
    // short is completed by the redelivery, its metric raised once)
    checkCanContinue(budget, source);
    const options = {
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      created: (hit: Hit) => {
        stats.findings++;
        stats.findingsByRule[hit.rule] = (stats.findingsByRule[hit.rule] ?? 0) + 1;
        metrics.finding(hit.rule);
      },
    };
    const hits = [...f.hits.values()];
    if (f.own) {
      const { push, eventItemFindings, indexPartitions } = f.own;
      const listed = { eventItem: eventItemFindings, indexItems: push.event.findings };
      await recordFindings(
        this.store,
        { event: push.event, timeMs: push.timeMs, hits, listed, indexPartitions },
        options,
      );
      return;
    }
    const stored = await this.readEvent(f.event.eventID);
    const event = stored ?? f.event;
    const timeMs = parseTime(event.eventTime);
    if (timeMs === undefined) return;
    const listed = stored ? { eventItem: stored.findings, indexItems: [] } : undefined;
    await recordFindings(this.store, { event, timeMs, hits, ...(listed ? { listed } : {}) }, options);
  }

  /** The full summary of an event (all IDs, for its partitions), from its event item. */
  private async readEvent(eventID: string): Promise<IndexedEvent | undefined> {
    const items = await this.store.readPartition(keys.event(eventID), { consistent: true, limit: 10 });
    const item = items.find((i) => i.sk === EVENT_SK);
    return item ? itemToEvent(item) : undefined;
  }
}

/** The events of items a store gave back frozen (the same objects, read after read: store-port.ts). */
const eventsOfFrozenItems = new WeakMap<object, IndexedEvent>();

/**
 * The event of a history item. A frozen item is the same object each time the store gives it back
 * (the CLI's read cache: a key's history read by file after file), and so is its event, made once.
 */
function historyEvent(item: Record<string, unknown>): IndexedEvent {
  if (!Object.isFrozen(item)) return itemToEvent(item);
  let event = eventsOfFrozenItems.get(item);
  if (!event) {
    event = Object.freeze(itemToEvent(item));
    eventsOfFrozenItems.set(item, event);
  }
  return event;
}

/**
 * Adds a hit: to one of the file's events, or to another file's event (as its index item holds it)
 * that does not list the rule yet; an event that lists it has it recorded in full.
 */
function addHit(found: Map<string, Found>, event: IndexedEvent, hit: Hit): void {
  const known = found.get(event.eventID);
  if (known) {
    if (!known.hits.has(hit.rule)) known.hits.set(hit.rule, hit);
    return;
  }
  if (event.findings.includes(hit.rule)) return;
  const timeMs = parseTime(event.eventTime);
  if (timeMs !== undefined) found.set(event.eventID, { event, timeMs, hits: new Map([[hit.rule, hit]]) });
}
