import type { IndexedEvent } from './event';
import type { FindingStore } from './findings';
import type { TableItem } from './items';
import { bound, LIMITS } from './limits';
import {
  type DetectionSettings,
  type Hit,
  judgedWith,
  type Rule,
  type RuleId,
  SUMMARY_RULES,
  SUMMARY_VERDICT_SK,
  type SummarySpec,
  type SummaryValues,
  summaryPartition,
  summaryValueKey,
} from './rules';
import { TABLE_SCHEMA } from './table-schema';

/**
 * The summaries of the windowless stateful rules (`HistorySpec` kind `summary`, such as
 * `ssh-key-multi-principal`): what a file reads instead of an SSH key's whole history.
 *
 * | item    | pk                                     | sk                    |
 * | ------- | -------------------------------------- | --------------------- |
 * | value   | `SUMMARY#<rule>#<index partition>`     | `V#<value or hash>`   |
 * | verdict | `SUMMARY#<rule>#<index partition>`     | `~VERDICT`            |
 *
 * A file writes one value item per distinct value of its events (a principal; plain writes, batched
 * with the history items, so they are stored before the file reads), then reads the partition back,
 * strongly consistent, in one `Query` bounded by `maxValues`: what it reads depends on the number of
 * distinct values, not on how many events the index partition holds. A value item's TTL is that of
 * the newest file that carried it.
 *
 * The verdict item says "every event of the index partition has been given the rule's finding, judged
 * with these settings" (`judgedWith`, absent when not so). A file whose events fire reads the index
 * partition's events (once, bounded) only when that is not already so, gives the earlier events that
 * lack it their finding, and then writes the verdict item; a file whose events do not fire clears it.
 * With no verdict item at all (a key new to this version of the index, or a new key) the index
 * partition is read once to seed the summary with the values of the events already there.
 *
 * Order independence: a file reads after its own writes are stored. Of a file F whose read does not
 * yet see enough values and a file B whose read does, F's read began before B's ended, so F's events
 * were stored before B reads the index partition: B gives them the finding. Redelivery and retries
 * rewrite the same items.
 */

/** A verdict item older than this (its TTL that much shorter than a new write's) is written again. */
const VERDICT_REFRESH_SECONDS = 30 * 86_400;

/** The summary items of some events: one per (summary rule, index partition, distinct value). */
export function summaryItems(events: Iterable<IndexedEvent>, expiresAt: number | undefined): TableItem[] {
  const out = new Map<string, TableItem>();
  for (const event of events) {
    for (const rule of SUMMARY_RULES) {
      const spec = rule.history as SummarySpec;
      if (!rule.appliesTo(event)) continue;
      for (const partition of spec.keysOf(event)) {
        for (const value of spec.valuesOf(event)) {
          const item = valueItem(summaryPartition(rule.id, partition), value, expiresAt);
          out.set(`${item.pk}\n${item.sk}`, item);
        }
      }
    }
  }
  return [...out.values()];
}

function valueItem(pk: string, value: string, expiresAt: number | undefined): TableItem {
  return {
    pk,
    sk: summaryValueKey(value),
    kind: 'summary',
    value: bound(value, LIMITS.arn),
    ...(expiresAt !== undefined ? { [TABLE_SCHEMA.timeToLiveAttribute]: expiresAt } : {}),
  };
}

/** One summary rule's summary of one index partition, as a file read it, with the file's own events there. */
export interface SummaryRead {
  readonly rule: Rule<RuleId>;
  /** The index partition summarised (`KEY#<fingerprint>`). */
  readonly partition: string;
  readonly own: readonly IndexedEvent[];
  readonly summary: SummaryValues;
  /** The verdict item, when there is one. */
  readonly verdict?: { readonly judgedWith?: string; readonly expiresAt?: number };
}

/** The summary partitions of a file's events, each with the file's events in it. */
export function summariesOf(
  events: readonly IndexedEvent[],
): { rule: Rule<RuleId>; partition: string; own: IndexedEvent[] }[] {
  const out = new Map<string, { rule: Rule<RuleId>; partition: string; own: IndexedEvent[] }>();
  for (const rule of SUMMARY_RULES) {
    const spec = rule.history as SummarySpec;
    for (const event of events) {
      if (!rule.appliesTo(event)) continue;
      for (const partition of spec.keysOf(event)) {
        const key = `${rule.id}\n${partition}`;
        const entry = out.get(key) ?? { rule, partition, own: [] };
        entry.own.push(event);
        out.set(key, entry);
      }
    }
  }
  return [...out.values()];
}

/** Reads a summary (its verdict item and at most `maxValues` values) in one strongly consistent `Query`. */
export async function readSummary(
  store: Pick<FindingStore, 'readPartition'>,
  rule: Rule<RuleId>,
  partition: string,
  own: readonly IndexedEvent[],
  settings: DetectionSettings,
): Promise<SummaryRead> {
  const max = (rule.history as SummarySpec).maxValues(settings);
  const limit = max + 1;
  const items = await store.readPartition(summaryPartition(rule.id, partition), { consistent: true, limit });
  const verdictItem = items.find((i) => i[TABLE_SCHEMA.sortKey] === SUMMARY_VERDICT_SK);
  const values = items
    .filter((i) => i !== verdictItem && typeof i.value === 'string')
    .map((i) => i.value as string)
    .sort()
    .slice(0, max);
  return {
    rule,
    partition,
    own,
    summary: { values, more: items.length >= limit },
    ...(verdictItem ? { verdict: verdictOf(verdictItem) } : {}),
  };
}

function verdictOf(item: Record<string, unknown>): { judgedWith?: string; expiresAt?: number } {
  const ttl = item[TABLE_SCHEMA.timeToLiveAttribute];
  return {
    ...(typeof item.judgedWith === 'string' ? { judgedWith: item.judgedWith } : {}),
    ...(typeof ttl === 'number' ? { expiresAt: ttl } : {}),
  };
}

/** The verdicts on the file's own events, with the summary as read. */
function ownVerdicts(
  read: SummaryRead,
  settings: DetectionSettings,
  summary: SummaryValues,
): Map<string, Hit | undefined> {
  const out = new Map<string, Hit | undefined>();
  for (const event of read.own) {
    const v = read.rule.evaluate(event, { settings, summary });
    out.set(event.eventID, v.fires ? { rule: read.rule.id, detail: v.detail } : undefined);
  }
  return out;
}

/**
 * Whether judging the summary needs the index partition's events: to seed a summary with no verdict
 * item yet, or to give the earlier events their finding when the file's events fire and the verdict
 * item does not say that was done (with these settings).
 */
export function needsEvents(read: SummaryRead, settings: DetectionSettings): boolean {
  if (!read.verdict) return true;
  if (read.verdict.judgedWith === judgedWith(read.rule, settings)) return false;
  return [...ownVerdicts(read, settings, read.summary).values()].every((h) => h !== undefined);
}

export interface SummaryJudgement {
  /** Hits on the file's own events, by eventID. */
  readonly own: Map<string, Hit>;
  /** Hits on other events of the index partition (as its items hold them) that do not list the rule yet. */
  readonly others: { readonly event: IndexedEvent; readonly hit: Hit }[];
  /** Value items of events already in the index partition, missing from the summary (written before anything else). */
  readonly seed: TableItem[];
  /** The verdict item, to write once every hit is recorded; undefined when it stands as it is. */
  readonly verdict?: TableItem;
}

/**
 * Judges a summary: the file's own events, and, when `events` (the index partition's, read because
 * `needsEvents`) are given, the others. Pure.
 */
export function judgeSummary(
  read: SummaryRead,
  settings: DetectionSettings,
  events: readonly IndexedEvent[] | undefined,
  expiresAt: number | undefined,
): SummaryJudgement {
  const { rule } = read;
  const spec = rule.history as SummarySpec;
  const seed: TableItem[] = [];
  let summary = read.summary;
  if (!read.verdict && events) {
    const pk = summaryPartition(rule.id, read.partition);
    const known = new Set(summary.values);
    for (const event of events) {
      if (!rule.appliesTo(event)) continue;
      for (const value of spec.valuesOf(event)) {
        if (known.has(value)) continue;
        known.add(value);
        seed.push(valueItem(pk, value, expiresAt));
      }
    }
    summary = { values: [...known].sort(), more: summary.more };
  }
  const own = new Map<string, Hit>();
  let everyFires = true;
  for (const [eventID, hit] of ownVerdicts(read, settings, summary)) {
    if (hit) own.set(eventID, hit);
    else everyFires = false;
  }
  const others: { event: IndexedEvent; hit: Hit }[] = [];
  if (everyFires && events) {
    for (const event of events) {
      if (own.has(event.eventID) || !rule.appliesTo(event)) continue;
      const v = rule.evaluate(event, { settings, summary });
      if (!v.fires) everyFires = false;
      else if (!event.findings.includes(rule.id))
        others.push({ event, hit: { rule: rule.id, detail: v.detail } });
    }
  }
  // every event was judged firing only when the events were read (or the verdict item already said so)
  const signature = judgedWith(rule, settings);
  const judged = everyFires && (events !== undefined || read.verdict?.judgedWith === signature);
  const verdict = verdictToWrite(read, judged ? signature : undefined, expiresAt);
  return { own, others, seed, ...(verdict ? { verdict } : {}) };
}

function verdictToWrite(
  read: SummaryRead,
  judged: string | undefined,
  expiresAt: number | undefined,
): TableItem | undefined {
  const current = read.verdict;
  const stale = expiresAt !== undefined && (current?.expiresAt ?? 0) < expiresAt - VERDICT_REFRESH_SECONDS;
  if (current && current.judgedWith === judged && !stale) return undefined;
  return {
    pk: summaryPartition(read.rule.id, read.partition),
    sk: SUMMARY_VERDICT_SK,
    kind: 'summary',
    ...(judged !== undefined ? { judgedWith: judged } : {}),
    ...(expiresAt !== undefined ? { [TABLE_SCHEMA.timeToLiveAttribute]: expiresAt } : {}),
  };
}
